import type { Currency } from '../cdr/currency.js';
import { toHex } from '../codec/bytes.js';
import type { SettlementAction } from '../codec/settlement-tx.js';
import { SettlementBook, type ApprovalPolicy, type BlockAt, type NettedOutcome, type PeriodSettlement, type SettlementProposal, type Weighted } from '../settlement/approval/index.js';
import { netCommitments, pairCount } from '../settlement/commitment/committed-netting.js';
import { commitmentFromAffine, toAffineBatch, type AffinePoint } from '../settlement/commitment/pedersen.js';
import { SettlementError } from '../settlement/errors.js';
import { commitmentStorage, nettedKey, pairKey, statementStorage, type CommittedNettingRun, type PlainNettingRun } from '../settlement/netting-contract.js';
import type { Transfer } from '../settlement/netting-reference.js';
import type { SettlementMode } from './genesis-settlement.js';
import type { StorageReader } from '../vm/execution.js';
import { isPeriodClosed, type SettlementPeriod, type SettlementPeriodOptions } from '../settlement/settlement-period.js';
import { APPROVALS_ID, MAX_APPROVAL_OPERATORS, periodSettlementWrites, readPeriodSettlement, readStoredSettlement, type ApprovalContext } from './settlement-approval-state.js';
import { periodKey, PLAIN_MARKS, PLAIN_STATEMENTS_ID, STATEMENTS_ID, statementsId, type SlotReader } from './settlement-state.js';

/** A missing statement reads as the identity commitment commit(0, 0) (docs/settlement.md, "Netting in the node"). */
export const IDENTITY: AffinePoint = Object.freeze({ x: 0n, y: 1n });

/** Slots, and the set slots of one contract in a key range (one LMDB range read, overlaid with branch and block writes). */
export interface SlotRangeReader extends SlotReader {
  slotsIn(id: Uint8Array, from: bigint, to: bigint): ReadonlyMap<bigint, bigint>;
}

/** What proposals and approvals are judged with besides the genesis' settlement rules. */
export interface SettlementApprovalRules {
  /** The chain identity (hex): what proposals are signed for. */
  readonly chain: string;
  /** Who approves (genesis operators' and validators' BLS keys); undefined without consensus validators. */
  readonly policy: ApprovalPolicy | undefined;
  /** The committed netting system contract (CommittedNettingContract). */
  readonly netting: { net(period: bigint, n: number, transfers: readonly AffinePoint[], storage: StorageReader): CommittedNettingRun };
  /** The plain netting system contract (PlainNettingContract), for consortia in plain mode. */
  readonly plainNetting: { net(period: bigint, operators: readonly number[], storage: StorageReader): PlainNettingRun };
  /** Blocks each validator produced in the period (committed history, ascending validator). */
  readonly producersOf: (period: SettlementPeriod) => readonly Weighted[];
}

export type ApprovalRefusal =
  | 'period_open' | 'already_settled' | 'proposal_pending' | 'no_proposal' | 'proposal_expired' | 'not_a_party'
  | 'duplicate_approval' | 'bad_signature' | 'bad_netting_input';

export class ApprovalRefusedError extends Error {
  override readonly name = 'ApprovalRefusedError';
  constructor(
    readonly refusal: ApprovalRefusal,
    message: string,
  ) {
    super(message);
  }
}

const REFUSALS: readonly ApprovalRefusal[] = ['period_open', 'already_settled', 'proposal_pending', 'no_proposal', 'proposal_expired', 'not_a_party', 'duplicate_approval', 'bad_signature'];

/** Library errors as refusals: the approval codes as they are; anything else about the inputs is bad_netting_input. */
function asRefusal(err: unknown): never {
  if (err instanceof SettlementError) {
    const r = (REFUSALS as readonly string[]).includes(err.code) ? (err.code as ApprovalRefusal) : 'bad_netting_input';
    throw new ApprovalRefusedError(r, err.message);
  }
  throw err;
}

export interface SlotWrites {
  readonly id: Uint8Array;
  readonly writes: [bigint, bigint][];
}

