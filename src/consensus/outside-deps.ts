import type { PeerNetwork } from '../p2p/peer-network.js';
import type { ConsensusBlock } from './consensus-block.js';
import type { ValidatorSet } from './validator-set.js';

/**
 * What the consensus core needs from outside, in the way core-rs-albatross' tendermint crate takes
 * its "outside deps" (tendermint/src/protocol.rs): network, time, signing and verification, block
 * building and application, and durable storage of what this validator signed. The node provides the
 * real ones (TLS network, system clock, worker-pool BLS, the chain); tests and the simulator provide
 * the in-process network, a virtual clock and the in-memory ledger.
 */

/** A scheduled callback; `cancel` is idempotent. (Structurally the chain's Clock timer.) */
export interface Timer {
  cancel(): void;
}

/** Time as consensus sees it: never Date.now() in consensus code. */
export interface Clock {
  /** Milliseconds since the Unix epoch (virtual in tests). */
  now(): number;
  /** Runs `fn` once after `ms`. */
  after(ms: number, fn: () => void): Timer;
}

/** This validator's BLS key. Signing is local and cheap (~0.4 ms). */
export interface ConsensusSigner {
  /** The validator's id (PLMN). */
  readonly id: number;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface SignatureCheckOptions {
  /**
   * A Tendermint step waits on this check (a vote, a proposal, a decided macro block's justification):
   * a few per validator and round, each one a message delay of the round. The implementation should
   * not queue it behind bulk work. Micro blocks' signatures are not urgent in this sense: there is one
   * check per block, and blocks wait for their bodies' admission anyway.
   */
  readonly urgent?: boolean;
}

/**
 * BLS verification behind an interface, so the node can put it on the worker pool. Never throws on
 * malformed keys or signatures: they verify false.
 */
export interface SignatureVerifier {
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: SignatureCheckOptions): Promise<boolean>;
  /** Same-message aggregate: `aggregate` is the sum of signatures by `publicKeys` over `message`. */
  verifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, aggregate: Uint8Array, options?: SignatureCheckOptions): Promise<boolean>;
  /** Sums already verified signatures. */
  aggregate(signatures: readonly Uint8Array[]): Uint8Array;
}

/** The body of a micro block the source built for a slot. */
export interface MicroBody {
  /** n × 32 bytes, in block order. */
  readonly txIds: Uint8Array;
  readonly cdrCount: number;
  /** The state root applying the block (these transactions and `forkProofs`) to its parent yields. */
  readonly stateRoot: Uint8Array;
}

export interface BuildMicroRequest {
  readonly parentHash: Uint8Array;
  readonly height: number;
  readonly timestampMs: bigint;
  /** Fork proof records (n × 806 bytes) the block will carry; they count in the state root. */
  readonly forkProofs: Uint8Array;
  readonly maxTxs: number;
}

/** Builds blocks for this validator's slots (the chain's block builder over its mempool). */
export interface BlockSource {
  /** Transactions are waiting for a block. */
  hasPending(): boolean;
  /** Calls `listener` when transactions become ready; returns the unsubscribe function. */
  onPending(listener: () => void): () => void;
  /** Transactions admitted here, not on the branch ending at `parentHash`, up to `maxTxs`. */
  buildMicro(req: BuildMicroRequest): Promise<MicroBody>;
  /** The next epoch's validator set as the state after `parentHash` has it (election blocks). */
  nextValidators(parentHash: Uint8Array): Promise<ValidatorSet>;
}

/**
 * Validates and applies blocks (the chain's pure state transition). Blocks form a tree above the
 * last final block: `apply` runs on the state after the block's parent, which need not be the head.
 * Rejections carry `retryable: true` when the block may become valid without change (a transaction
 * it names is not admitted here yet: the body is fetched, then the block is retried).
 */
