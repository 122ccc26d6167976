import { randomBytes } from 'node:crypto';
import { genesisConsensusPolicy, genesisValidatorSet, readGenesisFile, type Genesis } from '../chain/genesis.js';
import { localChainIdentity } from '../chain/devnet-chain.js';
import { stateChangesRoot } from '../chain/state-transition.js';
import { TxKind } from '../chain/tx-kinds/tx-kind.js';
import type { DevnetPlan } from '../cli/commands/devnet.js';
import { batchId, decodeBatch } from '../codec/batch.js';
import { BLOCK_VERSION_CONSENSUS, BlockKind, FORK_PROOF_RECORD_BYTES, type BlockJustification } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { VoteKind, decodeVote, encodeBlockRequest, encodeProposal, encodeVote, type VoteMessage } from '../codec/consensus-messages.js';
import { microSigningBytes, proposalSigningBytes, seedSigningBytes } from '../codec/consensus-signing.js';
import { blockFromFrame, blockFromParts, txIdList, withJustification, type ConsensusBlock } from '../consensus/consensus-block.js';
import { decodeForkProof, type ForkProof } from '../consensus/fork-proof.js';
import { Heights, type ConsensusPolicy } from '../consensus/policy.js';
import { drawProducer } from '../consensus/producer-draw.js';
import { bitmapFromIndices } from '../consensus/signer-bitmap.js';
import { seedEntropy, type ValidatorSet } from '../consensus/validator-set.js';
import { voteSigningBytes } from '../consensus/vote-validation.js';
import { blsKeyPairFromSeed, blsSign } from '../crypto/bls/bls.js';
import { readBlsKeyFile } from '../crypto/bls/key-file.js';
import { sha256, sha256MerkleRoot } from '../crypto/hash.js';
import { consensusStateRoot } from '../node/chain-ledger.js';
import { MessageKind, type PeerId } from '../p2p/peer-network.js';
import { encodeFrame, HELLO_KIND } from '../p2p/tls/frame.js';
import { encodeHello } from '../p2p/tls/hello.js';
import type { P2pLogger } from '../p2p/tls/observability.js';
import { TlsPeerNetwork } from '../p2p/tls/tls-peer-network.js';
import { rawPeer, type RawPeer } from '../p2p/tls/test-helpers/fixtures.js';
import { readNodeDir, type TlsCredentials } from '../pki/pki-files.js';

/**
 * A byzantine validator for tests (issue 12, items 9 and 11): a `TlsPeerNetwork` in the test process
 * holding a real devnet validator's TLS certificate and BLS key (from the directory `devnetInit`
 * wrote), so the honest validators (real processes) admit it as that validator. It follows the chain
 * from what the honest validators broadcast (it verifies nothing: it trusts them, it only needs to know
 * the blocks and the schedule) and can send anything: correctly signed but wrong blocks (two micro
 * blocks for its own slot, a block naming a batch nobody admitted, skip and macro blocks with a bad
 * aggregate), votes signed by keys outside the set, replayed and future-round votes, and raw bytes over
 * a second TLS connection (malformed, oversized, out-of-order frames).
 */

export interface RogueOptions {
  readonly plan: DevnetPlan;
  /** The genesis validator the rogue plays (its index in the plan): start the honest cluster without it. */
  readonly index: number;
  /** Honest validators to dial, by plan index (default: every other one). */
  readonly dial?: readonly number[];
  /** Listen on the validator's planned P2P port, so honest validators dialing it connect too (default true). */
  readonly listen?: boolean;
  /** Local timings (the rogue only reads the consensus-critical constants from the genesis). */
  readonly localPolicy?: Partial<ConsensusPolicy>;
  readonly logger?: P2pLogger;
}

/** A message an honest validator sent the rogue. */
export interface Received {
  readonly from: PeerId;
  readonly kind: MessageKind;
  readonly payload: Uint8Array;
  readonly at: number;
}

export interface ObservedVote {
  readonly from: PeerId;
  readonly vote: VoteMessage;
  readonly payload: Uint8Array;
}

