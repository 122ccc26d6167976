// An operator's settlement statement for one period: what it billed and was billed by each partner
// per service (in the currency of the traffic), converted to the settlement currency at the period's
// rates, the conversion and clearing fees it bears, its net position, and the transfer the settlement
// made. Built on the operator's side from what only it knows (its own gross amounts per partner and
// service, the openings of its bilateral statements and of its transfer) plus public chain data (the
// rate set, its fee share). It must balance: every partner's converted lines make that pair's
// bilateral amount, the partners make the net position, and the net position is the transfer.
//
// Conventions (docs/settlement.md, "Statements"): a bilateral amount and a net position are gross, in
// settlement-currency minor units, positive when the operator receives; the conversion fee of a line
// is borne by whoever is paid (receivable lines only) and, like the clearing fee, is invoiced beside
// the transfer, not netted into it, so net positions still sum to zero across the consortium.

import { CURRENCIES, isCurrency, type Currency } from '../../cdr/currency.js';
import type { ServiceName } from '../../cdr/model.js';
import { StatementUnbalancedError, UnknownCurrencyError } from '../errors.js';
import { convertMinorUnits, type Conversion } from '../fx/currency-conversion.js';
import { rateBetween, type FxRateSet } from '../fx/fx-rate-book.js';
import type { Rational } from '../fx/rational.js';

export interface StatementLineInput {
  readonly partner: number;
  readonly service: ServiceName;
  /** The currency the pair's traffic is billed in. */
  readonly currency: Currency;
  /** Minor units the partner owes this operator for the service (≥ 0). */
  readonly receivable: bigint;
  /** Minor units this operator owes the partner for the service (≥ 0). */
  readonly payable: bigint;
}

export interface OperatorStatementInput {
  readonly chain: string;
  readonly periodId: string;
  readonly operator: number;
  /** The accepted rate set of the period (its base is the settlement currency). */
  readonly rates: FxRateSet;
  /** The consortium's conversion fee rate. */
  readonly conversionFeeRate: Rational;
  readonly lines: readonly StatementLineInput[];
  /** Per partner: the signed amount of the pair's bilateral statement as this operator opens it (receives > 0). */
  readonly bilateral: readonly { readonly partner: number; readonly amount: bigint }[];
  /** The operator's settlement transfer as it opens it (receives > 0, pays < 0). */
  readonly transfer: bigint;
  /** The operator's part of the period's clearing fee (≥ 0). */
  readonly clearingFee: bigint;
  /**
   * The operator's share of the period's clearing fee as a block producer and validator, from the
   * final settlement's fee split (≥ 0; recorded on chain, paid outside the transfer: not in
   * amountAfterFees). 0 until final, and for an operator that does not validate.
   */
  readonly feeShare?: bigint;
  /**
   * Where the settlement stands on chain: final (with its height), awaiting approval, expired, or not
   * proposed yet (the statement is then a draft: the transfer is the operator's own netting).
   * `transfer_mismatch`: the chain's proposal holds a T_k for this operator that its own transfer
   * opening does not open (or none while it has a transfer): the figures are the operator's, NOT settled.
   * `transferOpens`: whether the opening was checked against the proposal's T_k and opens it.
   */
  readonly settlement: SettlementStanding;
}

export interface SettlementStanding {
  readonly status: 'not_proposed' | 'proposed' | 'final' | 'expired' | 'transfer_mismatch';
  readonly height?: number;
  readonly proposalId?: string;
  readonly transferOpens?: boolean;
  /** transfer_mismatch: why, in words. */
  readonly detail?: string;
}

export interface StatementLine extends StatementLineInput {
  readonly receivableConverted: Conversion;
  readonly payableConverted: Conversion;
  /** receivableConverted.gross − payableConverted.gross, settlement-currency minor units. */
  readonly net: bigint;
}

export interface PartnerTotal {
  readonly partner: number;
  readonly receivable: bigint;
  readonly payable: bigint;
  readonly net: bigint;
}

