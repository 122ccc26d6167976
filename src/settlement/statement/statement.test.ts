import { describe, expect, it } from 'vitest';
import { SettlementError } from '../errors.js';
import { fxRateSet, type FxRateSet } from '../fx/fx-rate-book.js';
import { parseDecimal, rational } from '../fx/rational.js';
import { buildOperatorStatement, type OperatorStatementInput, type StatementLineInput } from './operator-statement.js';
import { csvCell, statementToCsv } from './statement-csv.js';
import { statementToHtml } from './statement-html.js';
import { statementToJson } from './statement-json.js';

const rates: FxRateSet = fxRateSet({
  chain: 'c0ffee',
  periodId: '2026-11',
  base: 'XDR',
  rates: new Map([
    ['EUR', parseDecimal('0.8731')],
    ['GBP', parseDecimal('1.0214')],
    ['USD', parseDecimal('0.7532')],
  ]),
  override: false,
});
const FEE = rational(15n, 10_000n);

/** Traffic of a three-operator consortium as (debtor owes creditor) per service, in the pair's currency. */
const TRAFFIC: readonly { debtor: number; creditor: number; service: StatementLineInput['service']; currency: StatementLineInput['currency']; amount: bigint }[] = [
  { debtor: 101, creditor: 202, service: 'voice_mo', currency: 'EUR', amount: 1_234_567n },
  { debtor: 202, creditor: 101, service: 'voice_mo', currency: 'EUR', amount: 234_001n },
  { debtor: 101, creditor: 202, service: 'data', currency: 'EUR', amount: 98_765_433n },
  { debtor: 202, creditor: 303, service: 'sms_mo', currency: 'GBP', amount: 55_555n },
  { debtor: 303, creditor: 202, service: 'data', currency: 'GBP', amount: 7_777_777n },
  { debtor: 303, creditor: 101, service: 'voice_mt', currency: 'USD', amount: 4_000_003n },
];

/** Operator `op`'s view: its lines, and its bilateral amounts and transfer as it would open them. */
function inputFor(op: number): OperatorStatementInput {
  const lines: StatementLineInput[] = [];
  for (const t of TRAFFIC) {
    if (t.creditor === op) lines.push({ partner: t.debtor, service: t.service, currency: t.currency, receivable: t.amount, payable: 0n });
    if (t.debtor === op) lines.push({ partner: t.creditor, service: t.service, currency: t.currency, receivable: 0n, payable: t.amount });
  }
  return buildUnchecked(op, lines);
}

function buildUnchecked(op: number, lines: StatementLineInput[]): OperatorStatementInput {
  // The pair agreed its bilateral amounts from the same converted lines; the netting made the transfer.
  const probe = (bilateral: OperatorStatementInput['bilateral'], transfer: bigint): OperatorStatementInput => ({
    chain: 'c0ffee',
    periodId: '2026-11',
    operator: op,
    rates,
    conversionFeeRate: FEE,
    lines,
    bilateral,
    transfer,
    clearingFee: 42n,
    settlement: { status: 'final', height: 1234, proposalId: 'ab'.repeat(32) },
  });
  const partners = [...new Set(lines.map((l) => l.partner))].sort((a, b) => a - b);
  let total = 0n;
  const bilateral = partners.map((partner) => {
    let amount = 0n;
    for (const l of lines.filter((x) => x.partner === partner)) {
      const r = buildLine(l);
      amount += r;
    }
    total += amount;
    return { partner, amount };
  });
  return probe(bilateral, total);
}

function buildLine(l: StatementLineInput): bigint {
  // Converted independently of the code under test: exact rational, rounded half to even, by hand.
  const rate = rates.rates.get(l.currency)!;
  const expFrom = 2n;
  const expTo = 6n;
  const conv = (a: bigint): bigint => {
    const num = a * rate.num * 10n ** expTo;
    const den = rate.den * 10n ** expFrom;
    const q = num / den;
    const r = num % den;
    return 2n * r > den || (2n * r === den && q % 2n === 1n) ? q + 1n : q;
  };
  return conv(l.receivable) - conv(l.payable);
}

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof SettlementError) return e.code;
    throw e;
  }
  throw new Error('expected a SettlementError');
};

