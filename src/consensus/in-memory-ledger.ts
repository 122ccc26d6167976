import { CanonicalWriter, toHex } from '../codec/bytes.js';
import { FORK_PROOF_RECORD_BYTES } from '../codec/block.js';
import { sha256 } from '../crypto/hash.js';
import { txIdList, type ConsensusBlock } from './consensus-block.js';
import { forkProofLocator } from './fork-proof.js';
import { decodeForkProof } from './fork-proof.js';
import type { BlockSink, BlockSource, BuildMicroRequest, FinalHistory, FinalState, MicroBody } from './outside-deps.js';
import type { Heights } from './policy.js';
import { ValidatorSet } from './validator-set.js';

/** A block names a transaction this ledger has not admitted (yet): retry after fetching it. */
export class MissingTransactionError extends Error {
  override readonly name = 'MissingTransactionError';
  readonly retryable = true;
}

/** A block this ledger's rules refuse (a transaction or fork proof already on the chain, an unknown parent). */
export class LedgerRejectError extends Error {
  override readonly name = 'LedgerRejectError';
  readonly retryable = false;
}

interface LedgerState {
  readonly hash: string;
  readonly parent: string | undefined;
  readonly height: number;
  readonly kind: number;
  readonly root: Uint8Array;
  readonly txs: readonly string[];
  readonly forkLocators: readonly string[];
}

export interface FinalizedTx {
  readonly id: string;
  readonly height: number;
}

/**
 * A ledger in memory: transactions are 32-byte ids with a CDR count, the state is which ids and fork
 * proofs each branch holds, and the state root chains a digest of each block's contents. It stands in
 * for the chain ONLY in the consensus-only tests and the simulator, so that they run the real consensus
 * code without LMDB, admission or the VM; the node wires the real chain (src/chain/: admission, the
 * pure state transition, the block builder) behind the same BlockSource/BlockSink interfaces.
 */
export class InMemoryLedger implements BlockSource, BlockSink, FinalHistory {
  private readonly admitted = new Map<string, { id: Uint8Array; cdrCount: number }>();
  private readonly states = new Map<string, LedgerState>();
  /** Frames of applied blocks (non-final) and of final blocks by height: the "block store". */
  private readonly frames = new Map<string, Uint8Array>();
  private readonly finalFrames: Uint8Array[] = [];
  private readonly listeners = new Set<() => void>();
  private lastFinal: ConsensusBlock;
  private finalSet: ValidatorSet;
  private previousSet: ValidatorSet | undefined;
  private readonly finalTxs = new Map<string, number>();
  private readonly finalLocators = new Map<string, number>();
  /** Every final block in order (genesis first): what safety assertions compare. */
  readonly finalChain: { height: number; hash: string; kind: number; txs: number; forkProofs: number }[] = [];
  /** Every transaction made final, in order. */
  readonly finalizedTxs: FinalizedTx[] = [];
  headHash: string;

  constructor(
    genesis: ConsensusBlock,
    validators: ValidatorSet,
    private readonly heights: Heights,
    /** The next epoch's validator set at an election (default: unchanged). */
    private readonly election: (height: number, current: ValidatorSet) => ValidatorSet = (_h, current) => current,
  ) {
    this.lastFinal = genesis;
    this.finalSet = validators;
    this.headHash = genesis.hashHex;
    this.states.set(genesis.hashHex, { hash: genesis.hashHex, parent: undefined, height: 0, kind: genesis.header.kind, root: genesis.header.consensus.stateRoot, txs: [], forkLocators: [] });
    this.finalChain.push({ height: 0, hash: genesis.hashHex, kind: genesis.header.kind, txs: 0, forkProofs: 0 });
  }

  /** A transaction admitted here (with the checks the chain would run), ready for blocks. */
  admit(id: Uint8Array, cdrCount = 1): void {
    const hex = toHex(id);
    if (this.admitted.has(hex) || this.finalTxs.has(hex)) return;
    this.admitted.set(hex, { id: Uint8Array.from(id), cdrCount });
    for (const l of this.listeners) l();
  }

  // ---- BlockSource ----

  /** Transactions admitted here and not yet on the head's branch. */
  hasPending(): boolean {
    if (this.admitted.size === 0) return false;
    const onBranch = this.branchTxs(this.headHash);
    for (const hex of this.admitted.keys()) if (!onBranch.has(hex)) return true;
    return false;
  }