export interface BlockSink {
  /**
   * Checks every transaction and fork proof of `block` against the state after its parent, keeps
   * the resulting state under the block's hash, and returns its state root (the header's own root is
   * not trusted: consensus compares). The parent is the last final block or a block applied before.
   */
  apply(block: ConsensusBlock): Promise<Uint8Array>;
  /** The state root `block` would yield, without keeping anything (to fill in skip and macro headers). */
  preview(block: ConsensusBlock): Promise<Uint8Array>;
  /** The head moved (micro confirmation: `Committed`). */
  setHead(block: ConsensusBlock): void;
  /**
   * How many transactions `block` names that are not admitted here yet, if the sink can tell cheaply:
   * a block waiting for them is retried as soon as the count is 0, not at the next retry tick.
   */
  missingBodies?(block: ConsensusBlock): number;
  /** `block` (a macro block) and its ancestors are final: commit durably; drop states off its chain. */
  finalize(block: ConsensusBlock): Promise<void>;
}

/** Kinds of signed messages a validator must never sign twice differently. */
export type SignedKind = 'micro' | 'skip' | 'proposal' | 'prevote' | 'precommit';

export interface SignedRecord {
  readonly kind: SignedKind;
  readonly height: number;
  readonly round: number;
  /** micro/skip: the parent's seed entropy (the slot context); empty otherwise. */
  readonly context: Uint8Array;
  /** The frame that was (or will be) sent: re-sent as is after a restart. */
  readonly payload: Uint8Array;
}

/** A validator's Tendermint lock at one height (paper: lockedValue/Round, validValue/Round). */
export interface TendermintLock {
  readonly height: number;
  readonly lockedRound: number;
  /** The locked block's frame; undefined when lockedRound is −1. */
  readonly lockedBlock: Uint8Array | undefined;
  readonly validRound: number;
  readonly validBlock: Uint8Array | undefined;
}

/**
 * What this validator signed, made durable before it is sent (docs/consensus.md §9): after a crash
 * it re-sends what it signed instead of signing something else for the same height, round and kind.
 */
export interface VoteStore {
  get(kind: SignedKind, height: number, round: number, context: Uint8Array): SignedRecord | undefined;
  /**
   * Resolves once the record is durable. With `lock`, the Tendermint lock it was signed under is
   * written in the same durable write: a vote costs one fsync, not two.
   */
  put(record: SignedRecord, lock?: TendermintLock): Promise<void>;
  lock(height: number): TendermintLock | undefined;
  putLock(lock: TendermintLock): Promise<void>;
  /** Forgets everything below `height` (final). */
  prune(belowHeight: number): Promise<void>;
}

/** Where a validator starts: its last final block and the validator sets in force (from its own durable chain). */
export interface FinalState {
  /** The last final macro block (the genesis block at first). */
  readonly block: ConsensusBlock;
  /** The validator set of the heights after `block`. */
  readonly validators: ValidatorSet;
  /** The set of the previous epoch (fork proofs about it are still accepted); undefined at genesis. */
  readonly previousValidators: ValidatorSet | undefined;
  /** Fork-proof locators (`producer:height`) already recorded on the final chain within the reporting window. */
  readonly recordedForkProofs: readonly string[];
}

/** The node's final chain, to answer peers that catch up by range (the chain's block store). */
export interface FinalHistory {
  /** The frame of the final block at `height` (macro blocks with their justification), if kept. */
  finalBlock(height: number): Uint8Array | undefined;
}

export interface ConsensusDeps {
  readonly chain: Uint8Array;
  readonly network: PeerNetwork;
  readonly clock: Clock;
  /** Undefined for an observer (follows and verifies, never signs). */
  readonly signer: ConsensusSigner | undefined;
  readonly verifier: SignatureVerifier;
  readonly source: BlockSource;
  readonly sink: BlockSink;
  readonly votes: VoteStore;
  /** Serves range requests beyond the blocks consensus keeps itself (the last few batches). */
  readonly history?: FinalHistory;
}