/** A period's recorded statements: the involved operators (party to one at least) and every pair's commitment, a missing one as IDENTITY. */
export interface PeriodStatements {
  readonly involved: readonly number[];
  readonly pairs: readonly AffinePoint[];
}

/** One range read over the period's statement slots (settlement-state.ts' layout). */
export function loadPeriodStatements(state: SlotRangeReader, key: bigint, operators: readonly number[]): PeriodStatements {
  const n = operators.length;
  const count = n >= 2 ? pairCount(n) : 0;
  const base = pairKey(key, 0, 0);
  const slots = state.slotsIn(STATEMENTS_ID, base, base + 2n * BigInt(count));
  const pairs: AffinePoint[] = new Array<AffinePoint>(count);
  const party = new Array<boolean>(n).fill(false);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      const x = slots.get(base + BigInt(2 * p)) ?? 0n;
      const y = slots.get(base + BigInt(2 * p + 1)) ?? 0n;
      if (x === 0n && y === 0n) {
        pairs[p] = IDENTITY;
      } else {
        pairs[p] = { x, y };
        party[i] = true;
        party[j] = true;
      }
    }
  }
  return { involved: operators.filter((_, k) => party[k]), pairs };
}

/** A period's recorded plain statements: the involved operators and every pair's two words (what i owes j, what j owes i; a missing pair is 0, 0). */
export interface PeriodPlainStatements {
  readonly involved: readonly number[];
  readonly words: readonly (readonly [bigint, bigint])[];
}

/**
 * Two range reads over the period's plain statement words and the marks of zero statements (settlement-state.ts' layout).
 * Walks what the reads return, not every pair's keys: a bigint key per pair costs more than the
 * netting at 600 operators (179,700 pairs).
 */
export function loadPlainStatements(state: SlotRangeReader, key: bigint, operators: readonly number[]): PeriodPlainStatements {
  const n = operators.length;
  const count = n >= 2 ? pairCount(n) : 0;
  const base = pairKey(key, 0, 0);
  const flat = new Array<bigint>(2 * count).fill(0n);
  for (const [k, v] of state.slotsIn(PLAIN_STATEMENTS_ID, base, base + 2n * BigInt(count))) flat[Number(k - base)] = v;
  const markBase = (key << 32n) + PLAIN_MARKS;
  const marked = new Uint8Array(count);
  for (const [k, v] of state.slotsIn(PLAIN_STATEMENTS_ID, markBase, markBase + BigInt(count))) if (v !== 0n) marked[Number(k - markBase)] = 1;
  const words = new Array<readonly [bigint, bigint]>(count);
  const party = new Array<boolean>(n).fill(false);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      const owes = flat[2 * p]!;
      const owed = flat[2 * p + 1]!;
      words[p] = [owes, owed];
      if (owes !== 0n || owed !== 0n || marked[p] === 1) {
        party[i] = true;
        party[j] = true;
      }
    }
  }
  return { involved: operators.filter((_, k) => party[k]), words };
}

/**
 * Runs netting-plain.casm over the period's plain statements in memory (every consortium operator;
 * one without a statement has net 0 and appears in no transfer): the contract's at most n − 1
 * transfers. A revert is bad_netting_input.
 */
export function runPlainNetting(netting: SettlementApprovalRules['plainNetting'], key: bigint, operators: readonly number[], statements: PeriodPlainStatements): readonly Transfer[] {
  try {
    return netting.net(key, operators, statementStorage(key, statements.words)).transfers;
  } catch (err) {
    asRefusal(err);
  }
}

/**
 * Runs the committed netting system contract over the period's statements in memory, checking the
 * involved operators' transfers T_k (an operator with no statement has N_k = the identity, and is
 * given it). Returns N_k of the involved operators, in consortium order; refuses (bad_netting_input)
 * a netting the contract reverts, naming the operator.
 */