  onPending(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async buildMicro(req: BuildMicroRequest): Promise<MicroBody> {
    const parent = toHex(req.parentHash);
    const onBranch = this.branchTxs(parent);
    const ids: Uint8Array[] = [];
    let cdrCount = 0;
    for (const [hex, t] of this.admitted) {
      if (ids.length >= req.maxTxs) break;
      if (onBranch.has(hex)) continue;
      ids.push(t.id);
      cdrCount += t.cdrCount;
    }
    const txIds = new Uint8Array(ids.length * 32);
    ids.forEach((id, i) => txIds.set(id, i * 32));
    const root = this.rootOf(this.state(parent).root, 0, req.height, txIds, req.forkProofs, new Uint8Array(0));
    return { txIds, cdrCount, stateRoot: root };
  }

  async nextValidators(parentHash: Uint8Array): Promise<ValidatorSet> {
    const height = this.state(toHex(parentHash)).height + 1;
    return this.election(height, this.finalSet);
  }

  // ---- BlockSink ----

  missingBodies(block: ConsensusBlock): number {
    let n = 0;
    for (const id of txIdList(block.txIds)) if (!this.admitted.has(toHex(id))) n++;
    return n;
  }

  async apply(block: ConsensusBlock): Promise<Uint8Array> {
    const s = this.check(block);
    this.states.set(block.hashHex, s);
    this.frames.set(block.hashHex, block.frame);
    return s.root;
  }

  async preview(block: ConsensusBlock): Promise<Uint8Array> {
    return this.check(block).root;
  }

  setHead(block: ConsensusBlock): void {
    this.headHash = block.hashHex;
  }

  async finalize(block: ConsensusBlock): Promise<void> {
    const chain: LedgerState[] = [];
    for (let h: string | undefined = block.hashHex; h !== undefined && h !== this.lastFinal.hashHex; h = this.states.get(h)?.parent) {
      const s = this.states.get(h);
      if (s === undefined) throw new LedgerRejectError(`finalized block ${block.hashHex} does not descend from the final block`);
      chain.push(s);
    }
    chain.reverse();
    for (const s of chain) {
      for (const t of s.txs) {
        this.finalTxs.set(t, s.height);
        this.finalizedTxs.push({ id: t, height: s.height });
        this.admitted.delete(t);
      }
      for (const l of s.forkLocators) this.finalLocators.set(l, s.height);
      this.finalChain.push({ height: s.height, hash: s.hash, kind: s.kind, txs: s.txs.length, forkProofs: s.forkLocators.length });
      this.finalFrames[s.height] = s.hash === block.hashHex ? block.frame : this.frames.get(s.hash)!;
    }
    if (this.heights.isElection(block.height)) {
      this.previousSet = this.finalSet;
      this.finalSet = ValidatorSet.fromRecords(block.validators);
    }
    this.lastFinal = block;
    // Only the final block's state and its descendants stay.
    const keep = new Set<string>([block.hashHex]);
    const byHeight = [...this.states.values()].sort((a, b) => a.height - b.height);
    for (const s of byHeight) if (s.parent !== undefined && keep.has(s.parent)) keep.add(s.hash);
    for (const h of [...this.states.keys()]) if (!keep.has(h)) this.states.delete(h);
    for (const h of [...this.frames.keys()]) if (!keep.has(h) || h === block.hashHex) this.frames.delete(h);
  }

  finalBlock(height: number): Uint8Array | undefined {
    return this.finalFrames[height];
  }

  // ---- restart ----

  /** What a restarted node reads back from its durable chain. */
  finalState(): FinalState {
    const epoch = this.heights.epochOf(this.lastFinal.height + 1);
    return {
      block: this.lastFinal,
      validators: this.finalSet,
      previousValidators: this.previousSet,
      recordedForkProofs: [...this.finalLocators].filter(([, h]) => this.heights.epochOf(h) >= epoch - 1).map(([l]) => l),
    };
  }

  /** A crash: every non-final state is lost. */
  restart(): void {
    for (const h of [...this.states.keys()]) if (h !== this.lastFinal.hashHex) this.states.delete(h);
    this.frames.clear();
    this.headHash = this.lastFinal.hashHex;
  }

  isFinal(id: Uint8Array): boolean {
    return this.finalTxs.has(toHex(id));
  }

  get pendingCount(): number {
    return this.admitted.size;
  }

  // ---- internals ----

  private state(hash: string): LedgerState {
    const s = this.states.get(hash);
    if (s === undefined) throw new LedgerRejectError(`unknown parent ${hash}`);
    return s;
  }

  private branchTxs(tip: string): Set<string> {
    const out = new Set<string>();
    for (let h: string | undefined = tip; h !== undefined; h = this.states.get(h)?.parent) {
      const s = this.states.get(h);
      if (s === undefined) break;
      for (const t of s.txs) out.add(t);
    }
    return out;
  }

  private branchLocators(tip: string): Set<string> {
    const out = new Set<string>(this.finalLocators.keys());
    for (let h: string | undefined = tip; h !== undefined; h = this.states.get(h)?.parent) {
      const s = this.states.get(h);
      if (s === undefined) break;
      for (const l of s.forkLocators) out.add(l);
    }
    return out;
  }

  private check(block: ConsensusBlock): LedgerState {
    const parentHash = toHex(block.header.prevHash);
    const parent = this.state(parentHash);
    const onBranch = this.branchTxs(parentHash);
    const txs: string[] = [];
    const inBlock = new Set<string>();
    for (const id of txIdList(block.txIds)) {
      const hex = toHex(id);
      if (onBranch.has(hex) || this.finalTxs.has(hex) || inBlock.has(hex)) throw new LedgerRejectError(`transaction ${hex} is already on this chain`);
      if (!this.admitted.has(hex)) throw new MissingTransactionError(`transaction ${hex} is not admitted here`);
      inBlock.add(hex);
      txs.push(hex);
    }
    const recorded = this.branchLocators(parentHash);
    const locators: string[] = [];
    for (let at = 0; at < block.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) {
      const p = decodeForkProof(block.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES));
      const l = forkProofLocator(p.producer, p.height);
      if (recorded.has(l)) throw new LedgerRejectError(`fork proof ${l} is already recorded on this chain`);
      recorded.add(l);
      locators.push(l);
    }
    const root = this.rootOf(parent.root, block.header.kind, block.height, block.txIds, block.forkProofs, block.validators);
    return { hash: block.hashHex, parent: parentHash, height: block.height, kind: block.header.kind, root, txs, forkLocators: locators };
  }

  private rootOf(parentRoot: Uint8Array, kind: number, height: number, txIds: Uint8Array, forkProofs: Uint8Array, validators: Uint8Array): Uint8Array {
    const head = new CanonicalWriter(20 + 32 + 1 + 8).tag('cdrchain:test-ledger').raw(parentRoot, 32).u8(kind).u64(BigInt(height)).finish();
    return sha256(head, sha256(txIds), sha256(forkProofs), sha256(validators));
  }
}
