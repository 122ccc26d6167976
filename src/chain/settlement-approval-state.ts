import type { Currency } from '../cdr/currency.js';
import { approvalProgress, type ApprovalPolicy, type FeeSplit, type PeriodSettlement, type SettlementApproval, type SettlementProposal } from '../settlement/approval/index.js';
import type { AffinePoint } from '../settlement/commitment/pedersen.js';
import type { Transfer } from '../settlement/netting-reference.js';
import { systemContractId } from '../vm/system/index.js';
import type { SlotReader } from './settlement-state.js';

/**
 * Where the chain keeps each period's settlement approval (docs/settlement.md, "Approval on
 * chain"): system-contract slots of `settlement-approval`, written by the block that applies a
 * proposal or an approval (in its LMDB transaction and its state root), never a Map in memory. A
 * block builds a SettlementBook for the one period from these slots, applies the transaction
 * through it, and writes the resulting state back.
 *
 * Period key k (start in unix seconds), base b = k << 32:
 * - b+0 status (1 proposed, 2 final; 0 none), b+1 attempt, b+2 proposer, b+3 deadline height,
 *   b+4 settled volume, b+5 clearing fee, b+6 height proposed, b+7 height final, b+8 the proposal
 *   id (SHA-256 as a word), b+9..b+11 the aggregate signature (96 bytes, three words),
 *   b+12 producers' part of the fee, b+13 validators' part, b+14 the mode (2: plain; unset: committed,
 *   so committed-mode state roots are as before), b+15 the number of plain transfers;
 * - b+0x100+w: bitmap of the involved operators (consortium index), b+0x200+w: of the operators
 *   that signed, b+0x300+w: of the validators that signed (index in the policy's validator list);
 * - b+0x10000+2i, +1: T_i (x, y) of the i-th involved operator; plain mode: b+0x10000+t the t-th
 *   transfer, one word from << 224 | to << 192 | amount (the plain netting contract's output);
 * - b+0x20000: number of fee shares, b+0x20001+2s, +1: share s (validator id, amount).
 *
 * Expiry is read, not written: a proposal whose deadline is below a block's height is expired for
 * that block (SettlementBook's `live`), so every validator sees it expire at the same height in
 * block order without a write; the next proposal overwrites the slots as attempt + 1.
 */
export const APPROVALS_ID = systemContractId('settlement-approval');

const STATUS = 0n;
const ATTEMPT = 1n;
const PROPOSER = 2n;
const DEADLINE = 3n;
const VOLUME = 4n;
const FEE = 5n;
const PROPOSED_AT = 6n;
const FINAL_AT = 7n;
const PROPOSAL_ID = 8n;
const SIGNATURE = 9n;
const TO_PRODUCERS = 12n;
const TO_VALIDATORS = 13n;
const MODE = 14n;
const PLAIN_COUNT = 15n;
const MODE_PLAIN = 2n;
const INVOLVED = 0x100n;
const SIGNED_OPERATORS = 0x200n;
const SIGNED_VALIDATORS = 0x300n;
const TRANSFERS = 0x1_0000n;
const SHARES = 0x2_0000n;
const BITMAP_WORDS = 8; // 2,048 bits: every committed-mode consortium (MAX_COMMITTED_OPERATORS = 2047)
/** Most consortium operators whose settlement the approval state can record (its bitmaps); plain netting itself takes 4,095. */
export const MAX_APPROVAL_OPERATORS = BITMAP_WORDS * 256;

const STATUS_PROPOSED = 1n;
const STATUS_FINAL = 2n;

export interface ApprovalContext {
  readonly chain: string;
  readonly currency: Currency;
  /** Consortium order (PLMN ascending). */
  readonly operators: readonly number[];
  readonly policy: ApprovalPolicy;
}

/** What is stored of a period's settlement, without the policy (the view's and the approver's reading). */
export interface StoredSettlement {
  readonly status: 'proposed' | 'final';
  readonly attempt: number;
  readonly proposer: number;
  readonly deadline: number;
  readonly proposedAt: number;
  readonly finalAt: number;
  readonly settledVolume: bigint;
  readonly clearingFee: bigint;
  /** Hex. */
  readonly id: string;
  readonly involved: readonly number[];
  /** Committed mode: T_k per involved operator (empty in plain mode). */
  readonly transfers: readonly AffinePoint[];
  /** Plain mode: the netting's transfers (absent in committed mode). */
  readonly plainTransfers?: readonly Transfer[];
  readonly signedOperators: readonly number[];
  /** Indices in the policy's validator list (ascending id). */
  readonly signedValidatorIndices: readonly number[];
  readonly signature: Uint8Array;
  readonly fees?: FeeSplit;
}

