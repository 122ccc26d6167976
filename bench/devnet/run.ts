// The devnet benchmark (issue 12, Targets): N validators co-hosted on this machine, every one
// re-verifying every batch, against the single node measured in the same run.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/devnet/run.js [--validators 4] [--quick] [--profile] [--regen]
//       [--window W] [--release ack|committed|final]      (the flat phase's client: default 16, committed)
//       [--workers N]                                     (verification workers per validator: default 1)
//   node dist/bench/devnet/run.js --paced 2000,4000,8000   (paced phases alone, one per rate: devnet-paced.json)
//   (npm run bench -- --devnet 4; npm run bench -- --only devnet)
//
// One data set, signed for `devnetGenesis({ validators: N })`, serves all three phases:
// 1. single node: one solo node (2 verification workers, as the pipeline benchmark) on that genesis,
//    flat out: committed CDR/s over the steady window (`runPhase`, a shorter pipeline phase);
// 2. devnet throughput: `devnetInit({ wellKnownKeys: true })` (a fresh CA and certificates, free P2P ports)
//    and N validator processes (1 verification worker each, as `cdrchain devnet`), a replay process
//    whose submitter i streams to validator i mod N and waits for Final; each submitter keeps
//    `window` batches uncommitted. finalizedCdrPerSec is measured between macro blocks over the
//    steady window; devnetEfficiency = finalized ÷ (single-node committed ÷ N);
// 3. devnet latency: a fresh consortium paced at half the finalized rate, batches of 250:
//    micro-block confirmation (send→Committed) and macro-block finality (Committed→Final per batch).
// Per-validator RSS and CPU come from the validator processes; the simulator's finality-versus-
// validators table is copied from bench/results/sim-finality.json. Writes bench/results/devnet.json
// (devnet-quick.json with --quick).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devnetGenesis, genesisToJson } from '../../src/chain/genesis.js';
import { machineLine, repoRoot, resultEnvelope, resultsDir, writeResult, type ResultEnvelope } from '../machine.js';
import { outcomeCounts, parsePrometheus, round, type SteadyWindow } from '../pipeline/analysis.js';
import { summariseProfileDir, type ProfileSummary } from '../pipeline/cpu-profile.js';
import type { Dataset } from '../pipeline/dataset.js';
import { killAllChildren, ReplayChild } from '../pipeline/processes.js';
import type { NodeStats, ReplayOptions, ReplayResult } from '../pipeline/protocol.js';
import { logPhase, prepareDataset, runPhase, type PhaseResult } from '../pipeline/run.js';
import { consensusLatencies, devnetSteadyWindow, finalizedRate, microTail, type ConsensusLatencies, type FinalizedRate, type MicroTail } from './analysis.js';
import { BenchConsortium, initBenchDevnet } from './consortium.js';
import { validatorMetrics, type ValidatorMetrics } from './metrics.js';

export const DEVNET_TARGETS = {
  finalizedCdrPerSec: 15_000,
  devnetEfficiency: 0.7,
  microConfirmP99Ms: 300,
  macroFinalityP99Ms: 2_000,
  gateFinalizedCdrPerSec: 2_000,
} as const;

const MiB = 2 ** 20;
const CORES = 2;

export interface DevnetSizes {
  /** The one data set (batches of `batch`): the single-node phase and the devnet throughput phase replay it. */
  readonly cdrs: number;
  readonly batch: number;
  readonly singleMaxSendSeconds: number;
  readonly singleWarmupSec: number;
  readonly maxSendSeconds: number;
  readonly warmupSec: number;
  readonly window: number;
  /** The paced phase's data set (batches of `pacedBatch`, as the pipeline's latency phase). */
  readonly pacedCdrs: number;
  readonly pacedBatch: number;
  readonly pacedSeconds: number;
  readonly pacedWindow: number;
}

export const FULL_DEVNET_SIZES: DevnetSizes = {
  // ~65k CDR/s single node: ~35 s; the devnet stops sending after 120 s (≥ 90 s steady at any rate).
  cdrs: 2_400_000,
  batch: 1_000,
  singleMaxSendSeconds: 60,
  singleWarmupSec: 5,
  maxSendSeconds: 120,
  warmupSec: 10,
  window: 16,
  pacedCdrs: 600_000,
  pacedBatch: 250,
  pacedSeconds: 45,
  pacedWindow: 32,
};

