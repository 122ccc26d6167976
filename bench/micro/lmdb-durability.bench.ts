// What "Ack means on disk" costs: the node's admission write pattern against four LMDB commit modes,
// side by side in one run, reported as ratios to the old non-durable behaviour.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/lmdb-durability.bench.js
//
// Workload, shaped like admission: `writers` concurrent writers, each writing one batch frame
// (128 KiB ≈ 1,000 records of 128 bytes) plus its pending marker and admission-log entry in one
// transaction, the next as soon as the previous resolves; and a block transaction every
// `blockIntervalMs` that indexes the batches made durable since the last block and removes their
// pending markers (small keys). Modes:
//   a overlapResolveAtCommit      overlappingSync on, resolve at commit (lmdb-js' Linux default, the old node)
//   b overlapAwaitFlushed         overlappingSync on, then wait for `root.flushed` (durable, flush overlapped)
//   c syncCommit                  overlappingSync off: the node's StorageEnv itself (durable)
//   d syncCommitEventTurnBatching c with eventTurnBatching on (lmdb-js' default)
// a, b and d open lmdb directly with the settings read back from a real StorageEnv, changing only
// the flag under test. Each round runs every mode once (order rotated), on a fresh environment in
// bench/.data (a real disk: fsync on tmpfs is free); each mode keeps its round with the most
// transactions/s, since other processes share the machine.
//
// Writes bench/results/lmdb-durability.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { StorageEnv } from '../../src/storage/env.js';
import { currentCommand, repoRoot, resultEnvelope, writeResult, type ResultEnvelope } from '../machine.js';

