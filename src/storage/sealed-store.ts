import type { Database } from 'lmdb';
import { sealedGroupColumns } from '../codec/sealed-section.js';
import { LAWFUL_TAG_BYTES, LAWFUL_WRAP_BYTES } from '../privacy/threshold/lawful-wrap.js';
import type { StorageEnv } from './env.js';

/**
 * The private store (issue 13, P2): batch id → the batch's sealed section (schemas/sealed.fbs), given
 * back exactly as the submitter sent it. Every validator keeps it, written in the same LMDB
 * transaction as the batch's pending marker (so an Ack covers it) and relayed with the batch; none
 * can read it (the keys are wrapped for the pair and the lawful-access quorum). Served only to the
 * pair (`GET /batch/:id/sealed`) and pruned under the `payloads` retention kind.
 *
 * A client reuses a subscriber-day's group key and its 144-byte lawful-access wrap in every batch of
 * that day (docs/privacy.md §2), so most batches repeat wraps earlier ones carried. The store keeps a
 * wrap once per tag (`sealed-wraps`: tag → reference count ‖ wrap) and each section without the wraps
 * it shares; a wrap that differs from the one stored under its tag (a client that re-wrapped) stays
 * inline. Sharing is decided by byte equality, so `get` rebuilds the submitter's exact bytes.
 *
 * Stored value of a batch (offsets in the original section; little-endian like the flatbuffer):
 *   "SWD1" ‖ section length u32 ‖ wraps at u32 ‖ tags at u32 ‖ groups u32 ‖ shared bitmap ⌈g/8⌉
 *     ‖ inline wraps (144 each, groups whose bit is 0) ‖ the section without its wraps column
 * A value whose bytes 4..8 are "CDRS" is a whole section, as stores before this form wrote them.
 */
export class SealedStore {
  private readonly sealed: Database<Buffer, Uint8Array>;
  private readonly wraps: Database<Buffer, Uint8Array>;

  constructor(env: StorageEnv) {
    this.sealed = env.hashDb('sealed');
    this.wraps = env.hashDb('sealed-wraps');
  }

  /** Inside the batch's admission transaction (the section has passed admission's checks). */
  put(batchId: Uint8Array, section: Uint8Array): void {
    const { groups, tagsAt, wrapsAt } = sealedGroupColumns(section);
    const bitmapBytes = Math.ceil(groups / 8);
    const shared = new Uint8Array(bitmapBytes);
    const inline: Uint8Array[] = [];
    for (let j = 0; j < groups; j++) {
      const tag = Buffer.from(section.subarray(tagsAt + j * LAWFUL_TAG_BYTES, tagsAt + (j + 1) * LAWFUL_TAG_BYTES));
      const wrap = section.subarray(wrapsAt + j * LAWFUL_WRAP_BYTES, wrapsAt + (j + 1) * LAWFUL_WRAP_BYTES);
      const stored = this.wraps.getBinary(tag);
      if (stored === undefined) {
        void this.wraps.put(tag, sharedValue(1, wrap));
      } else if (Buffer.compare(stored.subarray(4), wrap) === 0) {
        void this.wraps.put(tag, sharedValue(stored.readUInt32LE(0) + 1, wrap));
      } else {
        inline.push(wrap);
        continue;
      }
      shared[j >> 3]! |= 1 << (j & 7);
    }
    const wrapsEnd = wrapsAt + groups * LAWFUL_WRAP_BYTES;
    const head = HEADER_BYTES + bitmapBytes + inline.length * LAWFUL_WRAP_BYTES;
    const out = Buffer.allocUnsafe(head + section.length - groups * LAWFUL_WRAP_BYTES);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(section.length, 4);
    out.writeUInt32LE(wrapsAt, 8);
    out.writeUInt32LE(tagsAt, 12);
    out.writeUInt32LE(groups, 16);
    out.set(shared, HEADER_BYTES);
    inline.forEach((w, k) => out.set(w, HEADER_BYTES + bitmapBytes + k * LAWFUL_WRAP_BYTES));
    out.set(section.subarray(0, wrapsAt), head);
    out.set(section.subarray(wrapsEnd), head + wrapsAt);
    void this.sealed.put(Buffer.from(batchId), out);
  }

