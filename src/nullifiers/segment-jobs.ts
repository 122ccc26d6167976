// Messages between the nullifier index and its worker (src/nullifiers/segment.worker.ts).
// The worker also gets, once, `workerData: SegmentWorkerData`.
import type { Manifest } from './manifest.js';

export type SegmentJob =
  /** Sort the first `n` packed 16-byte keys of the shared key buffer and write them as segment `file`. */
  | { readonly kind: 'freeze'; readonly id: number; readonly dir: string; readonly file: string; readonly n: number }
  /** Merge segments `inputs` into segment `file`. */
  | { readonly kind: 'merge'; readonly id: number; readonly dir: string; readonly inputs: readonly string[]; readonly file: string }
  /** Write the manifest, then remove `remove` (files it no longer lists). */
  | { readonly kind: 'manifest'; readonly id: number; readonly dir: string; readonly manifest: Manifest; readonly remove: readonly string[] };

export interface SegmentWritten {
  readonly file: string;
  readonly count: number;
  /** The reader's in-memory top index (transferred). */
  readonly top: Uint8Array;
  readonly seconds: number;
}

export type SegmentJobReply =
  | { readonly id: number; readonly ok: true; readonly written?: SegmentWritten }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Given to the worker at start: the key buffer the main thread fills at each freeze (one table's worth). */
export interface SegmentWorkerData {
  readonly keys: SharedArrayBuffer;
}
