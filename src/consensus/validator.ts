import { BLOCK_VERSION_CONSENSUS, BlockKind, FORK_PROOF_RECORD_BYTES } from '../codec/block.js';
import { equalBytes, fromHex, toHex } from '../codec/bytes.js';
import {
  VoteKind, decodeBlockRequest, decodeProposal, decodeVote, encodeBlockRequest, encodeProposal, encodeVote,
  MAX_REQUEST_ANCESTORS, MAX_REQUEST_RANGE, type ProposalMessage, type VoteMessage,
} from '../codec/consensus-messages.js';
import { microSigningBytes, proposalSigningBytes, seedSigningBytes } from '../codec/consensus-signing.js';
import { MalformedFrameError, UnsupportedVersionError } from '../codec/errors.js';
import { sha256 as sha256Of, sha256MerkleRoot } from '../crypto/hash.js';
import type { Logger } from '../log.js';
import { MessageKind, type MessageVerdict, type PeerId, type PeerMessage } from '../p2p/peer-network.js';
import { BlockTree, OrphanPool } from './block-tree.js';
import { blockForkProofs, checkMacroJustification, checkShape, checkSignatures, skipHeader, type ValidityContext } from './block-validity.js';
import { blockFromFrame, blockFromParts, txIdList, withJustification, type ConsensusBlock } from './consensus-block.js';
import { InvalidConsensusBlockError } from './errors.js';
import { FinalityTracker } from './finality.js';
import { ForkProofDetector, decodeForkProof } from './fork-proof.js';
import type { ConsensusDeps, FinalState, Timer } from './outside-deps.js';
import { Heights, type ConsensusPolicy } from './policy.js';
import { drawProducer } from './producer-draw.js';
import { planSlot, produceDelayOnPending } from './production.js';
import { bitmapFromIndices } from './signer-bitmap.js';
import { SkipVoteCollector } from './skip-votes.js';
import { TendermintMachine, type LockSnapshot, type TmAction, type VoteStep } from './tendermint.js';
import { SeenVotes, VoteRejectedError, precheckVote, verifyVoteSignature, voteSigningBytes as voteBytes } from './vote-validation.js';
import { seedEntropy } from './validator-set.js';

/** What a validator tells its host (metrics, the API's `Final` stage, tests). */
export interface ValidatorEvents {
  /** Blocks that became final, oldest first, ending with the justified macro block. */
  onFinal?(blocks: readonly ConsensusBlock[]): void;
  onHead?(block: ConsensusBlock): void;
  /** A block carrying fork proofs was accepted; `locators` are `producer:height`. */
  onForkProofs?(block: ConsensusBlock, locators: readonly string[]): void;
  /** A message was judged (the verdict also goes to the network). */
  onVerdict?(from: PeerId, kind: MessageKind, verdict: MessageVerdict, reason: string): void;
}

export interface ValidatorOptions {
  readonly deps: ConsensusDeps;
  readonly policy: ConsensusPolicy;
  /** Where this validator starts: its own durable final state. */
  readonly start: FinalState;
  readonly events?: ValidatorEvents;
  readonly log?: Logger;
}

const RETRY_MS = 200;
const MAX_RETRIES = 25;
/** A slot whose block is here but waits for bodies is skipped only after this many producer timeouts. */
const MAX_SKIP_HOLD_FACTOR = 3;
const REQUEST_AGAIN_MS = 500;

/**
 * One validator's consensus (docs/consensus.md): follows and extends the block tree above its last
 * final block, produces micro blocks in its slots, votes to skip slots whose producer is silent,
 * aggregates skip blocks, runs Tendermint for each macro height, and finalizes. Every input (network
 * message, timer) runs through one serial queue, so the state below is only ever touched by one task.
 */