  /** The section exactly as admitted (a fresh copy), or undefined (never sealed, or pruned). */
  get(batchId: Uint8Array): Uint8Array | undefined {
    const v = this.sealed.getBinary(batchId);
    if (v === undefined) return undefined;
    if (isWholeSection(v)) return Uint8Array.from(v);
    const f = readHeader(v);
    const out = new Uint8Array(f.length);
    const wrapsEnd = f.wrapsAt + f.groups * LAWFUL_WRAP_BYTES;
    out.set(v.subarray(f.restAt, f.restAt + f.wrapsAt), 0);
    out.set(v.subarray(f.restAt + f.wrapsAt), wrapsEnd);
    let k = 0;
    for (let j = 0; j < f.groups; j++) {
      let wrap: Uint8Array;
      if (f.isShared(j)) {
        const stored = this.wraps.getBinary(out.subarray(f.tagsAt + j * LAWFUL_TAG_BYTES, f.tagsAt + (j + 1) * LAWFUL_TAG_BYTES));
        if (stored === undefined) throw new SealedStoreError('a shared lawful-access wrap of a stored section is missing');
        wrap = stored.subarray(4);
      } else {
        wrap = v.subarray(f.inlineAt + k * LAWFUL_WRAP_BYTES, f.inlineAt + (k + 1) * LAWFUL_WRAP_BYTES);
        k++;
      }
      out.set(wrap, f.wrapsAt + j * LAWFUL_WRAP_BYTES);
    }
    return out;
  }

  has(batchId: Uint8Array): boolean {
    return this.sealed.doesExist(batchId);
  }

  /** Inside the pruner's transaction. Returns the bytes freed (0 if there was nothing). */
  remove(batchId: Uint8Array): number {
    const v = this.sealed.getBinary(batchId);
    if (v === undefined) return 0;
    let freed = v.length;
    if (!isWholeSection(v)) {
      const f = readHeader(v);
      const rest = v.subarray(f.restAt);
      for (let j = 0; j < f.groups; j++) {
        if (!f.isShared(j)) continue;
        // Tags sit before or after the cut-out wraps column; the rest keeps their order.
        const at = f.tagsAt < f.wrapsAt ? f.tagsAt : f.tagsAt - f.groups * LAWFUL_WRAP_BYTES;
        const tag = Buffer.from(rest.subarray(at + j * LAWFUL_TAG_BYTES, at + (j + 1) * LAWFUL_TAG_BYTES));
        const stored = this.wraps.getBinary(tag);
        if (stored === undefined) continue;
        const refs = stored.readUInt32LE(0);
        if (refs <= 1) {
          void this.wraps.remove(tag);
          freed += stored.length;
        } else {
          void this.wraps.put(tag, sharedValue(refs - 1, stored.subarray(4)));
        }
      }
    }
    void this.sealed.remove(batchId);
    return freed;
  }
}

export class SealedStoreError extends Error {
  override readonly name = 'SealedStoreError';
}

const MAGIC = 'SWD1';
const HEADER_BYTES = 20;
const WHOLE_SECTION_ID = Buffer.from('CDRS', 'latin1');

function isWholeSection(v: Buffer): boolean {
  return v.length >= 8 && v.subarray(4, 8).equals(WHOLE_SECTION_ID);
}

function sharedValue(refs: number, wrap: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(4 + LAWFUL_WRAP_BYTES);
  b.writeUInt32LE(refs, 0);
  b.set(wrap, 4);
  return b;
}

function readHeader(v: Buffer): { length: number; wrapsAt: number; tagsAt: number; groups: number; inlineAt: number; restAt: number; isShared: (j: number) => boolean } {
  if (v.length < HEADER_BYTES || v.toString('latin1', 0, 4) !== MAGIC) throw new SealedStoreError('a stored sealed section in an unknown form');
  const groups = v.readUInt32LE(16);
  const bitmapBytes = Math.ceil(groups / 8);
  const bitmap = v.subarray(HEADER_BYTES, HEADER_BYTES + bitmapBytes);
  let inline = 0;
  for (let j = 0; j < groups; j++) if ((bitmap[j >> 3]! & (1 << (j & 7))) === 0) inline++;
  const inlineAt = HEADER_BYTES + bitmapBytes;
  return {
    length: v.readUInt32LE(4),
    wrapsAt: v.readUInt32LE(8),
    tagsAt: v.readUInt32LE(12),
    groups,
    inlineAt,
    restAt: inlineAt + inline * LAWFUL_WRAP_BYTES,
    isShared: (j) => (bitmap[j >> 3]! & (1 << (j & 7))) !== 0,
  };
}
