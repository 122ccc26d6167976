import { performance } from 'node:perf_hooks';
import { BlockCommitFailedError } from '../chain/block-committer.js';
import type { Chain } from '../chain/chain.js';
import { InvalidBlockError } from '../chain/state-transition.js';
import { CanonicalWriter, toHex } from '../codec/bytes.js';
import { blockFromFrame, txIdList, type ConsensusBlock } from '../consensus/consensus-block.js';
import type { BlockSink, BlockSource, BuildMicroRequest, FinalHistory, FinalState, MicroBody } from '../consensus/outside-deps.js';
import { FORK_PROOF_RECORD_BYTES } from '../codec/block.js';
import { decodeForkProof } from '../consensus/fork-proof.js';
import type { Heights } from '../consensus/policy.js';
import { ValidatorSet } from '../consensus/validator-set.js';
import { sha256 } from '../crypto/hash.js';
import type { Logger } from '../log.js';

/** What the ledger needs besides the chain: fetching bodies it lacks, and telling the node what happened. */
export interface ChainLedgerOptions {
  readonly heights: Heights;
  readonly log: Logger;
  /** A block names transactions not admitted here: ask peers for their frames. */
  readonly fetchMissing: (ids: readonly Uint8Array[]) => void;
  /** A block joined the head's branch (micro confirmation: the `Committed` stage). */
  readonly onConfirmed?: (block: { height: number; hash: Uint8Array; txIds: readonly Uint8Array[]; cdrCount: number }) => void;
  /** Blocks became final and durable here, oldest first (the `Final` stage). */
  readonly onFinal?: (blocks: readonly { height: number; hash: Uint8Array; txIds: readonly Uint8Array[]; cdrCount: number; finalizedAt: number }[]) => void;
  /** Back-off of a failing final commit (disk full): first and longest wait. */
  readonly retry?: { readonly firstMs: number; readonly maxMs: number };
}

const CONSENSUS_ROOT_TAG = 'cdrchain:consensus-state:1';

/**
 * The state root a consensus header carries: the chain's digest of the block's state changes
 * (sequences, contract state, receipts), with the fork proofs it records and the validator set an
 * election block fixes. Two validators that apply a block differently disagree here, at that block.
 */
export function consensusStateRoot(changesRoot: Uint8Array, forkProofs: Uint8Array, validators: Uint8Array): Uint8Array {
  const head = new CanonicalWriter(CONSENSUS_ROOT_TAG.length + 32).tag(CONSENSUS_ROOT_TAG).raw(changesRoot, 32).finish();
  return sha256(head, sha256(forkProofs), sha256(validators));
}

/**
 * The chain as consensus sees it (outside-deps.ts): a BlockSource over its mempool, a BlockSink
 * over its state transition with non-final branches (`ChainBranches`), and the history of final
 * blocks for peers that catch up. Final blocks are the only ones written to LMDB, so a restarted
 * validator starts from its last final block (`finalStateOf`).
 */
export class ChainLedger implements BlockSource, BlockSink, FinalHistory {
  private readonly listeners = new Set<() => void>();
  private headHex: string;
  private readonly confirmed = new Set<string>();
  private stopped = false;
  /** Consecutive failed final commits (readiness). */
  failedCommits = 0;

  constructor(
    private readonly chain: Chain,
    private readonly validators: () => ValidatorSet,
    private readonly o: ChainLedgerOptions,
  ) {
    this.headHex = chain.branches.committedHex;
  }

  /** Transactions turned durable here (the chain's schedule nudges): wake the producer. */
  notifyPending(): void {
    for (const l of this.listeners) l();
  }

  stop(): void {
    this.stopped = true;
  }

  // ---- BlockSource ----

  hasPending(): boolean {
    try {
      return this.chain.branches.hasPending(this.headHex);
    } catch (err) {
      this.o.log.debug({ head: this.headHex, reason: err instanceof Error ? err.message : String(err) }, 'no pending transactions on a head not applied here');
      return false; // the head is not applied here (yet)
    }
  }