export const QUICK_DEVNET_SIZES: DevnetSizes = {
  cdrs: 240_000,
  batch: 1_000,
  singleMaxSendSeconds: 30,
  singleWarmupSec: 2,
  maxSendSeconds: 40,
  warmupSec: 4,
  window: 16,
  pacedCdrs: 120_000,
  pacedBatch: 250,
  pacedSeconds: 15,
  pacedWindow: 32,
};

export interface DevnetPhaseConfig {
  readonly name: string;
  readonly validators: number;
  readonly dataset: Dataset;
  readonly mode: 'flat' | 'paced';
  readonly rateCdrPerSec?: number;
  readonly window: number;
  /** When a batch leaves its submitter's window (flat: 'committed', so the chain, not only admission, sets the pace). */
  readonly releaseOn: NonNullable<ReplayOptions['releaseOn']>;
  readonly maxSendSeconds: number;
  readonly maxCdrs?: number;
  readonly warmupSec: number;
  /** After the last send, how long to wait for Final replies (default 120 s). */
  readonly drainTimeoutSec?: number;
  /** How long each validator may take to stop and report (default 120 s). */
  readonly stopTimeoutSec?: number;
  /** Verification threads per validator. */
  readonly workers: number;
  /** Where the phase's devnet keys and certificates are written. */
  readonly root: string;
  readonly profileDir?: string;
  readonly log: (line: string) => void;
}

export interface ValidatorSummary {
  readonly plmn: number;
  readonly pid: number;
  readonly ingestUrl: string;
  readonly peakRssMiB: number;
  readonly vmHwmMiB: number | undefined;
  readonly finalRssMiB: number;
  /** CPU seconds (main thread and workers) over the replay, and as cores' worth of the replay's wall time. */
  readonly cpuSeconds: number;
  readonly cpuCores: number;
  readonly cpuUsPerFinalCdr: number;
  readonly mainThreadElu: number;
  readonly acceptedBatches: number;
  readonly confirmedCdrs: number | undefined;
  readonly finalizedCdrs: number;
  readonly height: number;
  readonly metrics: ValidatorMetrics;
}

export interface DevnetPhaseResult {
  readonly name: string;
  readonly mode: 'flat' | 'paced';
  readonly validators: number;
  readonly targetRateCdrPerSec: number | undefined;
  readonly batchSize: number;
  readonly window: number;
  readonly releaseOn: string;
  readonly workersPerValidator: number;
  readonly submitters: readonly number[];
  readonly submitterUrls: readonly string[];
  readonly dataset: { readonly key: string; readonly cdrs: number; readonly batches: number; readonly chainIdentity: string; readonly generated: boolean };
  readonly stoppedBy: string;
  readonly steadyWindow: SteadyWindow;
  readonly rates: FinalizedRate;
  readonly latency: ConsensusLatencies;
  /** Where the slowest micro confirmations' time went (send → Ack → Committed, macro rounds). */
  readonly microTail: MicroTail;
  readonly outcomes: Record<string, number>;
  readonly nacks: Record<string, number>;
  readonly errors: readonly string[];
  readonly perValidator: readonly ValidatorSummary[];
  readonly replay: { readonly cpuSeconds: number; readonly cpuUsPerCdr: number; readonly peakRssMiB: number };
  readonly cpu: {
    readonly wallSeconds: number;
    /** Validators and replay together / (cores × wall). */
    readonly machineUtilisation: number;
    readonly validatorsCpuUsPerFinalCdr: number;
  };
  /** Validator 0's view: CDRs finalized per whole second (epoch-aligned) over the replay. */
  readonly finalizedPerSecond: readonly number[];
  readonly profiles?: readonly ProfileSummary[];
}

