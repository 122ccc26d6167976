/**
 * What the index reads of committed blocks, as the main thread hands it to the index worker: per
 * block, its CDR batches' headers (the part reconciliation uses) and where their public records sit
 * in one shared buffer (128-byte records back to back, transferred, never copied per record).
 */
export interface IndexBatch {
  /** The batch's transaction id (32 bytes). */
  readonly id: Uint8Array;
  readonly submitter: number;
  readonly counterparty: number;
  readonly periodStart: bigint;
  /** Byte offset of its first public record in the chunk's `records`. */
  readonly offset: number;
  readonly count: number;
}

export interface IndexBlock {
  readonly height: number;
  /** The block's timestamp (ms): strictly increasing with height. */
  readonly timestampMs: bigint;
  readonly batches: readonly IndexBatch[];
  /**
   * Batches of the block whose records this node no longer holds (retention pruned them, or the
   * block body itself) and cannot classify: counted, never guessed.
   */
  readonly unreadable: number;
}

export interface IndexChunk {
  /** Consecutive heights, ascending. */
  readonly blocks: readonly IndexBlock[];
  readonly records: Uint8Array;
  /**
   * Months (monthIndex) below this are closed at the chunk's last block: the chain's settlement
   * periods covering them have closed, so no later block carries records for them (blocks refuse
   * them). The index then drops those months' matched events, kept only to catch repeats.
   * Undefined: the node did not say (nothing is dropped).
   */
  readonly closedBelowMonth?: number;
}
