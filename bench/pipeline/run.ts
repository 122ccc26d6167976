// The pipeline benchmark: pre-generated signed batches replayed from a separate process over
// WebSocket into a fresh node with every check on, on this machine's cores.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/pipeline/run.js [--quick] [--profile] [--regen] [--throughput-only]
//
// 1. Throughput: flat out (every submitter keeps `window` 1,000-record batches in flight); accepted
//    and committed CDR/s over the steady window (warm-up and drain excluded); node RSS (peak,
//    sampled every 100 ms, plus the kernel's VmHWM); bytes on disk per committed CDR (LMDB data file).
// 2. Latency: a fresh node, paced at half the committed throughput measured in 1, batches of 250;
//    p50/p99 send→committed as the client measures it.
// Writes bench/results/pipeline.json (pipeline-quick.json with --quick).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { machineLine, repoRoot, resultEnvelope, writeResult, type ResultEnvelope } from '../machine.js';
import { histogram, latencies, outcomeCounts, parsePrometheus, rates, round, steadyWindow, type HistogramSummary, type LatencySummary, type Rates, type SteadyWindow } from './analysis.js';
import { summariseProfileDir, type ProfileSummary } from './cpu-profile.js';
import { ensureDataset, removeStaleTemporaries, type Dataset, type DatasetParams } from './dataset.js';
import { killAllChildren, NodeChild, ReplayChild } from './processes.js';
import type { NodeStats, ReplayResult } from './protocol.js';
import type { Genesis } from '../../src/chain/genesis.js';

export const TARGETS = {
  committedCdrPerSec: 40_000,
  p99LatencyMs: 50,
  rssMiB: 1024,
  diskBytesPerCdr: 200,
  gateCommittedCdrPerSec: 4_000,
} as const;

const MiB = 2 ** 20;

export interface PhaseConfig {
  readonly name: string;
  readonly dataset: Dataset;
  readonly mode: 'flat' | 'paced';
  readonly rateCdrPerSec?: number;
  readonly window: number;
  readonly maxSendSeconds: number;
  readonly maxCdrs?: number;
  readonly warmupSec: number;
  readonly workers: number;
  /** The genesis file the node runs (solo); default the embedded `devnetGenesis()`. The data set must be signed for it. */
  readonly genesisFile?: string;
  /** The node's reconciliation index (default on). */
  readonly reconciliation?: boolean;
  readonly profileDir?: string;
  /** Write the replay's raw per-batch records (ReplayResult JSON) here, for offline analysis. */
  readonly dumpRecordsPath?: string;
  readonly log: (line: string) => void;
}

export interface PhaseResult {
  readonly name: string;
  readonly mode: 'flat' | 'paced';
  readonly targetRateCdrPerSec: number | undefined;
  readonly batchSize: number;
  readonly window: number;
  readonly submitters: readonly number[];
  readonly dataset: { readonly key: string; readonly cdrs: number; readonly batches: number; readonly generated: boolean; readonly generationSeconds: number };
  readonly stoppedBy: string;
  readonly steadyWindow: SteadyWindow;
  readonly rates: Rates;
  /** Send→committed and send→ack of batches sent inside the steady window; lateness = send − schedule (paced). */
  readonly latency: { readonly sendToCommitted: LatencySummary; readonly sendToAck: LatencySummary; readonly sendLateness: LatencySummary };
  readonly outcomes: Record<string, number>;
  readonly nacks: Record<string, number>;
  readonly errors: readonly string[];
  readonly node: {
    readonly workers: number;
    readonly peakRssMiB: number;
    readonly vmHwmMiB: number | undefined;
    readonly finalRssMiB: number;
    readonly committedCdrs: number;
    readonly blocks: number;
    readonly lmdbFileBytes: number;
    readonly lmdbAllocatedBytes: number;
    readonly dataDirBytes: number;
    /** The fresh node's data directory before the replay: what a short run's bytes per CDR carries as overhead. */
    readonly dataDirBytesAtStart: number;
    readonly dataDirEntries: Record<string, number> | undefined;
    readonly diskBytesPerCdr: number;
    readonly allocatedBytesPerCdr: number;
  };
  /** Where the two cores went over the replay (send of the first batch to the last reply). */
  readonly cpu: {
    readonly wallSeconds: number;
    readonly nodeCpuSeconds: number;
    readonly replayCpuSeconds: number;
    /** (node + replay CPU) / (cores × wall). */
    readonly machineUtilisation: number;
    readonly nodeCpuUsPerCdr: number;
    readonly replayCpuUsPerCdr: number;
    /** Verification workers' task time (signature, digest, Merkle root) per CDR. */
    readonly workerTaskUsPerCdr: number;
    readonly workerUtilisation: number;
    /** Node main thread's event-loop utilisation over the run. */
    readonly mainThreadElu: number;
  };
  readonly metrics: {
    readonly poolTask: HistogramSummary | undefined;
    readonly admission: HistogramSummary | undefined;
    readonly blockCommit: HistogramSummary | undefined;
    readonly blockTxs: { readonly blocks: number; readonly meanTxs: number; readonly p50Txs: number; readonly p99Txs: number } | undefined;
  };
  readonly committedPerSecond: readonly number[];
  readonly profiles?: readonly ProfileSummary[];
}