function profileArgs(profileDir: string | undefined, name: string): string[] {
  if (!profileDir) return [];
  const dir = join(profileDir, name);
  rmSync(dir, { recursive: true, force: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

export async function runDevnetPhase(cfg: DevnetPhaseConfig): Promise<DevnetPhaseResult> {
  const { log } = cfg;
  const plan = await initBenchDevnet(cfg.validators, join(cfg.root, cfg.name));
  const lifetime = cfg.maxSendSeconds + 600;
  const consortium = await BenchConsortium.start(plan, {
    workers: cfg.workers, maxLifetimeSec: lifetime,
    execArgv: (i) => profileArgs(cfg.profileDir, `${cfg.name}-v${i}`),
  });
  let replay: ReplayChild | undefined;
  try {
    replay = await ReplayChild.start(
      {
        datasetDir: cfg.dataset.dir,
        ingestUrl: consortium.ingestUrls[0]!,
        ingestUrls: consortium.ingestUrls,
        waitFor: 'final',
        releaseOn: cfg.releaseOn,
        mode: cfg.mode,
        ...(cfg.rateCdrPerSec !== undefined ? { rateCdrPerSec: cfg.rateCdrPerSec } : {}),
        window: cfg.window,
        maxSendSeconds: cfg.maxSendSeconds,
        ...(cfg.maxCdrs !== undefined ? { maxCdrs: cfg.maxCdrs } : {}),
        drainTimeoutSec: cfg.drainTimeoutSec ?? 120,
        maxLifetimeSec: lifetime,
      },
      profileArgs(cfg.profileDir, `${cfg.name}-replay`),
    );
    const what = cfg.mode === 'flat' ? `flat out (window ${cfg.window}, released at ${cfg.releaseOn})` : `paced at ${cfg.rateCdrPerSec?.toLocaleString('en-US')} CDR/s`;
    log(`${cfg.name}: ${cfg.validators} validators (pids ${consortium.nodes.map((n) => n.info.pid).join(', ')}; ${cfg.workers} worker each), chain ${plan.chainId}; replaying ${replay.planned.cdrs.toLocaleString('en-US')} CDRs in ${replay.planned.batches} batches ${what}, waiting for Final`);
    const before = await consortium.stats();
    let lastLog = 0;
    const result = await replay.run((p) => {
      if (p.elapsedSec - lastLog < 10) return;
      lastLog = p.elapsedSec;
      log(`${cfg.name}: ${p.elapsedSec.toFixed(0)} s: acked ${p.ackedCdrs.toLocaleString('en-US')}, committed ${p.committedCdrs.toLocaleString('en-US')}, final ${(p.finalCdrs ?? 0).toLocaleString('en-US')} CDRs`);
    }, (cfg.maxSendSeconds + (cfg.drainTimeoutSec ?? 120) + 180) * 1000);
    const after = await consortium.stats();
    const metrics = await consortium.metrics();
    const stopped = await consortium.stop((cfg.stopTimeoutSec ?? 120) * 1000);
    const unstopped = stopped.flatMap((s, i) => (s ? [] : [plan.validators[i]!.plmn]));
    if (unstopped.length > 0) log(`${cfg.name}: validators ${unstopped.join(', ')} did not stop within ${cfg.stopTimeoutSec ?? 120} s (killed); their last stats are from the end of the replay`);
    const final = stopped.map((s, i) => s ?? after[i]!);
    return analyse(cfg, plan.validators.map((v) => v.plmn), consortium, result, before, after, final, metrics);
  } finally {
    replay?.kill();
    consortium.kill();
  }
}

function analyse(
  cfg: DevnetPhaseConfig, plmns: readonly number[], consortium: BenchConsortium, r: ReplayResult,
  before: readonly NodeStats[], after: readonly NodeStats[], final: readonly NodeStats[], metricsText: readonly string[],
): DevnetPhaseResult {
  const w = devnetSteadyWindow(r, cfg.warmupSec);
  const rates = finalizedRate(r, w);
  const wallSeconds = (r.finishedAt - r.startedAt) / 1000;
  // Per final CDR only when something was final (NaN, written as null, otherwise).
  const finalCdrs = rates.finalizedCdrs > 0 ? rates.finalizedCdrs : Number.NaN;
  const perValidator: ValidatorSummary[] = consortium.nodes.map((n, i) => {
    const b = before[i]!;
    const a = after[i]!;
    const f = final[i]!;
    const cpu = (a.cpuUserMs + a.cpuSystemMs - b.cpuUserMs - b.cpuSystemMs) / 1000;
    const eluActive = a.eluActiveMs - b.eluActiveMs;
    const eluIdle = a.eluIdleMs - b.eluIdleMs;
    return {
      plmn: plmns[i]!,
      pid: n.info.pid,
      ingestUrl: n.info.ingestUrl,
      peakRssMiB: round(f.peakRssBytes / MiB, 1),
      vmHwmMiB: f.vmHwmBytes !== undefined ? round(f.vmHwmBytes / MiB, 1) : undefined,
      finalRssMiB: round(f.rssBytes / MiB, 1),
      cpuSeconds: round(cpu, 2),
      cpuCores: round(cpu / wallSeconds, 3),
      cpuUsPerFinalCdr: round((cpu * 1e6) / finalCdrs, 1),
      mainThreadElu: round(eluActive / Math.max(1, eluActive + eluIdle), 3),
      acceptedBatches: f.acceptedBatches,
      confirmedCdrs: f.confirmedCdrs,
      finalizedCdrs: f.committedCdrs,
      height: f.height,
      metrics: validatorMetrics(parsePrometheus(metricsText[i]!)),
    };
  });
  const validatorsCpu = perValidator.reduce((s, v) => s + v.cpuSeconds, 0);
  const replayCpu = (r.cpuUserMs + r.cpuSystemMs) / 1000;
  const firstSec = Math.floor(r.startedAt / 1000);
  const lastSec = Math.ceil(r.finishedAt / 1000);
  const perSecond = new Map(final[0]?.committedPerSecond ?? []);
  const finalizedPerSecond: number[] = [];
  for (let s = firstSec; s <= lastSec; s++) finalizedPerSecond.push(perSecond.get(s) ?? 0);
  const profiles = cfg.profileDir
    ? [...consortium.nodes.flatMap((_, i) => summariseProfileDir(join(cfg.profileDir!, `${cfg.name}-v${i}`))), ...summariseProfileDir(join(cfg.profileDir, `${cfg.name}-replay`))]
    : undefined;
  return {
    name: cfg.name,
    mode: cfg.mode,
    validators: cfg.validators,
    targetRateCdrPerSec: cfg.rateCdrPerSec,
    batchSize: cfg.dataset.index.params.batchSize,
    window: cfg.window,
    releaseOn: cfg.releaseOn,
    workersPerValidator: cfg.workers,
    submitters: r.submitters,
    submitterUrls: r.submitterUrls ?? [],
    dataset: { key: cfg.dataset.index.key, cdrs: cfg.dataset.index.totalCdrs, batches: cfg.dataset.index.totalBatches, chainIdentity: cfg.dataset.index.chainIdentity, generated: cfg.dataset.generated },
    stoppedBy: r.stoppedBy,
    steadyWindow: { ...w, start: Math.round(w.start), end: Math.round(w.end) },
    rates,
    latency: consensusLatencies(r, w.start, w.end),
    microTail: microTail(r, w.start, w.end),
    outcomes: outcomeCounts(r),
    nacks: r.nacks,
    errors: r.errors,
    perValidator,
    replay: { cpuSeconds: round(replayCpu, 2), cpuUsPerCdr: round((replayCpu * 1e6) / Math.max(1, rates.sentCdrs), 1), peakRssMiB: round(r.peakRssBytes / MiB, 1) },
    cpu: {
      wallSeconds: round(wallSeconds, 2),
      machineUtilisation: round((validatorsCpu + replayCpu) / (CORES * wallSeconds), 3),
      validatorsCpuUsPerFinalCdr: round((validatorsCpu * 1e6) / finalCdrs, 1),
    },
    finalizedPerSecond,
    ...(profiles ? { profiles } : {}),
  };
}

export function logDevnetPhase(p: DevnetPhaseResult, log: (l: string) => void): void {
  const l = p.latency;
  log(
    `${p.name}: finalized ${p.rates.finalizedCdrPerSec.toLocaleString('en-US')} CDR/s between ${p.rates.macroBlocksInWindow} macro blocks over ${p.rates.spanSeconds} s ` +
      `(committed ${p.rates.committedCdrPerSec.toLocaleString('en-US')}, accepted ${p.rates.acceptedCdrPerSec.toLocaleString('en-US')} CDR/s in the ${p.steadyWindow.seconds} s window; overall finalized ${p.rates.overallFinalizedCdrPerSec.toLocaleString('en-US')}); ` +
      `send→Committed p50 ${l.microConfirm.p50Ms} / p99 ${l.microConfirm.p99Ms} ms, Committed→Final p50 ${l.macroFinality.p50Ms} / p99 ${l.macroFinality.p99Ms} ms, ` +
      `last micro→macro p50 ${l.macroAfterLastMicro.p50Ms} / p99 ${l.macroAfterLastMicro.p99Ms} ms (${l.macroAfterLastMicro.count} macro blocks; ` +
      `${l.macroAfterTraffic.count} more final after traffic stopped, max ${l.macroAfterTraffic.maxMs} ms at the idle cadence); outcomes ${JSON.stringify(p.outcomes)}`,
  );
  log(
    `${p.name}: per validator ` +
      p.perValidator.map((v) => `${v.plmn}: RSS ${v.peakRssMiB} MiB, CPU ${v.cpuCores} cores (${v.cpuUsPerFinalCdr} µs/CDR), ELU ${v.mainThreadElu}, blocks ${JSON.stringify(v.metrics.blocks)}`).join('; ') +
      `; replay ${p.replay.cpuUsPerCdr} µs/CDR; machine ${Math.round(p.cpu.machineUtilisation * 100)}% busy`,
  );
  const t = p.microTail;
  log(
    `${p.name}: Ack→Committed p50 ${t.ackToCommitted.p50Ms} / p99 ${t.ackToCommitted.p99Ms} ms; ` +
      t.tails.map((s) => `slowest ${Math.round((1 - s.quantile) * 100)}% (≥ ${s.thresholdMs} ms, ${s.count}): send→Ack ${s.ackMsMean} + Ack→Committed ${s.afterAckMsMean} ms on average, ${Math.round(s.acrossMacroShare * 100)}% across a macro round`).join('; '),
  );
}

// ---- The simulator's table ----

export interface SimFinalityTable {
  readonly source: string;
  readonly date: string | undefined;
  readonly command: string | undefined;
  readonly what: string | undefined;
  readonly rows: readonly { readonly validators: number; readonly latencyMs: number; readonly finalityAllMsMedian: number; readonly finalityAllMsMax: number; readonly finalityQuorumMsMedian: number; readonly skipBlocks: number; readonly messagesPerBatch: number }[];
}

/** bench/results/sim-finality.json (`npm run sim`), as the devnet results carry it; undefined when the simulator has not run. */
export function simFinalityTable(): SimFinalityTable | undefined {
  const path = join(resultsDir(), 'sim-finality.json');
  let j: { date?: string; command?: string; what?: string; rows?: Record<string, number>[] };
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as typeof j;
  } catch {
    return undefined;
  }
  return {
    source: 'bench/results/sim-finality.json',
    date: j.date,
    command: j.command,
    what: j.what,
    rows: (j.rows ?? []).map((r) => ({
      validators: r['validators']!, latencyMs: r['latencyMs']!, finalityAllMsMedian: r['finalityAllMsMedian']!, finalityAllMsMax: r['finalityAllMsMax']!,
      finalityQuorumMsMedian: r['finalityQuorumMsMedian']!, skipBlocks: r['skipBlocks']!, messagesPerBatch: r['messagesPerBatch']!,
    })),
  };
}

// ---- The whole benchmark ----

export interface DevnetOptions {
  readonly validators?: number;
  readonly quick?: boolean;
  /** Flat phase: batches per submitter in flight (default 16) and the stage that frees a slot (default committed). */
  readonly window?: number;
  readonly releaseOn?: NonNullable<ReplayOptions['releaseOn']>;
  /** Verification workers per validator process (default 1, as `cdrchain devnet`). */
  readonly workersPerValidator?: number;
  readonly profile?: boolean;
  readonly regenerate?: boolean;
  readonly command?: string;
  readonly log?: (line: string) => void;
}

type Target = { readonly target: number; readonly measured: number | undefined; readonly met: boolean | undefined; readonly note: string };

export type DevnetResult = ResultEnvelope & {
  readonly name: string;
  readonly quick: boolean;
  readonly validators: number;
  readonly finalizedCdrPerSec: number;
  readonly singleNodeCommittedCdrPerSec: number;
  readonly devnetEfficiency: number;
  readonly microConfirmP50Ms: number;
  readonly microConfirmP99Ms: number;
  /**
   * Issue 12's "macro-block finality after the batch's last micro block" (a batch in the Albatross
   * sense: the micro blocks a macro block closes): per macro block, from the last Committed reply it
   * finalized to its first Final reply; the simulator's measure.
   */
  readonly macroFinalityP50Ms: number;
  readonly macroFinalityP99Ms: number;
  /**
   * The same measure for the macro blocks final after traffic stopped (the run's tail, left out of the
   * two above): the rest of their batch was empty micro blocks at the idle cadence (500 ms each).
   */
  readonly macroAfterTrafficMaxMs: number;
  /** Per CDR batch, Committed → Final: the macro finality above plus the wait for the rest of the Albatross batch (up to 31 micro blocks). */
  readonly batchCommittedToFinalP50Ms: number;
  readonly batchCommittedToFinalP99Ms: number;
  readonly pacedRateCdrPerSec: number;
  readonly pacedRateBasis: string;
  readonly perValidator: readonly { readonly plmn: number; readonly peakRssMiB: number; readonly cpuCores: number; readonly cpuUsPerFinalCdr: number; readonly pacedPeakRssMiB: number | undefined; readonly pacedCpuCores: number | undefined }[];
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[]; readonly nice: number };
  readonly targets: Record<string, Target>;
  readonly simFinality: SimFinalityTable | undefined;
  readonly setup: Record<string, unknown>;
  readonly singleNode: PhaseResult;
  readonly throughput: DevnetPhaseResult;
  readonly latency: DevnetPhaseResult;
};

const loadAverage = (): number[] => loadavg().map((x) => round(x, 2));

export async function runDevnetBench(opts: DevnetOptions = {}): Promise<DevnetResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[devnet] ${l}\n`));
  const n = opts.validators ?? 4;
  const sizes = opts.quick ? QUICK_DEVNET_SIZES : FULL_DEVNET_SIZES;
  const loadBefore = loadAverage();
  const nice = getPriority();
  log(`machine: ${machineLine()}; load average ${loadBefore.join(' ')}; nice ${nice}`);
  const profileDir = opts.profile ? join(repoRoot(), 'bench', '.data', 'profiles') : undefined;
  const root = mkdtempSync(join(tmpdir(), 'cdrchain-bench-devnet-'));
  try {
    const genesis = devnetGenesis({ validators: n });
    const dataset = await prepareDataset('dataset', { cdrs: sizes.cdrs, batchSize: sizes.batch }, opts.regenerate ?? false, log, genesis);
    const paced = await prepareDataset('dataset', { cdrs: sizes.pacedCdrs, batchSize: sizes.pacedBatch }, opts.regenerate ?? false, log, genesis);

    // 1. The single node, on the same genesis and the same frames (its genesis file is the devnet's).
    const genesisFile = join(root, 'genesis.json');
    writeFileSync(genesisFile, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`);
    const singleNode = await runPhase({
      name: 'single-node', dataset, mode: 'flat', window: sizes.window, maxSendSeconds: sizes.singleMaxSendSeconds,
      warmupSec: sizes.singleWarmupSec, workers: 2, genesisFile, log, ...(profileDir ? { profileDir } : {}),
    });
    logPhase(singleNode, log);

    // 2. N validators, flat out, waiting for Final.
    const throughput = await runDevnetPhase({
      name: 'devnet-throughput', validators: n, dataset, mode: 'flat', window: opts.window ?? sizes.window, releaseOn: opts.releaseOn ?? 'committed',
      maxSendSeconds: sizes.maxSendSeconds, warmupSec: sizes.warmupSec, workers: opts.workersPerValidator ?? 1, root, log, ...(profileDir ? { profileDir } : {}),
    });
    logDevnetPhase(throughput, log);

    // 3. A fresh consortium paced at half the finalized rate (the whole run's, if no two macro blocks fell in
    //    the window), and at least the gate's rate: a flat phase that finalized (almost) nothing must not leave
    //    the latencies to be measured on an idle chain.
    const base = throughput.rates.macroBlocksInWindow >= 2 ? throughput.rates.finalizedCdrPerSec : throughput.rates.overallFinalizedCdrPerSec;
    const half = Math.round(base / 2 / 100) * 100;
    const rate = Math.max(DEVNET_TARGETS.gateFinalizedCdrPerSec, half);
    if (rate > half) log(`devnet-latency: half the finalized rate is ${half.toLocaleString('en-US')} CDR/s; pacing at the floor of ${rate.toLocaleString('en-US')} instead`);
    const latency = await runDevnetPhase({
      name: 'devnet-latency', validators: n, dataset: paced, mode: 'paced', rateCdrPerSec: rate, window: sizes.pacedWindow, releaseOn: 'ack',
      maxSendSeconds: sizes.pacedSeconds, warmupSec: Math.min(5, sizes.warmupSec), workers: opts.workersPerValidator ?? 1, root, log, ...(profileDir ? { profileDir } : {}),
    });
    logDevnetPhase(latency, log);

    const finalized = throughput.rates.finalizedCdrPerSec;
    const single = singleNode.rates.committedCdrPerSec;
    const efficiency = single > 0 ? round(finalized / (single / n), 3) : 0;
    const micro = latency.latency.microConfirm;
    const macro = latency.latency.macroAfterLastMicro;
    const committedToFinal = latency.latency.macroFinality;
    const target = (t: number, measured: number | undefined, met: (m: number) => boolean, note: string): Target => ({
      target: t, measured, met: measured === undefined || !Number.isFinite(measured) ? undefined : met(measured), note,
    });
    const result: DevnetResult = {
      ...resultEnvelope(opts.command),
      name: opts.quick ? 'devnet-quick' : 'devnet',
      quick: opts.quick ?? false,
      validators: n,
      finalizedCdrPerSec: finalized,
      singleNodeCommittedCdrPerSec: single,
      devnetEfficiency: efficiency,
      microConfirmP50Ms: micro.p50Ms,
      microConfirmP99Ms: micro.p99Ms,
      macroFinalityP50Ms: macro.p50Ms,
      macroFinalityP99Ms: macro.p99Ms,
      macroAfterTrafficMaxMs: latency.latency.macroAfterTraffic.maxMs,
      batchCommittedToFinalP50Ms: committedToFinal.p50Ms,
      batchCommittedToFinalP99Ms: committedToFinal.p99Ms,
      pacedRateCdrPerSec: rate,
      pacedRateBasis: rate > half ? `the floor (${DEVNET_TARGETS.gateFinalizedCdrPerSec} CDR/s): half the finalized rate was ${half}` : 'half the finalized rate',
      perValidator: throughput.perValidator.map((v, i) => ({
        plmn: v.plmn, peakRssMiB: v.peakRssMiB, cpuCores: v.cpuCores, cpuUsPerFinalCdr: v.cpuUsPerFinalCdr,
        pacedPeakRssMiB: latency.perValidator[i]?.peakRssMiB, pacedCpuCores: latency.perValidator[i]?.cpuCores,
      })),
      load: { before: loadBefore, after: loadAverage(), nice },
      targets: {
        finalizedCdrPerSec: target(DEVNET_TARGETS.finalizedCdrPerSec, finalized, (m) => m >= DEVNET_TARGETS.finalizedCdrPerSec, `≥, ${n} validators co-hosted, flat out, waiting for Final, between macro blocks of the steady window`),
        devnetEfficiency: target(DEVNET_TARGETS.devnetEfficiency, efficiency, (m) => m >= DEVNET_TARGETS.devnetEfficiency, `≥, finalized ÷ (single-node committed ÷ ${n}), same run, same frames`),
        microConfirmP99Ms: target(DEVNET_TARGETS.microConfirmP99Ms, micro.p99Ms, (m) => m < DEVNET_TARGETS.microConfirmP99Ms, `<, send→Committed at ${rate.toLocaleString('en-US')} CDR/s (${rate > half ? 'the floor: half the finalized rate was lower' : 'half the finalized rate'}), batches of ${sizes.pacedBatch}`),
        macroFinalityP99Ms: target(DEVNET_TARGETS.macroFinalityP99Ms, macro.p99Ms, (m) => m < DEVNET_TARGETS.macroFinalityP99Ms, '<, per macro block: the last Committed reply it finalized → its first Final reply (after the Albatross batch\'s last micro block), same paced phase'),
      },
      simFinality: simFinalityTable(),
      setup: {
        sizes,
        genesis: `devnetGenesis({ validators: ${n} }) (chain id ${genesis.chainId}): all six devnet operators submit, the first ${n} validate, well-known INSECURE BLS keys`,
        singleNode: 'one solo node process (2 verification workers, block interval 20 ms) on the same genesis file, flat out, the same frames; `runPhase` of the pipeline benchmark',
        validators: `${n} validator processes on 127.0.0.1 (bench/pipeline/node-process.ts with the validator directory and genesis of \`devnet init\` with the well-known keys; fresh LMDB each; 1 verification worker each, as \`cdrchain devnet\`), TLS 1.3 P2P, default consensus policy (32 blocks a batch, 20 ms minimum block separation)`,
        replay: `one process, one IngestClient (ws) per submitter (6), submitter i → validator i mod N; flat: ${opts.window ?? sizes.window} batches per submitter in flight until ${opts.releaseOn ?? 'committed'}; paced: window batches unacknowledged`,
        cores: `${CORES} cores shared by every validator and the replay`,
      },
      singleNode,
      throughput,
      latency,
    };
    return result;
  } finally {
    killAllChildren();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Paced phases alone, one fresh consortium per rate (`--paced 2000,4000,8000`): which offered rates the
 * devnet finalizes, and its latencies there. Writes bench/results/devnet-paced.json.
 */
export async function runDevnetPacedProbe(rates: readonly number[], opts: DevnetOptions = {}): Promise<string> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[devnet] ${l}\n`));
  const n = opts.validators ?? 4;
  const sizes = opts.quick ? QUICK_DEVNET_SIZES : FULL_DEVNET_SIZES;
  const loadBefore = loadAverage();
  log(`machine: ${machineLine()}; load average ${loadBefore.join(' ')}; nice ${getPriority()}`);
  const profileDir = opts.profile ? join(repoRoot(), 'bench', '.data', 'profiles') : undefined;
  const root = mkdtempSync(join(tmpdir(), 'cdrchain-bench-devnet-'));
  try {
    const paced = await prepareDataset('dataset', { cdrs: sizes.pacedCdrs, batchSize: sizes.pacedBatch }, opts.regenerate ?? false, log, devnetGenesis({ validators: n }));
    const phases: DevnetPhaseResult[] = [];
    const failures: { rateCdrPerSec: number; error: string }[] = [];
    for (const rate of rates) {
      try {
        const p = await runDevnetPhase({
          name: `devnet-paced-${rate}`, validators: n, dataset: paced, mode: 'paced', rateCdrPerSec: rate, window: sizes.pacedWindow, releaseOn: 'ack',
          maxSendSeconds: sizes.pacedSeconds, warmupSec: Math.min(5, sizes.warmupSec), workers: opts.workersPerValidator ?? 1, root, log, ...(profileDir ? { profileDir } : {}),
        });
        logDevnetPhase(p, log);
        phases.push(p);
      } catch (err) {
        // One rate failing (a validator that did not start) must not lose the others' figures.
        const error = err instanceof Error ? err.message : String(err);
        log(`devnet-paced-${rate} FAILED: ${error}`);
        failures.push({ rateCdrPerSec: rate, error });
        killAllChildren();
      }
    }
    const path = writeResult(opts.profile ? 'devnet-paced-profiled' : 'devnet-paced', {
      ...resultEnvelope(opts.command), name: 'devnet-paced', validators: n, load: { before: loadBefore, after: loadAverage(), nice: getPriority() },
      rows: phases.map((p) => ({
        rateCdrPerSec: p.targetRateCdrPerSec, finalizedCdrPerSec: p.rates.finalizedCdrPerSec, overallFinalizedCdrPerSec: p.rates.overallFinalizedCdrPerSec,
        microConfirmP99Ms: p.latency.microConfirm.p99Ms, macroFinalityP50Ms: p.latency.macroAfterLastMicro.p50Ms, macroFinalityP99Ms: p.latency.macroAfterLastMicro.p99Ms,
        macroAfterTrafficMaxMs: p.latency.macroAfterTraffic.maxMs,
        batchCommittedToFinalP99Ms: p.latency.macroFinality.p99Ms,
        outcomes: p.outcomes, skipBlocks: p.perValidator.map((v) => v.metrics.blocks['skip'] ?? 0),
      })),
      failures,
      phases,
    });
    log(`wrote ${path}`);
    return path;
  } finally {
    killAllChildren();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs the benchmark and writes bench/results/devnet.json (devnet-quick.json; devnet-profiled.json with --profile). */
export async function runAndWriteDevnetBench(opts: DevnetOptions = {}): Promise<DevnetResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[devnet] ${l}\n`));
  const result = await runDevnetBench({ ...opts, log });
  const path = writeResult(opts.profile ? `${result.name}-profiled` : result.name, result);
  log(`wrote ${path}`);
  for (const [k, t] of Object.entries(result.targets)) log(`${t.met === true ? 'met   ' : t.met === false ? 'MISSED' : 'n/a   '} ${k}: ${t.measured} (target ${t.target}; ${t.note})`);
  return result;
}

