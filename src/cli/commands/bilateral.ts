import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatMinorUnits } from '../../cdr/currency.js';
import { NodeApiError } from '../../client/node-api-client.js';
import { plainStatementAction, signSettlementTx, statementAction } from '../../client/settlement-tx.js';
import { fromHex, toHex } from '../../codec/bytes.js';
import { formatOperatorPair, parseOperatorPair, type OperatorPair } from '../../reconciliation/pair.js';
import { ReconciliationInputError } from '../../reconciliation/errors.js';
import type { VerdictTolerances } from '../../reconciliation/verdict.js';
import { callViews } from '../../reconciliation/views-by-event.js';
import { pairGrossAmounts, pairStatement, settledTraffic, type PairStatement } from '../../settlement/bilateral/index.js';
import { signBilateralStatement } from '../../settlement/commitment/bilateral-statement.js';
import { signPlainStatement, type PlainBilateralStatement } from '../../settlement/plain-statement.js';
import { readCdrFiles } from '../cdr-files.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';
import { statementLinkProof } from '../link-proof.js';
import { TEST_LINK_LINES } from '../../proofs/link/link-circuit.js';
import { operatorBlsKey, operatorIdentity, periodInputs } from '../settlement-inputs.js';
import { tolerancesFrom, withToleranceOptions } from '../tolerance-options.js';

interface BilateralOptions {
  pair: string;
  mine: string[];
  theirs: string[];
  url: string;
  operator?: number;
  key?: string;
  blsKey?: string;
  toleranceDuration: string;
  toleranceCharge: string;
  toleranceVolume: string;
  out?: string;
  cosign?: string;
  json?: boolean;
  proven?: string[];
  linkLines: number;
}

/** A half-signed bilateral statement as the pair exchanges it: public fields, the tolerances it was computed under, one signature. */
export interface BilateralHalfJson {
  type: 'bilateral_statement';
  version: 1;
  chain: string;
  period: string;
  currency: string;
  first: number;
  second: number;
  /** Committed mode: the commitment (hex), no amount. */
  commitment?: { x: string; y: string };
  /** Plain mode (the consortium chose transparency): both gross directions, minor units (decimal). */
  amounts?: { firstOwesSecond: string; secondOwesFirst: string };
  tolerances: { durationSec: number; chargePpm: number; chargeMinor: string; volumeBytes: string };
  /** By PLMN id: BLS signatures (hex) over the statement's encoding. */
  signatures: Record<string, string>;
  settledCalls: number;
}

/**
 * cdrchain bilateral PERIOD --pair A-B: the pair's bilateral statement for a settlement period,
 * computed from the operator's own records and the counterparty's (--mine, --theirs: the calls both
 * recorded and agree on, under the tolerances), converted at the period's rates on chain, committed
 * with a blinding from the pair's agreement secret, and signed with the operator's BLS key. Without
 * --cosign it writes the half for the counterparty (--out); with --cosign it checks that the
 * counterparty's half is the statement its own records give, adds its signature and submits it.
 */