function bar(label: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format: `${label.padEnd(11)} |{bar}| {percentage}% {value}/{total} {unit} | {rate} | {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      hideCursor: true,
      etaBuffer: 30,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** The cached data set for `params`, signed for `genesis` (default: the solo node's `devnetGenesis()`), generated with a progress bar if missing. */
export async function prepareDataset(label: string, params: DatasetParams, regenerate: boolean, log: (l: string) => void, genesis?: Genesis): Promise<Dataset> {
  removeStaleTemporaries();
  const b = bar(label);
  let started = false;
  const startedAt = Date.now();
  try {
    return await ensureDataset(params, {
      regenerate,
      log,
      ...(genesis ? { genesis } : {}),
      onProgress: (done, total) => {
        if (!started) {
          b.start(total, 0, { unit: 'CDRs generated', rate: '' });
          started = true;
        }
        b.update(done, { rate: `${Math.round(done / ((Date.now() - startedAt) / 1000)).toLocaleString('en-US')} CDR/s` });
      },
    });
  } finally {
    if (started) b.stop();
  }
}

export async function runPhase(cfg: PhaseConfig): Promise<PhaseResult> {
  const { dataset, log } = cfg;
  const execArgv = (sub: string): string[] => {
    if (!cfg.profileDir) return [];
    const dir = join(cfg.profileDir, `${cfg.name}-${sub}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  };
  const node = await NodeChild.start({
    workers: cfg.workers, maxLifetimeSec: cfg.maxSendSeconds + 600,
    ...(cfg.genesisFile ? { genesisFile: cfg.genesisFile } : {}), ...(cfg.reconciliation === false ? { reconciliation: false } : {}),
  }, execArgv('node'));
  let replay: ReplayChild | undefined;
  try {
    replay = await ReplayChild.start(
      {
        datasetDir: dataset.dir,
        ingestUrl: node.info.ingestUrl,
        mode: cfg.mode,
        ...(cfg.rateCdrPerSec !== undefined ? { rateCdrPerSec: cfg.rateCdrPerSec } : {}),
        window: cfg.window,
        maxSendSeconds: cfg.maxSendSeconds,
        ...(cfg.maxCdrs !== undefined ? { maxCdrs: cfg.maxCdrs } : {}),
        drainTimeoutSec: 120,
        maxLifetimeSec: cfg.maxSendSeconds + 600,
      },
      execArgv('replay'),
    );
    const what = cfg.mode === 'flat' ? 'flat out' : `paced at ${cfg.rateCdrPerSec?.toLocaleString('en-US')} CDR/s`;
    log(`${cfg.name}: node pid ${node.info.pid} on ${node.info.ingestUrl} (${node.info.workers} workers); replaying ${replay.planned.cdrs.toLocaleString('en-US')} CDRs in ${replay.planned.batches} batches ${what}`);
    const before = await node.stats();
    const b = bar(cfg.name);
    b.start(replay.planned.cdrs, 0, { unit: 'CDRs committed', rate: '' });
    let result: ReplayResult;
    try {
      result = await replay.run(
        (p) => b.update(p.committedCdrs, { rate: `${Math.round(p.committedCdrs / Math.max(p.elapsedSec, 0.001)).toLocaleString('en-US')} CDR/s` }),
        (cfg.maxSendSeconds + 300) * 1000,
      );
    } finally {
      b.stop();
    }
    if (cfg.dumpRecordsPath) writeFileSync(cfg.dumpRecordsPath, JSON.stringify(result));
    const after = await node.stats();
    const metricsText = await (await fetch(`${node.info.url}/metrics`)).text();
    const final = await node.stop();
    return analysePhase(cfg, result, before, after, final, metricsText);
  } finally {
    replay?.kill();
    node.kill();
  }
}

