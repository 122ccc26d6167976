import { pairCount } from '../settlement/commitment/committed-netting.js';
import { nettedKey, pairKey } from '../settlement/netting-contract.js';
import { isPeriodClosed, parsePeriodId } from '../settlement/settlement-period.js';
import type { GenesisSettlement } from './genesis-settlement.js';
import { CURRENCIES } from '../cdr/currency.js';
import { toHex } from '../codec/bytes.js';
import type { ApprovalPolicy } from '../settlement/approval/index.js';
import { readStoredSettlement } from './settlement-approval-state.js';
import { FX_RATES_ID, periodKey, PLAIN_MARKS, statementsId, type SlotReader } from './settlement-state.js';
import type { SettlementMode } from './genesis-settlement.js';
import type { Transfer } from '../settlement/netting-reference.js';

/** A settlement period as anyone may see it (GET /settlement/{period}): counts, never a pair or an amount. */
export interface SettlementPeriodView {
  period: string;
  /** ISO 8601 (UTC). */
  start: string;
  end: string;
  closesAt: string;
  /** The settlement currency and the conversion fee rate ("num/den"): the genesis rules statements are computed under. */
  currency: string;
  conversionFee: string;
  /** The consortium's settlement mode (genesis): committed (hidden amounts) or plain (amounts in the clear). */
  mode: SettlementMode;
  /** At the committed head: statements are taken once `ended`; records are refused once `closed`. */
  ended: boolean;
  closed: boolean;
  operators: number;
  /** Pairs of the consortium (every pair may hold one statement) and how many hold one. */
  pairs: number;
  statements: number;
  rateSet: boolean;
  /** The recorded rate set (present when `rateSet`): rates are public, exact fractions "num/den". */
  fx?: { base: string; override: boolean; rates: Record<string, string> };
  netted: boolean;
  /** The consortium's settlement bank (genesis), when it names one: transfer openings are sealed to `encryptionKey` (X25519, hex). */
  bank?: { id: number; encryptionKey: string };
  /** The settlement's approval at the committed head (docs/settlement.md, "Approval on chain"): public, no amount but the fee. */
  settlement: SettlementStatusView;
}

export type SettlementStatusView =
  | { status: 'none' }
  | {
      status: 'proposed';
      attempt: number;
      /** The proposal's id (hex): what approvals name. */
      id: string;
      proposer: number;
      proposedAt: number;
      deadline: number;
      /** Involved operators that signed, of how many. */
      operators: { signed: number; involved: number; missing: number[] };
      /** Voting power of the validators that signed; final needs more than `threshold` of `total`. */
      votingPower: { signed: string; total: string; threshold: string };
      /**
       * What approvers sign (with the chain, the period and the fields above): committed mode, T_k and the
       * consortium aggregate only; plain mode, the transfers in the clear (`transfers` then empty).
       */
      proposal: ProposalView;
    }
  | {
      status: 'final';
      attempt: number;
      id: string;
      finalAt: number;
      /** The clearing fee (minor units of the settlement currency, decimal strings) and its split. */
      fees: { fee: string; toProducers: string; toValidators: string; shares: { validator: number; amount: string }[] };
      /** Plain mode: the final transfers (minor units of the settlement currency, decimal strings). */
      plainTransfers?: PlainTransferView[];
      /** What was approved: each involved operator's T_k, which its statement (and the settlement bank) opens. */
      proposal: ProposalView;
    }
  | { status: 'expired'; attempt: number; id: string; deadline: number; expiredAt: number; proposal: ProposalView };

/** A stored proposal's public part: committed mode, commitments and the consortium aggregate only; plain mode, the transfers. */
export interface ProposalView { mode: SettlementMode; operators: number[]; transfers: { x: string; y: string }[]; plainTransfers?: PlainTransferView[]; settledVolume: string; clearingFee: string }

/** A plain-mode transfer as the API shows it: `from` pays `to` `amount` minor units (decimal string). */
export interface PlainTransferView {
  from: number;
  to: number;
  amount: string;
}

export function plainTransferViews(transfers: readonly Transfer[]): PlainTransferView[] {
  return transfers.map((t) => ({ from: t.from, to: t.to, amount: t.amount.toString() }));
}