function bitmapWrites(base: bigint, indices: readonly number[]): [bigint, bigint][] {
  const words = new Array<bigint>(BITMAP_WORDS).fill(0n);
  for (const i of indices) words[i >> 8] = words[i >> 8]! | (1n << BigInt(i & 0xff));
  return words.map((w, i) => [base + BigInt(i), w]);
}

function bitmapRead(state: SlotReader, base: bigint): number[] {
  const out: number[] = [];
  for (let w = 0; w < BITMAP_WORDS; w++) {
    const word = state.slot(APPROVALS_ID, base + BigInt(w));
    if (word === 0n) continue;
    for (let b = 0; b < 256; b++) if ((word >> BigInt(b)) & 1n) out.push(w * 256 + b);
  }
  return out;
}

function signatureWords(sig: Uint8Array): bigint[] {
  const hex = Buffer.from(sig).toString('hex');
  return [0, 1, 2].map((i) => BigInt(`0x${hex.slice(64 * i, 64 * (i + 1))}`));
}

function signatureFrom(words: readonly bigint[]): Uint8Array {
  return Uint8Array.from(Buffer.from(words.map((w) => w.toString(16).padStart(64, '0')).join(''), 'hex'));
}

/** The stored settlement of the period with key `key`, or undefined (never proposed). */
export function readStoredSettlement(state: SlotReader, key: bigint, operators: readonly number[]): StoredSettlement | undefined {
  const b = key << 32n;
  const at = (o: bigint): bigint => state.slot(APPROVALS_ID, b + o);
  const status = at(STATUS);
  if (status !== STATUS_PROPOSED && status !== STATUS_FINAL) return undefined;
  const involved = bitmapRead(state, b + INVOLVED).map((i) => operators[i]!);
  const plain = at(MODE) === MODE_PLAIN;
  const transfers = plain ? [] : involved.map((_, i) => ({ x: at(TRANSFERS + BigInt(2 * i)), y: at(TRANSFERS + BigInt(2 * i + 1)) }));
  const plainTransfers = plain
    ? Array.from({ length: Number(at(PLAIN_COUNT)) }, (_, t) => {
        const w = at(TRANSFERS + BigInt(t));
        return { from: Number(w >> 224n), to: Number((w >> 192n) & 0xffff_ffffn), amount: w & ((1n << 192n) - 1n) };
      })
    : undefined;
  let fees: FeeSplit | undefined;
  if (status === STATUS_FINAL) {
    const count = Number(at(SHARES));
    const shares = Array.from({ length: count }, (_, s) => ({ validator: Number(at(SHARES + 1n + BigInt(2 * s))), amount: at(SHARES + 2n + BigInt(2 * s)) }));
    fees = Object.freeze({ fee: at(FEE), toProducers: at(TO_PRODUCERS), toValidators: at(TO_VALIDATORS), shares: Object.freeze(shares) });
  }
  return {
    status: status === STATUS_FINAL ? 'final' : 'proposed',
    attempt: Number(at(ATTEMPT)),
    proposer: Number(at(PROPOSER)),
    deadline: Number(at(DEADLINE)),
    proposedAt: Number(at(PROPOSED_AT)),
    finalAt: Number(at(FINAL_AT)),
    settledVolume: at(VOLUME),
    clearingFee: at(FEE),
    id: at(PROPOSAL_ID).toString(16).padStart(64, '0'),
    involved,
    transfers,
    ...(plainTransfers ? { plainTransfers } : {}),
    signedOperators: bitmapRead(state, b + SIGNED_OPERATORS).map((i) => operators[i]!),
    signedValidatorIndices: bitmapRead(state, b + SIGNED_VALIDATORS),
    signature: signatureFrom([at(SIGNATURE), at(SIGNATURE + 1n), at(SIGNATURE + 2n)]),
    ...(fees ? { fees } : {}),
  };
}