function analysePhase(cfg: PhaseConfig, r: ReplayResult, before: NodeStats, after: NodeStats, final: NodeStats, metricsText: string): PhaseResult {
  const w = steadyWindow(r, cfg.warmupSec);
  const rt = rates(r, w);
  const lat = latencies(r, w.start, w.end);
  const samples = parsePrometheus(metricsText);
  const poolTask = histogram(samples, 'cdrchain_pool_task_seconds');
  const wallSeconds = (r.finishedAt - r.startedAt) / 1000;
  const nodeCpu = (after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs) / 1000;
  const replayCpu = (r.cpuUserMs + r.cpuSystemMs) / 1000;
  const cdrs = Math.max(1, final.committedCdrs);
  const eluActive = after.eluActiveMs - before.eluActiveMs;
  const eluIdle = after.eluIdleMs - before.eluIdleMs;
  const cores = 2;
  const firstSec = Math.floor(r.startedAt / 1000);
  const lastSec = Math.ceil(r.finishedAt / 1000);
  const perSecond = new Map(final.committedPerSecond);
  const committedPerSecond: number[] = [];
  for (let s = firstSec; s <= lastSec; s++) committedPerSecond.push(perSecond.get(s) ?? 0);
  const profiles = cfg.profileDir ? [...summariseProfileDir(join(cfg.profileDir, `${cfg.name}-node`)), ...summariseProfileDir(join(cfg.profileDir, `${cfg.name}-replay`))] : undefined;
  return {
    name: cfg.name,
    mode: cfg.mode,
    targetRateCdrPerSec: cfg.rateCdrPerSec,
    batchSize: cfg.dataset.index.params.batchSize,
    window: cfg.window,
    submitters: r.submitters,
    dataset: {
      key: cfg.dataset.index.key,
      cdrs: cfg.dataset.index.totalCdrs,
      batches: cfg.dataset.index.totalBatches,
      generated: cfg.dataset.generated,
      generationSeconds: round(cfg.dataset.index.generationSeconds, 1),
    },
    stoppedBy: r.stoppedBy,
    steadyWindow: { ...w, start: Math.round(w.start), end: Math.round(w.end) },
    rates: rt,
    latency: { sendToCommitted: lat.committed, sendToAck: lat.ack, sendLateness: lat.lateness },
    outcomes: outcomeCounts(r),
    nacks: r.nacks,
    errors: r.errors,
    node: {
      workers: cfg.workers,
      peakRssMiB: round(final.peakRssBytes / MiB, 1),
      vmHwmMiB: final.vmHwmBytes !== undefined ? round(final.vmHwmBytes / MiB, 1) : undefined,
      finalRssMiB: round(final.rssBytes / MiB, 1),
      committedCdrs: final.committedCdrs,
      blocks: final.blocks,
      lmdbFileBytes: final.lmdbFileBytes,
      lmdbAllocatedBytes: final.lmdbAllocatedBytes,
      dataDirBytes: final.dataDirBytes,
      dataDirBytesAtStart: before.dataDirBytes,
      dataDirEntries: final.dataDirEntries,
      diskBytesPerCdr: round(final.dataDirBytes / cdrs, 1),
      allocatedBytesPerCdr: round(final.lmdbAllocatedBytes / cdrs, 1),
    },
    cpu: {
      wallSeconds: round(wallSeconds, 2),
      nodeCpuSeconds: round(nodeCpu, 2),
      replayCpuSeconds: round(replayCpu, 2),
      machineUtilisation: round((nodeCpu + replayCpu) / (cores * wallSeconds), 3),
      nodeCpuUsPerCdr: round((nodeCpu * 1e6) / cdrs, 1),
      replayCpuUsPerCdr: round((replayCpu * 1e6) / cdrs, 1),
      workerTaskUsPerCdr: poolTask ? round((poolTask.sumSeconds * 1e6) / cdrs, 1) : Number.NaN,
      workerUtilisation: poolTask ? round(poolTask.sumSeconds / (cfg.workers * wallSeconds), 3) : Number.NaN,
      mainThreadElu: round(eluActive / Math.max(1, eluActive + eluIdle), 3),
    },
    metrics: {
      poolTask,
      admission: histogram(samples, 'cdrchain_admission_seconds'),
      blockCommit: histogram(samples, 'cdrchain_block_commit_seconds'),
      blockTxs: blockTxs(samples),
    },
    committedPerSecond,
    ...(profiles ? { profiles } : {}),
  };
}