export function registerBilateral(program: Command): void {
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  const command = program
    .command('bilateral')
    .description("a pair's bilateral settlement statement from your records: compute and sign your half (--out), or check and co-sign the counterparty's (--cosign) and submit it")
    .argument('<period>', "a settlement period id of the consortium's rule, e.g. 2026-11")
    .requiredOption('--pair <a-b>', 'the pair, two PLMN ids (e.g. 20801-26201)')
    .requiredOption('--mine <file>', 'your CDRs of the pair (CSV, JSON or NDJSON); repeatable', collect)
    .requiredOption('--theirs <file>', "the counterparty's CDRs of the pair (opened from its sealed batches); repeatable", collect)
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--operator <plmn>', 'you, with the devnet keys and secrets (INSECURE)', parsePlmnOption)
    .option('--key <file>', 'your key file (batch key, agreement secrets)')
    .option('--bls-key <file>', 'your BLS key file (bls.key.json); default: the devnet key of --operator');
  withToleranceOptions(command)
    .option('--out <file>', 'write your signed half here for the counterparty')
    .option('--cosign <file>', "the counterparty's half: recompute it under its tolerances, sign it if your records give the same, and submit it")
    .option('--json', 'print a JSON summary')
    .option('--proven <file>', "with --cosign: proven-batch journals of both operators (cdrchain prove --save): the statement's link proof to the pair's proven traffic, which a consortium registering the link circuit requires; repeatable", collect)
    .option('--link-lines <n>', 'lines per (direction, currency) of the registered link circuit', parseIntOption('link-lines', 1, 5), TEST_LINK_LINES)
    .addHelpText('after', `
The amounts never leave the pair: the half carries the commitment, the tolerances and a signature
(in a plain-mode consortium, which chose transparency, the half and the chain carry both amounts).
Both operators compute the same statement from the same two record sets; a mismatch means the records
or the tolerances differ.
Exit codes: 0 done; 2 bad arguments or files; 3 the node refused, or the period is not ready (not
ended, no rate set); 4 the node could not be reached; 8 --cosign: your records give another statement.`)
    .action(async (period: string, o: BilateralOptions) => {
      let pair: OperatorPair;
      try {
        pair = parseOperatorPair(o.pair);
      } catch (err) {
        if (err instanceof ReconciliationInputError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
      const id = operatorIdentity(o, 'bilateral');
      if (id.me !== pair.a && id.me !== pair.b) throw new CliError(`operator ${id.me} is not in pair ${formatOperatorPair(pair)}`, EXIT.usage);
      const partner = id.me === pair.a ? pair.b : pair.a;
      const half = o.cosign ? readHalf(o.cosign) : undefined;
      // Co-signing: the tolerances are the ones the counterparty computed under, not this command's.
      const tolerances: VerdictTolerances = half
        ? { durationSec: half.tolerances.durationSec, chargePpm: half.tolerances.chargePpm, chargeMinor: BigInt(half.tolerances.chargeMinor), volumeBytes: BigInt(half.tolerances.volumeBytes) }
        : tolerancesFrom(o);
      const inputs = await periodInputs(o.url, period, id.me, id.keyFile);
      if (!inputs.consortium.includes(partner)) throw new CliError(`operator ${partner} is not in the node's consortium`, EXIT.usage);
      const mine = await readCdrFiles(o.mine, 'bilateral');
      const theirs = await readCdrFiles(o.theirs, 'bilateral');
      const pairOnly = (c: { submitter: number; counterparty: number }): boolean => (c.submitter === id.me && c.counterparty === partner) || (c.submitter === partner && c.counterparty === id.me);
      const traffic = settledTraffic(id.me, callViews(mine.filter(pairOnly), theirs.filter(pairOnly)), tolerances, inputs.window);
      const plain = inputs.view.mode === 'plain';
      // Plain mode: the amounts in the clear, no blinding (so no agreement secret is needed).
      const committed = plain ? undefined : pairStatement({
        chain: inputs.chain, periodId: inputs.view.period, operator: id.me, partner, lines: traffic.lines,
        rates: inputs.rates, conversionFeeRate: inputs.conversionFeeRate, pairSecret: id.pairSecret(partner),
      });
      const computed: ComputedStatement = committed === undefined
        ? plainPairStatement(inputs.chain, inputs.view.period, id.me, partner, pairGrossAmounts(traffic.lines, partner, inputs.rates, inputs.conversionFeeRate), inputs.rates.base)
        : committedStatement(committed);
      if (half) checkHalf(half, computed, partner, o.cosign!);
      const blsKey = operatorBlsKey(o.blsKey, id.me);
      const signature = computed.sign(blsKey);
      const out: BilateralHalfJson = {
        type: 'bilateral_statement', version: 1, chain: computed.statement.chain, period: computed.statement.periodId,
        currency: computed.statement.currency, first: computed.statement.first, second: computed.statement.second,
        ...computed.public,
        tolerances: { durationSec: tolerances.durationSec, chargePpm: tolerances.chargePpm, chargeMinor: tolerances.chargeMinor.toString(), volumeBytes: tolerances.volumeBytes.toString() },
        signatures: { ...(half?.signatures ?? {}), [String(id.me)]: toHex(signature) },
        settledCalls: traffic.settled,
      };
      if (o.out) writeFileSync(o.out, `${JSON.stringify(out, null, 2)}\n`);
      let submitted: { hash: string; status: string } | undefined;
      if (half) {
        const s = computed.statement;
        const sig = (plmn: number): Uint8Array => fromHex(out.signatures[String(plmn)]!, 96);
        // The link proof: the statement against the pair's proven billing (committed mode, with --proven).
        const linkProof = committed !== undefined && o.proven !== undefined
          ? await statementLinkProof({
              api: inputs.api, chain: inputs.chain, periodId: inputs.view.period, window: inputs.window, me: id.me, partner,
              lines: traffic.lines, rates: inputs.rates, statementBlinding: committed.opening.blinding, pairSecret: id.pairSecret(partner),
              journals: o.proven, linesPerCurrency: o.linkLines,
            })
          : undefined;
        const last = BigInt((await inputs.api.operator(id.me).catch((err: unknown) => { throw refused(err); })).lastSettlementSequence);
        const tx = signSettlementTx({
          submitter: id.me, sequence: last + 1n, period: s.periodId, chain: inputs.chain, seed: id.batchSeed,
          action: computed.action(sig(s.first), sig(s.second), linkProof),
        });
        const accepted = await inputs.api.submitContractTx(tx.frame).catch((err: unknown) => { throw refused(err); });
        submitted = { hash: accepted.hash, status: accepted.status };
      }
      const amount = `${computed.amount < 0n ? 'you pay' : 'you receive'} ${formatMinorUnits(computed.amount < 0n ? -computed.amount : computed.amount, inputs.rates.base)} ${inputs.rates.base}`;
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ...out, amount: computed.amount.toString(), leftOut: traffic.leftOut, ...(submitted ? { submitted } : {}) }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `bilateral statement ${formatOperatorPair(pair)} ${computed.statement.periodId}: ${traffic.settled} settled calls (left out: ${traffic.leftOut.differs} differing, ` +
          `${traffic.leftOut.onlyMine} only yours, ${traffic.leftOut.onlyTheirs} only theirs); ${amount}\n` +
          (submitted
            ? `signed by both operators and submitted: transaction ${submitted.hash} (${submitted.status})\n`
            : `signed by you${o.out ? `, written to ${o.out}` : ''}: the counterparty co-signs it (bilateral ${period} --pair ${o.pair} ... --cosign FILE)\n`),
      );
    });
}