/** A batch an honest validator relayed to the rogue. */
export interface ObservedBatch {
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly submitter: number;
  readonly sequence: bigint;
  readonly records: number;
  readonly frame: Uint8Array;
}

export interface MicroOptions {
  /** Transaction ids the block names (default none). */
  readonly txIds?: readonly Uint8Array[];
  /** Default: one millisecond after the parent, or now if later, plus `timestampOffsetMs`. */
  readonly timestampMs?: bigint;
  readonly timestampOffsetMs?: number;
  /** CDRs the named batches hold (the header's cdr_count). */
  readonly cdrCount?: number;
  /** The sequences the named batches move, for the state root (default: none, as for an empty block). */
  readonly sequences?: readonly { readonly submitter: number; readonly sequence: bigint }[];
  /** Replaces the computed state root. */
  readonly stateRoot?: Uint8Array;
  readonly forkProofs?: Uint8Array;
  /** Sign as producer even when the slot is not ours (the header names us). */
  readonly producer?: number;
}

const WAIT_STEP_MS = 10;

export class RogueValidator {
  readonly heights: Heights;
  readonly received: Received[] = [];
  readonly votes: ObservedVote[] = [];
  readonly batches = new Map<string, ObservedBatch>();
  /** Every block seen, by hash. */
  private readonly blocks = new Map<string, ConsensusBlock>();
  /** Final macro blocks by height (genesis included), as honest validators justified them. */
  private readonly macros = new Map<number, ConsensusBlock>();
  /** What to answer TxRequests with, by id (hex); `once`: one answer per peer and id. */
  private txAnswers = new Map<string, Uint8Array>();
  private txAnswerOnce = true;
  private readonly answered = new Set<string>();
  private readonly blockListeners = new Set<(b: ConsensusBlock) => void>();

  private constructor(
    readonly plan: DevnetPlan,
    readonly index: number,
    readonly plmn: number,
    readonly genesis: Genesis,
    readonly chain: Uint8Array,
    readonly set: ValidatorSet,
    readonly policy: ConsensusPolicy,
    readonly tls: TlsCredentials,
    private readonly secretKey: Uint8Array,
    readonly net: TlsPeerNetwork,
  ) {
    this.heights = new Heights(policy);
    const seed = new Uint8Array(96);
    seed.set(sha256(Buffer.from('cdrchain genesis seed'), chain), 0);
    // Only the genesis seed matters to the rogue (the batch seed of batch 1); nobody signs height 0.
    this.macros.set(0, blockFromParts({
      header: {
        version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Macro, height: 0n, prevHash: new Uint8Array(32), timestampMs: genesis.timestampMs,
        producer: 0, txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
        consensus: { round: 0, seed, stateRoot: new Uint8Array(32), forkProofsRoot: new Uint8Array(32), validatorsHash: set.hash() },
      },
      validators: set.records(),
    }));
    net.onMessage((m) => this.onMessage(m.from, m.kind, Uint8Array.from(m.payload)));
  }

  static async start(o: RogueOptions): Promise<RogueValidator> {
    const v = o.plan.validators[o.index];
    if (!v) throw new RangeError(`the plan has no validator ${o.index}`);
    const genesis = readGenesisFile(o.plan.genesis);
    const set = genesisValidatorSet(genesis);
    if (!set) throw new Error(`${o.plan.genesis} has no consensus section`);
    const policy = genesisConsensusPolicy(genesis, o.localPolicy);
    const chain = localChainIdentity(genesis);
    const key = readBlsKeyFile(`${v.dir}/bls.key.json`);
    const tls = readNodeDir(v.dir);
    const dial = o.dial ?? o.plan.validators.filter((p) => p.index !== o.index).map((p) => p.index);
    const net = await TlsPeerNetwork.start({
      self: v.plmn,
      networkId: chain,
      tls,
      members: set.validators.map((m) => ({ id: m.id, role: 'validator' as const })),
      ...(o.listen === false ? {} : { listen: { host: '127.0.0.1', port: v.ports.p2p } }),
      peers: dial.map((i) => ({ id: o.plan.validators[i]!.plmn, host: '127.0.0.1', port: o.plan.validators[i]!.ports.p2p })),
      reconnect: { baseMs: 100, maxMs: 1_000 },
      ...(o.logger ? { logger: o.logger } : {}),
    });
    return new RogueValidator(o.plan, o.index, v.plmn, genesis, chain, set, policy, tls, key.secretKey, net);
  }

