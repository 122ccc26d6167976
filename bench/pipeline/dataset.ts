// Benchmark data sets: signed CDR batch frames generated once, cached on disk, replayed many times.
//
// Layout of one data set, bench/.data/<key>/ (gitignored):
//   index.json        what is in it (DatasetIndex), written last: a directory without it is incomplete
//   <plmn>.frames     that submitter's batches in sequence order, each as
//                     [u32 little-endian frame length][frame bytes]
// The key is a hash of everything that determines the bytes (parameters, format version, the
// chain identity that every signature binds: genesis and system contracts), so reruns with the same
// parameters skip generation, and a change of the chain's identity regenerates instead of replaying
// frames every node would refuse. The genesis is a parameter (default `devnetGenesis()`, the solo
// node's chain): the devnet benchmark signs for `devnetGenesis({ validators: N })`. Frames are
// signed with the well-known devnet batch keys (`Operator.devnet`), so the genesis must list the
// submitters with those keys (every devnet genesis does). A sealed set (`sealed: true`) carries
// each batch's payloads encrypted under the genesis' privacy section, as `Operator.sealedBatch`
// makes them (issue 13, P2). Generation runs on a piscina
// pool (default 2 threads); each task builds one chunk of frames and transfers them back as one
// ArrayBuffer, which is appended to the submitter's file in order.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { decodeBatch } from '../../src/codec/batch.js';
import { RejectCode } from '../../src/codec/ingest-reply.js';
import { localChainIdentity } from '../../src/chain/devnet-chain.js';
import { devnetGenesis, genesisId, settlementRules, type Genesis } from '../../src/chain/genesis.js';
import { isPeriodClosed, periodContaining } from '../../src/settlement/settlement-period.js';
import { toHex } from '../../src/codec/bytes.js';
import { publicKeyObject } from '../../src/crypto/ed25519.js';
import { PoseidonWasm } from '../../src/wasm/poseidon.js';
import { checkBatchCryptography } from '../../src/workers/batch-checks.js';
import { checkSealedSection } from '../../src/workers/sealed-checks.js';
import { workerExecArgv } from '../../src/workers/worker-path.js';
import { genesisPrivacyToJson } from '../../src/chain/genesis-privacy.js';
import type { SealedRecipients } from '../../src/codec/sealed-section.js';
import { repoRoot } from '../machine.js';
import type { BuildChunkResult, BuildChunkTask } from './build-batches.worker.js';
import { PAYLOAD_VERSION } from '../../src/codec/cdr-payload.js';
import { SEALED_VERSION } from '../../src/privacy/sealed-batch.js';

// 2: signatures and batch ids bind the chain identity (canonical header tag cdrchain:batch:2).
export const DATASET_FORMAT = 'cdrchain-bench-frames/2';
export const INDEX_FILE = 'index.json';
const LENGTH_PREFIX = 4;
const DAY = 86_400;

export interface DatasetParams {
  /** Total CDRs wanted; rounded up to whole batches per submitter. */
  readonly cdrs: number;
  readonly batchSize: number;
  /** Submitting operators (default: every operator of the genesis); each gets an equal share. */
  readonly submitters?: readonly number[];
  readonly seed?: string;
  /** Batches per worker task (default: about 20,000 CDRs' worth). */
  readonly chunkBatches?: number;
  /** Roamers per home network in the synthetic traffic. */
  readonly subscribers?: number;
  /**
   * Seal every batch's payloads (issue 13, P2: `Operator.sealedBatch` under the genesis' privacy
   * section) instead of sending plain records: the same traffic, each frame with its sealed section.
   */
  readonly sealed?: boolean;
}

export interface ResolvedDatasetParams {
  readonly cdrs: number;
  readonly batchSize: number;
  readonly submitters: readonly number[];
  readonly seed: string;
  readonly chunkBatches: number;
  readonly subscribers: number;
  readonly batchesPerSubmitter: number;
  /** Present (true) only for sealed sets, so the plain sets keep the keys they had. */
  readonly sealed?: true;
}

export interface SubmitterFile {
  readonly plmn: number;
  readonly file: string;
  readonly batches: number;
  readonly cdrs: number;
  readonly bytes: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
}

export interface DatasetIndex {
  readonly format: string;
  readonly key: string;
  readonly params: ResolvedDatasetParams;
  readonly genesisId: string;
  /** The chain identity (hex) the frames are signed for. */
  readonly chainIdentity: string;
  readonly createdAt: string;
  /** Traffic covers [startTime, startTime + periodSeconds), unix seconds, in the past at creation. */
  readonly startTime: number;
  readonly periodSeconds: number;
  readonly generationSeconds: number;
  readonly threads: number;
  readonly totalBatches: number;
  readonly totalCdrs: number;
  readonly totalBytes: number;
  readonly submitters: readonly SubmitterFile[];
}

