// Worker thread of the nullifier index: everything slow about cold keys happens here, so the main
// thread never stalls on it: sorting a frozen table's keys and writing them as a segment, merging
// segments, writing the manifest and removing files it no longer lists. Short jobs (freeze,
// manifest) run as they arrive; a merge yields between slices so they are not held up behind it.
import { unlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { writeManifest, type Manifest } from './manifest.js';
import { compareKeys, fsyncDir, KEY_BYTES, SegmentReader, SegmentWriter } from './segment-file.js';
import { sortKeys } from './sort-keys.js';
import type { SegmentJob, SegmentJobReply, SegmentWorkerData, SegmentWritten } from './segment-jobs.js';

const port = parentPort;
if (!port) throw new Error('segment.worker must run in a worker thread');
// Fixed buffers, reused at every freeze: memory stays flat instead of waiting for the GC to free
// a fresh 45 MiB pair each time.
const shared = new Uint8Array((workerData as SegmentWorkerData).keys);
let scratch: Uint8Array | undefined;

function freeze(dir: string, file: string, n: number): SegmentWritten {
  const started = performance.now();
  scratch ??= new Uint8Array(shared.length);
  const sorted = sortKeys(shared, n, scratch);
  const w = new SegmentWriter(join(dir, file));
  try {
    w.add(sorted, 0, n);
    const r = w.finish();
    return { file, count: r.count, top: r.top, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    w.abort();
    throw err;
  }
}

const MERGE_SLICE = 1 << 18; // keys per slice between yields

async function merge(dir: string, inputs: readonly string[], file: string): Promise<SegmentWritten> {
  const started = performance.now();
  const readers = inputs.map((f) => SegmentReader.open(join(dir, f)));
  const w = new SegmentWriter(join(dir, file));
  const out = new Uint8Array(4096 * KEY_BYTES);
  try {
    const its = readers.map((r) => r.chunks(16_384));
    const cur = its.map((it) => it.next());
    const pos = cur.map(() => 0);
    let fill = 0;
    let slice = 0;
    const last = new Uint8Array(KEY_BYTES);
    let haveLast = false;
    for (;;) {
      let best = -1;
      for (let i = 0; i < cur.length; i++) {
        const c = cur[i]!;
        if (c.done) continue;
        if (best < 0 || compareKeys(c.value.keys, pos[i]! * KEY_BYTES, (cur[best]!.value as { keys: Uint8Array }).keys, pos[best]! * KEY_BYTES) < 0) best = i;
      }
      if (best < 0) break;
      const c = cur[best]!.value as { keys: Uint8Array; n: number };
      const off = pos[best]! * KEY_BYTES;
      // Segments are disjoint by construction; a repeat would only be dropped.
      if (!haveLast || compareKeys(c.keys, off, last, 0) !== 0) {
        const o = fill * KEY_BYTES;
        for (let k = 0; k < KEY_BYTES; k++) {
          const v = c.keys[off + k]!;
          out[o + k] = v;
          last[k] = v;
        }
        haveLast = true;
        fill++;
        if (fill * KEY_BYTES === out.length) {
          w.add(out, 0, fill);
          fill = 0;
        }
      }
      pos[best]!++;
      if (pos[best]! === c.n) {
        cur[best] = its[best]!.next();
        pos[best] = 0;
      }
      if (++slice === MERGE_SLICE) {
        slice = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    w.add(out, 0, fill);
    const r = w.finish();
    return { file, count: r.count, top: r.top, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    w.abort();
    throw err;
  } finally {
    for (const r of readers) r.close();
  }
}

function manifest(dir: string, m: Manifest, remove: readonly string[]): void {
  writeManifest(dir, m);
  let removed = false;
  for (const f of remove) {
    const p = join(dir, f);
    if (existsSync(p)) {
      unlinkSync(p);
      removed = true;
    }
  }
  if (removed) fsyncDir(dir);
}

async function run(job: SegmentJob): Promise<SegmentJobReply> {
  try {
    switch (job.kind) {
      case 'freeze': {
        const r = freeze(job.dir, job.file, job.n);
        return { id: job.id, ok: true, written: r };
      }
      case 'merge':
        return { id: job.id, ok: true, written: await merge(job.dir, job.inputs, job.file) };
      case 'manifest':
        manifest(job.dir, job.manifest, job.remove);
        return { id: job.id, ok: true };
    }
  } catch (err) {
    return { id: job.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

port.on('message', (job: SegmentJob) => {
  void run(job).then((reply) => {
    const transfer = reply.ok && reply.written ? [reply.written.top.buffer as ArrayBuffer] : [];
    port.postMessage(reply, transfer);
  });
});
