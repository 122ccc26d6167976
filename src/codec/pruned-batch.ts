import type { Sha256MerkleStep } from '../crypto/hash.js';
import { BATCH_HEADER_FIELDS_BYTES, writeBatchHeaderFields, type BatchHeaderFields } from './batch.js';
import { CanonicalWriter } from './bytes.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { ED25519_SIGNATURE_BYTES } from './limits.js';

/**
 * What a committed batch leaves behind when retention prunes its records: the full signed header
 * (Merkle root, records digest, counts, sequence), the submitter's signature, where the batch sits
 * on the chain, and its path to the block's transaction root — so the batch stays provable in its
 * block even after the block's body (its transaction ids) is pruned too.
 *
 * Layout (big-endian): u32 stub version, the identifier "CDRP" at bytes 4..8 (where a flatbuffer
 * frame carries its file identifier: `decodeBatch` refuses a stub loudly, never misreads it), the
 * header fields in canonical order, u8 signature length + signature, u32 size of the pruned frame,
 * u64 prune time, u32 height, u32 index, u8 steps + steps × (u8 side, 32-byte sibling).
 */
export const PRUNED_BATCH_IDENTIFIER = 'CDRP';
const STUB_VERSION = 1;
/** A block holds at most 2^16 transactions: its SHA-256 tree is at most 16 levels. */
const MAX_TX_PATH_STEPS = 16;

export interface PrunedBatch {
  readonly header: BatchHeaderFields;
  readonly signature: Uint8Array;
  /** Bytes of the stored frame before pruning. */
  readonly frameBytes: number;
  readonly prunedAtMs: bigint;
  readonly height: number;
  readonly index: number;
  /** From the batch id to the including block's `txRoot` (sha256MerkleProof). */
  readonly txPath: readonly Sha256MerkleStep[];
}

export function isPrunedBatch(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== PRUNED_BATCH_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

export function encodePrunedBatch(stub: PrunedBatch): Uint8Array {
  const { header: h, signature, txPath } = stub;
  if (signature.length > ED25519_SIGNATURE_BYTES) throw new RangeError(`signature of ${signature.length} bytes`);
  if (txPath.length > MAX_TX_PATH_STEPS) throw new RangeError(`transaction path of ${txPath.length} steps`);
  const size = 8 + BATCH_HEADER_FIELDS_BYTES + 1 + signature.length + 4 + 8 + 4 + 4 + 1 + txPath.length * 33;
  const w = writeBatchHeaderFields(new CanonicalWriter(size).u32(STUB_VERSION).tag(PRUNED_BATCH_IDENTIFIER), h)
    .u8(signature.length)
    .raw(signature, signature.length)
    .u32(stub.frameBytes)
    .u64(stub.prunedAtMs)
    .u32(stub.height)
    .u32(stub.index)
    .u8(txPath.length);
  for (const step of txPath) w.u8(step.siblingOnLeft ? 1 : 0).raw(step.sibling, 32);
  return w.finish();
}

export function decodePrunedBatch(bytes: Uint8Array): PrunedBatch {
  const r = new Reader(bytes);
  const version = r.u32();
  if (!isPrunedBatch(bytes)) throw new MalformedFrameError(`file identifier is not "${PRUNED_BATCH_IDENTIFIER}"`);
  if (version !== STUB_VERSION) throw new UnsupportedVersionError('pruned batch', version);
  r.skip(4);
  const header: BatchHeaderFields = {
    version: r.u16(),
    submitter: r.u32(),
    counterparty: r.u32(),
    periodStart: r.u64(),
    periodEnd: r.u64(),
    sequence: r.u64(),
    recordCount: r.u32(),
    merkleRoot: r.bytes(32),
    recordsDigest: r.bytes(32),
  };
  const sigLength = r.u8();
  if (sigLength > ED25519_SIGNATURE_BYTES) throw new MalformedFrameError(`pruned batch signature of ${sigLength} bytes`);
  const signature = r.bytes(sigLength);
  const frameBytes = r.u32();
  const prunedAtMs = r.u64();
  const height = r.u32();
  const index = r.u32();
  const steps = r.u8();
  if (steps > MAX_TX_PATH_STEPS) throw new MalformedFrameError(`pruned batch path of ${steps} steps`);
  const txPath: Sha256MerkleStep[] = [];
  for (let i = 0; i < steps; i++) {
    const side = r.u8();
    if (side > 1) throw new MalformedFrameError('pruned batch path step side is neither 0 nor 1');
    txPath.push({ siblingOnLeft: side === 1, sibling: r.bytes(32) });
  }
  r.end();
  return { header, signature, frameBytes, prunedAtMs, height, index, txPath };
}

/** A bounds-checked big-endian reader; every overrun is a MalformedFrameError. */
class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number): number {
    if (this.pos + n > this.buf.length) throw new MalformedFrameError(`pruned batch ends at ${this.buf.length} bytes, needs ${this.pos + n}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  skip(n: number): void {
    this.need(n);
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2));
  }
  u32(): number {
    return this.view.getUint32(this.need(4));
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8));
  }
  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.buf.slice(at, at + n);
  }
  end(): void {
    if (this.pos !== this.buf.length) throw new MalformedFrameError(`pruned batch has ${this.buf.length - this.pos} trailing bytes`);
  }
}