/** Reads the period's settlement status at the committed head (expired: its deadline is below the next block). */
export function settlementStatusView(state: SlotReader, key: bigint, operators: readonly number[], policy: ApprovalPolicy | undefined, headHeight: number): SettlementStatusView {
  const s = readStoredSettlement(state, key, operators);
  if (s === undefined) return { status: 'none' };
  const proposal: ProposalView = {
    mode: s.plainTransfers ? 'plain' : 'committed',
    operators: [...s.involved],
    transfers: s.transfers.map((t) => ({ x: t.x.toString(16).padStart(64, '0'), y: t.y.toString(16).padStart(64, '0') })),
    ...(s.plainTransfers ? { plainTransfers: plainTransferViews(s.plainTransfers) } : {}),
    settledVolume: s.settledVolume.toString(),
    clearingFee: s.clearingFee.toString(),
  };
  if (s.status === 'final') {
    const f = s.fees!;
    return {
      status: 'final', attempt: s.attempt, id: s.id, finalAt: s.finalAt,
      fees: { fee: f.fee.toString(), toProducers: f.toProducers.toString(), toValidators: f.toValidators.toString(), shares: f.shares.map((x) => ({ validator: x.validator, amount: x.amount.toString() })) },
      // Plain mode: the final transfers at the top too (as before the proposal was shown here).
      ...(s.plainTransfers ? { plainTransfers: plainTransferViews(s.plainTransfers) } : {}),
      proposal,
    };
  }
  if (headHeight + 1 > s.deadline) return { status: 'expired', attempt: s.attempt, id: s.id, deadline: s.deadline, expiredAt: s.deadline + 1, proposal };
  let power = 0n;
  for (const i of s.signedValidatorIndices) power += BigInt(policy?.validators[i]?.votingPower ?? 0);
  return {
    status: 'proposed', attempt: s.attempt, id: s.id, proposer: s.proposer, proposedAt: s.proposedAt, deadline: s.deadline,
    operators: { signed: s.signedOperators.length, involved: s.involved.length, missing: s.involved.filter((op) => !s.signedOperators.includes(op)) },
    votingPower: { signed: power.toString(), total: (policy?.totalVotingPower ?? 0n).toString(), threshold: policy ? `${policy.threshold.num}/${policy.threshold.den}` : '2/3' },
    proposal,
  };
}

/** What the view reads: slots, and the statement slots of one period in key order. */
export interface SettlementStateReader extends SlotReader {
  /** Keys of the set slots of `id` in [from, to), ascending. */
  slotKeysIn(id: Uint8Array, from: bigint, to: bigint): Iterable<bigint>;
}

/** The period named `id` at the committed head (PeriodFormatError for an id the rule does not name). */
export function settlementPeriodView(
  state: SettlementStateReader, rules: GenesisSettlement, operators: number, headTimestampMs: bigint, id: string,
  approval: { readonly operators: readonly number[]; readonly policy: ApprovalPolicy | undefined; readonly headHeight: number } = { operators: [], policy: undefined, headHeight: 0 },
): SettlementPeriodView {
  const p = parsePeriodId(rules.periods, id);
  const key = periodKey(p);
  const pairs = operators >= 2 ? pairCount(operators) : 0;
  const contract = statementsId(rules.mode);
  // A statement sets one word of its pair or both (storing 0 deletes a slot): count distinct pairs.
  const withStatement = new Set<bigint>();
  for (const k of state.slotKeysIn(contract, pairKey(key, 0, 0), pairKey(key, 0, 0) + 2n * BigInt(pairs))) withStatement.add((k - pairKey(key, 0, 0)) >> 1n);
  if (rules.mode === 'plain') {
    // A plain statement of two zero amounts sets only its mark (settlement-state.ts).
    const marks = (key << 32n) + PLAIN_MARKS;
    for (const k of state.slotKeysIn(contract, marks, marks + BigInt(pairs))) withStatement.add(k - marks);
  }
  const mark = state.slot(FX_RATES_ID, (key << 32n) | 0xffff_ffffn);
  let fx: SettlementPeriodView['fx'];
  if (mark !== 0n) {
    // The set's slots (settlement-state.ts): currency i at (k << 32) + 2i (numerator) and + 1 (denominator), in CURRENCIES order.
    const rates: Record<string, string> = {};
    CURRENCIES.forEach((c, i) => {
      const num = state.slot(FX_RATES_ID, (key << 32n) + BigInt(2 * i));
      const den = state.slot(FX_RATES_ID, (key << 32n) + BigInt(2 * i + 1));
      if (num !== 0n && den !== 0n) rates[c] = `${num}/${den}`;
    });
    fx = { base: rules.currency, override: mark === 2n, rates };
  }
  const iso = (ms: bigint): string => new Date(Number(ms)).toISOString();
  return {
    period: p.id,
    start: iso(BigInt(p.startSeconds) * 1000n),
    end: iso(BigInt(p.endSeconds) * 1000n),
    closesAt: iso(p.closesAtMs),
    currency: rules.currency,
    conversionFee: `${rules.feeRate.num}/${rules.feeRate.den}`,
    mode: rules.mode,
    ended: headTimestampMs >= BigInt(p.endSeconds) * 1000n,
    closed: isPeriodClosed(p, headTimestampMs),
    operators,
    pairs,
    statements: withStatement.size,
    rateSet: mark !== 0n,
    ...(fx ? { fx } : {}),
    netted: state.slot(contract, nettedKey(key)) !== 0n,
    ...(rules.bank ? { bank: { id: rules.bank.id, encryptionKey: toHex(rules.bank.encryptionKey) } } : {}),
    settlement: settlementStatusView(state, key, approval.operators, approval.policy, approval.headHeight),
  };
}
