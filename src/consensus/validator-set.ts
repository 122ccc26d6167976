import { BLS_PUBLIC_KEY_BYTES, blsPublicKeyIsValid } from '../crypto/bls/bls.js';
import { sha256 } from '../crypto/hash.js';
import { MAX_BLOCK_VALIDATORS, VALIDATOR_RECORD_BYTES, recordsRoot } from '../codec/block.js';
import { MalformedFrameError } from '../codec/errors.js';
import { ConsensusConfigError } from './errors.js';
import { indicesFromBitmap } from './signer-bitmap.js';

/** A validator: an operator (PLMN id) with a BLS key and a voting power (docs/consensus.md §1). */
export interface ValidatorInfo {
  readonly id: number;
  readonly power: number;
  /** 48-byte compressed BLS12-381 public key (registered with a proof of possession). */
  readonly publicKey: Uint8Array;
}

/** Total power is bounded so that 2T stays a safe integer. */
export const MAX_TOTAL_POWER = 2 ** 48;

/**
 * A validator set, ordered by id: an index is a position in that order (signer bitmaps use it).
 * Thresholds are integers: quorum Q = ⌊2T/3⌋ + 1 (more than two thirds), F = ⌊T/3⌋ + 1 (more than
 * one third).
 */
export class ValidatorSet {
  readonly validators: readonly ValidatorInfo[];
  readonly totalPower: number;
  readonly quorum: number;
  readonly oneThirdPlus: number;
  private readonly indexById: ReadonlyMap<number, number>;
  private hashCache: Uint8Array | undefined;

  private constructor(sorted: readonly ValidatorInfo[]) {
    this.validators = sorted;
    this.totalPower = sorted.reduce((t, v) => t + v.power, 0);
    this.quorum = Math.floor((2 * this.totalPower) / 3) + 1;
    this.oneThirdPlus = Math.floor(this.totalPower / 3) + 1;
    this.indexById = new Map(sorted.map((v, i) => [v.id, i]));
  }

  /** Validates every entry (ids unique u32, powers ≥ 1, keys valid) and orders by id. */
  static create(list: readonly ValidatorInfo[]): ValidatorSet {
    if (list.length === 0 || list.length > MAX_BLOCK_VALIDATORS) throw new ConsensusConfigError(`a validator set has 1..${MAX_BLOCK_VALIDATORS} validators, got ${list.length}`);
    const seen = new Set<number>();
    const keys = new Set<string>();
    let total = 0;
    for (const v of list) {
      if (!Number.isInteger(v.id) || v.id < 0 || v.id > 0xffffffff) throw new ConsensusConfigError(`validator id ${v.id} is not a u32`);
      if (seen.has(v.id)) throw new ConsensusConfigError(`validator ${v.id} listed twice`);
      seen.add(v.id);
      if (!Number.isSafeInteger(v.power) || v.power < 1) throw new ConsensusConfigError(`validator ${v.id} has power ${v.power}; powers are integers ≥ 1`);
      total += v.power;
      if (v.publicKey.length !== BLS_PUBLIC_KEY_BYTES || !blsPublicKeyIsValid(v.publicKey)) throw new ConsensusConfigError(`validator ${v.id} has an invalid BLS public key`);
      const k = Buffer.from(v.publicKey).toString('hex');
      if (keys.has(k)) throw new ConsensusConfigError(`validator ${v.id} shares its BLS key with another`);
      keys.add(k);
    }
    if (total > MAX_TOTAL_POWER) throw new ConsensusConfigError(`total power ${total} exceeds ${MAX_TOTAL_POWER}`);
    const sorted = [...list]
      .map((v) => Object.freeze({ id: v.id, power: v.power, publicKey: Uint8Array.from(v.publicKey) }))
      .sort((a, b) => a.id - b.id);
    return new ValidatorSet(sorted);
  }

  /** The set an election block carries (untrusted bytes: MalformedFrameError when unusable). */
  static fromRecords(records: Uint8Array): ValidatorSet {
    if (records.length === 0 || records.length % VALIDATOR_RECORD_BYTES !== 0) throw new MalformedFrameError(`validator records of ${records.length} bytes`);
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    const list: ValidatorInfo[] = [];
    let last = -1;
    for (let at = 0; at < records.length; at += VALIDATOR_RECORD_BYTES) {
      const id = view.getUint32(at);
      if (id <= last) throw new MalformedFrameError('validator records are not in ascending id order');
      last = id;
      const power = view.getBigUint64(at + 4);
      if (power > BigInt(MAX_TOTAL_POWER)) throw new MalformedFrameError(`validator ${id} power ${power}`);
      list.push({ id, power: Number(power), publicKey: records.slice(at + 12, at + 12 + BLS_PUBLIC_KEY_BYTES) });
    }
    try {
      return ValidatorSet.create(list);
    } catch (err) {
      if (err instanceof ConsensusConfigError) throw new MalformedFrameError(err.message);
      throw err;
    }
  }

  get size(): number {
    return this.validators.length;
  }

  indexOf(id: number): number | undefined {
    return this.indexById.get(id);
  }

  byIndex(index: number): ValidatorInfo {
    const v = this.validators[index];
    if (v === undefined) throw new RangeError(`no validator at index ${index}`);
    return v;
  }

  /** Sum of the powers at `indices` (each counted once). */
  powerOf(indices: Iterable<number>): number {
    const seen = new Set<number>();
    let p = 0;
    for (const i of indices) {
      if (seen.has(i)) continue;
      seen.add(i);
      p += this.byIndex(i).power;
    }
    return p;
  }

  /** Signer indices of a bitmap, or undefined when the bitmap is not canonical for this set. */
  signersOf(bitmap: Uint8Array): number[] | undefined {
    return indicesFromBitmap(this.size, bitmap);
  }

  hasQuorum(power: number): boolean {
    return power >= this.quorum;
  }

  /** Canonical records: id u32 ‖ power u64 ‖ key 48, in id order (what election blocks carry). */
  records(): Uint8Array {
    const out = new Uint8Array(this.size * VALIDATOR_RECORD_BYTES);
    const view = new DataView(out.buffer);
    this.validators.forEach((v, i) => {
      const at = i * VALIDATOR_RECORD_BYTES;
      view.setUint32(at, v.id);
      view.setBigUint64(at + 4, BigInt(v.power));
      out.set(v.publicKey, at + 12);
    });
    return out;
  }

  /** SHA-256 over the records: an election block's validators_hash. */
  hash(): Uint8Array {
    return (this.hashCache ??= recordsRoot(this.records()));
  }

  equals(other: ValidatorSet): boolean {
    return Buffer.from(this.hash()).equals(Buffer.from(other.hash()));
  }
}

/** Entropy of a 96-byte seed (docs/consensus.md §3). */
export function seedEntropy(seed: Uint8Array): Uint8Array {
  return sha256(seed);
}