export interface Dataset {
  readonly dir: string;
  readonly index: DatasetIndex;
  /** False when the cache already held it. */
  readonly generated: boolean;
}

export interface EnsureDatasetOptions {
  /** Where data sets live (default bench/.data in the repository). */
  readonly cacheRoot?: string;
  /** Generate even if the cache holds it. */
  readonly regenerate?: boolean;
  /** Worker threads for generation (default 2). */
  readonly threads?: number;
  /** Regenerate cached sets older than this (default 30 days: periods must stay plausible). */
  readonly maxAgeDays?: number;
  readonly onProgress?: (doneCdrs: number, totalCdrs: number) => void;
  readonly log?: (line: string) => void;
  /** Clock (unix ms) for the traffic's time window; tests pin it. */
  readonly now?: () => number;
  /** The chain the frames are signed for (default `devnetGenesis()`, the solo node's). */
  readonly genesis?: Genesis;
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

export function defaultCacheRoot(): string {
  return join(repoRoot(), 'bench', '.data');
}

export function resolveParams(p: DatasetParams, genesis: Genesis = devnetGenesis()): ResolvedDatasetParams {
  const submitters = [...(p.submitters ?? genesis.operators.map((o) => o.plmn))];
  if (submitters.length === 0) throw new DatasetError('a data set needs at least one submitter');
  for (const s of submitters) {
    if (!genesis.operators.some((o) => o.plmn === s)) throw new DatasetError(`submitter ${s} is not an operator of genesis ${genesis.chainId}`);
  }
  if (new Set(submitters).size !== submitters.length) throw new DatasetError('submitters repeat');
  if (p.sealed) {
    const privacy = genesis.privacy;
    if (!privacy || privacy.sealedPayloads === 'off') throw new DatasetError(`genesis ${genesis.chainId} does not take sealed batches`);
    for (const o of genesis.operators) {
      if (!privacy.encryptionKeys.has(o.plmn)) throw new DatasetError(`genesis ${genesis.chainId} registers no encryption key for ${o.plmn}`);
    }
  }
  if (!Number.isInteger(p.batchSize) || p.batchSize < 1 || p.batchSize > 16_384) throw new DatasetError(`batch size must be 1..16384, got ${p.batchSize}`);
  if (!Number.isInteger(p.cdrs) || p.cdrs < 1) throw new DatasetError(`cdrs must be a positive integer, got ${p.cdrs}`);
  const batchesPerSubmitter = Math.ceil(p.cdrs / (submitters.length * p.batchSize));
  const chunkBatches = p.chunkBatches ?? Math.max(1, Math.round(20_000 / p.batchSize));
  if (!Number.isInteger(chunkBatches) || chunkBatches < 1) throw new DatasetError(`chunkBatches must be ≥ 1, got ${chunkBatches}`);
  return {
    cdrs: batchesPerSubmitter * submitters.length * p.batchSize,
    batchSize: p.batchSize,
    submitters,
    seed: p.seed ?? 'cdrchain-bench-1',
    chunkBatches,
    subscribers: p.subscribers ?? 10_000,
    batchesPerSubmitter,
    ...(p.sealed ? { sealed: true as const } : {}),
  };
}

/**
 * Hash of everything that determines the data set's bytes. `chain` defaults to the genesis' identity;
 * for `devnetGenesis()` the material is what it was before the genesis became a parameter, so the
 * pipeline's cached sets keep their keys. A sealed set's key also names the sealed-section and
 * payload versions: a set sealed in an older format no longer passes the node's checks.
 */
export function datasetKey(params: ResolvedDatasetParams, genesis: Genesis = devnetGenesis(), chain: Uint8Array = chainOf(genesis)): string {
  const formats = params.sealed ? { sealedFormat: { section: SEALED_VERSION, payload: PAYLOAD_VERSION } } : {};
  const material = JSON.stringify({ format: DATASET_FORMAT, genesis: genesisId(genesis), chain: toHex(chain), params, ...formats });
  const h = createHash('sha256').update(material).digest('hex').slice(0, 16);
  return `${params.cdrs}x${params.batchSize}-${h}`;
}

const identities = new Map<string, Uint8Array>();

/** The chain identity of `genesis` as a node computes it (cached: it loads the system contracts). */
export function chainOf(genesis: Genesis): Uint8Array {
  const id = genesisId(genesis);
  let c = identities.get(id);
  if (!c) identities.set(id, (c = localChainIdentity(genesis)));
  return c.slice();
}

/** Returns the cached data set for `params`, generating it first if needed. */
export async function ensureDataset(params: DatasetParams, opts: EnsureDatasetOptions = {}): Promise<Dataset> {
  const genesis = opts.genesis ?? devnetGenesis();
  const resolved = resolveParams(params, genesis);
  const key = datasetKey(resolved, genesis);
  const root = opts.cacheRoot ?? defaultCacheRoot();
  const dir = join(root, key);
  const log = opts.log ?? (() => undefined);
  const maxAgeMs = (opts.maxAgeDays ?? 30) * DAY * 1000;
  const now = opts.now ?? Date.now;

  if (!opts.regenerate) {
    const cached = loadIndex(dir);
    if (cached && cached.key === key && now() - Date.parse(cached.createdAt) <= maxAgeMs && periodStillOpen(genesis, cached.startTime, now())) {
      validateSample(dir, cached, genesis);
      log(`data set ${key}: cached (${cached.totalCdrs.toLocaleString('en-US')} CDRs in ${cached.totalBatches} batches)`);
      return { dir, index: cached, generated: false };
    }
  }
  log(`data set ${key}: generating ${resolved.cdrs.toLocaleString('en-US')} CDRs in batches of ${resolved.batchSize}`);
  const index = await generate(resolved, key, root, genesis, opts);
  validateSample(dir, index, genesis);
  log(`data set ${key}: generated in ${index.generationSeconds.toFixed(1)} s`);
  return { dir, index, generated: true };
}

/**
 * Whether records starting at `startTime` are still taken an hour from now: a node refuses the
 * batches of a settlement period that has closed (docs/settlement.md), so a cached set of one is
 * regenerated.
 */
export function periodStillOpen(genesis: Genesis, startTime: number, nowMs: number): boolean {
  try {
    return !isPeriodClosed(periodContaining(settlementRules(genesis).periods, startTime), BigInt(nowMs) + 3_600_000n);
  } catch {
    return false;
  }
}

/** The index of a complete data set in `dir`, or undefined if it is missing, foreign or incomplete. */
export function loadIndex(dir: string): DatasetIndex | undefined {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) return undefined;
  let index: DatasetIndex;
  try {
    index = JSON.parse(readFileSync(path, 'utf8')) as DatasetIndex;
  } catch {
    return undefined;
  }
  if (index.format !== DATASET_FORMAT || !Array.isArray(index.submitters)) return undefined;
  for (const s of index.submitters) {
    const file = join(dir, s.file);
    if (!existsSync(file) || statSync(file).size !== s.bytes) return undefined;
  }
  return index;
}

