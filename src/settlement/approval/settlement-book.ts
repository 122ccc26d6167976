// The approval state of every period's settlement, as a deterministic state machine a block's state
// transition drives: propose (an involved operator, for a closed period, with its own signature),
// approve (more signatures, merged into one aggregate), final once every involved operator and more
// than the threshold of voting power have signed, expired when the deadline passes first — and then
// the period can be proposed again, as a new attempt whose bytes differ, so no old signature counts.
//
// Nothing here reads a clock: heights and block timestamps come from the block being applied. Maps
// are keyed by period id and never iterated in a transition except `expire`, which sorts the ids.

import { ApprovalError } from '../errors.js';
import { isPeriodClosed, parsePeriodId, type SettlementPeriodOptions } from '../settlement-period.js';
import type { AffinePoint } from '../commitment/pedersen.js';
import type { Transfer } from '../netting-reference.js';
import type { ApprovalPolicy } from './approval-policy.js';
import { clearingFee, splitClearingFee, type FeeSplit, type Weighted } from './fee-split.js';
import { approvalProgress, mergeApprovals, verifySettlementApproval, type ApprovalProgress, type SettlementApproval } from './settlement-approval.js';
import { proposalId, settlementProposal, type SettlementProposal } from './settlement-proposal.js';

/** The block a proposal or approval arrives in. */
export interface BlockAt {
  readonly height: number;
  readonly timestampMs: bigint;
}

/** What the netting of the period produced, for the proposal to be checked against. */
export type NettedOutcome = { readonly mode: 'committed'; readonly nets: readonly AffinePoint[] } | { readonly mode: 'plain'; readonly transfers: readonly Transfer[] };

export type PeriodSettlement =
  | { readonly status: 'proposed'; readonly id: string; readonly proposal: SettlementProposal; readonly proposedAt: number; readonly approval: SettlementApproval; readonly progress: ApprovalProgress }
  | { readonly status: 'final'; readonly id: string; readonly proposal: SettlementProposal; readonly approval: SettlementApproval; readonly finalAt: number; readonly fees: FeeSplit }
  | { readonly status: 'expired'; readonly id: string; readonly proposal: SettlementProposal; readonly expiredAt: number };

export class SettlementBook {
  private readonly periods = new Map<string, PeriodSettlement>();

  constructor(
    readonly policy: ApprovalPolicy,
    readonly periodOptions: SettlementPeriodOptions,
    readonly chain: string,
    /** Blocks each validator produced in a period (for the producers' part of the fee). */
    private readonly producersOf: (periodId: string) => readonly Weighted[],
  ) {}

  state(periodId: string): PeriodSettlement | undefined {
    return this.periods.get(periodId);
  }

  /**
   * Puts back a period's state read from durable storage (the chain keeps it in system-contract
   * slots and builds a book per transaction: src/chain/settlement-approval-state.ts).
   */
  load(state: PeriodSettlement): void {
    this.periods.set(state.proposal.periodId, state);
  }

  /**
   * Records a proposal with its proposer's approval. Refuses (nothing changes): another chain, an
   * open period, a settled period, a live proposal, a wrong attempt number, a deadline outside
   * (height, height + maxApprovalBlocks], a fee that is not the policy's, an involved operator
   * without a registered key, transfers that are not the netting's, and a proposer signature that
   * is missing or does not verify.
   */
  propose(input: SettlementProposal, proposerApproval: SettlementApproval, at: BlockAt, netted?: NettedOutcome): PeriodSettlement {
    const proposal = settlementProposal(input);
    if (proposal.chain !== this.chain) throw new ApprovalError('not_a_party', `proposal is for chain ${proposal.chain}, not ${this.chain}`);
    const period = parsePeriodId(this.periodOptions, proposal.periodId);
    if (!isPeriodClosed(period, at.timestampMs)) {
      throw new ApprovalError('period_open', `period ${period.id} is open until ${new Date(Number(period.closesAtMs)).toISOString()}; it cannot be settled before it closes`);
    }
    const current = this.live(proposal.periodId, at.height);
    if (current?.status === 'final') throw new ApprovalError('already_settled', `period ${proposal.periodId} was settled at height ${current.finalAt}`);
    if (current?.status === 'proposed') throw new ApprovalError('proposal_pending', `period ${proposal.periodId} has a proposal awaiting approval until height ${current.proposal.deadlineHeight}`);
    const attempt = current === undefined ? 1 : current.proposal.attempt + 1;
    if (proposal.attempt !== attempt) throw new ApprovalError('bad_netting_input', `this is attempt ${attempt} at settling ${proposal.periodId}, not ${proposal.attempt}`);
    if (proposal.deadlineHeight <= at.height || proposal.deadlineHeight > at.height + this.policy.maxApprovalBlocks) {
      throw new ApprovalError('bad_netting_input', `deadline ${proposal.deadlineHeight} must be after height ${at.height} and at most ${this.policy.maxApprovalBlocks} blocks later`);
    }
    const fee = clearingFee(proposal.settledVolume, this.policy.clearingFeeRate);
    if (proposal.clearingFee !== fee) throw new ApprovalError('bad_netting_input', `the clearing fee on ${proposal.settledVolume} is ${fee}, not ${proposal.clearingFee}`);
    for (const op of proposal.operators) {
      if (!this.policy.operatorKeys.has(op)) throw new ApprovalError('not_a_party', `operator ${op} has no registered BLS key`);
    }
    if (netted !== undefined) checkAgainstNetting(proposal, netted);
    if (proposerApproval.operators.length !== 1 || proposerApproval.operators[0] !== proposal.proposer || proposerApproval.validators.length !== 0) {
      throw new ApprovalError('not_a_party', `a proposal carries its proposer's (${proposal.proposer}) signature alone`);
    }
    verifySettlementApproval(this.policy, proposal, proposerApproval);
    return this.settle(proposal, proposerApproval, at, at.height);
  }