export function runNetting(netting: SettlementApprovalRules['netting'], key: bigint, operators: readonly number[], statements: PeriodStatements, transfers: readonly AffinePoint[]): AffinePoint[] {
  const byOperator = new Map(statements.involved.map((op, i) => [op, transfers[i]!] as const));
  const all = operators.map((op) => byOperator.get(op) ?? IDENTITY);
  let run: CommittedNettingRun;
  try {
    run = netting.net(key, operators.length, all, commitmentStorage(key, statements.pairs));
  } catch (err) {
    asRefusal(err);
  }
  return operators.flatMap((op, k) => (byOperator.has(op) ? [run.nets[k]!] : []));
}

/**
 * The period's draft (read-only, nothing written): N_k of each involved operator computed with the
 * TypeScript reference, then run through the contract (which checks them as transfers).
 */
export function draftNetting(netting: SettlementApprovalRules['netting'], key: bigint, operators: readonly number[], state: SlotRangeReader): { involved: readonly number[]; nets: readonly AffinePoint[] } {
  const statements = loadPeriodStatements(state, key, operators);
  if (statements.involved.length < 2) throw new ApprovalRefusedError('bad_netting_input', 'the period has no statement: there is nothing to settle');
  const all = toAffineBatch(netCommitments(operators.length, statements.pairs.map((c) => commitmentFromAffine(c))));
  const nets = statements.involved.map((op) => all[operators.indexOf(op)]!);
  return { involved: statements.involved, nets: runNetting(netting, key, operators, statements, nets) };
}

/** The plain-mode draft: the involved operators and the contract's transfers (read-only). */
export function draftPlainNetting(netting: SettlementApprovalRules['plainNetting'], key: bigint, operators: readonly number[], state: SlotRangeReader): { involved: readonly number[]; transfers: readonly Transfer[] } {
  const statements = loadPlainStatements(state, key, operators);
  if (statements.involved.length < 2) throw new ApprovalRefusedError('bad_netting_input', 'the period has no statement: there is nothing to settle');
  return { involved: statements.involved, transfers: runPlainNetting(netting, key, operators, statements) };
}

export type ApprovalJudgement =
  | { readonly kind: 'proposal'; readonly period: SettlementPeriod; readonly submitter: number; readonly action: Extract<SettlementAction, { kind: 'proposal' }> }
  | { readonly kind: 'approval'; readonly period: SettlementPeriod; readonly submitter: number; readonly action: Extract<SettlementAction, { kind: 'approval' }> };

/**
 * A proposal or an approval judged against the state a block sees and applied through
 * SettlementBook semantics: the writes that record the period's new state (and, when it becomes
 * final, the period's netted mark, so no statement of it is taken any more). Deterministic: the
 * block's height and timestamp, slots, genesis keys; BLS verification via @chainsafe/blst.
 */