  onPending(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async buildMicro(req: BuildMicroRequest): Promise<MicroBody> {
    const parentHex = toHex(req.parentHash);
    const entries = this.chain.branches.select(parentHex, req.maxTxs);
    const writes = this.chain.branches.propose(parentHex, { producer: 0, timestampMs: req.timestampMs }, entries);
    if (writes.head.height !== req.height) throw new RangeError(`asked for height ${req.height}, the parent is at ${writes.head.height - 1}`);
    const txIds = new Uint8Array(writes.txIds.length * 32);
    writes.txIds.forEach((id, i) => txIds.set(id, i * 32));
    return { txIds, cdrCount: writes.header.cdrCount, stateRoot: consensusStateRoot(writes.stateRoot, req.forkProofs, new Uint8Array(0)) };
  }

  async nextValidators(_parentHash: Uint8Array): Promise<ValidatorSet> {
    // No validator transactions yet (join, leave, power): every election keeps the set.
    return this.validators();
  }

  // ---- BlockSink ----

  async apply(block: ConsensusBlock): Promise<Uint8Array> {
    this.requireBodies(block);
    const writes = this.chain.branches.apply({ header: block.header, txIds: txIdList(block.txIds) }, block.frame);
    return consensusStateRoot(writes.stateRoot, block.forkProofs, block.validators);
  }

  async preview(block: ConsensusBlock): Promise<Uint8Array> {
    this.requireBodies(block);
    const writes = this.chain.branches.check({ header: block.header, txIds: txIdList(block.txIds) });
    return consensusStateRoot(writes.stateRoot, block.forkProofs, block.validators);
  }

  setHead(block: ConsensusBlock): void {
    this.headHex = block.hashHex;
    if (!this.o.onConfirmed) return;
    let path;
    try {
      path = this.chain.branches.pathTo(block.hashHex);
    } catch {
      return;
    }
    for (const b of path) {
      if (this.confirmed.has(b.hashHex)) continue;
      this.confirmed.add(b.hashHex);
      this.o.onConfirmed({ height: b.height, hash: b.writes.hash, txIds: b.writes.txIds, cdrCount: b.writes.header.cdrCount });
    }
  }

  async finalize(block: ConsensusBlock): Promise<void> {
    const path = this.chain.branches.pathTo(block.hashHex);
    const { firstMs, maxMs } = this.o.retry ?? { firstMs: 100, maxMs: 5_000 };
    for (let wait = firstMs; ; wait = Math.min(maxMs, wait * 2)) {
      try {
        await this.chain.branches.commitThrough(block.hashHex, block.frame);
        this.failedCommits = 0;
        break;
      } catch (err) {
        // Disk full or failing: nothing of the failed block is on disk; blocks committed before it stay.
        if (!(err instanceof BlockCommitFailedError) || this.stopped) throw err;
        this.failedCommits++;
        this.o.log.warn({ height: block.height, retryInMs: wait }, 'final blocks not committed; retrying');
        await new Promise((r) => setTimeout(r, wait));
        if (!this.chain.branches.has(block.hashHex)) break; // committed up to it meanwhile
      }
    }
    if (this.chain.branches.committedHex === block.hashHex && !this.chain.branches.has(this.headHex)) this.headHex = block.hashHex;
    const finalizedAt = performance.now();
    for (const b of path) this.confirmed.delete(b.hashHex);
    this.o.onFinal?.(path.map((b) => ({ height: b.height, hash: b.writes.hash, txIds: b.writes.txIds, cdrCount: b.writes.header.cdrCount, finalizedAt })));
  }

  /** The height of the block on the head's branch (not final) that names `id`, if one does. */
  confirmedHeight(id: Uint8Array): number | undefined {
    const hex = toHex(id);
    try {
      for (const b of this.chain.branches.pathTo(this.headHex)) if (b.txs.has(hex)) return b.height;
    } catch {
      // the head is not applied here (yet)
    }
    return undefined;
  }

  // ---- FinalHistory ----

  finalBlock(height: number): Uint8Array | undefined {
    if (height > this.chain.queries.chainHead().height) return undefined;
    return this.chain.blockFrame(height);
  }

  /** Every transaction a block names must be admitted here (or on its branch) before the state transition runs. */
  private requireBodies(block: ConsensusBlock): void {
    const missing: Uint8Array[] = [];
    // Pending here or committed: known (an index lookup each; the bodies themselves are not read). Same test as missingBodies.
    for (const id of txIdList(block.txIds)) if (!this.chain.mempool.get(id) && !this.chain.committed.isCommitted(id)) missing.push(id);
    if (missing.length === 0) return;
    // Those being checked here jump the worker queue; only the others are asked of peers.
    const unknown = this.chain.expediteAdmission(missing);
    if (unknown.length > 0) this.o.fetchMissing(unknown);
    throw new InvalidBlockError(
      'not_admitted',
      `${missing.length} transactions of block ${block.height} are not admitted here yet (${missing.length - unknown.length} being checked, expedited; ${unknown.length} asked of peers)`,
      true,
      missing.length,
    );
  }

  /** How many transactions `block` names that are neither pending nor committed here (nothing is fetched). */
  missingBodies(block: ConsensusBlock): number {
    let n = 0;
    for (const id of txIdList(block.txIds)) if (!this.chain.mempool.get(id) && !this.chain.committed.isCommitted(id)) n++;
    return n;
  }
}

/**
 * Where a validator starts, read from its own durable chain: the committed head is its last final
 * block; the validator sets come from the election blocks; fork proofs recorded within the
 * reporting window (this epoch and the one before) are read from the final blocks.
 */
export function finalStateOf(chain: Chain, heights: Heights): FinalState {
  const head = chain.queries.chainHead();
  const block = readConsensusBlock(chain, head.height);
  const lastElection = Math.floor(head.height / heights.blocksPerEpoch) * heights.blocksPerEpoch;
  const validators = ValidatorSet.fromRecords(readConsensusBlock(chain, lastElection).validators);
  const previousValidators = lastElection > 0 ? ValidatorSet.fromRecords(readConsensusBlock(chain, lastElection - heights.blocksPerEpoch).validators) : undefined;
  const recordedForkProofs: string[] = [];
  for (let h = Math.max(1, lastElection - heights.blocksPerEpoch + 1); h <= head.height; h++) {
    const b = readConsensusBlock(chain, h);
    for (let at = 0; at < b.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) {
      recordedForkProofs.push(decodeForkProof(b.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES)).locator);
    }
  }
  return { block, validators, previousValidators, recordedForkProofs };
}

function readConsensusBlock(chain: Chain, height: number): ConsensusBlock {
  const frame = chain.blockFrame(height);
  if (frame === undefined) throw new Error(`final block ${height} is missing from the block store (pruned?)`);
  return blockFromFrame(frame);
}
