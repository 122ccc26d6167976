import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { sha256 } from '../crypto/hash.js';
import type { Logger } from '../log.js';
import { InProcessNetwork, type InProcessNetworkOptions } from '../p2p/in-process-network.js';
import type { MessageKind, MessageVerdict, PeerId, PeerNetwork } from '../p2p/peer-network.js';
import { BlsSigner, InThreadBlsVerifier } from './bls-crypto.js';
import type { ConsensusBlock } from './consensus-block.js';
import { genesisBlock } from './genesis-block.js';
import { InMemoryLedger } from './in-memory-ledger.js';
import { InMemoryVoteStore } from './in-memory-vote-store.js';
import type { SignatureVerifier } from './outside-deps.js';
import { Heights, consensusPolicy, type ConsensusPolicy } from './policy.js';
import { ConsensusValidator } from './validator.js';
import { ValidatorSet, seedEntropy } from './validator-set.js';
import { VirtualClock } from './virtual-clock.js';

/**
 * A consortium of validators in one process on virtual time: the in-process network, one in-memory
 * ledger, vote store and ConsensusValidator per member, real BLS. What the multi-validator tests and
 * the simulator run; "down" is a crash (the validator stops, its network is cut; its ledger keeps only
 * what was final and its vote store what it signed), "restart" builds a new validator from those.
 */
export interface ConsortiumOptions {
  /** Voting power per validator (its length is the number of validators). */
  readonly powers: readonly number[];
  readonly policy?: Partial<ConsensusPolicy>;
  readonly network?: Partial<Omit<InProcessNetworkOptions, 'clock'>>;
  /** Verdict cache of the shared verifier (0: every validator checks every signature itself). */
  readonly verifierCache?: number;
  /** The next epoch's set at an election (default: unchanged). */
  readonly election?: (height: number, current: ValidatorSet) => ValidatorSet;
  readonly log?: Logger;
  /** A member's verifier (the simulator charges verification time per validator); default: the shared one. */
  readonly verifierFor?: (memberId: number, shared: InThreadBlsVerifier, clock: VirtualClock) => SignatureVerifier;
  /** Keep every verdict per member (tests); the simulator turns it off. */
  readonly keepVerdicts?: boolean;
}

export interface Member {
  readonly id: number;
  readonly signer: BlsSigner;
  readonly ledger: InMemoryLedger;
  readonly votes: InMemoryVoteStore;
  readonly network: PeerNetwork;
  validator: ConsensusValidator;
  up: boolean;
  readonly verdicts: { from: PeerId; kind: MessageKind; verdict: MessageVerdict; reason: string }[];
  /** Local time each finalized macro height became final here. */
  readonly finalAt: Map<number, number>;
  /** Local time each height first became this member's head. */
  readonly headAt: Map<number, number>;
  readonly forkProofsSeen: string[];
}

export const CONSORTIUM_CHAIN = sha256(Buffer.from('cdrchain in-process consortium'));

export function memberKey(id: number): Uint8Array {
  return blsKeyPairFromSeed(sha256(Buffer.from(`cdrchain consensus test key ${id}`))).secretKey;
}

export class InProcessConsortium {
  readonly clock = new VirtualClock();
  readonly hub: InProcessNetwork;
  readonly policy: ConsensusPolicy;
  readonly heights: Heights;
  readonly chain = CONSORTIUM_CHAIN;
  readonly set: ValidatorSet;
  readonly genesis: ConsensusBlock;
  readonly verifier: InThreadBlsVerifier;
  readonly members: Member[] = [];
  /** Seed entropy of every macro block any member finalized, by hash (batch seeds, for checks). */
  private readonly macroEntropy = new Map<string, Uint8Array>();

  constructor(private readonly o: ConsortiumOptions) {
    this.policy = consensusPolicy(o.policy);
    this.heights = new Heights(this.policy);
    this.hub = new InProcessNetwork({ clock: this.clock, seed: 1, latencyMs: 5, jitterMs: 5, lossRate: 0, ...o.network });
    this.verifier = new InThreadBlsVerifier(o.verifierCache ?? 0);
    const signers = o.powers.map((_, i) => new BlsSigner(10_001 + i, memberKey(10_001 + i)));
    this.set = ValidatorSet.create(signers.map((s, i) => ({ id: s.id, power: o.powers[i]!, publicKey: s.publicKey })));
    this.genesis = genesisBlock(this.chain, this.set, BigInt(this.clock.now()), sha256(Buffer.from('genesis state')));
    for (const signer of signers) {
      const ledger = new InMemoryLedger(this.genesis, this.set, this.heights, o.election);
      const votes = new InMemoryVoteStore();
      const network = this.hub.join(signer.id);
      const m: Member = { id: signer.id, signer, ledger, votes, network, validator: undefined as unknown as ConsensusValidator, up: false, verdicts: [], finalAt: new Map(), headAt: new Map(), forkProofsSeen: [] };
      m.validator = this.makeValidator(m);
      this.members.push(m);
    }
  }

