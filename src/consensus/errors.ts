/** Typed errors of the consensus core (mapped to network verdicts or log lines at the edge). */

/** A consensus configuration (policy, validator set) that cannot be used. */
export class ConsensusConfigError extends Error {
  override readonly name = 'ConsensusConfigError';
}

/** A block that breaks a consensus rule (docs/consensus.md §4–§6); `reason` is stable for metrics. */
export class InvalidConsensusBlockError extends Error {
  override readonly name = 'InvalidConsensusBlockError';
  constructor(
    readonly reason: string,
    detail: string,
    /** It may become valid without change (a transaction body is missing here): fetch, then retry. */
    readonly retryable = false,
  ) {
    super(`${reason}: ${detail}`);
  }
}