export const DURABILITY_MODES = ['overlapResolveAtCommit', 'overlapAwaitFlushed', 'syncCommit', 'syncCommitEventTurnBatching'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

export interface LmdbDurabilityBenchOptions {
  /** Concurrent batch writers (default 64). */
  readonly writers?: number;
  /** Bytes of each batch value (default 128 KiB). */
  readonly valueBytes?: number;
  /** Milliseconds between block transactions (default 20). */
  readonly blockIntervalMs?: number;
  /** Measured seconds per mode per round (default 2), after `warmupSeconds` (default 0.5). */
  readonly seconds?: number;
  readonly warmupSeconds?: number;
  /** Rounds; each runs every mode once, order rotated, so 4 puts every mode in every position (default 4). */
  readonly rounds?: number;
  /** Where the environments live (default bench/.data/lmdb-durability); must be a real disk. */
  readonly dir?: string;
  readonly command?: string;
  readonly log?: (line: string) => void;
  /** null: do not write a results file. */
  readonly resultsName?: string | null;
}

export interface ModeFigures {
  /** Batch transactions resolved per second in the measured window. */
  readonly txPerSec: number;
  /** Batch transaction latency, enqueue → resolved (→ flushed for b), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly blocks: number;
  readonly blockP50Ms: number;
  readonly blockP99Ms: number;
  /** LMDB write transactions committed per second (txn id delta). */
  readonly commitsPerSec: number;
  /** Batch transactions per LMDB commit: group commit. With overlappingSync off each commit is one fsync round (data, then meta page). */
  readonly batchesPerCommit: number;
}

export interface ModeResult extends ModeFigures {
  /** Transactions/s of every round, in run order: the spread shows the machine's noise. */
  readonly txPerSecRounds: readonly number[];
}

export type LmdbDurabilityBenchResult = ResultEnvelope & {
  readonly name: 'lmdb-durability';
  readonly writers: number;
  readonly valueBytes: number;
  readonly blockIntervalMs: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  /** The StorageEnv settings every mode shares (read back from a real StorageEnv). */
  readonly nodeSettings: NodeSettings;
  readonly modes: Record<DurabilityMode, ModeResult>;
  /** Each mode over overlapResolveAtCommit (a): txPerSec ratio (< 1 = slower), latency ratios (> 1 = slower). */
  readonly vsResolveAtCommit: Record<DurabilityMode, { readonly txPerSec: number; readonly p50Ms: number; readonly p99Ms: number }>;
};

interface NodeSettings {
  readonly maxDbs: number;
  readonly commitDelay: number;
  readonly compression: unknown;
  readonly mapSize: number;
  readonly overlappingSync: boolean;
  readonly eventTurnBatching: boolean;
}

interface Dbs {
  readonly txs: Database<Buffer, Uint8Array>;
  readonly pending: Database<Buffer, number>;
  readonly admissionLog: Database<Buffer, number>;
  readonly blocks: Database<Buffer, number>;
  readonly blockIndex: Database<Buffer, Uint8Array>;
  readonly txLocations: Database<Buffer, Uint8Array>;
  readonly meta: Database<{ height: number; hash: Uint8Array; cdrCount: number }, string>;
}

/** One environment in one mode: `write` resolves when the mode calls a write done. */
interface Target {
  readonly root: RootDatabase;
  readonly dbs: Dbs;
  write(writes: () => void): Promise<void>;
  close(): Promise<void>;
}

/** The options StorageEnv.open passed to lmdb, as the opened root database reports them. */
function settingsOf(root: RootDatabase): NodeSettings {
  const o = root as unknown as Partial<NodeSettings>;
  const { maxDbs, commitDelay, compression, mapSize, overlappingSync, eventTurnBatching } = o;
  if (maxDbs === undefined || commitDelay === undefined || mapSize === undefined || overlappingSync === undefined || eventTurnBatching === undefined) {
    throw new Error('lmdb root database no longer reports its options; update settingsOf');
  }
  return { maxDbs, commitDelay, compression, mapSize, overlappingSync, eventTurnBatching };
}

/** The same databases, with the same encodings, StorageEnv's helpers and stores open. */
function openDbs(root: RootDatabase): Dbs {
  const hash = (name: string): Database<Buffer, Uint8Array> => root.openDB<Buffer, Uint8Array>({ name, encoding: 'binary', keyEncoding: 'binary' });
  const u32 = (name: string): Database<Buffer, number> => root.openDB<Buffer, number>({ name, encoding: 'binary', keyEncoding: 'uint32' });
  return {
    txs: hash('txs'),
    pending: u32('pending'),
    admissionLog: root.openDB<Buffer, number>({ name: 'admission-log', encoding: 'binary', keyEncoding: 'ordered-binary' }),
    blocks: u32('blocks'),
    blockIndex: hash('block-index'),
    txLocations: hash('tx-locations'),
    meta: root.openDB<{ height: number; hash: Uint8Array; cdrCount: number }, Key>({ name: 'chain-meta', encoding: 'msgpack', keyEncoding: 'ordered-binary' }) as Database<
      { height: number; hash: Uint8Array; cdrCount: number },
      string
    >,
  };
}

function openTarget(mode: DurabilityMode, path: string, node: NodeSettings): Target {
  if (mode === 'syncCommit') {
    const env = StorageEnv.open(path);
    return { root: env.root, dbs: openDbs(env.root), write: (w) => env.transaction(w), close: () => env.close() };
  }
  mkdirSync(path, { recursive: true });
  const overlappingSync = mode === 'overlapResolveAtCommit' || mode === 'overlapAwaitFlushed';
  const eventTurnBatching = mode === 'syncCommitEventTurnBatching' ? true : node.eventTurnBatching;
  const root = open({ ...node, compression: node.compression as boolean, path, overlappingSync, eventTurnBatching });
  const actual = settingsOf(root);
  if (actual.overlappingSync !== overlappingSync || actual.eventTurnBatching !== eventTurnBatching) throw new Error(`lmdb did not take the ${mode} flags`);
  const dbs = openDbs(root);
  if (mode === 'overlapAwaitFlushed') {
    return {
      root,
      dbs,
      write: async (w) => {
        const committed = root.transaction(w);
        // Bind to this transaction's flush now: `root.flushed` follows the newest queued write.
        const flushed = new Promise<void>((resolve, reject) => void root.flushed.then(() => resolve(), reject));
        await Promise.all([committed, flushed]);
      },
      close: () => root.close(),
    };
  }
  return { root, dbs, write: async (w) => void (await root.transaction(w)), close: () => root.close() };
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const lastTxnId = (root: RootDatabase): number => (root.getStats() as { lastTxnId: number }).lastTxnId;

function byMode<T>(f: (mode: DurabilityMode) => T): Record<DurabilityMode, T> {
  return { overlapResolveAtCommit: f('overlapResolveAtCommit'), overlapAwaitFlushed: f('overlapAwaitFlushed'), syncCommit: f('syncCommit'), syncCommitEventTurnBatching: f('syncCommitEventTurnBatching') };
}

const round1 = (x: number): number => Number(x.toFixed(1));
const round2 = (x: number): number => Number(x.toFixed(2));

interface Workload {
  readonly writers: number;
  readonly value: Buffer;
  readonly blockIntervalMs: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

async function runMode(target: Target, w: Workload): Promise<ModeFigures> {
  const { dbs } = target;
  const windowStart = performance.now() + w.warmupMs;
  const windowEnd = windowStart + w.measureMs;
  const inWindow = (t: number): boolean => t >= windowStart && t <= windowEnd;
  let stopped = false;
  let nextOrder = 1;
  let durable: { order: number; hash: Uint8Array }[] = [];
  const latencies: number[] = [];
  const blockLatencies: number[] = [];

  const writer = async (): Promise<void> => {
    while (!stopped) {
      const order = nextOrder++;
      const hash = randomBytes(32);
      const t0 = performance.now();
      // As Admission.persist: frame, pending marker and admission-log entry in one transaction.
      await target.write(() => {
        void dbs.txs.put(hash, w.value);
        void dbs.pending.put(order, hash);
        void dbs.admissionLog.put(order, hash);
      });
      const t1 = performance.now();
      durable.push({ order, hash });
      if (inWindow(t1)) latencies.push(t1 - t0);
    }
  };

  const producer = async (): Promise<void> => {
    let height = 0;
    let cdrCount = 0;
    let due = performance.now() + w.blockIntervalMs;
    while (!stopped) {
      await sleep(Math.max(0, due - performance.now()));
      due = Math.max(due + w.blockIntervalMs, performance.now());
      const included = durable;
      durable = [];
      height++;
      cdrCount += included.length * 1000;
      const blockHash = randomBytes(32);
      // A block names its transactions: header plus 32 bytes per batch.
      const block = Buffer.alloc(256 + 32 * included.length);
      const t0 = performance.now();
      // As the producer's commit: block, its index, every transaction's location, pending removals, head.
      await target.write(() => {
        void dbs.blocks.put(height, block);
        const h = Buffer.alloc(4);
        h.writeUInt32BE(height);
        void dbs.blockIndex.put(blockHash, h);
        included.forEach((tx, index) => {
          const loc = Buffer.alloc(8);
          loc.writeUInt32BE(height, 0);
          loc.writeUInt32BE(index, 4);
          void dbs.txLocations.put(tx.hash, loc);
          void dbs.pending.remove(tx.order);
        });
        void dbs.meta.put('head', { height, hash: blockHash, cdrCount });
      });
      const t1 = performance.now();
      if (inWindow(t1)) blockLatencies.push(t1 - t0);
    }
  };

  // LMDB's last transaction id at the window's edges: how many commits (each its own fsync round when synchronous).
  const marks: number[] = [];
  const mark = (): void => void marks.push(lastTxnId(target.root));
  const timers = [setTimeout(mark, windowStart - performance.now()), setTimeout(mark, windowEnd - performance.now())];
  const stop = setTimeout(() => (stopped = true), windowEnd - performance.now());
  const tasks = [...Array.from({ length: w.writers }, writer), producer()];
  await Promise.all(tasks);
  for (const t of [...timers, stop]) clearTimeout(t);
  if (marks.length !== 2) throw new Error('measurement window marks missing');
  const [from, to] = marks as [number, number];

  const seconds = w.measureMs / 1000;
  const batches = latencies.length;
  const commits = to - from;
  latencies.sort((a, b) => a - b);
  blockLatencies.sort((a, b) => a - b);
  return {
    txPerSec: Math.round(batches / seconds),
    p50Ms: round1(percentile(latencies, 0.5)),
    p99Ms: round1(percentile(latencies, 0.99)),
    blocks: blockLatencies.length,
    blockP50Ms: round1(percentile(blockLatencies, 0.5)),
    blockP99Ms: round1(percentile(blockLatencies, 0.99)),
    commitsPerSec: Math.round(commits / seconds),
    batchesPerCommit: commits > 0 ? round1(batches / commits) : Number.NaN,
  };
}

export async function runLmdbDurabilityBench(opts: LmdbDurabilityBenchOptions = {}): Promise<LmdbDurabilityBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[lmdb-durability] ${l}\n`));
  const writers = opts.writers ?? 64;
  const valueBytes = opts.valueBytes ?? 128 * 1024;
  const blockIntervalMs = opts.blockIntervalMs ?? 20;
  const seconds = opts.seconds ?? 2;
  const warmupSeconds = opts.warmupSeconds ?? 0.5;
  const rounds = opts.rounds ?? 4;
  const dir = opts.dir ?? join(repoRoot(), 'bench', '.data', 'lmdb-durability');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  // The node's settings, read from a real StorageEnv so the other modes differ only in the flag under test.
  const probe = StorageEnv.open(join(dir, 'settings'));
  const nodeSettings = settingsOf(probe.root);
  await probe.close();
  if (nodeSettings.overlappingSync || nodeSettings.eventTurnBatching) {
    throw new Error(`StorageEnv now opens lmdb with overlappingSync ${nodeSettings.overlappingSync}, eventTurnBatching ${nodeSettings.eventTurnBatching}: the mode labels no longer hold`);
  }

  const workload: Workload = { writers, value: randomBytes(valueBytes), blockIntervalMs, warmupMs: warmupSeconds * 1000, measureMs: seconds * 1000 };
  const best = new Map<DurabilityMode, ModeFigures>();
  const perRound = new Map<DurabilityMode, number[]>(DURABILITY_MODES.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no mode always runs first (cold disk) or after the heaviest one.
    const order = DURABILITY_MODES.map((_, i) => DURABILITY_MODES[(i + round) % DURABILITY_MODES.length]!);
    for (const mode of order) {
      const path = join(dir, `${mode}-${round}`);
      const target = openTarget(mode, path, nodeSettings);
      let figures: ModeFigures;
      try {
        figures = await runMode(target, workload);
      } finally {
        await target.close();
        rmSync(path, { recursive: true, force: true });
      }
      perRound.get(mode)!.push(figures.txPerSec);
      log(
        `round ${round + 1}/${rounds} ${mode}: ${figures.txPerSec.toLocaleString('en-US')} tx/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, ` +
          `${figures.batchesPerCommit} batches/commit, blocks p50 ${figures.blockP50Ms} ms`,
      );
      const kept = best.get(mode);
      if (!kept || figures.txPerSec > kept.txPerSec) best.set(mode, figures);
    }
  }
  rmSync(dir, { recursive: true, force: true });

  const modes = byMode((m): ModeResult => ({ ...best.get(m)!, txPerSecRounds: perRound.get(m)! }));
  const base = modes.overlapResolveAtCommit;
  const vsResolveAtCommit = byMode((m) => ({ txPerSec: round2(modes[m].txPerSec / base.txPerSec), p50Ms: round2(modes[m].p50Ms / base.p50Ms), p99Ms: round2(modes[m].p99Ms / base.p99Ms) }));

  const result: LmdbDurabilityBenchResult = {
    ...resultEnvelope(opts.command ?? currentCommand()),
    name: 'lmdb-durability',
    writers,
    valueBytes,
    blockIntervalMs,
    seconds,
    warmupSeconds,
    rounds,
    nodeSettings,
    modes,
    vsResolveAtCommit,
  };
  for (const m of DURABILITY_MODES) {
    const f = modes[m];
    const r = vsResolveAtCommit[m];
    log(
      `best ${m}: ${f.txPerSec.toLocaleString('en-US')} tx/s (×${r.txPerSec}), p50 ${f.p50Ms} ms (×${r.p50Ms}), p99 ${f.p99Ms} ms (×${r.p99Ms}), ` +
        `${f.commitsPerSec} commits/s, ${f.batchesPerCommit} batches/commit; blocks p50/p99 ${f.blockP50Ms}/${f.blockP99Ms} ms`,
    );
  }
  if (opts.resultsName !== null) log(`wrote ${writeResult(opts.resultsName ?? 'lmdb-durability', result)}`);
  return result;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  runLmdbDurabilityBench().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