export class ConsensusValidator {
  private readonly heights: Heights;
  private readonly finality: FinalityTracker;
  private tree: BlockTree;
  private readonly orphans: OrphanPool;
  /** The durable commit of the last final blocks: runs while consensus goes on, one at a time. */
  private committing: Promise<void> = Promise.resolve();
  /** Votes below the last final height being forgotten (one prune at a time, off the critical path). */
  private pruning: Promise<void> = Promise.resolve();
  private durableFinal: ConsensusBlock;
  /** Our proposal for a round that found the head below the macro block's parent (see `propose`). */
  private deferredProposal: { readonly height: number; readonly round: number; readonly validValue: string | undefined; readonly validRound: number } | undefined;
  /** When this height's Tendermint started here (for the decision's log line). */
  private tmStartedAt = 0;
  private readonly detector = new ForkProofDetector();
  private readonly seen = new SeenVotes();
  private skipVotes: SkipVoteCollector;
  private tm!: TendermintMachine;
  private tmTimers: Timer[] = [];
  /** Proposed macro blocks by hash (values of the current Tendermint height). */
  private macroValues = new Map<string, ConsensusBlock>();
  /** Proposals whose parent is missing here: judged once it arrives. */
  private pendingProposals = new Map<number, { msg: ProposalMessage; block: ConsensusBlock; proposerIndex: number }>();
  private readonly pendingForkProofs = new Map<string, { record: Uint8Array; height: number }>();
  /** Rounds of the current height whose proposal was taken (the first from the round's proposer counts). */
  private proposalRounds = new Set<number>();
  /** Recently final blocks (answers to peers catching up). */
  private readonly recentFinal = new Map<string, ConsensusBlock>();
  private readonly retries = new Map<string, { block: ConsensusBlock; from: PeerId }>();
  private readonly retryAttempts = new Map<string, number>();
  /** Transactions each waiting block still lacked at its last attempt: fewer is progress, not a failed attempt. */
  private readonly retryMissing = new Map<string, number>();
  private readonly requested = new Map<string, number>();
  /** Highest height seen beyond reach, and who showed it (range sync). */
  private syncTarget = 0;
  private syncPeer: PeerId | undefined;
  private productionTimer: Timer | undefined;
  private skipTimer: Timer | undefined;
  private rebroadcastTimer: Timer | undefined;
  private retryTimer: Timer | undefined;
  private headAt = 0;
  private lastProgressAt = 0;
  private lastSkipVote: { height: number; payload: Uint8Array } | undefined;
  private myVotes = new Map<string, Uint8Array>();
  private myProposal: { round: number; payload: Uint8Array } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void)[] = [];
  private running = false;

  constructor(private readonly o: ValidatorOptions) {
    this.heights = new Heights(o.policy);
    this.finality = new FinalityTracker(o.start, this.heights);
    this.tree = new BlockTree(o.start.block);
    this.orphans = new OrphanPool(o.policy.maxOrphanBlocks);
    this.skipVotes = new SkipVoteCollector(this.finality.validators, (s) => o.deps.verifier.aggregate(s));
    for (const l of o.start.recordedForkProofs) this.pendingForkProofs.delete(l);
    this.durableFinal = o.start.block;
  }

  // ---- public ----

  /** The last final block committed durably here (consensus may already be building on a later one). */
  get lastFinal(): ConsensusBlock {
    return this.durableFinal;
  }
  /** The last block consensus decided is final, durable here or still being committed. */
  get lastDecided(): ConsensusBlock {
    return this.finality.lastFinal;
  }
  get head(): ConsensusBlock {
    return this.tree.head;
  }
  get id(): number | undefined {
    return this.o.deps.signer?.id;
  }
  /** The Tendermint round at the next macro height (−1 before it starts). */
  get round(): number {
    return this.tm.currentRound;
  }
  get validators(): FinalityTracker['validators'] {
    return this.finality.validators;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { network, source } = this.o.deps;
    this.unsubscribe.push(network.onMessage((m) => this.onMessage(m)));
    this.unsubscribe.push(source.onPending(() => this.enqueue(() => this.onPending())));
    this.newHeight();
    this.enqueue(async () => this.onHeadChanged());
    this.scheduleRebroadcast();
  }

  /** Stops timers and handlers; what is queued finishes. */
  async stop(): Promise<void> {
    this.running = false;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    for (const t of [this.productionTimer, this.skipTimer, this.rebroadcastTimer, this.retryTimer, ...this.tmTimers]) t?.cancel();
    this.tmTimers = [];
    await this.queue;
    await this.committing;
    await this.pruning;
  }

  /** Resolves when every queued task ran (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  // ---- the serial queue ----

  private enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue.then(async () => {
      if (!this.running) return;
      try {
        await task();
      } catch (err) {
        this.o.log?.error({ err }, 'consensus task failed');
      }
    });
  }

  private onMessage(m: PeerMessage): void {
    const payload = Uint8Array.from(m.payload); // the network lends its buffer for the call only
    const { from, kind } = m;
    switch (kind) {
      case MessageKind.Block:
      case MessageKind.BlockResponse:
        this.enqueue(() => this.onBlockFrame(payload, from, kind));
        break;
      case MessageKind.Vote:
        this.enqueue(() => this.onVote(payload, from));
        break;
      case MessageKind.Proposal:
        this.enqueue(() => this.onProposal(payload, from));
        break;
      case MessageKind.BlockRequest:
        this.enqueue(() => this.onBlockRequest(payload, from));
        break;
      default:
        break; // other layers' messages
    }
  }

  private verdict(from: PeerId, kind: MessageKind, verdict: MessageVerdict, reason: string): void {
    if (from === this.o.deps.network.self) return;
    this.o.deps.network.report(from, verdict, reason);
    this.o.events?.onVerdict?.(from, kind, verdict, reason);
  }

  private ctx(): ValidityContext {
    return {
      chain: this.o.deps.chain,
      policy: this.o.policy,
      heights: this.heights,
      set: this.finality.validators,
      previousSet: this.finality.previousValidators,
      epoch: this.finality.epoch,
      batchSeedEntropy: this.finality.batchSeedEntropy,
      verifier: this.o.deps.verifier,
      nowMs: this.now(),
    };
  }

  /** Whole milliseconds (timestamps are integers; a clock may return fractions). */
  private now(): number {
    return Math.floor(this.o.deps.clock.now());
  }

  private selfIndex(): number | undefined {
    const id = this.o.deps.signer?.id;
    return id === undefined ? undefined : this.finality.validators.indexOf(id);
  }

  // ---- blocks ----

  private async onBlockFrame(bytes: Uint8Array, from: PeerId, kind: MessageKind): Promise<void> {
    let block: ConsensusBlock;
    try {
      block = blockFromFrame(bytes);
    } catch (err) {
      if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return this.verdict(from, kind, 'reject', `malformed block: ${err.message}`);
      throw err;
    }
    const root = this.tree.root;
    if (block.height <= root.height) return this.verdict(from, kind, 'ignore', 'block at or below the last final block');
    if (block.height > root.height + this.o.policy.maxBlocksAhead) {
      // Fallen behind: catch up by range from this peer, a batch at a time.
      this.syncTarget = Math.max(this.syncTarget, block.height);
      this.syncPeer = from;
      this.requestRange();
      return this.verdict(from, kind, 'ignore', `block ${block.height} is too far ahead of ${root.height}`);
    }
    if (this.orphans.has(block.hashHex)) {
      // Still waiting for its parent: the request or its answer may have been lost; ask this peer too.
      this.requestBlock(block.header.prevHash, from);
      return this.verdict(from, kind, 'ignore', 'known block');
    }
    if (this.tree.has(block.hashHex) || this.retries.has(block.hashHex)) return this.verdict(from, kind, 'ignore', 'known block');
    const parent = this.tree.get(toHex(block.header.prevHash));
    if (parent === undefined) {
      this.orphans.add(block, from);
      this.requestBlock(block.header.prevHash, from);
      return;
    }
    await this.accept(block, parent, from, kind === MessageKind.Block);
  }

  /** Validates, applies and adds a block whose parent is in the tree; then its orphaned children. */
  private async accept(block: ConsensusBlock, parent: ConsensusBlock, from: PeerId, relay: boolean): Promise<void> {
    const ctx = this.ctx();
    try {
      checkShape(block, parent, ctx);
      if (block.header.kind === BlockKind.Macro) await checkMacroJustification(block, ctx);
      await checkSignatures(block, parent, ctx);
      this.checkForkProofsNew(block, parent);
      if (block.header.kind === BlockKind.Macro) await this.checkElection(block, parent);
      await this.applyChecked(block);
    } catch (err) {
      if (err instanceof InvalidConsensusBlockError || isRetryable(err)) {
        if (isRetryable(err)) return this.scheduleRetry(block, from, err.missing);
        const penalise = /signature|skip_proof|macro_justification|seed/.test(err.reason);
        this.o.log?.warn({ height: block.height, hash: block.hashHex, from, reason: err.message }, 'block rejected');
        return this.verdict(from, MessageKind.Block, penalise ? 'penalise' : 'reject', err.message);
      }
      throw err;
    }
    this.retryAttempts.delete(block.hashHex);
    this.retryMissing.delete(block.hashHex);
    this.verdict(from, MessageKind.Block, 'accept', 'valid block');
    await this.added(block, relay);
  }

  /** A valid, applied block joins the tree: relay, detect forks, finalize, move the head, resume orphans. */
  private async added(block: ConsensusBlock, relay: boolean): Promise<void> {
    if (block.header.kind === BlockKind.Micro && block.justification) {
      const proof = this.detector.observe(block.header, block.justification.signature);
      if (proof) this.addForkProof(proof);
    }
    if (block.forkProofs.length > 0) {
      this.o.events?.onForkProofs?.(block, blockForkProofs(block, this.ctx()).map((p) => p.locator));
    }
    if (relay) this.o.deps.network.broadcast(MessageKind.Block, block.frame);
    if (block.header.kind === BlockKind.Macro) {
      await this.finalize(block);
    } else {
      const headChanged = this.tree.add(block);
      if (headChanged) this.onHeadChanged();
    }
    await this.resumeChildren(block.hashHex);
    await this.resumeProposals();
  }

  private async resumeChildren(parentHex: string): Promise<void> {
    for (const { block, from } of this.orphans.takeChildren(parentHex)) {
      const parent = this.tree.get(parentHex);
      if (parent === undefined || block.height <= this.tree.root.height) continue;
      await this.accept(block, parent, from, false);
    }
  }

  /** The chain's verdict on the block's transactions, and its state root against the header's. */
  private async applyChecked(block: ConsensusBlock): Promise<void> {
    let root: Uint8Array;
    try {
      root = await this.o.deps.sink.apply(block);
    } catch (err) {
      if (isRetryable(err)) throw err;
      throw new InvalidConsensusBlockError('state_transition', err instanceof Error ? err.message : String(err));
    }
    if (!equalBytes(root, block.header.consensus.stateRoot)) {
      throw new InvalidConsensusBlockError('state_root', `state root differs: ${toHex(block.header.consensus.stateRoot)} claimed, ${toHex(root)} here`);
    }
  }

  private checkForkProofsNew(block: ConsensusBlock, parent: ConsensusBlock): void {
    if (block.forkProofs.length === 0) return;
    const onBranch = this.branchForkProofs(parent);
    for (const p of blockForkProofs(block, this.ctx())) {
      if (onBranch.has(p.locator) || this.finality.isRecorded(p.locator)) {
        throw new InvalidConsensusBlockError('fork_proof', `fork proof ${p.locator} is already recorded on this chain`);
      }
    }
  }

  private branchForkProofs(tip: ConsensusBlock): Set<string> {
    const out = new Set<string>();
    for (const b of this.tree.branch(tip.hashHex)) {
      for (let at = 0; at < b.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) out.add(decodeForkProof(b.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES)).locator);
    }
    return out;
  }

  private async checkElection(block: ConsensusBlock, parent: ConsensusBlock): Promise<void> {
    if (!this.heights.isElection(block.height)) return;
    const expected = await this.o.deps.source.nextValidators(parent.hash);
    if (!equalBytes(expected.records(), block.validators)) throw new InvalidConsensusBlockError('validators', 'the election block does not carry the validator set the state fixes');
  }

  /**
   * A block whose transactions are not all here yet waits and is tried again: every RETRY_MS, and at
   * once when the last one is admitted (onPending). An attempt that finds fewer missing than the one
   * before does not count towards MAX_RETRIES: a large block whose bodies trickle in is not dropped.
   */
  private scheduleRetry(block: ConsensusBlock, from: PeerId, missing?: number): void {
    const before = this.retryMissing.get(block.hashHex);
    const progressed = missing !== undefined && before !== undefined && missing < before;
    if (missing !== undefined) this.retryMissing.set(block.hashHex, missing);
    const attempts = (this.retryAttempts.get(block.hashHex) ?? 0) + (progressed ? 0 : 1);
    if (attempts > MAX_RETRIES) {
      this.retryAttempts.delete(block.hashHex);
      this.retryMissing.delete(block.hashHex);
      // 'ignore' costs the sender nothing (an honest relayer may be ahead of us), so say here why it went.
      this.o.log?.warn({ height: block.height, hash: block.hashHex, from, attempts: MAX_RETRIES, reason: 'retries exhausted' }, 'block dropped: it names transactions this node could not get');
      return this.verdict(from, MessageKind.Block, 'ignore', 'block names transactions this node still lacks');
    }
    this.retryAttempts.set(block.hashHex, attempts);
    this.retries.set(block.hashHex, { block, from });
    this.o.log?.debug({ height: block.height, from, missing, attempts }, 'block waits for transactions not admitted here yet');
    this.retryTimer ??= this.o.deps.clock.after(RETRY_MS, () => {
      this.retryTimer = undefined;
      this.enqueue(() => this.runRetries());
    });
  }

  private async runRetries(): Promise<void> {
    const all = [...this.retries.values()].sort((a, b) => a.block.height - b.block.height);
    this.retries.clear();
    for (const { block, from } of all) {
      const parent = this.tree.get(toHex(block.header.prevHash));
      if (parent === undefined || block.height <= this.tree.root.height) {
        // Its height became final (or its branch was pruned) while it waited: nothing left to retry.
        this.retryAttempts.delete(block.hashHex);
        this.retryMissing.delete(block.hashHex);
        this.o.log?.info({ height: block.height, hash: block.hashHex, from, reason: 'its height is final or its branch pruned' }, 'block dropped: it names transactions this node could not get');
        continue;
      }
      await this.accept(block, parent, from, true);
    }
  }

  private retryIfComplete(): void {
    const sink = this.o.deps.sink;
    if (this.retries.size === 0 || sink.missingBodies === undefined) return;
    for (const { block } of this.retries.values()) {
      if (sink.missingBodies(block) !== 0) continue;
      this.retryTimer?.cancel();
      this.retryTimer = undefined;
      this.enqueue(() => this.runRetries());
      return;
    }
  }

  private requestBlock(hash: Uint8Array, from: PeerId): void {
    const hex = toHex(hash);
    const now = this.now();
    if ((this.requested.get(hex) ?? -Infinity) + REQUEST_AGAIN_MS > now) return;
    this.requested.set(hex, now);
    if (this.requested.size > 4096) this.requested.clear();
    this.o.deps.network.send(from, MessageKind.BlockRequest, encodeBlockRequest({ hash, ancestors: MAX_REQUEST_ANCESTORS }));
  }

  private requestRange(): void {
    const root = this.tree.root;
    if (this.syncPeer === undefined || this.syncTarget <= root.height + this.o.policy.blocksPerBatch) return;
    const key = `range:${root.height}`;
    const now = this.now();
    if ((this.requested.get(key) ?? -Infinity) + REQUEST_AGAIN_MS > now) return;
    this.requested.set(key, now);
    const count = Math.min(this.o.policy.blocksPerBatch, MAX_REQUEST_RANGE);
    // The block that set the target was not taken (too far ahead): this line says why and whom we trust to catch up.
    this.o.log?.info({ peer: this.syncPeer, from: root.height + 1, count, target: this.syncTarget }, 'range sync: asking a peer for final blocks');
    this.o.deps.network.send(this.syncPeer, MessageKind.BlockRequest, encodeBlockRequest({ fromHeight: BigInt(root.height + 1), count }));
  }

  private async onBlockRequest(bytes: Uint8Array, from: PeerId): Promise<void> {
    let req;
    try {
      req = decodeBlockRequest(bytes);
    } catch (err) {
      if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return this.verdict(from, MessageKind.BlockRequest, 'reject', err.message);
      throw err;
    }
    if (!('hash' in req)) return this.answerRange(req.fromHeight, req.count, from);
    const chain: ConsensusBlock[] = [];
    let hex = toHex(req.hash);
    while (chain.length <= req.ancestors) {
      const b = this.tree.get(hex) ?? this.recentFinal.get(hex) ?? (this.tree.root.hashHex === hex ? this.tree.root : undefined);
      if (b === undefined || b.height === 0) break;
      chain.push(b);
      hex = toHex(b.header.prevHash);
    }
    if (chain.length === 0) return this.verdict(from, MessageKind.BlockRequest, 'ignore', 'unknown block requested');
    for (const b of chain.reverse()) this.o.deps.network.send(from, MessageKind.BlockResponse, b.frame);
  }

  /** Final blocks from `fromHeight`, from the node's history or the last few batches kept here. */
  private answerRange(fromHeight: bigint, count: number, from: PeerId): void {
    const root = this.tree.root;
    if (fromHeight < 1n || fromHeight > BigInt(root.height)) return this.verdict(from, MessageKind.BlockRequest, 'ignore', `no final blocks from ${fromHeight}`);
    const start = Number(fromHeight);
    const byHeight = new Map<number, ConsensusBlock>();
    for (const b of this.recentFinal.values()) byHeight.set(b.height, b);
    byHeight.set(root.height, root);
    for (let h = start; h < start + count && h <= root.height; h++) {
      const frame = this.o.deps.history?.finalBlock(h) ?? byHeight.get(h)?.frame;
      if (frame === undefined) break;
      this.o.deps.network.send(from, MessageKind.BlockResponse, frame);
    }
  }

  // ---- the head: production and skip ----

  private onHeadChanged(): void {
    const head = this.tree.head;
    const now = this.now();
    this.headAt = now;
    this.lastProgressAt = now;
    this.o.deps.sink.setHead(head);
    this.o.events?.onHead?.(head);
    this.productionTimer?.cancel();
    this.skipTimer?.cancel();
    this.productionTimer = undefined;
    this.skipTimer = undefined;
    const plan = planSlot({
      headHeight: head.height,
      nextMacroHeight: this.finality.nextMacroHeight,
      heights: this.heights,
      policy: this.o.policy,
      set: this.finality.validators,
      chain: this.o.deps.chain,
      batchSeedEntropy: this.finality.batchSeedEntropy,
      self: this.o.deps.signer?.id,
      hasPending: this.o.deps.source.hasPending(),
      finalityWaits: head.header.kind !== BlockKind.Macro && head.header.txCount === 0 && this.tree.branch(head.hashHex).some((b) => b.header.txCount > 0),
    });
    if (plan.kind === 'await_finality') return;
    if (head.header.kind === BlockKind.Macro && plan.kind === 'micro') this.o.log?.debug({ height: plan.height, producer: plan.producer, produceInMs: plan.produceInMs }, 'first slot after a macro block');
    if (plan.kind === 'macro') {
      const deferred = this.deferredProposal;
      if (deferred && deferred.height === plan.height && this.tm.height === plan.height && this.tm.currentRound === deferred.round && this.tm.decision === undefined) {
        this.deferredProposal = undefined;
        this.enqueue(() => (this.tm.currentRound === deferred.round ? this.propose(deferred.round, deferred.validValue, deferred.validRound) : undefined));
      }
      this.startTendermint();
      return;
    }
    if (plan.produceInMs !== undefined) this.productionTimer = this.o.deps.clock.after(plan.produceInMs, () => this.enqueue(() => this.produce(head)));
    this.skipTimer = this.o.deps.clock.after(plan.skipVoteInMs, () => this.enqueue(() => this.onSkipTimeout(head)));
    // Skip votes may have reached a quorum before this block became our head.
    const proof = this.skipVotes.proofFor(plan.height, seedEntropy(head.header.consensus.seed));
    if (proof) this.enqueue(() => this.buildSkipBlock(plan.height, proof.parentSeedEntropy));
  }

  /**
   * Transactions arrived: a block waiting for them is tried now if it lacks none any more, and our
   * slot's block need not wait for the empty-block interval.
   */
  private onPending(): void {
    this.retryIfComplete();
    const head = this.tree.head;
    if (this.productionTimer === undefined) return;
    const producer = drawProducer(this.finality.validators, this.o.deps.chain, this.finality.batchSeedEntropy, head.height + 1, 0);
    if (producer.id !== this.o.deps.signer?.id) return;
    this.productionTimer.cancel();
    this.productionTimer = this.o.deps.clock.after(produceDelayOnPending(this.headAt, this.now(), head.height, this.heights, this.o.policy), () => this.enqueue(() => this.produce(head)));
  }

  private async produce(parent: ConsensusBlock): Promise<void> {
    const signer = this.o.deps.signer;
    if (!signer || this.tree.head !== parent) return;
    const headAt = this.headAt;
    this.productionTimer = undefined;
    const height = parent.height + 1;
    const context = seedEntropy(parent.header.consensus.seed);
    const stored = this.o.deps.votes.get('micro', height, 0, context);
    if (stored) {
      // Signed before a restart: that block or nothing (never a second one for the slot).
      const block = blockFromFrame(stored.payload);
      if (equalBytes(block.header.prevHash, parent.hash) && !this.tree.has(block.hashHex)) await this.acceptOwn(block);
      return;
    }
    const now = BigInt(this.now());
    const timestampMs = now > parent.header.timestampMs ? now : parent.header.timestampMs + 1n;
    const forkProofs = this.forkProofsFor(parent);
    const t0 = this.now();
    const body = await this.o.deps.source.buildMicro({ parentHash: parent.hash, height, timestampMs, forkProofs, maxTxs: this.o.policy.maxBlockTxs });
    if (this.tree.head !== parent || !this.running) return;
    const header = {
      version: BLOCK_VERSION_CONSENSUS,
      kind: BlockKind.Micro,
      height: BigInt(height),
      prevHash: parent.hash,
      timestampMs,
      producer: signer.id,
      txRoot: sha256MerkleRoot(txIdList(body.txIds)),
      txCount: body.txIds.length / 32,
      cdrCount: body.cdrCount,
      consensus: {
        round: 0,
        seed: signer.sign(seedSigningBytes(this.o.deps.chain, parent.header.consensus.seed)),
        stateRoot: body.stateRoot,
        forkProofsRoot: forkProofs.length === 0 ? new Uint8Array(32) : sha256Of(forkProofs),
        validatorsHash: new Uint8Array(32),
      },
    };
    const unsigned = blockFromParts({ header, txIds: body.txIds, forkProofs });
    const signature = signer.sign(microSigningBytes(this.o.deps.chain, unsigned.hash));
    const block = withJustification(unsigned, { round: 0, signature, signers: new Uint8Array(0) });
    const t1 = this.now();
    await this.o.deps.votes.put({ kind: 'micro', height, round: 0, context, payload: block.frame });
    const t2 = this.now();
    await this.acceptOwn(block);
    this.o.log?.debug({ height, txs: header.txCount, cdrs: body.cdrCount, buildMs: t1 - t0, persistMs: t2 - t1, acceptMs: this.now() - t2, sinceHeadMs: t0 - headAt }, 'produced a micro block');
  }

  /** Our own block (or skip block): applied and added without re-checking signatures we made. */
  private async acceptOwn(block: ConsensusBlock): Promise<void> {
    const root = await this.o.deps.sink.apply(block);
    if (!equalBytes(root, block.header.consensus.stateRoot)) {
      this.o.log?.error({ height: block.height }, 'own block yields another state root than its header; not sent');
      return;
    }
    await this.added(block, true);
  }

  private forkProofsFor(parent: ConsensusBlock): Uint8Array {
    if (this.pendingForkProofs.size === 0 || this.o.policy.maxForkProofsPerBlock === 0) return new Uint8Array(0);
    const onBranch = this.branchForkProofs(parent);
    const epoch = this.finality.epoch;
    const picked: Uint8Array[] = [];
    for (const [locator, p] of this.pendingForkProofs) {
      const e = this.heights.epochOf(p.height);
      if (e !== epoch && e !== epoch - 1) {
        this.pendingForkProofs.delete(locator);
        continue;
      }
      if (onBranch.has(locator) || this.finality.isRecorded(locator) || p.height >= parent.height + 1) continue;
      picked.push(p.record);
      if (picked.length >= this.o.policy.maxForkProofsPerBlock) break;
    }
    const out = new Uint8Array(picked.length * FORK_PROOF_RECORD_BYTES);
    picked.forEach((r, i) => out.set(r, i * FORK_PROOF_RECORD_BYTES));
    return out;
  }

  private addForkProof(record: Uint8Array): void {
    const p = decodeForkProof(record);
    if (this.finality.isRecorded(p.locator) || this.pendingForkProofs.has(p.locator)) return;
    this.o.log?.warn({ producer: p.producer, height: p.height }, 'equivocation: fork proof made');
    this.pendingForkProofs.set(p.locator, { record, height: p.height });
  }

  private async onSkipTimeout(parent: ConsensusBlock): Promise<void> {
    this.skipTimer = undefined;
    const signer = this.o.deps.signer;
    const index = this.selfIndex();
    if (!signer || index === undefined || this.tree.head !== parent) return;
    const height = parent.height + 1;
    const entropy = seedEntropy(parent.header.consensus.seed);
    const waitedMs = this.now() - this.headAt;
    if (this.holdsBlockFor(parent) && waitedMs < MAX_SKIP_HOLD_FACTOR * this.o.policy.producerTimeoutMs) {
      // The producer's block for this slot is here, signature checked, waiting only for transaction
      // bodies still being admitted: skipping it would throw away a valid block under load. Wait on,
      // up to a bound (a producer that withholds bodies is skipped after it; retries give up earlier).
      this.skipTimer = this.o.deps.clock.after(this.o.policy.producerTimeoutMs / 2, () => this.enqueue(() => this.onSkipTimeout(parent)));
      this.o.log?.debug({ height, waitedMs }, 'skip vote held back: the slot\'s block waits for transaction bodies');
      return;
    }
    const producer = drawProducer(this.finality.validators, this.o.deps.chain, this.finality.batchSeedEntropy, height, 0).id;
    this.o.log?.info({ height, producer, waitedMs, pendingBlocks: this.retries.size, orphans: this.orphans.size }, 'no block for the slot in time: voting to skip it');
    let payload = this.o.deps.votes.get('skip', height, 0, entropy)?.payload;
    if (payload === undefined) {
      const vote: VoteMessage = { kind: VoteKind.Skip, height: BigInt(height), round: 0, value: entropy, validator: signer.id, signature: new Uint8Array(96) };
      const signature = signer.sign(voteBytes(this.o.deps.chain, vote));
      payload = encodeVote({ ...vote, signature });
      await this.o.deps.votes.put({ kind: 'skip', height, round: 0, context: entropy, payload });
    }
    this.lastSkipVote = { height, payload };
    this.o.deps.network.broadcast(MessageKind.Vote, payload);
    const vote = decodeVote(payload);
    this.seen.remember(vote);
    if (this.skipVotes.add(height, entropy, index, vote.signature)) await this.buildSkipBlock(height, entropy);
  }

  /** Whether a block on `parent` waits here for transaction bodies (it passed every check before the state transition). */
  private holdsBlockFor(parent: ConsensusBlock): boolean {
    for (const { block } of this.retries.values()) if (equalBytes(block.header.prevHash, parent.hash)) return true;
    return false;
  }

  /** A quorum signed the skip vote for (height, entropy): make the skip block on a parent with that seed. */
  private async buildSkipBlock(height: number, entropy: Uint8Array): Promise<void> {
    const proof = this.skipVotes.proofFor(height, entropy);
    if (!proof || height <= this.tree.root.height) return;
    const head = this.tree.head;
    const candidates = [head, ...this.tree.branch(head.hashHex)];
    let parent = candidates.find((b) => b.height === height - 1 && equalBytes(seedEntropy(b.header.consensus.seed), entropy));
    if (parent === undefined && this.tree.root.height === height - 1 && equalBytes(seedEntropy(this.tree.root.header.consensus.seed), entropy)) parent = this.tree.root;
    if (parent === undefined) return; // not on our branch (yet): a peer's skip block or our head moving will bring it
    const ctx = this.ctx();
    const draft = blockFromParts({ header: skipHeader(parent, ctx, new Uint8Array(32)) });
    const root = await this.o.deps.sink.preview(draft);
    const unsigned = blockFromParts({ header: skipHeader(parent, ctx, root) });
    if (this.tree.has(unsigned.hashHex)) return;
    const block = withJustification(unsigned, { round: 0, signature: proof.signature, signers: proof.signers });
    await this.acceptOwn(block);
  }

  // ---- votes ----

  private async onVote(bytes: Uint8Array, from: PeerId): Promise<void> {
    let vote: VoteMessage;
    try {
      vote = decodeVote(bytes);
      const index = precheckVote(vote, {
        heights: this.heights,
        set: this.finality.validators,
        lastFinalHeight: this.tree.root.height,
        macroHeight: this.finality.nextMacroHeight,
        currentRound: this.tm.currentRound,
        maxRoundsAhead: this.o.policy.maxRoundsAhead,
      });
      if (this.seen.has(vote)) throw new VoteRejectedError('duplicate', 'vote already taken');
      await verifyVoteSignature(this.o.deps.chain, vote, this.finality.validators, index, this.o.deps.verifier);
      this.seen.remember(vote);
      this.verdict(from, MessageKind.Vote, 'accept', 'valid vote');
      if (vote.kind === VoteKind.Skip) {
        const height = Number(vote.height);
        if (this.skipVotes.add(height, vote.value!, index, vote.signature)) await this.buildSkipBlock(height, vote.value!);
        return;
      }
      const step: VoteStep = vote.kind === VoteKind.Prevote ? 'prevote' : 'precommit';
      await this.run(this.tm.vote(step, vote.round, index, vote.value ? toHex(vote.value) : undefined, vote.signature));
    } catch (err) {
      if (err instanceof VoteRejectedError) return this.verdict(from, MessageKind.Vote, err.verdict, err.message);
      if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return this.verdict(from, MessageKind.Vote, 'reject', `malformed vote: ${err.message}`);
      throw err;
    }
  }

  // ---- Tendermint ----

  private newHeight(): void {
    for (const t of this.tmTimers) t.cancel();
    this.tmTimers = [];
    this.macroValues = new Map();
    this.pendingProposals = new Map();
    this.myVotes = new Map();
    this.myProposal = undefined;
    const height = this.finality.nextMacroHeight;
    const set = this.finality.validators;
    const { policy, deps } = this.o;
    const stored = deps.votes.lock(height);
    let lock: LockSnapshot | undefined;
    if (stored) {
      const locked = stored.lockedBlock ? blockFromFrame(stored.lockedBlock) : undefined;
      const valid = stored.validBlock ? blockFromFrame(stored.validBlock) : undefined;
      for (const b of [locked, valid]) if (b) this.macroValues.set(b.hashHex, b);
      lock = { lockedRound: stored.lockedRound, lockedValue: locked?.hashHex, validRound: stored.validRound, validValue: valid?.hashHex };
    }
    this.tm = new TendermintMachine(
      {
        height,
        powers: set.validators.map((v) => v.power),
        quorum: set.quorum,
        oneThirdPlus: set.oneThirdPlus,
        self: this.selfIndex(),
        proposer: (round) => set.indexOf(drawProducer(set, deps.chain, this.finality.batchSeedEntropy, height, round).id)!,
        timeoutMs: (round) => policy.tendermintTimeoutInitMs + round * policy.tendermintTimeoutDeltaMs,
        maxRound: 0xffff,
      },
      lock,
    );
  }

  private startTendermint(): void {
    if (this.tm.started || this.tm.decision !== undefined) return;
    this.tmStartedAt = this.now();
    this.enqueue(() => this.run(this.tm.start(0)));
  }

  private async run(actions: readonly TmAction[]): Promise<void> {
    const tm = this.tm;
    for (const a of actions) {
      if (this.tm !== tm) return; // the height was decided meanwhile
      switch (a.type) {
        case 'schedule': {
          const t = this.o.deps.clock.after(a.ms, () => this.enqueue(() => (this.tm === tm ? this.run(tm.timeout(a.step, a.round)) : undefined)));
          this.tmTimers.push(t);
          break;
        }
        case 'propose':
          await this.propose(a.round, a.validValue, a.validRound);
          break;
        case 'vote':
          await this.castVote(a.step, a.round, a.value, a.lock);
          break;
        case 'decide':
          await this.decide(a.round, a.value, a.signers, a.signatures);
          break;
        case 'equivocation': {
          const v = this.finality.validators.byIndex(a.validator);
          this.o.log?.warn({ validator: v.id, step: a.step, round: a.round }, 'equivocation: two different votes for one round and step');
          this.verdict(v.id, MessageKind.Vote, 'penalise', `double ${a.step} in round ${a.round}`);
          break;
        }
      }
    }
  }

  private async propose(round: number, validValue: string | undefined, validRound: number): Promise<void> {
    const signer = this.o.deps.signer;
    const index = this.selfIndex();
    if (!signer || index === undefined) return;
    const height = this.tm.height;
    let payload = this.o.deps.votes.get('proposal', height, round, EMPTY)?.payload;
    let block: ConsensusBlock | undefined;
    let vr = validRound;
    if (payload) {
      const msg = decodeProposal(payload);
      block = blockFromFrame(msg.block);
      vr = msg.validRound ?? -1;
    } else {
      block = validValue !== undefined ? this.macroValues.get(validValue) : await this.buildMacro(round);
      if (block === undefined) {
        // Not at the parent height yet (its last micro block waits for bodies here): propose when the
        // head gets there, if the round is still on; otherwise the others time out and move on.
        this.deferredProposal = { height, round, validValue, validRound };
        return;
      }
      const signature = signer.sign(proposalSigningBytes(this.o.deps.chain, BigInt(height), round, vr < 0 ? undefined : vr, block.hash));
      payload = encodeProposal({ height: BigInt(height), round, validRound: vr < 0 ? undefined : vr, proposer: signer.id, block: block.frame, signature });
      if (this.tm.height !== height) return;
      await this.o.deps.votes.put({ kind: 'proposal', height, round, context: EMPTY, payload });
    }
    this.o.log?.debug({ height, round, sinceStartMs: this.now() - this.tmStartedAt }, 'macro proposal sent');
    this.macroValues.set(block.hashHex, block);
    this.myProposal = { round, payload };
    this.o.deps.network.broadcast(MessageKind.Proposal, payload);
    await this.run(this.tm.proposal(round, index, block.hashHex, vr, true));
  }

  private async buildMacro(round: number): Promise<ConsensusBlock | undefined> {
    const signer = this.o.deps.signer!;
    const head = this.tree.head;
    const height = this.tm.height;
    if (head.height !== height - 1) return undefined;
    const now = BigInt(this.now());
    const validators = this.heights.isElection(height) ? (await this.o.deps.source.nextValidators(head.hash)).records() : new Uint8Array(0);
    const header = (stateRoot: Uint8Array) => ({
      version: BLOCK_VERSION_CONSENSUS,
      kind: BlockKind.Macro,
      height: BigInt(height),
      prevHash: head.hash,
      timestampMs: now > head.header.timestampMs ? now : head.header.timestampMs + 1n,
      producer: signer.id,
      txRoot: new Uint8Array(32),
      txCount: 0,
      cdrCount: 0,
      consensus: {
        round,
        seed: signer.sign(seedSigningBytes(this.o.deps.chain, head.header.consensus.seed)),
        stateRoot,
        forkProofsRoot: new Uint8Array(32),
        validatorsHash: validators.length === 0 ? new Uint8Array(32) : sha256Of(validators),
      },
    });
    const draft = blockFromParts({ header: header(new Uint8Array(32)), validators });
    const root = await this.o.deps.sink.preview(draft);
    const block = blockFromParts({ header: header(root), validators });
    const applied = await this.o.deps.sink.apply(block);
    if (!equalBytes(applied, root)) return undefined;
    return block;
  }

  private async castVote(step: VoteStep, round: number, value: string | undefined, lock: LockSnapshot): Promise<void> {
    const signer = this.o.deps.signer;
    const index = this.selfIndex();
    if (!signer || index === undefined) return;
    const height = this.tm.height;
    let payload = this.o.deps.votes.get(step, height, round, EMPTY)?.payload;
    if (payload === undefined) {
      const vote: VoteMessage = {
        kind: step === 'prevote' ? VoteKind.Prevote : VoteKind.Precommit,
        height: BigInt(height), round, value: value === undefined ? undefined : fromHex(value, 32), validator: signer.id, signature: new Uint8Array(96),
      };
      payload = encodeVote({ ...vote, signature: signer.sign(voteBytes(this.o.deps.chain, vote)) });
      const locked = lock.lockedValue ? this.macroValues.get(lock.lockedValue) : undefined;
      const valid = lock.validValue ? this.macroValues.get(lock.validValue) : undefined;
      const stateLock = { height, lockedRound: lock.lockedRound, lockedBlock: locked?.frame, validRound: lock.validRound, validBlock: valid?.frame };
      await this.o.deps.votes.put({ kind: step, height, round, context: EMPTY, payload }, stateLock);
    }
    if (this.tm.height !== height) return;
    this.o.log?.debug({ height, round, step, sinceStartMs: this.now() - this.tmStartedAt }, 'vote cast');
    const sent = decodeVote(payload); // after a restart: what was signed then, whatever the machine wanted now
    this.myVotes.set(`${step}/${round}`, payload);
    this.seen.remember(sent);
    this.o.deps.network.broadcast(MessageKind.Vote, payload);
    await this.run(this.tm.vote(step, round, index, sent.value ? toHex(sent.value) : undefined, sent.signature));
  }

  private async decide(round: number, value: string, signers: readonly number[], signatures: readonly Uint8Array[]): Promise<void> {
    const block = this.macroValues.get(value);
    if (block === undefined) return;
    const justification = { round, signature: this.o.deps.verifier.aggregate(signatures), signers: bitmapFromIndices(this.finality.validators.size, signers) };
    const final = withJustification(block, justification);
    this.o.deps.network.broadcast(MessageKind.Block, final.frame);
    this.o.log?.debug({ height: block.height, round, sinceStartMs: this.now() - this.tmStartedAt }, 'macro block decided');
    await this.finalize(final);
  }

  private async onProposal(bytes: Uint8Array, from: PeerId): Promise<void> {
    let msg: ProposalMessage;
    let block: ConsensusBlock;
    try {
      msg = decodeProposal(bytes);
      block = blockFromFrame(msg.block);
    } catch (err) {
      if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return this.verdict(from, MessageKind.Proposal, 'reject', `malformed proposal: ${err.message}`);
      throw err;
    }
    const height = this.tm.height;
    if (msg.height !== BigInt(height) || block.height !== height) {
      return this.verdict(from, MessageKind.Proposal, 'ignore', `proposal for ${msg.height}, deciding ${height}`);
    }
    if (msg.round > Math.max(0, this.tm.currentRound) + this.o.policy.maxRoundsAhead) return this.verdict(from, MessageKind.Proposal, 'reject', `round ${msg.round} too far ahead`);
    const set = this.finality.validators;
    const proposer = drawProducer(set, this.o.deps.chain, this.finality.batchSeedEntropy, height, msg.round);
    if (msg.proposer !== proposer.id) return this.verdict(from, MessageKind.Proposal, 'reject', `round ${msg.round} belongs to ${proposer.id}, not ${msg.proposer}`);
    if (this.pendingProposals.has(msg.round) || this.proposalRounds.has(msg.round)) {
      return this.verdict(from, MessageKind.Proposal, 'ignore', 'known proposal');
    }
    const ok = await this.o.deps.verifier.verify(proposer.publicKey, proposalSigningBytes(this.o.deps.chain, msg.height, msg.round, msg.validRound, block.hash), msg.signature, { urgent: true });
    if (!ok) return this.verdict(from, MessageKind.Proposal, 'penalise', 'proposal signature does not verify');
    this.verdict(from, MessageKind.Proposal, 'accept', 'valid proposal');
    this.proposalRounds.add(msg.round);
    const proposerIndex = set.indexOf(proposer.id)!;
    const parent = this.tree.get(toHex(block.header.prevHash));
    if (parent === undefined) {
      this.pendingProposals.set(msg.round, { msg, block, proposerIndex });
      this.requestBlock(block.header.prevHash, from);
      return;
    }
    await this.judgeProposal(msg, block, parent, proposerIndex, from);
  }


  private async judgeProposal(msg: ProposalMessage, block: ConsensusBlock, parent: ConsensusBlock, proposerIndex: number, from: PeerId): Promise<void> {
    let valid = true;
    try {
      const ctx = this.ctx();
      checkShape(block, parent, ctx);
      if (block.header.consensus.round > msg.round) throw new InvalidConsensusBlockError('round', 'a proposal cannot carry a block of a later round');
      await checkSignatures(block, parent, ctx);
      await this.checkElection(block, parent);
      await this.applyChecked(block);
    } catch (err) {
      if (!(err instanceof InvalidConsensusBlockError) && !isRetryable(err)) throw err;
      valid = false;
      this.o.log?.warn({ height: block.height, round: msg.round, from, reason: String(err) }, 'invalid proposal');
      this.verdict(from, MessageKind.Proposal, 'reject', `invalid proposal: ${String(err)}`);
    }
    if (this.tm.height !== block.height) return;
    this.o.log?.debug({ height: block.height, round: msg.round, valid, sinceStartMs: this.now() - this.tmStartedAt }, 'macro proposal judged');
    this.macroValues.set(block.hashHex, block);
    await this.run(this.tm.proposal(msg.round, proposerIndex, block.hashHex, msg.validRound ?? -1, valid));
  }

  private async resumeProposals(): Promise<void> {
    for (const [round, p] of [...this.pendingProposals]) {
      const parent = this.tree.get(toHex(p.block.header.prevHash));
      if (parent === undefined) continue;
      this.pendingProposals.delete(round);
      await this.judgeProposal(p.msg, p.block, parent, p.proposerIndex, p.msg.proposer);
    }
  }

  // ---- finality ----

  /**
   * `macro` is final: the tree, the validator sets and the next height move on at once, and the
   * next slot's block builds on it while the sink commits the batch's blocks durably (`Final` for
   * clients waits for that commit, in the sink). Only one batch commits at a time: a slow or full
   * disk holds consensus at the next macro block instead of letting final blocks pile up in memory.
   */
  private async finalize(macro: ConsensusBlock): Promise<void> {
    if (macro.height <= this.tree.root.height) return;
    await this.committing;
    const newly = this.tree.finalize(macro);
    const commitStart = this.now();
    this.committing = this.o.deps.sink.finalize(macro).then(
      () => {
        this.durableFinal = macro;
        this.o.log?.debug({ height: macro.height, blocks: newly.length, commitMs: this.now() - commitStart }, 'final blocks committed');
      },
      (err: unknown) => this.o.log?.error({ err, height: macro.height }, 'final blocks not committed'),
    );
    this.finality.advance(macro, newly);
    for (const b of newly) {
      this.recentFinal.set(b.hashHex, b);
      for (let at = 0; at < b.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) this.pendingForkProofs.delete(decodeForkProof(b.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES)).locator);
    }
    const keep = 4 * this.o.policy.blocksPerBatch;
    while (this.recentFinal.size > keep) this.recentFinal.delete(this.recentFinal.keys().next().value!);
    this.skipVotes = new SkipVoteCollector(this.finality.validators, (s) => this.o.deps.verifier.aggregate(s));
    this.seen.prune(macro.height);
    this.orphans.prune(macro.height);
    this.detector.prune(macro.height - this.heights.blocksPerEpoch * 2);
    this.lastSkipVote = undefined;
    this.proposalRounds = new Set();
    // Forgetting votes below a final height is housekeeping: a crash before it lands costs nothing
    // (the next prune takes them), so the next height does not wait for its fsync.
    const below = macro.height + 1;
    this.pruning = this.pruning.then(() => this.o.deps.votes.prune(below)).catch((err: unknown) => this.o.log?.warn({ err, below }, 'votes below a final height not pruned'));
    this.o.events?.onFinal?.(newly);
    this.newHeight();
    this.onHeadChanged();
    await this.resumeChildren(macro.hashHex);
    this.requestRange();
  }

  // ---- re-broadcast ----

  private scheduleRebroadcast(): void {
    this.rebroadcastTimer = this.o.deps.clock.after(this.o.policy.rebroadcastIntervalMs, () => {
      this.enqueue(() => this.rebroadcast());
      if (this.running) this.scheduleRebroadcast();
    });
  }

  /**
   * The network does not retry, and Tendermint's liveness assumes every message between correct
   * validators eventually arrives: this is the gossip that makes it so. While a macro height is
   * undecided, every interval re-sends this validator's proposal for the round and all its votes at the
   * height (a later round may need an earlier round's prevotes, paper line 28). When the head has
   * not moved for an interval it also re-sends the last final block, the head and its skip vote, so
   * peers that lost them catch up. A healthy network decides within one interval and sees no repeats.
   */
  private rebroadcast(): void {
    const net = this.o.deps.network;
    if (this.tm.started && this.tm.decision === undefined) {
      if (this.myProposal && this.myProposal.round === this.tm.currentRound) net.broadcast(MessageKind.Proposal, this.myProposal.payload);
      for (const p of this.myVotes.values()) net.broadcast(MessageKind.Vote, p);
    }
    if (this.now() - this.lastProgressAt < this.o.policy.rebroadcastIntervalMs) return;
    const root = this.tree.root;
    if (root.height > 0) net.broadcast(MessageKind.Block, root.frame);
    const head = this.tree.head;
    if (head !== root) net.broadcast(MessageKind.Block, head.frame);
    if (this.lastSkipVote && this.lastSkipVote.height === head.height + 1) net.broadcast(MessageKind.Vote, this.lastSkipVote.payload);
  }
}

const EMPTY = new Uint8Array(0);

function isRetryable(err: unknown): err is { retryable: true; reason: string; message: string; missing?: number } {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true;
}
