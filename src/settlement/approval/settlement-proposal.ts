// A settlement proposal: for one closed period, the outcome of the netting that every involved
// operator and a consortium threshold of validators approve with BLS before it is final. The bytes
// signed are fixed UTF-8 lines (like bilateral statements and rate sets), so a signature names the
// chain, the period, the attempt and every transfer, and does not carry over to another proposal.

import { isCurrency, type Currency } from '../../cdr/currency.js';
import { sha256 } from '../../crypto/hash.js';
import { AmountError, NettingInputError, UnknownCurrencyError } from '../errors.js';
import { MAX_AMOUNT } from '../fx/currency-conversion.js';
import { checkOperators, type Transfer } from '../netting-reference.js';
import { commitmentFromAffine, type AffinePoint } from '../commitment/pedersen.js';

/** Committed mode: T_k per involved operator, in `operators` order; plain mode: the pairwise transfers. */
export type SettlementOutcome =
  | { readonly mode: 'committed'; readonly transfers: readonly AffinePoint[] }
  | { readonly mode: 'plain'; readonly transfers: readonly Transfer[] };

export interface SettlementProposal {
  /** The chain's identity (genesis hash, hex). */
  readonly chain: string;
  readonly periodId: string;
  /** The settlement currency. */
  readonly currency: Currency;
  /** The operators involved, in consortium order (2 or more). */
  readonly operators: readonly number[];
  readonly outcome: SettlementOutcome;
  /**
   * What changes hands, in minor units: the base of the clearing fee. In plain mode the sum of the
   * transfers (checked); in committed mode a consortium aggregate the settlement bank computes from
   * the transfers opened to it and the involved operators approve (third parties learn this one sum).
   */
  readonly settledVolume: bigint;
  /** settledVolume · clearingFeeRate, rounded half to even (checked against the policy). */
  readonly clearingFee: bigint;
  /** The last block height at which approvals count. */
  readonly deadlineHeight: number;
  /** 1 for a period's first proposal, one more after each expiry: old approvals never count again. */
  readonly attempt: number;
  /** Who proposed (an involved operator). */
  readonly proposer: number;
}

/** Validates a proposal's shape and returns a frozen copy; NettingInputError, AmountError otherwise. */
export function settlementProposal(p: SettlementProposal): SettlementProposal {
  if (!isCurrency(p.currency)) throw new UnknownCurrencyError(String(p.currency));
  const index = checkOperators(p.operators);
  const n = p.operators.length;
  if (n < 2) throw new NettingInputError('a settlement involves at least two operators');
  if (!index.has(p.proposer)) throw new NettingInputError(`proposer ${p.proposer} is not an involved operator`);
  if (!Number.isSafeInteger(p.deadlineHeight) || p.deadlineHeight < 1) throw new NettingInputError('deadlineHeight must be a positive integer');
  if (!Number.isSafeInteger(p.attempt) || p.attempt < 1) throw new NettingInputError('attempt must be a positive integer');
  for (const [name, v] of [['settledVolume', p.settledVolume], ['clearingFee', p.clearingFee]] as const) {
    if (typeof v !== 'bigint' || v < 0n || v >= MAX_AMOUNT) throw new AmountError(`${name} must be a non-negative integer below 2^96`);
  }
  let outcome: SettlementOutcome;
  if (p.outcome.mode === 'committed') {
    if (p.outcome.transfers.length !== n) throw new NettingInputError(`committed mode needs one transfer commitment per operator (${n}), got ${p.outcome.transfers.length}`);
    p.outcome.transfers.forEach((t) => commitmentFromAffine(t));
    outcome = { mode: 'committed', transfers: Object.freeze(p.outcome.transfers.map((t) => Object.freeze({ x: t.x, y: t.y }))) };
  } else {
    const transfers = p.outcome.transfers;
    if (transfers.length > n - 1) throw new NettingInputError(`at most ${n - 1} transfers settle ${n} operators, got ${transfers.length}`);
    let volume = 0n;
    for (const t of transfers) {
      if (!index.has(t.from) || !index.has(t.to) || t.from === t.to) throw new NettingInputError(`transfer ${t.from} → ${t.to} is not between two involved operators`);
      if (typeof t.amount !== 'bigint' || t.amount <= 0n || t.amount >= MAX_AMOUNT) throw new AmountError(`transfer ${t.from} → ${t.to} must be positive and below 2^96`);
      volume += t.amount;
    }
    if (volume !== p.settledVolume) throw new NettingInputError(`settledVolume ${p.settledVolume} is not the transfers' sum ${volume}`);
    outcome = { mode: 'plain', transfers: Object.freeze(transfers.map((t) => Object.freeze({ from: t.from, to: t.to, amount: t.amount }))) };
  }
  return Object.freeze({ ...p, operators: Object.freeze([...p.operators]), outcome: Object.freeze(outcome) });
}

/** The bytes every approver signs. */
export function encodeSettlementProposal(p: SettlementProposal): Uint8Array {
  const lines = [
    'cdrchain settlement-proposal v1',
    `chain=${p.chain}`,
    `period=${p.periodId}`,
    `attempt=${p.attempt}`,
    `currency=${p.currency}`,
    `operators=${p.operators.join(',')}`,
    `proposer=${p.proposer}`,
    `mode=${p.outcome.mode}`,
    `volume=${p.settledVolume}`,
    `fee=${p.clearingFee}`,
    `deadline=${p.deadlineHeight}`,
  ];
  if (p.outcome.mode === 'committed') p.outcome.transfers.forEach((t, k) => lines.push(`T${k}=${t.x.toString(16)},${t.y.toString(16)}`));
  else p.outcome.transfers.forEach((t) => lines.push(`transfer=${t.from}>${t.to}:${t.amount}`));
  return new TextEncoder().encode(lines.join('\n'));
}

/** SHA-256 of the encoding, hex: how the API and events name a proposal. */
export function proposalId(p: SettlementProposal): string {
  return Buffer.from(sha256(encodeSettlementProposal(p))).toString('hex');
}
