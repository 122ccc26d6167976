import { toHex } from '../codec/bytes.js';
import { bitmapFromIndices } from './signer-bitmap.js';
import type { ValidatorSet } from './validator-set.js';

/** A skip block's justification: the aggregate of a quorum's skip votes and their bitmap. */
export interface SkipProof {
  readonly height: number;
  readonly parentSeedEntropy: Uint8Array;
  readonly signers: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Collects verified skip votes per (height, parent seed entropy) — the message they all sign — and
 * yields the aggregate once they reach a quorum of power (docs/consensus.md §5). Bounded: only
 * heights the caller admits (above the last final block, at most one batch ahead) are kept, and
 * `prune` drops what finality made moot.
 */
export class SkipVoteCollector {
  private readonly byMessage = new Map<string, { height: number; entropy: Uint8Array; votes: Map<number, Uint8Array> }>();
  /** Distinct messages per (validator, height): honest ones sign one per branch context, a few at most. */
  private readonly perSigner = new Map<string, number>();
  static readonly MAX_MESSAGES_PER_SIGNER_AND_HEIGHT = 4;

  constructor(
    private readonly set: ValidatorSet,
    private readonly aggregate: (signatures: readonly Uint8Array[]) => Uint8Array,
  ) {}

  /**
   * Adds a verified vote; returns the proof when this vote completes a quorum (once per message).
   * A validator's votes beyond a few distinct messages at one height are dropped (memory bound).
   */
  add(height: number, parentSeedEntropy: Uint8Array, validatorIndex: number, signature: Uint8Array): SkipProof | undefined {
    const key = `${height}/${toHex(parentSeedEntropy)}`;
    let entry = this.byMessage.get(key);
    if (entry?.votes.has(validatorIndex)) return undefined;
    const signerKey = `${validatorIndex}/${height}`;
    const distinct = this.perSigner.get(signerKey) ?? 0;
    if (distinct >= SkipVoteCollector.MAX_MESSAGES_PER_SIGNER_AND_HEIGHT) return undefined;
    this.perSigner.set(signerKey, distinct + 1);
    if (entry === undefined) this.byMessage.set(key, (entry = { height, entropy: Uint8Array.from(parentSeedEntropy), votes: new Map() }));
    const before = this.set.powerOf(entry.votes.keys());
    if (entry.votes.has(validatorIndex)) return undefined;
    entry.votes.set(validatorIndex, Uint8Array.from(signature));
    const after = this.set.powerOf(entry.votes.keys());
    if (before >= this.set.quorum || after < this.set.quorum) return undefined;
    return this.proof(entry);
  }

  /** The proof for a message if its votes already reach a quorum. */
  proofFor(height: number, parentSeedEntropy: Uint8Array): SkipProof | undefined {
    const entry = this.byMessage.get(`${height}/${toHex(parentSeedEntropy)}`);
    if (entry === undefined || this.set.powerOf(entry.votes.keys()) < this.set.quorum) return undefined;
    return this.proof(entry);
  }

  has(height: number, parentSeedEntropy: Uint8Array, validatorIndex: number): boolean {
    return this.byMessage.get(`${height}/${toHex(parentSeedEntropy)}`)?.votes.has(validatorIndex) ?? false;
  }

  /** Forgets messages for heights at or below `height`. */
  prune(height: number): void {
    for (const [k, e] of this.byMessage) if (e.height <= height) this.byMessage.delete(k);
    for (const k of this.perSigner.keys()) if (Number(k.split('/')[1]) <= height) this.perSigner.delete(k);
  }

  get messages(): number {
    return this.byMessage.size;
  }

  private proof(entry: { height: number; entropy: Uint8Array; votes: Map<number, Uint8Array> }): SkipProof {
    const indices = [...entry.votes.keys()].sort((a, b) => a - b);
    return {
      height: entry.height,
      parentSeedEntropy: entry.entropy,
      signers: bitmapFromIndices(this.set.size, indices),
      signature: this.aggregate(indices.map((i) => entry.votes.get(i)!)),
    };
  }
}
