// The soak benchmark: hundreds of millions of CDRs through one real node process at full rate, to
// show that its memory stays flat and its rate holds whatever the history (issue 11, item 3).
//
//   npx tsc -p tsconfig.build.json && node dist/bench/soak/run.js [--cdrs N] [--window W] [--hot-log2 L]   (npm run bench:soak)
//
// The node runs as a separate process (bench/pipeline/node-process.ts, every check on, 2 workers).
// This process replays the pipeline benchmark's cached data set (bench/pipeline/dataset.ts) pass
// after pass with fresh record ids: each pass rewrites every nullifier (bytes 4..8 XOR the pass
// number, so no key repeats), recomputes the records digest and re-signs the batch with the
// client's own signBatch (the Merkle root covers the commitments only, which do not change), with
// sequences continuing. Every 10 M committed CDRs it records the rate, the node's RSS and the data
// directory's bytes per CDR. Writes bench/results/soak.json (soak-short.json below 200 M).
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { signBatch } from '../../src/cdr/batch-builder.js';
import { devnetChainIdentity } from '../../src/chain/devnet-chain.js';
import { devnetBatchSeed } from '../../src/chain/genesis.js';
import { BatchNackError, IngestClient, type SubmitResult } from '../../src/client/ingest-client.js';
import { decodeBatch, recordsDigest, type BatchHeaderFields } from '../../src/codec/batch.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../../src/codec/limits.js';
import { privateKeyObject } from '../../src/crypto/ed25519.js';
import { machineLine, resultEnvelope, writeResult } from '../machine.js';
import { parsePrometheus, round } from '../pipeline/analysis.js';
import { readSubmitterFrames } from '../pipeline/dataset.js';
import { killAllChildren, NodeChild } from '../pipeline/processes.js';
import type { NodeStats } from '../pipeline/protocol.js';
import { prepareDataset } from '../pipeline/run.js';

const MiB = 2 ** 20;
const BUCKET = 10_000_000;
export const SOAK_TARGETS = { cdrs: 200_000_000, rssMiB: 1024, rateDropPct: 10 } as const;
/** The data set replayed: small enough to hold in memory, big enough that a pass is minutes apart. */
const DATASET = { cdrs: 1_200_000, batchSize: 1_000 } as const;

export interface SoakBucket {
  /** Committed CDRs at the end of this bucket (about every 10 M; the last may be short). */
  readonly committedCdrs: number;
  /** CDRs committed within the bucket. */
  readonly spanCdrs: number;
  readonly seconds: number;
  readonly cdrPerSec: number;
  readonly rssMaxMiB: number;
  readonly rssEndMiB: number;
  /** Of rssEndMiB: anonymous memory (heaps, WASM) and file-backed pages (LMDB's map; body files are read with pread, never mapped). */
  readonly rssAnonEndMiB: number | undefined;
  readonly rssFileEndMiB: number | undefined;
  readonly dataDirBytesPerCdr: number;
  readonly lmdbBytesPerCdr: number;
}

interface Batch {
  readonly header: BatchHeaderFields;
  readonly records: Uint8Array;
}

/** A batch of pass `pass`: fresh nullifiers, digest recomputed, re-signed, sequence continued. */
function freshBatch(b: Batch, pass: number, sequence: bigint, chain: Uint8Array, key: ReturnType<typeof privateKeyObject>): Uint8Array {
  const records = b.records.slice();
  if (pass > 0) {
    const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
    for (let at = RECORD_OFFSET.nullifier + 4; at < records.length; at += PUBLIC_RECORD_BYTES) v.setUint32(at, (v.getUint32(at) ^ pass) >>> 0);
  }
  const header: BatchHeaderFields = { ...b.header, sequence, recordsDigest: recordsDigest(records) };
  return signBatch(records, header, chain, key).frame;
}

export interface SoakOptions {
  readonly cdrs: number;
  readonly window: number;
  /** log2 of the node's nullifier hot-table slots (default: the node's own default). */
  readonly hotLog2?: number;
  readonly command: string;
  readonly log: (line: string) => void;
}