  /** Adds approvals to the period's live proposal; final when complete. */
  approve(periodId: string, approval: SettlementApproval, at: BlockAt): PeriodSettlement {
    const current = this.live(periodId, at.height);
    if (current === undefined) throw new ApprovalError('no_proposal', `period ${periodId} has no settlement proposal`);
    if (current.status === 'final') throw new ApprovalError('already_settled', `period ${periodId} was settled at height ${current.finalAt}`);
    if (current.status === 'expired') throw new ApprovalError('proposal_expired', `the proposal for ${periodId} expired at height ${current.expiredAt}; propose it again`);
    verifySettlementApproval(this.policy, current.proposal, approval);
    return this.settle(current.proposal, mergeApprovals(current.approval, approval), at, current.proposedAt);
  }

  /** Expires every proposal whose deadline is below `height`; returns their period ids, sorted. */
  expire(height: number): string[] {
    const ids = [...this.periods.keys()].sort();
    const expired: string[] = [];
    for (const id of ids) if (this.live(id, height)?.status === 'expired' && this.periods.get(id)!.status === 'proposed') expired.push(id);
    for (const id of expired) this.periods.set(id, this.expiredState(this.periods.get(id)!));
    return expired;
  }

  /** The period's state as of a block at `height` (a proposal past its deadline reads as expired). */
  private live(periodId: string, height: number): PeriodSettlement | undefined {
    const s = this.periods.get(periodId);
    if (s?.status === 'proposed' && height > s.proposal.deadlineHeight) return this.expiredState(s);
    return s;
  }

  private expiredState(s: PeriodSettlement): PeriodSettlement {
    return Object.freeze({ status: 'expired', id: s.id, proposal: s.proposal, expiredAt: s.proposal.deadlineHeight + 1 });
  }

  private settle(proposal: SettlementProposal, approval: SettlementApproval, at: BlockAt, proposedAt: number): PeriodSettlement {
    const id = proposalId(proposal);
    const progress = approvalProgress(this.policy, proposal, approval);
    const next: PeriodSettlement = progress.complete
      ? Object.freeze({
          status: 'final',
          id,
          proposal,
          approval,
          finalAt: at.height,
          fees: splitClearingFee(
            proposal.clearingFee,
            this.producersOf(proposal.periodId),
            this.policy.validators.map((v) => ({ validator: v.id, weight: BigInt(v.votingPower) })),
            this.policy.producerShare,
          ),
        })
      : Object.freeze({ status: 'proposed', id, proposal, proposedAt, approval, progress });
    this.periods.set(proposal.periodId, next);
    return next;
  }
}

function checkAgainstNetting(p: SettlementProposal, netted: NettedOutcome): void {
  const differ = (): never => {
    throw new ApprovalError('bad_netting_input', `the proposed ${p.outcome.mode} transfers of ${p.periodId} are not the netting's`);
  };
  if (p.outcome.mode !== netted.mode) differ();
  if (p.outcome.mode === 'committed' && netted.mode === 'committed') {
    if (netted.nets.length !== p.outcome.transfers.length) differ();
    p.outcome.transfers.forEach((t, k) => {
      const n = netted.nets[k]!;
      if (t.x !== n.x || t.y !== n.y) differ();
    });
  } else if (p.outcome.mode === 'plain' && netted.mode === 'plain') {
    if (netted.transfers.length !== p.outcome.transfers.length) differ();
    p.outcome.transfers.forEach((t, k) => {
      const n = netted.transfers[k]!;
      if (t.from !== n.from || t.to !== n.to || t.amount !== n.amount) differ();
    });
  }
}