  async close(): Promise<void> {
    this.blockListeners.clear();
    await this.net.close();
  }

  /** Plan index → PLMN id. */
  plmnOf(index: number): number {
    return this.plan.validators[index]!.plmn;
  }

  // ---- what the honest validators showed

  private onMessage(from: PeerId, kind: MessageKind, payload: Uint8Array): void {
    this.received.push({ from, kind, payload, at: Date.now() });
    if (this.received.length > 20_000) this.received.splice(0, 10_000);
    try {
      switch (kind) {
        case MessageKind.Block:
        case MessageKind.BlockResponse:
          this.observeBlock(blockFromFrame(payload));
          return;
        case MessageKind.Vote:
          this.votes.push({ from, vote: decodeVote(payload), payload });
          if (this.votes.length > 20_000) this.votes.splice(0, 10_000);
          return;
        case MessageKind.Batch:
        case MessageKind.TxResponse:
          this.observeBatch(payload);
          return;
        case MessageKind.TxRequest:
          this.answerTxRequest(from, payload);
          return;
        default:
          return;
      }
    } catch {
      // Not the rogue's business to judge honest peers' messages.
    }
  }

  private observeBlock(b: ConsensusBlock): void {
    if (this.blocks.has(b.hashHex)) return; // each honest validator relays each block: first sight only
    this.blocks.set(b.hashHex, b);
    if (b.header.kind === BlockKind.Macro && b.justification && b.justification.signers.length > 0) this.macros.set(b.height, b);
    for (const l of [...this.blockListeners]) l(b);
  }

  private observeBatch(frame: Uint8Array): void {
    let d;
    try {
      d = decodeBatch(frame);
    } catch {
      return; // a contract transaction
    }
    const id = batchId(d.header, this.chain);
    const idHex = toHex(id);
    if (!this.batches.has(idHex)) {
      this.batches.set(idHex, { id, idHex, submitter: d.header.submitter, sequence: d.header.sequence, records: d.header.recordCount, frame });
    }
  }

  private answerTxRequest(from: PeerId, payload: Uint8Array): void {
    for (let at = 0; at + 32 <= payload.length; at += 32) {
      const hex = toHex(payload.subarray(at, at + 32));
      const frame = this.txAnswers.get(hex);
      if (!frame) continue;
      const key = `${from}/${hex}`;
      if (this.txAnswerOnce && this.answered.has(key)) continue;
      this.answered.add(key);
      this.net.send(from, MessageKind.TxResponse, frame);
    }
  }

  /** Answer TxRequests for these ids with these frames (whatever they hold); `once` per peer and id. */
  answerTxRequestsWith(frames: ReadonlyMap<string, Uint8Array>, once = true): void {
    this.txAnswers = new Map(frames);
    this.txAnswerOnce = once;
  }

  /** Peers that asked the rogue for transaction bodies, and for which ids (hex). */
  txRequestsSeen(): { from: PeerId; ids: string[] }[] {
    return this.received
      .filter((r) => r.kind === MessageKind.TxRequest)
      .map((r) => ({ from: r.from, ids: txIdList(r.payload).map(toHex) }));
  }

  block(hashHex: string): ConsensusBlock | undefined {
    return this.blocks.get(hashHex);
  }

  /** Every block seen, lowest first. */
  allBlocks(): ConsensusBlock[] {
    return [...this.blocks.values()].sort((a, b) => a.height - b.height);
  }