  private makeValidator(m: Member): ConsensusValidator {
    return new ConsensusValidator({
      deps: { chain: this.chain, network: m.network, clock: this.clock, signer: m.signer, verifier: this.o.verifierFor?.(m.id, this.verifier, this.clock) ?? this.verifier, source: m.ledger, sink: m.ledger, votes: m.votes, history: m.ledger },
      policy: this.policy,
      start: m.ledger.finalState(),
      log: this.o.log,
      events: {
        onFinal: (blocks) => {
          const macro = blocks[blocks.length - 1]!;
          m.finalAt.set(macro.height, this.clock.now());
          this.macroEntropy.set(macro.hashHex, seedEntropy(macro.header.consensus.seed));
        },
        onVerdict: this.o.keepVerdicts === false ? undefined : (from, kind, verdict, reason) => m.verdicts.push({ from, kind, verdict, reason }),
        onHead: (block) => {
          if (!m.headAt.has(block.height)) m.headAt.set(block.height, this.clock.now());
        },
        onForkProofs: (_b, locators) => m.forkProofsSeen.push(...locators),
      },
    });
  }

  /** Seed entropy of a finalized macro block (the genesis block included). */
  macroSeedEntropy(hashHex: string): Uint8Array {
    if (hashHex === this.genesis.hashHex) return seedEntropy(this.genesis.header.consensus.seed);
    const e = this.macroEntropy.get(hashHex);
    if (!e) throw new RangeError(`macro block ${hashHex} was not finalized here`);
    return e;
  }

  member(id: number): Member {
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new RangeError(`no member ${id}`);
    return m;
  }

  start(): void {
    for (const m of this.members) if (!m.up) this.up(m);
  }

  private up(m: Member): void {
    this.hub.setDown(m.id, false);
    m.up = true;
    m.validator.start();
  }

  /** A crash: the validator stops and its links go down; non-final state is lost at restart. */
  async crash(id: number): Promise<void> {
    const m = this.member(id);
    this.hub.setDown(id, true);
    m.up = false;
    await m.validator.stop();
  }

  /** Restarts from what the member made durable: its final chain and its vote store. */
  restart(id: number): void {
    const m = this.member(id);
    m.ledger.restart();
    m.validator = this.makeValidator(m);
    this.up(m);
  }

  /** A transaction admitted by every validator (as gossip of admitted batches does; a down node fetches it later). */
  submit(id: Uint8Array, cdrCount = 1): void {
    for (const m of this.members) m.ledger.admit(id, cdrCount);
  }

  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    return this.clock.runUntil(done, maxMs);
  }

  async stop(): Promise<void> {
    for (const m of this.members) if (m.up) await this.crash(m.id);
  }

  /** Height of the last final block of a member. */
  finalHeight(id: number): number {
    return this.member(id).validator.lastFinal.height;
  }

  minFinalHeight(ids: readonly number[] = this.members.map((m) => m.id)): number {
    return Math.min(...ids.map((i) => this.finalHeight(i)));
  }

  /**
   * Safety: every member's finalized chain is a prefix of every longer one (one chain, no fork),
   * and no transaction is final twice. Throws with the first difference.
   */
  assertSafety(): void {
    const chains = this.members.map((m) => ({ id: m.id, chain: m.ledger.finalChain.map((b) => `${b.height}:${b.hash}`) }));
    for (const a of chains) {
      for (const b of chains) {
        const n = Math.min(a.chain.length, b.chain.length);
        for (let i = 0; i < n; i++) {
          if (a.chain[i] !== b.chain[i]) throw new Error(`finalized chains of ${a.id} and ${b.id} differ at index ${i}: ${a.chain[i]} vs ${b.chain[i]}`);
        }
      }
    }
    for (const m of this.members) {
      const seen = new Set<string>();
      for (const t of m.ledger.finalizedTxs) {
        if (seen.has(t.id)) throw new Error(`transaction ${t.id} final twice on ${m.id}`);
        seen.add(t.id);
      }
    }
  }

  /** The longest finalized chain among members (hash per height). */
  longestFinalChain(): { height: number; hash: string; kind: number; txs: number; forkProofs: number }[] {
    return this.members.map((m) => m.ledger.finalChain).reduce((a, b) => (b.length > a.length ? b : a));
  }
}

export function txId(n: number): Uint8Array {
  return sha256(Buffer.from(`tx ${n}`));
}

export { toHex };