/** The proposal a stored settlement was made from (its bytes are what every approver signs). */
export function storedProposal(s: StoredSettlement, periodId: string, ctx: Pick<ApprovalContext, 'chain' | 'currency'>): SettlementProposal {
  return {
    chain: ctx.chain,
    periodId,
    currency: ctx.currency,
    operators: s.involved,
    outcome: s.plainTransfers !== undefined ? { mode: 'plain', transfers: s.plainTransfers } : { mode: 'committed', transfers: s.transfers },
    settledVolume: s.settledVolume,
    clearingFee: s.clearingFee,
    deadlineHeight: s.deadline,
    attempt: s.attempt,
    proposer: s.proposer,
  };
}

/** The period's state as SettlementBook holds it, from the slots (undefined: never proposed). */
export function readPeriodSettlement(state: SlotReader, key: bigint, periodId: string, ctx: ApprovalContext): PeriodSettlement | undefined {
  const s = readStoredSettlement(state, key, ctx.operators);
  if (s === undefined) return undefined;
  const proposal = storedProposal(s, periodId, ctx);
  const approval: SettlementApproval = {
    operators: s.signedOperators,
    validators: s.signedValidatorIndices.map((i) => ctx.policy.validators[i]!.id),
    signature: s.signature,
  };
  if (s.status === 'final') return Object.freeze({ status: 'final', id: s.id, proposal, approval, finalAt: s.finalAt, fees: s.fees! });
  return Object.freeze({ status: 'proposed', id: s.id, proposal, proposedAt: s.proposedAt, approval, progress: approvalProgress(ctx.policy, proposal, approval) });
}

/** The slot writes that record `next` (proposed or final) for the period with key `key`. */
export function periodSettlementWrites(key: bigint, next: PeriodSettlement, ctx: ApprovalContext): [bigint, bigint][] {
  if (next.status === 'expired') throw new RangeError('expiry is read from the deadline, never written');
  const b = key << 32n;
  const p = next.proposal;
  const indexOf = (op: number): number => ctx.operators.indexOf(op);
  const out: [bigint, bigint][] = [
    [b + STATUS, next.status === 'final' ? STATUS_FINAL : STATUS_PROPOSED],
    [b + ATTEMPT, BigInt(p.attempt)],
    [b + PROPOSER, BigInt(p.proposer)],
    [b + DEADLINE, BigInt(p.deadlineHeight)],
    [b + VOLUME, p.settledVolume],
    [b + FEE, p.clearingFee],
    [b + PROPOSAL_ID, BigInt(`0x${next.id}`)],
    ...signatureWords(next.approval.signature).map((w, i): [bigint, bigint] => [b + SIGNATURE + BigInt(i), w]),
    ...bitmapWrites(b + INVOLVED, p.operators.map(indexOf)),
    ...bitmapWrites(b + SIGNED_OPERATORS, next.approval.operators.map(indexOf)),
    ...bitmapWrites(b + SIGNED_VALIDATORS, next.approval.validators.map((id) => ctx.policy.validators.findIndex((v) => v.id === id))),
  ];
  if (p.outcome.mode === 'committed') {
    p.outcome.transfers.forEach((t, i) => out.push([b + TRANSFERS + BigInt(2 * i), t.x], [b + TRANSFERS + BigInt(2 * i + 1), t.y]));
  } else {
    out.push([b + MODE, MODE_PLAIN], [b + PLAIN_COUNT, BigInt(p.outcome.transfers.length)]);
    p.outcome.transfers.forEach((t, i) => out.push([b + TRANSFERS + BigInt(i), (BigInt(t.from) << 224n) | (BigInt(t.to) << 192n) | t.amount]));
  }
  if (next.status === 'proposed') {
    out.push([b + PROPOSED_AT, BigInt(next.proposedAt)], [b + FINAL_AT, 0n]);
  } else {
    out.push([b + FINAL_AT, BigInt(next.finalAt)], [b + TO_PRODUCERS, next.fees.toProducers], [b + TO_VALIDATORS, next.fees.toValidators], [b + SHARES, BigInt(next.fees.shares.length)]);
    next.fees.shares.forEach((s, i) => out.push([b + SHARES + 1n + BigInt(2 * i), BigInt(s.validator)], [b + SHARES + 2n + BigInt(2 * i), s.amount]));
  }
  return out;
}