  /** The highest final macro block seen. */
  get lastFinal(): ConsensusBlock {
    return this.macros.get(Math.max(...this.macros.keys()))!;
  }

  /** The highest block seen (any kind, any branch). */
  get tip(): ConsensusBlock {
    let best = this.lastFinal;
    for (const b of this.blocks.values()) if (b.height > best.height) best = b;
    return best;
  }

  /** Blocks seen that carry fork proofs, with the proofs. */
  forkProofCarriers(): { block: ConsensusBlock; proofs: ForkProof[] }[] {
    const out: { block: ConsensusBlock; proofs: ForkProof[] }[] = [];
    for (const block of this.allBlocks()) {
      if (block.forkProofs.length === 0) continue;
      const proofs: ForkProof[] = [];
      for (let at = 0; at < block.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) proofs.push(decodeForkProof(block.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES)));
      out.push({ block, proofs });
    }
    return out;
  }

  /** Resolves with the first block, already seen or arriving, that `pred` accepts. */
  async nextBlock(pred: (b: ConsensusBlock) => boolean, timeoutMs = 20_000, includeSeen = false): Promise<ConsensusBlock> {
    if (includeSeen) {
      const seen = this.allBlocks().find(pred);
      if (seen) return seen;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.blockListeners.delete(listener);
        reject(new Error(`rogue ${this.plmn}: no matching block within ${timeoutMs} ms (tip ${this.tip.height}, final ${this.lastFinal.height})`));
      }, timeoutMs);
      const listener = (b: ConsensusBlock) => {
        if (!pred(b)) return;
        clearTimeout(timer);
        this.blockListeners.delete(listener);
        resolve(b);
      };
      this.blockListeners.add(listener);
    });
  }

  // ---- the schedule

  /** Entropy of the batch seed of `height` (the last macro block below it), once that block is final here. */
  batchSeedEntropy(height: number): Uint8Array | undefined {
    const macro = this.macros.get(this.heights.macroBefore(height));
    return macro ? seedEntropy(macro.header.consensus.seed) : undefined;
  }

  /** The producer of `height` in `round` (undefined until the macro block below it is known). */
  producerOf(height: number, round = 0): number | undefined {
    const entropy = this.batchSeedEntropy(height);
    return entropy ? drawProducer(this.set, this.chain, entropy, height, round).id : undefined;
  }

  /**
   * The next block the honest validators make whose child is a micro height in the rogue's slot:
   * the parent the rogue's own block (or blocks) goes on.
   */
  ownSlotParent(timeoutMs = 30_000): Promise<ConsensusBlock> {
    return this.nextBlock((b) => !this.heights.isMacro(b.height + 1) && this.producerOf(b.height + 1) === this.plmn, timeoutMs);
  }

  // ---- building (signed with the real validator key)

  sign(message: Uint8Array): Uint8Array {
    return blsSign(this.secretKey, message);
  }

  /** The state root an honest validator computes for a micro block moving `sequences` and recording `forkProofs`. */
  microStateRoot(height: number, sequences: readonly { submitter: number; sequence: bigint }[] = [], forkProofs: Uint8Array = new Uint8Array(0)): Uint8Array {
    const writes = [...sequences].sort((a, b) => a.submitter - b.submitter).map((s) => ({ space: TxKind.CdrBatch, submitter: s.submitter, sequence: s.sequence }));
    return consensusStateRoot(stateChangesRoot(height, writes, undefined), forkProofs, new Uint8Array(0));
  }

  /** A micro block on `parent`, with the rogue's seed and producer signature: valid unless an option makes it not. */
  micro(parent: ConsensusBlock, o: MicroOptions = {}): ConsensusBlock {
    const height = parent.height + 1;
    const ids = o.txIds ?? [];
    const txIds = new Uint8Array(ids.length * 32);
    ids.forEach((id, i) => txIds.set(id, i * 32));
    const now = BigInt(Date.now());
    const base = now > parent.header.timestampMs ? now : parent.header.timestampMs + 1n;
    const forkProofs = o.forkProofs ?? new Uint8Array(0);
    const header = {
      version: BLOCK_VERSION_CONSENSUS,
      kind: BlockKind.Micro,
      height: BigInt(height),
      prevHash: parent.hash,
      timestampMs: o.timestampMs ?? base + BigInt(o.timestampOffsetMs ?? 0),
      producer: o.producer ?? this.plmn,
      txRoot: sha256MerkleRoot(ids),
      txCount: ids.length,
      cdrCount: o.cdrCount ?? 0,
      consensus: {
        round: 0,
        seed: this.sign(seedSigningBytes(this.chain, parent.header.consensus.seed)),
        stateRoot: o.stateRoot ?? this.microStateRoot(height, o.sequences, forkProofs),
        forkProofsRoot: forkProofs.length === 0 ? new Uint8Array(32) : sha256(forkProofs),
        validatorsHash: new Uint8Array(32),
      },
    };
    const unsigned = blockFromParts({ header, txIds, forkProofs });
    return withJustification(unsigned, { round: 0, signature: this.sign(microSigningBytes(this.chain, unsigned.hash)), signers: new Uint8Array(0) });
  }

  /** The skip block every validator would build after `parent`, with the justification given (a forged one). */
  skip(parent: ConsensusBlock, justification: BlockJustification, stateRoot?: Uint8Array): ConsensusBlock {
    const height = parent.height + 1;
    const producer = this.producerOf(height);
    if (producer === undefined) throw new Error(`the batch seed of ${height} is not known to the rogue`);
    return blockFromParts({
      header: {
        version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Skip, height: BigInt(height), prevHash: parent.hash,
        timestampMs: parent.header.timestampMs + BigInt(this.policy.producerTimeoutMs), producer,
        txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
        consensus: { round: 0, seed: parent.header.consensus.seed, stateRoot: stateRoot ?? this.microStateRoot(height), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) },
      },
      justification,
    });
  }

  /** A macro block on `parent` (at a macro height) for `round`, named as that round's proposer's, with the justification given. */
  macro(parent: ConsensusBlock, justification: BlockJustification, round = 0): ConsensusBlock {
    const height = parent.height + 1;
    if (!this.heights.isMacro(height)) throw new RangeError(`${height} is not a macro height`);
    const producer = this.producerOf(height, round);
    if (producer === undefined) throw new Error(`the batch seed of ${height} is not known to the rogue`);
    const validators = this.heights.isElection(height) ? this.set.records() : new Uint8Array(0);
    const now = BigInt(Date.now());
    return blockFromParts({
      header: {
        version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Macro, height: BigInt(height), prevHash: parent.hash,
        timestampMs: now > parent.header.timestampMs ? now : parent.header.timestampMs + 1n, producer,
        txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
        consensus: {
          round,
          seed: this.sign(seedSigningBytes(this.chain, parent.header.consensus.seed)),
          stateRoot: randomBytes(32),
          forkProofsRoot: new Uint8Array(32),
          validatorsHash: validators.length === 0 ? new Uint8Array(32) : sha256(validators),
        },
      },
      validators,
      justification,
    });
  }

  /**
   * A valid macro proposal for round `round` on `parent` (the height after it is a macro height and the
   * round's proposer is the rogue): the block an honest proposer would make (no transactions, the
   * set again at an election, the state root of applying it), and the signed Proposal frame.
   */
  macroProposal(parent: ConsensusBlock, round = 0, timestampOffsetMs = 0): { block: ConsensusBlock; payload: Uint8Array } {
    const height = parent.height + 1;
    if (this.producerOf(height, round) !== this.plmn) throw new Error(`round ${round} of ${height} is not the rogue's to propose`);
    const validators = this.heights.isElection(height) ? this.set.records() : new Uint8Array(0);
    const now = BigInt(Date.now());
    const block = blockFromParts({
      header: {
        version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Macro, height: BigInt(height), prevHash: parent.hash,
        timestampMs: (now > parent.header.timestampMs ? now : parent.header.timestampMs + 1n) + BigInt(timestampOffsetMs), producer: this.plmn,
        txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
        consensus: {
          round,
          seed: this.sign(seedSigningBytes(this.chain, parent.header.consensus.seed)),
          stateRoot: consensusStateRoot(stateChangesRoot(height, [], undefined), new Uint8Array(0), validators),
          forkProofsRoot: new Uint8Array(32),
          validatorsHash: validators.length === 0 ? new Uint8Array(32) : sha256(validators),
        },
      },
      validators,
    });
    const signature = this.sign(proposalSigningBytes(this.chain, BigInt(height), round, undefined, block.hash));
    return { block, payload: encodeProposal({ height: BigInt(height), round, validRound: undefined, proposer: this.plmn, block: block.frame, signature }) };
  }

  /** A signer bitmap over the set, from validator ids. */
  signers(ids: readonly number[]): Uint8Array {
    return bitmapFromIndices(this.set.size, ids.map((id) => this.set.indexOf(id)!));
  }

  /**
   * A vote frame. Signed with the rogue's key unless `secretKey` is given (a key outside the set);
   * `validator` is the id the vote names (default the rogue's).
   */
  vote(v: { kind: VoteKind; height: number | bigint; round?: number; value?: Uint8Array; validator?: number; secretKey?: Uint8Array; signature?: Uint8Array }): Uint8Array {
    const msg: VoteMessage = { kind: v.kind, height: BigInt(v.height), round: v.round ?? 0, value: v.value, validator: v.validator ?? this.plmn, signature: new Uint8Array(96) };
    const signature = v.signature ?? blsSign(v.secretKey ?? this.secretKey, voteSigningBytes(this.chain, msg));
    return encodeVote({ ...msg, signature });
  }

  /** A fresh BLS secret key that no validator holds. */
  static outsiderKey(): Uint8Array {
    return blsKeyPairFromSeed(randomBytes(32)).secretKey;
  }

  // ---- sending

  /** Sends to the given honest validators (plan indices) or all connected peers; returns whether each was queued. */
  send(kind: MessageKind, payload: Uint8Array, to?: readonly number[]): boolean[] {
    const peers = to === undefined ? [...this.net.connectedPeers()] : to.map((i) => this.plmnOf(i));
    return peers.map((p) => this.net.send(p, kind, payload));
  }

  sendBlock(block: ConsensusBlock, to?: readonly number[]): boolean[] {
    return this.send(MessageKind.Block, block.frame, to);
  }

  /** Asks honest validator `i` for final blocks from `fromHeight` (answers land in `received` and the block map). */
  requestFinal(i: number, fromHeight: number, count: number): boolean {
    return this.net.send(this.plmnOf(i), MessageKind.BlockRequest, encodeBlockRequest({ fromHeight: BigInt(fromHeight), count }));
  }

  /** Waits until the rogue is connected to every honest validator in `indices`. */
  async connectedTo(indices: readonly number[], timeoutMs = 20_000): Promise<void> {
    await waitUntil(`rogue ${this.plmn} connected to ${indices.join(',')}`, () => indices.every((i) => this.net.connectedPeers().includes(this.plmnOf(i))), timeoutMs);
  }

  /**
   * A second, hand-driven TLS connection to honest validator `i`: with the rogue's credentials unless
   * others are given, and (unless `hello: false`) the network's hello already sent. Anything written to
   * it goes to that validator's frame decoder as is.
   */
  async raw(i: number, o: { creds?: { cert: string; key: string; ca: string }; hello?: boolean; networkId?: Uint8Array } = {}): Promise<RawPeer> {
    const peer = await rawPeer(this.plan.validators[i]!.ports.p2p, o.creds ?? this.tls);
    if (o.hello !== false) peer.socket.write(encodeFrame(HELLO_KIND, encodeHello(o.networkId ?? this.chain)));
    return peer;
  }
}

/** Polls `cond` every 10 ms until it holds or `timeoutMs` passes. */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
  }
}