function parseValidators(args: readonly string[]): number {
  const i = args.findIndex((a) => a === '--validators' || a.startsWith('--validators='));
  if (i < 0) return 4;
  const raw = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > 6) throw new Error(`--validators must be 1..6 (the well-known devnet keys), got ${raw}`);
  return v;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  try {
    const window = value('--window');
    const release = value('--release');
    const workers = value('--workers');
    if (workers !== undefined && !(Number.isInteger(Number(workers)) && Number(workers) >= 1 && Number(workers) <= 8)) throw new Error(`--workers must be 1..8, got ${workers}`);
    if (release !== undefined && !['ack', 'committed', 'final'].includes(release)) throw new Error(`--release is ack, committed or final, not ${release}`);
    const opts: DevnetOptions = {
      validators: parseValidators(args),
      quick: args.includes('--quick'),
      profile: args.includes('--profile'),
      regenerate: args.includes('--regen'),
      ...(window !== undefined ? { window: Number(window) } : {}),
      ...(release !== undefined ? { releaseOn: release as NonNullable<ReplayOptions['releaseOn']> } : {}),
      ...(workers !== undefined ? { workersPerValidator: Number(workers) } : {}),
    };
    const paced = value('--paced');
    if (paced !== undefined) await runDevnetPacedProbe(paced.split(',').map(Number), opts);
    else await runAndWriteDevnetBench(opts);
  } catch (err) {
    process.stderr.write(`devnet benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    killAllChildren();
    process.exitCode = 1;
  }
}