export interface OperatorStatement {
  readonly chain: string;
  readonly periodId: string;
  readonly operator: number;
  readonly currency: Currency;
  /** Rates used, major units of the settlement currency per major unit of each currency, in ISO order. */
  readonly rates: readonly { readonly currency: Currency; readonly rate: Rational }[];
  /** By partner (ascending), then service (as given). */
  readonly lines: readonly StatementLine[];
  readonly partners: readonly PartnerTotal[];
  readonly netPosition: bigint;
  readonly transfer: bigint;
  readonly conversionFees: bigint;
  readonly clearingFee: bigint;
  /** transfer − conversionFees − clearingFee: what the operator receives (> 0) or pays (< 0) in all. */
  readonly amountAfterFees: bigint;
  /** Its share of the clearing fee as producer and validator (recorded on chain, paid outside the transfer). */
  readonly feeShare: bigint;
  readonly settlement: OperatorStatementInput['settlement'];
}

/** Builds and checks a statement; StatementUnbalancedError when the figures do not add up. */
export function buildOperatorStatement(input: OperatorStatementInput): OperatorStatement {
  const base = input.rates.base;
  if (!isCurrency(base)) throw new UnknownCurrencyError(String(base));
  if (input.clearingFee < 0n) throw new StatementUnbalancedError('a clearing fee is never negative');
  if ((input.feeShare ?? 0n) < 0n) throw new StatementUnbalancedError('a fee share is never negative');
  const lines = [...input.lines]
    .map((l, i) => ({ l, i }))
    .sort((a, b) => a.l.partner - b.l.partner || a.i - b.i)
    .map(({ l }) => {
      if (l.partner === input.operator) throw new StatementUnbalancedError(`operator ${l.partner} cannot bill itself`);
      if (l.receivable < 0n || l.payable < 0n) throw new StatementUnbalancedError(`partner ${l.partner} ${l.service}: gross amounts are non-negative`);
      const rate = rateBetween(input.rates, l.currency, base);
      const receivableConverted = convertMinorUnits(l.receivable, l.currency, base, rate, input.conversionFeeRate);
      const payableConverted = convertMinorUnits(l.payable, l.currency, base, rate, input.conversionFeeRate);
      return Object.freeze({ ...l, receivableConverted, payableConverted, net: receivableConverted.gross - payableConverted.gross });
    });
  const partners: PartnerTotal[] = [];
  for (const line of lines) {
    const last = partners.at(-1);
    if (last?.partner === line.partner) {
      partners[partners.length - 1] = { partner: line.partner, receivable: last.receivable + line.receivableConverted.gross, payable: last.payable + line.payableConverted.gross, net: last.net + line.net };
    } else {
      partners.push({ partner: line.partner, receivable: line.receivableConverted.gross, payable: line.payableConverted.gross, net: line.net });
    }
  }
  const bilateral = new Map<number, bigint>();
  for (const b of input.bilateral) {
    if (bilateral.has(b.partner)) throw new StatementUnbalancedError(`partner ${b.partner} has two bilateral statements`);
    bilateral.set(b.partner, b.amount);
  }
  for (const p of partners) {
    const agreed = bilateral.get(p.partner);
    if (agreed === undefined) throw new StatementUnbalancedError(`partner ${p.partner} has lines but no bilateral statement`);
    if (agreed !== p.net) throw new StatementUnbalancedError(`with partner ${p.partner} the lines net to ${p.net} but the bilateral statement opens to ${agreed}`);
  }
  for (const partner of bilateral.keys()) {
    if (!partners.some((p) => p.partner === partner) && bilateral.get(partner) !== 0n) {
      throw new StatementUnbalancedError(`the bilateral statement with partner ${partner} opens to ${bilateral.get(partner)} but there are no lines for it`);
    }
  }
  const netPosition = partners.reduce((s, p) => s + p.net, 0n);
  if (netPosition !== input.transfer) throw new StatementUnbalancedError(`net position ${netPosition} is not the settlement transfer ${input.transfer}`);
  const conversionFees = lines.reduce((s, l) => s + l.receivableConverted.fee, 0n);
  const rates = CURRENCIES.filter((c) => c !== base && lines.some((l) => l.currency === c)).map((currency) => ({ currency, rate: rateBetween(input.rates, currency, base) }));
  return Object.freeze({
    chain: input.chain,
    periodId: input.periodId,
    operator: input.operator,
    currency: base,
    rates,
    lines,
    partners,
    netPosition,
    transfer: input.transfer,
    conversionFees,
    clearingFee: input.clearingFee,
    amountAfterFees: input.transfer - conversionFees - input.clearingFee,
    feeShare: input.feeShare ?? 0n,
    settlement: input.settlement,
  });
}