/** cdrchain_block_txs is a count histogram, not seconds: report it in its own unit (transactions). */
function blockTxs(samples: ReturnType<typeof parsePrometheus>): PhaseResult['metrics']['blockTxs'] {
  const h = histogram(samples, 'cdrchain_block_txs');
  if (!h) return undefined;
  return { blocks: h.count, meanTxs: round(h.meanMs / 1000, 2), p50Txs: round(h.p50Ms / 1000, 2), p99Txs: round(h.p99Ms / 1000, 2) };
}

export interface PipelineOptions {
  readonly quick?: boolean;
  readonly profile?: boolean;
  readonly regenerate?: boolean;
  readonly throughputOnly?: boolean;
  /** The node's reconciliation index (default on); off writes pipeline-no-index.json. */
  readonly reconciliation?: boolean;
  readonly command?: string;
  readonly log?: (line: string) => void;
  /** Results file name (without .json); null: do not write. Default pipeline / pipeline-quick. */
  readonly resultsName?: string | null;
}

export interface PipelineSizes {
  readonly throughputCdrs: number;
  readonly throughputBatch: number;
  readonly maxSendSeconds: number;
  readonly warmupSec: number;
  readonly latencyCdrs: number;
  readonly latencyBatch: number;
  readonly latencySeconds: number;
  readonly window: number;
  readonly latencyWindow: number;
}

export const FULL_SIZES: PipelineSizes = {
  // ~90k CDR/s measured on this machine (SIMD lockstep Merkle): 7 M gives a steady window of ≥ 60 s after warm-up.
  throughputCdrs: 7_000_000,
  throughputBatch: 1_000,
  maxSendSeconds: 240,
  warmupSec: 5,
  latencyCdrs: 1_200_000,
  latencyBatch: 250,
  latencySeconds: 40,
  window: 16,
  latencyWindow: 32,
};

export const QUICK_SIZES: PipelineSizes = {
  throughputCdrs: 240_000,
  throughputBatch: 1_000,
  maxSendSeconds: 60,
  warmupSec: 3,
  latencyCdrs: 240_000,
  latencyBatch: 250,
  latencySeconds: 15,
  window: 16,
  latencyWindow: 32,
};

export type PipelineResult = ResultEnvelope & {
  readonly name: string;
  readonly quick: boolean;
  readonly committedCdrPerSec: number;
  readonly acceptedCdrPerSec: number;
  readonly p50LatencyMs: number | undefined;
  readonly p99LatencyMs: number | undefined;
  readonly rssMiB: number;
  readonly diskBytesPerCdr: number;
  readonly sustainedSeconds: number;
  readonly targets: Record<string, { readonly target: number; readonly measured: number | undefined; readonly met: boolean | undefined; readonly note: string }>;
  readonly setup: Record<string, unknown>;
  readonly throughput: PhaseResult;
  readonly latency: PhaseResult | undefined;
};

