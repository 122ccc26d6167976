import {
  BLS_SIGNATURE_LENGTH, BlockKind, CANONICAL_HEADER_V2_BYTES, FORK_PROOF_RECORD_BYTES,
  blockHash, canonicalBlockHeader, decodeCanonicalHeaderV2, type BlockHeaderFields,
} from '../codec/block.js';
import { equalBytes, toHex } from '../codec/bytes.js';
import { microSigningBytes } from '../codec/consensus-signing.js';
import { MalformedFrameError, UnsupportedVersionError } from '../codec/errors.js';
import type { SignatureVerifier } from './outside-deps.js';
import type { ValidatorSet } from './validator-set.js';

/**
 * Fork proofs (docs/consensus.md §8, after core-rs-albatross' ForkProof in
 * primitives/block/src/equivocation_proof.rs): two different micro headers with one height and one
 * seed, both signed by their producer. Equal seeds tie both to one slot on one branch context, so a
 * producer that rebuilds after a skip block replaced its parent is not accused.
 */
export interface ForkProof {
  readonly header1: BlockHeaderFields;
  readonly signature1: Uint8Array;
  readonly header2: BlockHeaderFields;
  readonly signature2: Uint8Array;
  readonly producer: number;
  readonly height: number;
  /** `producer:height`: recorded once per chain. */
  readonly locator: string;
  /** The 806-byte record. */
  readonly record: Uint8Array;
}

export type ForkProofFault = 'malformed' | 'same_header' | 'wrong_order' | 'not_micro' | 'slot_mismatch' | 'unknown_producer' | 'bad_signature' | 'outside_window';

export class InvalidForkProofError extends Error {
  override readonly name = 'InvalidForkProofError';
  constructor(readonly fault: ForkProofFault, detail: string) {
    super(`invalid fork proof (${fault}): ${detail}`);
  }
}

export function forkProofLocator(producer: number, height: number): string {
  return `${producer}:${height}`;
}

/** The record of two signed headers (either order: the record orders them by hash). */
export function encodeForkProof(a: { header: BlockHeaderFields; signature: Uint8Array }, b: { header: BlockHeaderFields; signature: Uint8Array }): Uint8Array {
  const [first, second] = Buffer.compare(Buffer.from(blockHash(a.header)), Buffer.from(blockHash(b.header))) <= 0 ? [a, b] : [b, a];
  const out = new Uint8Array(FORK_PROOF_RECORD_BYTES);
  const H = CANONICAL_HEADER_V2_BYTES;
  out.set(canonicalBlockHeader(first.header), 0);
  out.set(first.signature, H);
  out.set(canonicalBlockHeader(second.header), H + BLS_SIGNATURE_LENGTH);
  out.set(second.signature, 2 * H + BLS_SIGNATURE_LENGTH);
  return out;
}

/** Parses a record and checks its shape (everything but the signatures and the validator set). */
export function decodeForkProof(record: Uint8Array): ForkProof {
  if (record.length !== FORK_PROOF_RECORD_BYTES) throw new InvalidForkProofError('malformed', `${record.length} bytes`);
  const H = CANONICAL_HEADER_V2_BYTES;
  let header1: BlockHeaderFields;
  let header2: BlockHeaderFields;
  try {
    header1 = decodeCanonicalHeaderV2(record.subarray(0, H));
    header2 = decodeCanonicalHeaderV2(record.subarray(H + BLS_SIGNATURE_LENGTH, 2 * H + BLS_SIGNATURE_LENGTH));
  } catch (err) {
    if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) throw new InvalidForkProofError('malformed', err.message);
    throw err;
  }
  const order = Buffer.compare(Buffer.from(blockHash(header1)), Buffer.from(blockHash(header2)));
  if (order === 0) throw new InvalidForkProofError('same_header', 'the two headers are one');
  if (order > 0) throw new InvalidForkProofError('wrong_order', 'headers are not ordered by hash');
  if (header1.kind !== BlockKind.Micro || header2.kind !== BlockKind.Micro) throw new InvalidForkProofError('not_micro', 'only micro blocks are proven forked');
  if (header1.height !== header2.height || header1.producer !== header2.producer || !equalBytes(header1.consensus!.seed, header2.consensus!.seed)) {
    throw new InvalidForkProofError('slot_mismatch', 'the headers differ in height, producer or seed');
  }
  if (header1.height > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidForkProofError('malformed', 'height');
  const height = Number(header1.height);
  return {
    header1, header2, height,
    signature1: record.slice(H, H + BLS_SIGNATURE_LENGTH),
    signature2: record.slice(2 * H + BLS_SIGNATURE_LENGTH),
    producer: header1.producer,
    locator: forkProofLocator(header1.producer, height),
    record: Uint8Array.from(record),
  };
}

/** Both signatures verify under the producer's key in `set` (the set of the proof's epoch). */
export async function verifyForkProof(proof: ForkProof, set: ValidatorSet, chain: Uint8Array, verifier: SignatureVerifier): Promise<void> {
  const index = set.indexOf(proof.producer);
  if (index === undefined) throw new InvalidForkProofError('unknown_producer', `producer ${proof.producer} is not a validator of the proof's epoch`);
  const key = set.byIndex(index).publicKey;
  const [ok1, ok2] = await Promise.all([
    verifier.verify(key, microSigningBytes(chain, blockHash(proof.header1)), proof.signature1),
    verifier.verify(key, microSigningBytes(chain, blockHash(proof.header2)), proof.signature2),
  ]);
  if (!ok1 || !ok2) throw new InvalidForkProofError('bad_signature', `a header is not signed by producer ${proof.producer}`);
}

/**
 * Remembers the first signed micro header per (height, seed) and returns a fork proof record when a
 * different one with the same height and seed arrives. Callers feed only headers whose producer
 * signature verified. Bounded by `prune` (heights at or below the last final block leave).
 */
export class ForkProofDetector {
  private readonly first = new Map<string, { height: number; header: BlockHeaderFields; signature: Uint8Array; hash: string }>();

  observe(header: BlockHeaderFields, signature: Uint8Array): Uint8Array | undefined {
    if (header.kind !== BlockKind.Micro || header.consensus === undefined) return undefined;
    const key = `${header.height}/${toHex(header.consensus.seed)}`;
    const hash = toHex(blockHash(header));
    const seen = this.first.get(key);
    if (seen === undefined) {
      this.first.set(key, { height: Number(header.height), header, signature: Uint8Array.from(signature), hash });
      return undefined;
    }
    if (seen.hash === hash || seen.header.producer !== header.producer) return undefined;
    return encodeForkProof({ header: seen.header, signature: seen.signature }, { header, signature });
  }

  prune(atOrBelowHeight: number): void {
    for (const [k, e] of this.first) if (e.height <= atOrBelowHeight) this.first.delete(k);
  }
}