export function approvalWrites(
  t: ApprovalJudgement,
  state: SlotRangeReader,
  at: BlockAt,
  ctx: { readonly currency: Currency; readonly operators: readonly number[]; readonly periods: SettlementPeriodOptions; readonly mode: SettlementMode },
  rules: SettlementApprovalRules | undefined,
): { readonly writes: SlotWrites[]; readonly next: PeriodSettlement } {
  if (rules?.policy === undefined) throw new ApprovalRefusedError('not_a_party', 'this chain names no validators: settlements cannot be approved on it');
  const approval: ApprovalContext = { chain: rules.chain, currency: ctx.currency, operators: ctx.operators, policy: rules.policy };
  const key = periodKey(t.period);
  const stored = readPeriodSettlement(state, key, t.period.id, approval);
  const makeBook = (): SettlementBook => {
    const b = new SettlementBook(rules.policy!, ctx.periods, rules.chain, () => rules.producersOf(t.period));
    if (stored !== undefined) b.load(stored);
    return b;
  };
  let next: PeriodSettlement;
  const a = t.action;
  try {
    if (a.kind === 'proposal') {
      if (!isPeriodClosed(t.period, at.timestampMs)) {
        throw new ApprovalRefusedError('period_open', `period ${t.period.id} is open until ${new Date(Number(t.period.closesAtMs)).toISOString()}; it cannot be settled before it closes`);
      }
      if (ctx.operators.length > MAX_APPROVAL_OPERATORS) {
        throw new ApprovalRefusedError('bad_netting_input', `the consortium has ${ctx.operators.length} operators; settlements of at most ${MAX_APPROVAL_OPERATORS} are approved on chain`);
      }
      const plain = ctx.mode === 'plain';
      const loaded = plain
        ? { mode: 'plain' as const, statements: loadPlainStatements(state, key, ctx.operators) }
        : { mode: 'committed' as const, statements: loadPeriodStatements(state, key, ctx.operators) };
      const { statements } = loaded;
      if (!statements.involved.includes(t.submitter)) {
        throw new ApprovalRefusedError('not_a_party', `operator ${t.submitter} is party to no statement of ${t.period.id}: only an involved operator proposes`);
      }
      const proposal: SettlementProposal = {
        chain: rules.chain, periodId: t.period.id, currency: ctx.currency, operators: a.operators,
        outcome: plain ? { mode: 'plain', transfers: a.plainTransfers ?? [] } : { mode: 'committed', transfers: a.transfers },
        settledVolume: a.settledVolume, clearingFee: a.clearingFee,
        deadlineHeight: Number(a.deadline > BigInt(Number.MAX_SAFE_INTEGER) ? 0n : a.deadline), attempt: a.attempt, proposer: t.submitter,
      };
      const b = makeBook();
      const sameOperators = a.operators.length === statements.involved.length && a.operators.every((op, i) => op === statements.involved[i]);
      const operatorsDiffer = (): ApprovalRefusedError => new ApprovalRefusedError('bad_netting_input', `the involved operators of ${t.period.id} are ${statements.involved.join(', ')} (those party to a statement), not ${a.operators.join(', ')}`);
      // The book checks period, state, attempt, deadline, fee and keys first; the netting runs (once) only then, before the signature.
      let netted: NettedOutcome;
      if (loaded.mode === 'plain') {
        let transfers: readonly Transfer[] | undefined;
        netted = {
          mode: 'plain',
          get transfers(): readonly Transfer[] {
            if (!sameOperators) throw operatorsDiffer();
            transfers ??= runPlainNetting(rules.plainNetting, key, ctx.operators, loaded.statements);
            return transfers;
          },
        };
      } else {
        let nets: readonly AffinePoint[] | undefined;
        netted = {
          mode: 'committed',
          get nets(): readonly AffinePoint[] {
            if (!sameOperators) throw operatorsDiffer();
            nets ??= runNetting(rules.netting, key, ctx.operators, loaded.statements, a.transfers);
            return nets;
          },
        };
      }
      next = b.propose(proposal, { operators: [t.submitter], validators: [], signature: a.proposerSignature }, at, netted);
    } else {
      if (stored === undefined) throw new ApprovalRefusedError('no_proposal', `period ${t.period.id} has no settlement proposal`);
      if (stored.status === 'proposed' && stored.id !== toHex(a.proposalId) && at.height <= stored.proposal.deadlineHeight) {
        throw new ApprovalRefusedError('no_proposal', `the live proposal of ${t.period.id} is ${stored.id}, not ${toHex(a.proposalId)}`);
      }
      const b = makeBook();
      next = b.approve(t.period.id, { operators: a.operators, validators: a.validators, signature: a.signature }, at);
      if (next.id !== toHex(a.proposalId)) throw new ApprovalRefusedError('no_proposal', `the proposal of ${t.period.id} is ${next.id}, not ${toHex(a.proposalId)}`);
    }
  } catch (err) {
    if (err instanceof ApprovalRefusedError) throw err;
    asRefusal(err);
  }
  const writes: SlotWrites[] = [{ id: APPROVALS_ID, writes: periodSettlementWrites(key, next, approval) }];
  if (next.status === 'final') writes.push({ id: statementsId(ctx.mode), writes: [[nettedKey(key), BigInt(ctx.operators.length)]] });
  return { writes, next };
}

/** Whether a statement of the period must wait: a live proposal (deadline at or above `height`). */
export function proposalLive(state: SlotReader, key: bigint, operators: readonly number[], height: number): { id: string; deadline: number } | undefined {
  const s = readStoredSettlement(state, key, operators);
  return s?.status === 'proposed' && height <= s.deadline ? { id: s.id, deadline: s.deadline } : undefined;
}