export async function runPipelineBench(opts: PipelineOptions = {}): Promise<PipelineResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[pipeline] ${l}\n`));
  const sizes = opts.quick ? QUICK_SIZES : FULL_SIZES;
  const workers = 2;
  const profileDir = opts.profile ? join(repoRoot(), 'bench', '.data', 'profiles') : undefined;
  log(`machine: ${machineLine()}`);
  try {
    const tDataset = await prepareDataset('dataset', { cdrs: sizes.throughputCdrs, batchSize: sizes.throughputBatch }, opts.regenerate ?? false, log);
    const lDataset = opts.throughputOnly ? undefined : await prepareDataset('dataset', { cdrs: sizes.latencyCdrs, batchSize: sizes.latencyBatch }, opts.regenerate ?? false, log);

    const throughput = await runPhase({
      name: 'throughput', dataset: tDataset, mode: 'flat', window: sizes.window, maxSendSeconds: sizes.maxSendSeconds,
      warmupSec: sizes.warmupSec, workers, log, ...(profileDir ? { profileDir } : {}), ...(opts.reconciliation === false ? { reconciliation: false } : {}),
    });
    logPhase(throughput, log);

    let latency: PhaseResult | undefined;
    if (lDataset) {
      const rate = Math.max(1000, Math.round(throughput.rates.committedCdrPerSec / 2 / 100) * 100);
      latency = await runPhase({
        name: 'latency', dataset: lDataset, mode: 'paced', rateCdrPerSec: rate, window: sizes.latencyWindow,
        maxSendSeconds: sizes.latencySeconds, warmupSec: Math.min(5, sizes.warmupSec), workers, log, ...(profileDir ? { profileDir } : {}),
        ...(opts.reconciliation === false ? { reconciliation: false } : {}),
      });
      logPhase(latency, log);
    }

    const committed = throughput.rates.committedCdrPerSec;
    const p99 = latency?.latency.sendToCommitted.p99Ms;
    const rss = Math.max(throughput.node.peakRssMiB, latency?.node.peakRssMiB ?? 0);
    const disk = throughput.node.diskBytesPerCdr;
    const result: PipelineResult = {
      ...resultEnvelope(opts.command),
      name: opts.quick ? 'pipeline-quick' : 'pipeline',
      quick: opts.quick ?? false,
      committedCdrPerSec: committed,
      acceptedCdrPerSec: throughput.rates.acceptedCdrPerSec,
      p50LatencyMs: latency?.latency.sendToCommitted.p50Ms,
      p99LatencyMs: p99,
      rssMiB: rss,
      diskBytesPerCdr: disk,
      sustainedSeconds: throughput.steadyWindow.seconds,
      targets: {
        committedCdrPerSec: { target: TARGETS.committedCdrPerSec, measured: committed, met: committed >= TARGETS.committedCdrPerSec, note: '≥, flat out, every check on, steady window' },
        sustainedSeconds: { target: 60, measured: throughput.steadyWindow.seconds, met: throughput.steadyWindow.seconds >= 60, note: '≥ (full run only)' },
        p99LatencyMs: { target: TARGETS.p99LatencyMs, measured: p99, met: p99 === undefined ? undefined : p99 < TARGETS.p99LatencyMs, note: '<, send→committed at half the measured throughput, batches of 250' },
        rssMiB: { target: TARGETS.rssMiB, measured: rss, met: rss < TARGETS.rssMiB, note: '<, node process peak RSS (main thread + workers)' },
        diskBytesPerCdr: { target: TARGETS.diskBytesPerCdr, measured: disk, met: disk <= TARGETS.diskBytesPerCdr, note: "≤, data directory size (LMDB, transaction body files, nullifier segments) / committed CDRs" },
      },
      setup: {
        sizes,
        nodeWorkers: workers,
        node: 'fresh CdrNode per phase in a temp dir, defaults (block interval 20 ms, maxInflight 256, LMDB sync commits), every check on', reconciliationIndex: opts.reconciliation !== false,
        replay: 'separate process, one IngestClient (ws) per submitter, all six devnet operators in parallel',
        cores: 'node (main + 2 verify workers) and replay share the machine',
      },
      throughput,
      latency,
    };
    if (opts.resultsName !== null) {
      // A profiled run is slower (the profiler samples every thread): keep it out of the headline files.
      const name = opts.reconciliation === false ? `${result.name}-no-index` : result.name;
      const path = writeResult(opts.resultsName ?? (opts.profile ? `${name}-profiled` : name), result);
      log(`wrote ${path}`);
    }
    return result;
  } finally {
    killAllChildren();
  }
}

export function logPhase(p: PhaseResult, log: (l: string) => void): void {
  const c = p.latency.sendToCommitted;
  log(
    `${p.name}: committed ${p.rates.committedCdrPerSec.toLocaleString('en-US')} CDR/s, accepted ${p.rates.acceptedCdrPerSec.toLocaleString('en-US')} CDR/s ` +
      `over ${p.steadyWindow.seconds} s (overall ${p.rates.overallCommittedCdrPerSec.toLocaleString('en-US')}); send→committed p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms; ` +
      `node peak RSS ${p.node.peakRssMiB} MiB; ${p.node.diskBytesPerCdr} B/CDR on disk; outcomes ${JSON.stringify(p.outcomes)}`,
  );
  log(
    `${p.name}: CPU node ${p.cpu.nodeCpuUsPerCdr} µs/CDR (workers ${p.cpu.workerTaskUsPerCdr} µs/CDR, utilisation ${p.cpu.workerUtilisation}; main ELU ${p.cpu.mainThreadElu}), ` +
      `replay ${p.cpu.replayCpuUsPerCdr} µs/CDR; machine ${Math.round(p.cpu.machineUtilisation * 100)}% busy`,
  );
}

/**
 * The latency phase alone, paced at `rateCdrPerSec` (default: half the last full run's committed
 * rate): for re-measuring latency without repeating the minute-long throughput phase.
 */
export async function runLatencyOnly(rateCdrPerSec: number, quick: boolean, reconciliation = true, log = (l: string) => process.stderr.write(`[pipeline] ${l}\n`)): Promise<PhaseResult> {
  const sizes = quick ? QUICK_SIZES : FULL_SIZES;
  log(`machine: ${machineLine()}`);
  try {
    const dataset = await prepareDataset('dataset', { cdrs: sizes.latencyCdrs, batchSize: sizes.latencyBatch }, false, log);
    const latency = await runPhase({
      name: 'latency', dataset, mode: 'paced', rateCdrPerSec, window: sizes.latencyWindow,
      maxSendSeconds: sizes.latencySeconds, warmupSec: Math.min(5, sizes.warmupSec), workers: 2, log, reconciliation,
    });
    logPhase(latency, log);
    const path = writeResult('pipeline-latency', {
      ...resultEnvelope(`node dist/bench/pipeline/run.js --latency-only ${rateCdrPerSec}${quick ? ' --quick' : ''}${reconciliation ? '' : ' --no-reconciliation'}`),
      name: 'pipeline-latency', rateCdrPerSec, batchSize: sizes.latencyBatch,
      p50LatencyMs: latency.latency.sendToCommitted.p50Ms, p99LatencyMs: latency.latency.sendToCommitted.p99Ms, latency,
    });
    log(`wrote ${path}`);
    return latency;
  } finally {
    killAllChildren();
  }
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  const args = process.argv.slice(2);
  const latencyOnly = args.indexOf('--latency-only');
  try {
    if (latencyOnly >= 0) {
      const rate = Number(args[latencyOnly + 1] ?? 29_500);
      await runLatencyOnly(Number.isFinite(rate) && rate > 0 ? rate : 29_500, args.includes('--quick'), !args.includes('--no-reconciliation'));
    } else await runPipelineBench({
      quick: args.includes('--quick'),
      profile: args.includes('--profile'),
      regenerate: args.includes('--regen'),
      throughputOnly: args.includes('--throughput-only'),
      reconciliation: !args.includes('--no-reconciliation'),
    });
  } catch (err) {
    process.stderr.write(`pipeline benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    killAllChildren();
    process.exitCode = 1;
  }
}
