/** GET /settlement/{period}/draft: the unsigned proposal the node's netting gives (docs/settlement.md, "Approval on chain"). */
export interface SettlementDraftView {
  period: string;
  /** The chain identity (hex) the proposal is signed for. */
  chain: string;
  currency: string;
  mode: 'committed' | 'plain';
  /** The involved operators (party to a recorded statement), consortium order. */
  operators: number[];
  /** Committed mode: T_k = N_k of each involved operator, Pedersen commitments (x, y hex) hiding every amount; empty in plain mode. */
  transfers: { x: string; y: string }[];
  /** Plain mode: the netting contract's transfers (from pays to, minor units, decimal); the settled volume is their sum. */
  plainTransfers?: { from: number; to: number; amount: string }[];
  attempt: number;
  /** A deadline height the chain takes (the proposer may choose another within the policy's bound). */
  deadline: number;
  /** fee = settled volume · rate, rounded half to even ("num/den"). */
  clearingFeeRate: string;
}

/** Nothing to draft: the period is open, settled, has a live proposal or no statement (its refusal code). */
export class SettlementDraftRefusedError extends Error {
  override readonly name = 'SettlementDraftRefusedError';
  constructor(
    readonly refusal: string,
    message: string,
  ) {
    super(message);
  }
}