export async function runSoak(o: SoakOptions): Promise<unknown> {
  const { log } = o;
  log(`machine: ${machineLine()}`);
  const dataset = await prepareDataset('dataset', DATASET, false, log);
  const chain = devnetChainIdentity();
  const streams = dataset.index.submitters.map((s) => ({
    plmn: s.plmn,
    key: privateKeyObject(devnetBatchSeed(s.plmn)),
    batches: readSubmitterFrames(dataset.dir, s).map((f): Batch => {
      const d = decodeBatch(f);
      return { header: d.header, records: d.records };
    }),
  }));
  const node = await NodeChild.start({
    workers: 2,
    maxLifetimeSec: Math.ceil(o.cdrs / 20_000) + 1800,
    ...(o.hotLog2 !== undefined ? { nullifiers: { hotLog2: o.hotLog2 } } : {}),
  });
  log(`node pid ${node.info.pid} on ${node.info.ingestUrl}; soaking ${o.cdrs.toLocaleString('en-US')} CDRs (data set ${dataset.index.key}, re-signed per pass)`);
  const perSubmitter = Math.ceil(o.cdrs / streams.length);
  const startedAt = performance.now();
  const errors: string[] = [];
  const nacks: Record<string, number> = {};
  let failed = false;
  let sent = 0;

  const runStream = async (s: (typeof streams)[number]): Promise<void> => {
    const client = await IngestClient.connect(node.info.ingestUrl, { window: o.window });
    const pending = new Set<Promise<void>>();
    let seq = 0n;
    let cdrs = 0;
    try {
      for (let pass = 0; cdrs < perSubmitter && !failed; pass++) {
        for (const b of s.batches) {
          if (cdrs >= perSubmitter || failed) break;
          // Build a frame only when there is room for it: acknowledged but uncommitted batches count too.
          while (pending.size >= o.window * 2) await Promise.race(pending);
          seq++;
          const frame = freshBatch(b, pass, seq, chain, s.key);
          const p: Promise<void> = client.submit(frame, seq).then(
            (r: SubmitResult) => r.committed.then(() => undefined),
          ).catch((err: unknown) => {
            if (err instanceof BatchNackError) nacks[err.reason] = (nacks[err.reason] ?? 0) + 1;
            if (errors.length < 20) errors.push(err instanceof Error ? err.message : String(err));
            failed = true;
          }).finally(() => pending.delete(p));
          pending.add(p);
          cdrs += b.header.recordCount;
          sent += b.header.recordCount;
        }
      }
      await Promise.all(pending);
    } finally {
      await client.close();
    }
  };

  // Sample the node every second; close a bucket each 10 M committed CDRs.
  const buckets: SoakBucket[] = [];
  let bucketStart = { t: startedAt, cdrs: 0 };
  let bucketRssMax = 0;
  let last: NodeStats | undefined;
  const closeBucket = (s: NodeStats, t: number): void => {
    const seconds = (t - bucketStart.t) / 1000;
    const n = s.committedCdrs - bucketStart.cdrs;
    buckets.push({
      committedCdrs: s.committedCdrs,
      spanCdrs: n,
      seconds: round(seconds, 1),
      cdrPerSec: Math.round(n / Math.max(seconds, 0.001)),
      rssMaxMiB: round(Math.max(bucketRssMax, s.rssBytes) / MiB, 1),
      rssEndMiB: round(s.rssBytes / MiB, 1),
      rssAnonEndMiB: s.rssAnonBytes !== undefined ? round(s.rssAnonBytes / MiB, 1) : undefined,
      rssFileEndMiB: s.rssFileBytes !== undefined ? round(s.rssFileBytes / MiB, 1) : undefined,
      dataDirBytesPerCdr: round(s.dataDirBytes / Math.max(1, s.committedCdrs), 1),
      lmdbBytesPerCdr: round(s.lmdbFileBytes / Math.max(1, s.committedCdrs), 1),
    });
    const b = buckets[buckets.length - 1]!;
    log(`${(b.committedCdrs / 1e6).toFixed(0)} M: ${b.cdrPerSec.toLocaleString('en-US')} CDR/s, RSS max ${b.rssMaxMiB} MiB (anon ${b.rssAnonEndMiB}, file ${b.rssFileEndMiB} at the end), ${b.dataDirBytesPerCdr} B/CDR on disk (${sent.toLocaleString('en-US')} sent)`);
    bucketStart = { t, cdrs: s.committedCdrs };
    bucketRssMax = 0;
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = await node.stats();
      last = s;
      bucketRssMax = Math.max(bucketRssMax, s.rssBytes);
      // The sample that crosses a boundary closes the bucket (1 s resolution on 2-minute buckets).
      if (s.committedCdrs >= bucketStart.cdrs + BUCKET) closeBucket(s, performance.now());
    }
  })();

  try {
    await Promise.all(streams.map((s) => runStream(s)));
    sampling = false;
    await sampler;
    const final = await node.stats();
    if (final.committedCdrs > bucketStart.cdrs + BUCKET / 10) closeBucket(final, performance.now());
    const metrics = parsePrometheus(await (await fetch(`${node.info.url}/metrics`)).text());
    const stopped = await node.stop();
    const wall = (performance.now() - startedAt) / 1000;
    const nullifierMetrics = Object.fromEntries(
      metrics.filter((m) => m.name.startsWith('cdrchain_nullifier_') && !m.name.includes('_bucket')).map((m) => [m.name, m.value]),
    );
    const full = buckets.filter((b) => b.spanCdrs >= BUCKET * 0.9);
    const first = full[0] ?? buckets[0];
    const lastFull = full[full.length - 1] ?? buckets[buckets.length - 1];
    const drop = first && lastFull ? round(((first.cdrPerSec - lastFull.cdrPerSec) / first.cdrPerSec) * 100, 1) : Number.NaN;
    const rssMax = round(Math.max(stopped.peakRssBytes, stopped.vmHwmBytes ?? 0, ...buckets.map((b) => b.rssMaxMiB * MiB)) / MiB, 1);
    const result = {
      ...resultEnvelope(o.command),
      name: 'soak',
      soakCdrs: stopped.committedCdrs,
      soakRssMaxMiB: rssMax,
      soakRateDropPct: drop,
      overallCdrPerSec: Math.round(stopped.committedCdrs / wall),
      wallSeconds: round(wall, 1),
      diskBytesPerCdr: round(stopped.dataDirBytes / Math.max(1, stopped.committedCdrs), 1),
      lmdbBytesPerCdr: round(stopped.lmdbFileBytes / Math.max(1, stopped.committedCdrs), 1),
      // Batch frames live in body segment files outside LMDB (src/storage/tx-body-store.ts); the rest of diskBytesPerCdr is LMDB and nullifier segments.
      txBodyBytesPerCdr: round((metrics.find((m) => m.name === 'cdrchain_tx_body_bytes')?.value ?? Number.NaN) / Math.max(1, stopped.committedCdrs), 1),
      targets: {
        soakCdrs: { target: SOAK_TARGETS.cdrs, measured: stopped.committedCdrs, met: stopped.committedCdrs >= SOAK_TARGETS.cdrs, note: '≥ CDRs committed through one node process' },
        soakRssMaxMiB: { target: SOAK_TARGETS.rssMiB, measured: rssMax, met: rssMax < SOAK_TARGETS.rssMiB, note: '<, node process peak RSS (100 ms sampler and VmHWM)' },
        soakRateDropPct: { target: SOAK_TARGETS.rateDropPct, measured: drop, met: drop <= SOAK_TARGETS.rateDropPct, note: '≤, committed CDR/s of the first 10 M vs the last full 10 M' },
      },
      setup: {
        dataset: { key: dataset.index.key, cdrs: dataset.index.totalCdrs, batchSize: dataset.index.params.batchSize, submitters: streams.map((s) => s.plmn) },
        window: o.window,
        node: `fresh CdrNode in a temp dir (bench/pipeline/node-process.ts), 2 verification workers, defaults${o.hotLog2 !== undefined ? ` but a hot table of 2^${o.hotLog2} slots` : ''}`,
        replay: 'this process: one IngestClient per submitter, flat out; per pass fresh nullifiers, records digest and signature (signBatch)',
      },
      series: buckets,
      nullifierMetrics,
      nacks,
      errors,
      lastStats: last ? { rssMiB: round(last.rssBytes / MiB, 1), heapUsedMiB: round(last.heapUsedBytes / MiB, 1), externalMiB: round(last.externalBytes / MiB, 1) } : undefined,
    };
    const path = writeResult(o.cdrs >= SOAK_TARGETS.cdrs ? 'soak' : 'soak-short', result);
    log(`soak: ${result.soakCdrs.toLocaleString('en-US')} CDRs in ${result.wallSeconds} s (${result.overallCdrPerSec.toLocaleString('en-US')} CDR/s), RSS max ${rssMax} MiB, rate drop ${drop}%, ${result.diskBytesPerCdr} B/CDR; wrote ${path}`);
    return result;
  } finally {
    sampling = false;
    node.kill();
    killAllChildren();
  }
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  const args = process.argv.slice(2);
  const flag = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    const v = i >= 0 ? Number(args[i + 1]) : dflt;
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} needs a positive integer`);
    return v;
  };
  try {
    await runSoak({
      cdrs: flag('--cdrs', SOAK_TARGETS.cdrs),
      window: flag('--window', 16),
      ...(args.includes('--hot-log2') ? { hotLog2: flag('--hot-log2', 0) } : {}),
      command: `node dist/bench/soak/run.js ${args.join(' ')}`.trim(),
      log: (l) => process.stderr.write(`[soak] ${l}\n`),
    });
  } catch (err) {
    process.stderr.write(`soak benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    killAllChildren();
    process.exitCode = 1;
  }
}