/** Splits a frames file into its frames (views into `buf`, nothing copied). Throws on a torn file. */
export function parseFrames(buf: Uint8Array): Uint8Array[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + LENGTH_PREFIX > buf.length) throw new DatasetError(`torn length prefix at byte ${at}`);
    const len = view.getUint32(at, true);
    const start = at + LENGTH_PREFIX;
    if (len === 0 || start + len > buf.length) throw new DatasetError(`frame at byte ${at} claims ${len} bytes, ${buf.length - start} remain`);
    frames.push(buf.subarray(start, start + len));
    at = start + len;
  }
  return frames;
}

/** Encodes frames in the file format (tests, tools). */
export function serializeFrames(frames: readonly Uint8Array[]): Uint8Array {
  const total = frames.reduce((n, f) => n + LENGTH_PREFIX + f.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of frames) {
    view.setUint32(at, f.length, true);
    out.set(f, at + LENGTH_PREFIX);
    at += LENGTH_PREFIX + f.length;
  }
  return out;
}

/** One submitter's frames, read from disk; checks count and file size against the index. */
export function readSubmitterFrames(dir: string, s: SubmitterFile): Uint8Array[] {
  const buf = readFileSync(join(dir, s.file));
  if (buf.length !== s.bytes) throw new DatasetError(`${s.file}: ${buf.length} bytes on disk, index says ${s.bytes}`);
  const frames = parseFrames(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
  if (frames.length !== s.batches) throw new DatasetError(`${s.file}: ${frames.length} frames, index says ${s.batches}`);
  return frames;
}

/**
 * Runs the node's own checks (structure, Ed25519 signature, records digest, Merkle root) on the
 * first and last frame of every submitter, so a stale cache fails here and not as Nacks mid-run.
 */
export function validateSample(dir: string, index: DatasetIndex, genesis: Genesis = devnetGenesis()): void {
  const chain = chainOf(genesis);
  if (index.chainIdentity !== toHex(chain)) throw new DatasetError(`data set is signed for chain ${index.chainIdentity}, genesis ${genesis.chainId} is ${toHex(chain)}`);
  const poseidon = PoseidonWasm.load();
  for (const s of index.submitters) {
    const entry = genesis.operators.find((o) => o.plmn === s.plmn);
    if (!entry) throw new DatasetError(`${s.plmn} is not an operator of genesis ${genesis.chainId}`);
    const key = publicKeyObject(entry.batchKey);
    const frames = readSubmitterFrames(dir, s);
    const samples: [number, Uint8Array | undefined][] = [
      [s.firstSequence, frames[0]],
      [s.lastSequence, frames[frames.length - 1]],
    ];
    for (const [sequence, frame] of samples) {
      if (!frame) throw new DatasetError(`${s.file} holds no frames`);
      const batch = decodeBatch(frame);
      if (batch.header.submitter !== s.plmn) throw new DatasetError(`${s.file}: frame of submitter ${batch.header.submitter}`);
      if (batch.header.sequence !== BigInt(sequence)) throw new DatasetError(`${s.file}: sequence ${batch.header.sequence}, index says ${sequence}`);
      const verdict = checkBatchCryptography(batch, key, poseidon, chain);
      if (verdict.code !== RejectCode.None) throw new DatasetError(`${s.file}: sequence ${sequence} fails the node's checks: ${verdict.detail}`);
      if ((batch.sealed !== undefined) !== (index.params.sealed === true)) {
        throw new DatasetError(`${s.file}: sequence ${sequence} ${batch.sealed ? 'carries' : 'lacks'} a sealed section, the index says ${index.params.sealed ? 'sealed' : 'plain'}`);
      }
      if (batch.sealed !== undefined) {
        const sealedVerdict = checkSealedSection(batch, batch.sealed, sealedRecipients(genesis, batch.header.submitter, batch.header.counterparty), key, chain);
        if (sealedVerdict.code !== RejectCode.None) throw new DatasetError(`${s.file}: sequence ${sequence}'s sealed section fails the node's checks: ${sealedVerdict.detail}`);
      }
    }
  }
}

/** The recipient keys a node expects in a sealed section of `submitter` → `counterparty` under `genesis`. */
function sealedRecipients(genesis: Genesis, submitter: number, counterparty: number): SealedRecipients {
  const privacy = genesis.privacy;
  const submitterKey = privacy?.encryptionKeys.get(submitter);
  const counterpartyKey = privacy?.encryptionKeys.get(counterparty);
  if (!privacy || !submitterKey || !counterpartyKey) throw new DatasetError(`genesis ${genesis.chainId} has no encryption keys for ${submitter} and ${counterparty}`);
  return { submitterKey, counterpartyKey, lawfulKey: privacy.lawfulAccess.publicKeyBytes() };
}

function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = here.endsWith('.js') ? dirname(here) : join(repoRoot(), 'dist', 'bench', 'pipeline');
  const file = join(dir, 'build-batches.worker.js');
  if (!existsSync(file)) throw new DatasetError(`${file} is missing: run \`npx tsc -p tsconfig.build.json\``);
  return file;
}