/** The pair's statement as this operator computed it, in either mode: what the half shows, how it is signed and submitted. */
interface ComputedStatement {
  readonly statement: { chain: string; periodId: string; currency: string; first: number; second: number };
  /** The operator's side: receives (> 0) or pays (< 0). */
  readonly amount: bigint;
  readonly public: Pick<BilateralHalfJson, 'commitment' | 'amounts'>;
  sign(secretKey: Uint8Array): Uint8Array;
  action(firstSignature: Uint8Array, secondSignature: Uint8Array, linkProof?: Uint8Array): ReturnType<typeof statementAction>;
}

function committedStatement(p: PairStatement): ComputedStatement {
  const s = p.statement;
  return {
    statement: s, amount: p.amount,
    public: { commitment: { x: s.commitment.x.toString(16), y: s.commitment.y.toString(16) } },
    sign: (k) => signBilateralStatement(s, k),
    action: (firstSignature, secondSignature, linkProof) => statementAction({ statement: s, firstSignature, secondSignature }, linkProof),
  };
}

function plainPairStatement(chain: Uint8Array, periodId: string, me: number, partner: number, mine: { firstOwesSecond: bigint; secondOwesFirst: bigint }, currency: PlainBilateralStatement['currency']): ComputedStatement {
  const [first, second] = me < partner ? [me, partner] : [partner, me];
  // pairGrossAmounts is from `me`'s side: what it owes its partner, and what its partner owes it.
  const owes = me === first ? mine.firstOwesSecond : mine.secondOwesFirst;
  const owed = me === first ? mine.secondOwesFirst : mine.firstOwesSecond;
  const s: PlainBilateralStatement = { chain: Buffer.from(chain).toString('hex'), periodId, currency, first, second, firstOwesSecond: owes, secondOwesFirst: owed };
  const d = owes - owed;
  return {
    statement: s, amount: me === first ? -d : d,
    public: { amounts: { firstOwesSecond: owes.toString(), secondOwesFirst: owed.toString() } },
    sign: (k) => signPlainStatement(s, k),
    action: (firstSignature, secondSignature) => plainStatementAction({ statement: s, firstSignature, secondSignature }),
  };
}