describe('operator statements', () => {
  it('balance for every operator, and the consortium’s net positions sum to zero', () => {
    const statements = [101, 202, 303].map((op) => buildOperatorStatement(inputFor(op)));
    expect(statements.reduce((s, x) => s + x.netPosition, 0n)).toBe(0n);
    const s101 = statements[0]!;
    expect(s101.partners.map((p) => p.partner)).toEqual([202, 303]);
    expect(s101.rates.map((r) => r.currency)).toEqual(['EUR', 'USD']);
    // Fees: 0.15 % of each receivable line's converted gross, and the clearing fee share.
    expect(s101.conversionFees).toBe(s101.lines.reduce((s, l) => s + l.receivableConverted.fee, 0n));
    expect(s101.amountAfterFees).toBe(s101.transfer - s101.conversionFees - 42n);
    // 202 → 101 voice EUR 2,340.01 at 0.8731 = 2,043.062731 XDR, rounded to 2,043.062731 (6 decimals).
    const line = s101.lines.find((l) => l.partner === 202 && l.service === 'voice_mo' && l.receivable > 0n)!;
    expect(line.receivableConverted.gross).toBe(2_043_062_731n);
    expect(line.receivableConverted.fee).toBe(3_064_594n);
  });

  it('refuses figures that do not add up', () => {
    const good = inputFor(101);
    expect(code(() => buildOperatorStatement({ ...good, transfer: good.transfer + 1n }))).toBe('statement_unbalanced');
    expect(code(() => buildOperatorStatement({ ...good, bilateral: good.bilateral.map((b, i) => (i === 0 ? { ...b, amount: b.amount - 1n } : b)) }))).toBe('statement_unbalanced');
    expect(code(() => buildOperatorStatement({ ...good, bilateral: good.bilateral.slice(1) }))).toBe('statement_unbalanced');
    expect(code(() => buildOperatorStatement({ ...good, bilateral: [...good.bilateral, { partner: 404, amount: 5n }] }))).toBe('statement_unbalanced');
    expect(code(() => buildOperatorStatement({ ...good, lines: [...good.lines, { partner: 101, service: 'data', currency: 'EUR', receivable: 1n, payable: 0n }] }))).toBe('statement_unbalanced');
  });

  it('refuses a line in a currency the period has no rate for', () => {
    const good = inputFor(101);
    expect(code(() => buildOperatorStatement({ ...good, lines: [...good.lines, { partner: 202, service: 'data', currency: 'INR', receivable: 100n, payable: 0n }] }))).toBe('missing_rate');
  });

  it('renders JSON with exact decimal strings, CSV that defuses formulas, and escaped HTML', () => {
    const s = buildOperatorStatement(inputFor(202));
    const json = statementToJson(s) as { netPosition: { minor: string; major: string }; lines: unknown[] };
    expect(BigInt(json.netPosition.minor)).toBe(s.netPosition);
    expect(json.netPosition.major).toMatch(/^-?\d+\.\d{6}$/);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const csv = statementToCsv(s);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^record,partner,service,currency,receivable,payable,rate,receivable_XDR/);
    expect(rows.filter((r) => r.startsWith('line,'))).toHaveLength(s.lines.length);
    expect(rows.at(-3)).toMatch(/^total,,amount_after_fees,XDR,/);
    expect(rows.at(-2)).toMatch(/^total,,fee_share_received,XDR,/);
    expect(rows.at(-1)).toBe(`settlement,,final,XDR,,,,,,,${'ab'.repeat(32)}`);
    expect(csv).toContain(',-0.000042\r\n'); // clearing fee, as a number, not defused
    expect([csvCell('=HYPERLINK("x")'), csvCell('@sum'), csvCell('-12.5'), csvCell('a,b')]).toEqual([`"'=HYPERLINK(""x"")"`, "'@sum", '-12.5', '"a,b"']);
    const html = statementToHtml({ ...s, chain: '<script>alert(1)</script>', settlement: { status: 'proposed', proposalId: '"><img src=x>' } });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toMatch(/<caption>Traffic by partner and service<\/caption>/);
    expect((html.match(/<tr><td>/g) ?? []).length).toBe(s.lines.length);
    // A transfer the chain does not settle is never shown as settled.
    const mismatch = statementToHtml({ ...s, settlement: { status: 'transfer_mismatch', proposalId: 'cd'.repeat(32), detail: 'does not <open>' } });
    expect(mismatch).toContain('role="alert"');
    expect(mismatch).toContain('NOT SETTLED');
    expect(mismatch).toContain('does not &lt;open&gt;');
    expect(statementToCsv({ ...s, settlement: { status: 'transfer_mismatch' } }).trimEnd().split('\r\n').at(-1)).toMatch(/^settlement,,transfer_mismatch,/);
  });

  it('carries the fee share received beside the fees borne, outside the amount after fees', () => {
    const s = buildOperatorStatement({ ...inputFor(101), feeShare: 17n });
    expect(s.feeShare).toBe(17n);
    expect(s.amountAfterFees).toBe(s.transfer - s.conversionFees - 42n);
    expect((statementToJson(s) as { feeShare: { minor: string } }).feeShare.minor).toBe('17');
    expect(code(() => buildOperatorStatement({ ...inputFor(101), feeShare: -1n }))).toBe('statement_unbalanced');
  });
});