interface Chunk {
  readonly submitterIndex: number;
  readonly chunk: number;
  readonly task: BuildChunkTask;
}

async function generate(params: ResolvedDatasetParams, key: string, root: string, genesis: Genesis, opts: EnsureDatasetOptions): Promise<DatasetIndex> {
  const started = performance.now();
  const threads = opts.threads ?? 2;
  const nowSec = Math.floor((opts.now ?? Date.now)() / 1000);
  // Two whole days back: every batch period ends well before the node's clock and lasts ≤ 1 day.
  const startTime = Math.floor(nowSec / DAY) * DAY - 2 * DAY;
  const periodSeconds = DAY;
  const chain = toHex(chainOf(genesis));
  const operators = genesis.operators.map((o) => o.plmn);
  const privacy = params.sealed && genesis.privacy ? genesisPrivacyToJson(genesis.privacy) : undefined;

  mkdirSync(root, { recursive: true });
  const finalDir = join(root, key);
  const tmpDir = join(root, `${key}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmpDir, { recursive: true });

  // Chunk-major order, so every submitter's file grows evenly and the reorder buffers stay small.
  const chunks: Chunk[] = [];
  const chunksPerSubmitter = Math.ceil(params.batchesPerSubmitter / params.chunkBatches);
  for (let c = 0; c < chunksPerSubmitter; c++) {
    params.submitters.forEach((plmn, si) => {
      const others = operators.filter((p) => p !== plmn);
      const counterparty = others[c % others.length]!;
      const firstBatch = c * params.chunkBatches;
      chunks.push({
        submitterIndex: si,
        chunk: c,
        task: {
          submitter: plmn,
          counterparty,
          seed: `${params.seed}:${plmn}:${c}`,
          recordIdPrefix: `${plmn}-b${c}-`,
          firstSequence: firstBatch + 1,
          batches: Math.min(params.chunkBatches, params.batchesPerSubmitter - firstBatch),
          batchSize: params.batchSize,
          startTime,
          periodSeconds,
          subscribers: params.subscribers,
          chain,
          ...(privacy ? { privacy } : {}),
        },
      });
    });
  }

  const files = params.submitters.map((plmn) => ({ plmn, file: `${plmn}.frames`, fd: openSync(join(tmpDir, `${plmn}.frames`), 'w'), bytes: 0, batches: 0, cdrs: 0, next: 0, pending: new Map<number, BuildChunkResult>() }));
  const pool = new Piscina<BuildChunkTask, BuildChunkResult>({ filename: workerFile(), execArgv: workerExecArgv(), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  let doneCdrs = 0;
  try {
    const inflightLimit = threads * 2;
    const running = new Set<Promise<void>>();
    const write = (si: number): void => {
      const f = files[si]!;
      for (let r = f.pending.get(f.next); r; r = f.pending.get(f.next)) {
        f.pending.delete(f.next);
        const bytes = new Uint8Array(r.buffer);
        for (let at = 0; at < bytes.length; ) at += writeSync(f.fd, bytes, at, bytes.length - at);
        f.bytes += bytes.length;
        f.batches += r.batches;
        f.cdrs += r.cdrs;
        f.next++;
      }
    };
    for (const c of chunks) {
      while (running.size >= inflightLimit) await Promise.race(running);
      const p: Promise<void> = pool.run(c.task).then((r) => {
        running.delete(p);
        files[c.submitterIndex]!.pending.set(c.chunk, r);
        write(c.submitterIndex);
        doneCdrs += r.cdrs;
        opts.onProgress?.(doneCdrs, params.cdrs);
      });
      running.add(p);
      // A failed task fails the whole generation; keep the rejection observed meanwhile.
      p.catch(() => undefined);
    }
    await Promise.all(running);
  } finally {
    for (const f of files) closeSync(f.fd);
    await pool.destroy();
  }

  for (const f of files) {
    if (f.batches !== params.batchesPerSubmitter || f.pending.size > 0) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw new DatasetError(`submitter ${f.plmn}: wrote ${f.batches} of ${params.batchesPerSubmitter} batches`);
    }
  }
  const submitters: SubmitterFile[] = files.map((f) => ({
    plmn: f.plmn, file: f.file, batches: f.batches, cdrs: f.cdrs, bytes: f.bytes, firstSequence: 1, lastSequence: f.batches,
  }));
  const index: DatasetIndex = {
    format: DATASET_FORMAT,
    key,
    params,
    genesisId: genesisId(genesis),
    chainIdentity: chain,
    createdAt: new Date().toISOString(),
    startTime,
    periodSeconds,
    generationSeconds: (performance.now() - started) / 1000,
    threads,
    totalBatches: submitters.reduce((n, s) => n + s.batches, 0),
    totalCdrs: submitters.reduce((n, s) => n + s.cdrs, 0),
    totalBytes: submitters.reduce((n, s) => n + s.bytes, 0),
    submitters,
  };
  writeFileSync(join(tmpDir, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
  rmSync(finalDir, { recursive: true, force: true });
  try {
    renameSync(tmpDir, finalDir);
  } catch (err) {
    // Another process finished the same data set first: theirs is as good as ours.
    rmSync(tmpDir, { recursive: true, force: true });
    const theirs = loadIndex(finalDir);
    if (!theirs) throw err;
    return theirs;
  }
  return index;
}

/** Removes leftovers of interrupted generations (`<key>.tmp-*` directories) under `root`. */
export function removeStaleTemporaries(root: string = defaultCacheRoot()): number {
  if (!existsSync(root)) return 0;
  let removed = 0;
  for (const name of readdirSync(root)) {
    if (!name.includes('.tmp-')) continue;
    const pid = Number(name.split('.tmp-')[1]?.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