function refused(err: unknown): CliError {
  if (err instanceof NodeApiError && err.code !== 'not_json') return new CliError(`the node refused: ${err.status} ${err.code}: ${err.message}`, EXIT.rejected);
  return new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
}

function readHalf(file: string): BilateralHalfJson {
  let j: Partial<BilateralHalfJson>;
  try {
    j = JSON.parse(readFileSync(file, 'utf8')) as Partial<BilateralHalfJson>;
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
  const t = j.tolerances;
  const ok = j.type === 'bilateral_statement' && j.version === 1 && typeof j.chain === 'string' && typeof j.period === 'string' && typeof j.currency === 'string' &&
    Number.isInteger(j.first) && Number.isInteger(j.second) &&
    ((typeof j.commitment?.x === 'string' && typeof j.commitment?.y === 'string') || (/^[0-9]{1,29}$/.test(String(j.amounts?.firstOwesSecond)) && /^[0-9]{1,29}$/.test(String(j.amounts?.secondOwesFirst)))) &&
    t !== undefined && Number.isInteger(t.durationSec) && Number.isInteger(t.chargePpm) && /^[0-9]+$/.test(String(t.chargeMinor)) && /^[0-9]+$/.test(String(t.volumeBytes)) &&
    typeof j.signatures === 'object' && j.signatures !== null && Object.values(j.signatures).every((s) => typeof s === 'string' && /^[0-9a-f]{192}$/.test(s));
  if (!ok) throw new CliError(`${file} is not a half-signed bilateral statement (cdrchain bilateral --out)`, EXIT.usage);
  return j as BilateralHalfJson;
}

/** The counterparty's half must be, field for field, the statement this operator's records give. */
function checkHalf(half: BilateralHalfJson, mine: ComputedStatement, partner: number, file: string): void {
  const s = mine.statement;
  const expected: [string, string, string][] = [
    ['chain', half.chain, s.chain], ['period', half.period, s.periodId], ['currency', half.currency, s.currency],
    ['pair', `${half.first}-${half.second}`, `${s.first}-${s.second}`],
  ];
  for (const [what, theirs, ours] of expected) if (theirs !== ours) throw new CliError(`${file} is for ${what} ${theirs}, not ${ours}`, EXIT.usage);
  if (half.signatures[String(partner)] === undefined) throw new CliError(`${file} carries no signature of ${partner}`, EXIT.usage);
  const ours = mine.public;
  if (ours.commitment !== undefined && (half.commitment?.x !== ours.commitment.x || half.commitment.y !== ours.commitment.y)) {
    throw new CliError(`your records give another statement than ${file} (the commitments differ: the settled calls or their amounts differ); not signed`, EXIT.verdictDisagrees);
  }
  if (ours.amounts !== undefined && (half.amounts?.firstOwesSecond !== ours.amounts.firstOwesSecond || half.amounts.secondOwesFirst !== ours.amounts.secondOwesFirst)) {
    const theirs = half.amounts ? `${half.amounts.firstOwesSecond} / ${half.amounts.secondOwesFirst}` : 'a commitment';
    throw new CliError(`your records give another statement than ${file} (the amounts differ: yours ${ours.amounts.firstOwesSecond} / ${ours.amounts.secondOwesFirst}, theirs ${theirs}); not signed`, EXIT.verdictDisagrees);
  }
}
