import { performance } from 'node:perf_hooks';
import { BLS_PUBLIC_KEY_BYTES, BLS_SIGNATURE_BYTES, type BlsSignatureSet } from '../crypto/bls/bls.js';
import { verifySignatureSetsEach } from '../crypto/bls/signature-sets.js';

/**
 * The `bls` job: signature sets packed into five typed arrays (transferred, not cloned: a few
 * hundred small Uint8Arrays would each cost a structured clone). Sets must be well-shaped
 * (`blsSetShapeOk`); keys and signatures are still validated in the worker.
 */
export interface BlsJobTask {
  /** Per set, how many 48-byte keys it has in `publicKeys`. */
  readonly keyCounts: Uint32Array;
  readonly publicKeys: Uint8Array;
  /** Per set, where its message ends in `messages`. */
  readonly messageEnds: Uint32Array;
  readonly messages: Uint8Array;
  /** 96 bytes per set. */
  readonly signatures: Uint8Array;
}

export interface BlsJobOutcome {
  /** 1 per valid set, 0 per invalid one, in order. */
  readonly valid: Uint8Array;
  /** The combined check failed and the sets were verified one by one. */
  readonly retried: boolean;
  readonly taskMs: number;
}

export class BlsJobFormatError extends Error {
  override readonly name = 'BlsJobFormatError';
}

/** Keys of 48 bytes and a 96-byte signature: what the job's fixed-width packing can carry. */
export function blsSetShapeOk(set: BlsSignatureSet): boolean {
  return set.signature.length === BLS_SIGNATURE_BYTES && set.publicKeys.every((k) => k.length === BLS_PUBLIC_KEY_BYTES);
}

export function packBlsJob(sets: readonly BlsSignatureSet[]): { readonly task: BlsJobTask; readonly transferList: ArrayBuffer[] } {
  let keys = 0;
  let bytes = 0;
  for (const s of sets) {
    keys += s.publicKeys.length;
    bytes += s.message.length;
  }
  const keyCounts = new Uint32Array(sets.length);
  const publicKeys = new Uint8Array(keys * BLS_PUBLIC_KEY_BYTES);
  const messageEnds = new Uint32Array(sets.length);
  const messages = new Uint8Array(bytes);
  const signatures = new Uint8Array(sets.length * BLS_SIGNATURE_BYTES);
  const task: BlsJobTask = { keyCounts, publicKeys, messageEnds, messages, signatures };
  let k = 0;
  let m = 0;
  sets.forEach((s, i) => {
    if (!blsSetShapeOk(s)) throw new BlsJobFormatError(`set ${i} has a key or signature of the wrong length`);
    task.keyCounts[i] = s.publicKeys.length;
    for (const key of s.publicKeys) task.publicKeys.set(key, BLS_PUBLIC_KEY_BYTES * k++);
    task.messages.set(s.message, m);
    m += s.message.length;
    task.messageEnds[i] = m;
    task.signatures.set(s.signature, BLS_SIGNATURE_BYTES * i);
  });
  return { task, transferList: [keyCounts.buffer, publicKeys.buffer, messageEnds.buffer, messages.buffer, signatures.buffer] };
}

/** Views into the task's arrays (no copies); throws `BlsJobFormatError` if they do not add up. */
export function unpackBlsJob(task: BlsJobTask): BlsSignatureSet[] {
  const n = task.keyCounts.length;
  if (task.messageEnds.length !== n || task.signatures.length !== n * BLS_SIGNATURE_BYTES) throw new BlsJobFormatError('set counts disagree');
  const sets: BlsSignatureSet[] = [];
  let k = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const count = task.keyCounts[i]!;
    const end = task.messageEnds[i]!;
    if ((k + count) * BLS_PUBLIC_KEY_BYTES > task.publicKeys.length || end < m || end > task.messages.length) throw new BlsJobFormatError(`set ${i} overruns the task`);
    const publicKeys: Uint8Array[] = [];
    for (let j = 0; j < count; j++, k++) publicKeys.push(task.publicKeys.subarray(k * BLS_PUBLIC_KEY_BYTES, (k + 1) * BLS_PUBLIC_KEY_BYTES));
    sets.push({ publicKeys, message: task.messages.subarray(m, end), signature: task.signatures.subarray(i * BLS_SIGNATURE_BYTES, (i + 1) * BLS_SIGNATURE_BYTES) });
    m = end;
  }
  return sets;
}

/** The handler a worker runs for `bls` jobs (validated keys are cached per worker thread, in bls.ts). */
export function createBlsJob(): (task: BlsJobTask) => BlsJobOutcome {
  return (task) => {
    const started = performance.now();
    const verdict = verifySignatureSetsEach(unpackBlsJob(task));
    return { valid: Uint8Array.from(verdict.valid, (v) => (v ? 1 : 0)), retried: verdict.retried, taskMs: performance.now() - started };
  };
}
