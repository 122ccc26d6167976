// Every benchmark in one run: the micro-benchmarks first (on a quiet machine), then the pipeline,
// then the devnet.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/run-all.js [--quick] [--only a,b] [--devnet N] [--cdrs N] [--profile] [--regen]
//     (npm run bench = the full run; npm run bench -- --devnet 4 = the devnet benchmark alone, 4 validators)
//
//   --only    any of: poseidon, nullifier, merkle-workers, flatbuffers, vm, lmdb-durability, bls, groth16, netting, settle, pipeline, sealed, devnet
//   --cdrs    CDRs per ingest phase of the sealed-payload benchmark (default 180,000; bench/privacy/sealed.ts)
//   --devnet  N validators (1..6, default 4) for the devnet benchmark; without --only it runs the devnet benchmark alone
//   --quick   shorter micro-benchmarks and short pipeline and devnet replays (results: pipeline-quick.json, devnet-quick.json)
//   --profile CPU profiles of the node and replay processes (bench/.data/profiles), summarised in the result
//   --regen   regenerate the pipeline data sets even if cached
//   --summary only rebuild SUMMARY.md and the plots from the results files present (e.g. after bench:gate)
//
// Writes bench/results/<name>.json per benchmark, bench/results/SUMMARY.md and the plots beside it
// (bench/plot/write-plots.ts), all built from every results file present, so a partial run keeps the
// other figures with their own dates.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNullifierBench } from './nullifier-set.bench.js';
import { runPoseidonBench } from './poseidon.bench.js';
import { runFlatbuffersBench } from './micro/flatbuffers.bench.js';
import { runLmdbDurabilityBench } from './micro/lmdb-durability.bench.js';
import { runVmBench } from './vm.bench.js';
import { runMerkleWorkersBench } from './micro/merkle-workers.bench.js';
import { runBlsBench } from './micro/bls.bench.js';
import { currentCommand, machineLine, resultEnvelope, resultsDir, writeResult } from './machine.js';
import { runPipelineBench, TARGETS } from './pipeline/run.js';
import { killAllChildren } from './pipeline/processes.js';
import { DEVNET_TARGETS, runAndWriteDevnetBench } from './devnet/run.js';
import { runGroth16Bench } from './proofs/groth16.js';
import { BENCH_PLOTS, describeOutcome, writeBenchPlots } from './plot/write-plots.js';
import { runNettingBench, writeNettingResult } from './settlement/netting.js';
import { runSettleBench, writeSettleResult } from './settlement/close-to-final.js';
import { runSealedBench, SEALED_TARGETS } from './privacy/sealed.js';

export const BENCHES = ['poseidon', 'nullifier', 'merkle-workers', 'flatbuffers', 'vm', 'lmdb-durability', 'bls', 'groth16', 'netting', 'settle', 'pipeline', 'sealed', 'devnet'] as const;
type BenchName = (typeof BENCHES)[number];

interface Args {
  quick: boolean;
  only: Set<BenchName>;
  profile: boolean;
  regen: boolean;
  summaryOnly: boolean;
  /** Validators of the devnet benchmark. */
  devnet: number;
  /** CDRs per ingest phase of the sealed benchmark (its default when absent). */
  cdrs: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, only: new Set(BENCHES), profile: false, regen: false, summaryOnly: false, devnet: 4, cdrs: undefined };
  let onlyGiven = false;
  let devnetGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--regen') args.regen = true;
    else if (a === '--summary') args.summaryOnly = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const list = a.startsWith('--only=') ? a.slice(7) : argv[++i];
      if (!list) throw new Error('--only needs a list, e.g. --only pipeline,flatbuffers');
      const names = list.split(',').map((s) => s.trim());
      for (const n of names) if (!(BENCHES as readonly string[]).includes(n)) throw new Error(`unknown benchmark '${n}'; one of ${BENCHES.join(', ')}`);
      args.only = new Set(names as BenchName[]);
      onlyGiven = true;
    } else if (a === '--devnet' || a.startsWith('--devnet=')) {
      const raw = a.startsWith('--devnet=') ? a.slice(9) : argv[++i];
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 6) throw new Error(`--devnet needs a validator count 1..6 (the well-known devnet keys), got '${raw}'`);
      args.devnet = n;
      devnetGiven = true;
    } else if (a === '--cdrs' || a.startsWith('--cdrs=')) {
      const raw = a.startsWith('--cdrs=') ? a.slice(7) : argv[++i];
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--cdrs needs a positive CDR count, got '${raw}'`);
      args.cdrs = n;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('node dist/bench/run-all.js [--quick] [--only poseidon,nullifier,merkle-workers,flatbuffers,vm,lmdb-durability,bls,groth16,netting,settle,pipeline,sealed,devnet] [--devnet N] [--cdrs N] [--profile] [--regen] [--summary]\n');
      process.exit(0);
    } else throw new Error(`unknown argument '${a}'`);
  }
  if (devnetGiven && !onlyGiven) args.only = new Set(['devnet']);
  return args;
}

const log = (l: string): void => void process.stderr.write(`${l}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.summaryOnly) {
    await writePlots(args.quick);
    log(`wrote ${writeSummary(args.quick)}`);
    return;
  }
  const command = currentCommand();
  log(`cdrchain benchmarks on ${machineLine()}${args.quick ? ' (quick)' : ''}`);
  const failures: string[] = [];
  const step = async (name: BenchName, fn: () => Promise<void> | void): Promise<void> => {
    if (!args.only.has(name)) return;
    log(`\n=== ${name} ===`);
    const t = Date.now();
    try {
      await fn();
      log(`=== ${name}: ${((Date.now() - t) / 1000).toFixed(0)} s`);
    } catch (err) {
      failures.push(name);
      log(`=== ${name} FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  };

  await step('poseidon', async () => {
    const r = await runPoseidonBench({ maxTime: args.quick ? 1 : 3, resultsPath: null, command, log: (l) => log(`[poseidon] ${l}`) });
    log(`wrote ${writeResult('poseidon', { name: 'poseidon', ...r, ...resultEnvelope(command) })}`);
  });
  await step('nullifier', () => {
    const r = runNullifierBench(args.quick ? { prefill: 200_000, batches: 100, rebuild: 400_000 } : {});
    log(`wrote ${writeResult('nullifier-set', { name: 'nullifier-set', ...r, ...resultEnvelope(command) })}`);
  });
  await step('merkle-workers', async () => {
    await runMerkleWorkersBench({ maxTime: args.quick ? 1 : 3, command });
  });
  await step('flatbuffers', () => {
    runFlatbuffersBench({ maxTime: args.quick ? 0.5 : 2, command });
  });
  await step('vm', () => {
    const r = runVmBench({ maxTime: args.quick ? 0.5 : 1, write: false, log: (l) => log(`[vm] ${l}`) });
    log(`wrote ${writeResult('vm', { ...r, ...resultEnvelope(command) })}`);
  });
  await step('lmdb-durability', async () => {
    await runLmdbDurabilityBench(args.quick ? { seconds: 1, warmupSeconds: 0.3, rounds: 2, command } : { command });
  });
  await step('bls', async () => {
    await runBlsBench(args.quick ? { maxTime: 0.5, votes: 512, rounds: 2, command } : { command });
  });
  await step('groth16', async () => {
    log(`wrote ${await runGroth16Bench({ proofs: args.quick ? 1 : 3, verifies: args.quick ? 5 : 30, command, log: (l) => log(`[groth16] ${l}`) })}`);
  });
  await step('netting', () => {
    const r = runNettingBench({ sizes: args.quick ? [20, 100] : [20, 600], log: (l) => log(`[netting] ${l}`) });
    log(`wrote ${writeNettingResult(r, command)}`);
  });
  await step('settle', async () => {
    const r = await runSettleBench(args.quick ? 60_000 : 1_000_000);
    log(`[settle] periodCloseToFinalMs ${r.periodCloseToFinalMs} (statements ${r.statementsCriticalPathMs} on the busiest operator, chain ${r.chainMs}), load ${r.loadAverage.join(' ')}`);
    log(`wrote ${writeSettleResult(r, command)}`);
  });
  await step('pipeline', async () => {
    await runPipelineBench({ quick: args.quick, profile: args.profile, regenerate: args.regen, command });
  });
  await step('sealed', async () => {
    await runSealedBench({ ...(args.cdrs !== undefined ? { cdrs: args.cdrs } : {}), regenerate: args.regen, command, log: (l) => log(`[sealed] ${l}`) });
  });
  await step('devnet', async () => {
    await runAndWriteDevnetBench({ validators: args.devnet, quick: args.quick, profile: args.profile, regenerate: args.regen, command });
  });

  await writePlots(args.quick);
  const summary = writeSummary(args.quick);
  log(`\nwrote ${summary}`);
  if (failures.length > 0) {
    log(`failed: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

/** The PNG plots beside SUMMARY.md; a results file a plot cannot read fails the run, loudly. */
async function writePlots(quick: boolean): Promise<void> {
  const outcomes = await writeBenchPlots(resultsDir(), { quick });
  for (const o of outcomes) log(describeOutcome(o));
  if (outcomes.some((o) => o.status === 'failed')) process.exitCode = 1;
}

// ---- SUMMARY.md ----

type Json = Record<string, unknown>;

function readResult(name: string): Json | undefined {
  const path = join(resultsDir(), `${name}.json`);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch {
    return undefined;
  }
}

function get(o: unknown, path: string): unknown {
  let x: unknown = o;
  for (const k of path.split('.')) {
    if (x === null || typeof x !== 'object') return undefined;
    x = (x as Json)[k];
  }
  return x;
}

function num(o: unknown, path: string, digits?: number): string {
  const v = get(o, path);
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'n/a';
  return digits === undefined ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function provenance(r: Json | undefined): string {
  if (!r) return 'not run';
  const date = String(r['date'] ?? '?').replace('T', ' ').slice(0, 16);
  return `${date} UTC, \`${String(r['command'] ?? '?')}\``;
}

const ratio = (a: unknown, b: unknown): string => (typeof a === 'number' && typeof b === 'number' && b > 0 ? (a / b).toFixed(1) : 'n/a');

const mark = (met: unknown): string => (met === true ? 'met' : met === false ? '**missed**' : 'n/a');

function devnetSummary(d: Json, file: string): string[] {
  const n = num(d, 'validators');
  const t = (k: string): unknown => get(d, `targets.${k}.met`);
  const lines: string[] = [];
  lines.push(`## Devnet: ${n} validators${get(d, 'quick') === true ? ' (quick run)' : ''}`, '');
  lines.push(`Source: \`${file}\`, ${provenance(d)}; load average ${((get(d, 'load.before') as number[] | undefined) ?? []).join(' ')} before, ${((get(d, 'load.after') as number[] | undefined) ?? []).join(' ')} after; nice ${num(d, 'load.nice')}.`, '');
  lines.push('| figure | measured | target | |', '| --- | --- | --- | --- |');
  lines.push(`| finalized CDR/s, ${n} validators co-hosted, flat out, waiting for Final (between macro blocks of the steady window; whole run: first send to last Final) | ${num(d, 'finalizedCdrPerSec')} (whole run ${num(d, 'throughput.rates.overallFinalizedCdrPerSec')}) | ≥ ${DEVNET_TARGETS.finalizedCdrPerSec.toLocaleString('en-US')} | ${mark(t('finalizedCdrPerSec'))} |`);
  lines.push(`| single-node committed CDR/s, same run, same frames | ${num(d, 'singleNodeCommittedCdrPerSec')} | | |`);
  lines.push(`| devnet efficiency = finalized ÷ (single node ÷ ${n}) | ${num(d, 'devnetEfficiency', 2)} | ≥ ${DEVNET_TARGETS.devnetEfficiency} | ${mark(t('devnetEfficiency'))} |`);
  lines.push(`| micro-block confirmation (send→Committed) p50 / p99 at ${num(d, 'pacedRateCdrPerSec')} CDR/s (${String(get(d, 'pacedRateBasis') ?? 'half the finalized rate')}), batches of 250 | ${num(d, 'microConfirmP50Ms', 1)} / ${num(d, 'microConfirmP99Ms', 1)} ms | p99 < ${DEVNET_TARGETS.microConfirmP99Ms} ms | ${mark(t('microConfirmP99Ms'))} |`);
  lines.push(`| macro-block finality after the (Albatross) batch's last micro block, same phase: per macro block, the last Committed reply it finalized → its first Final reply (the simulator's measure), p50 / p99 | ${num(d, 'macroFinalityP50Ms', 1)} / ${num(d, 'macroFinalityP99Ms', 1)} ms | p99 < ${DEVNET_TARGETS.macroFinalityP99Ms.toLocaleString('en-US')} ms | ${mark(t('macroFinalityP99Ms'))} |`);
  lines.push(`| Committed→Final per CDR batch, same phase (adds the wait for the rest of its Albatross batch, up to 31 micro blocks), p50 / p99 | ${num(d, 'batchCommittedToFinalP50Ms', 1)} / ${num(d, 'batchCommittedToFinalP99Ms', 1)} ms | | |`);
  const per = (get(d, 'perValidator') as Json[] | undefined) ?? [];
  if (per.length > 0) {
    lines.push(`| per validator, flat out: peak RSS MiB / CPU cores | ${per.map((v) => `${String(v['plmn'])}: ${num(v, 'peakRssMiB', 0)} / ${num(v, 'cpuCores', 2)}`).join('; ')} | | |`);
  }
  lines.push('');
  const tp = get(d, 'throughput');
  if (tp) {
    lines.push(
      `- **throughput**: ${num(tp, 'rates.finalizedCdrs')} CDRs final; committed ${num(tp, 'rates.committedCdrPerSec')} CDR/s, accepted ${num(tp, 'rates.acceptedCdrPerSec')} CDR/s in the ${num(tp, 'steadyWindow.seconds', 1)} s window; ` +
        `validators ${num(tp, 'cpu.validatorsCpuUsPerFinalCdr', 1)} µs CPU per final CDR together, replay ${num(tp, 'replay.cpuUsPerCdr', 1)} µs/CDR, machine ${num(tp, 'cpu.machineUtilisation', 2)} busy; outcomes ${JSON.stringify(get(tp, 'outcomes'))}.`,
    );
  }
  const paced = readResult('devnet-paced');
  const rows = (get(paced, 'rows') as Json[] | undefined) ?? [];
  if (rows.length > 0) {
    lines.push(
      `- **paced alone** (\`devnet-paced.json\`, ${provenance(paced)}): offered → finalized CDR/s (send→Committed p99, macro finality after the last micro block p99, Committed→Final per CDR batch p99): ` +
        rows.map((r) => `${num(r, 'rateCdrPerSec')} → ${num(r, 'finalizedCdrPerSec')} (${num(r, 'microConfirmP99Ms', 0)} ms, ${num(r, 'macroFinalityP99Ms', 0)} ms, ${num(r, 'batchCommittedToFinalP99Ms', 0)} ms)`).join('; ') + '.',
    );
  }
  const sim = get(d, 'simFinality.rows') as Json[] | undefined;
  if (sim && sim.length > 0) {
    const latencies = [...new Set(sim.map((r) => Number(r['latencyMs'])))].sort((a, b) => a - b);
    const counts = [...new Set(sim.map((r) => Number(r['validators'])))].sort((a, b) => a - b);
    lines.push('', `Simulator (\`${String(get(d, 'simFinality.source'))}\`, ${String(get(d, 'simFinality.date') ?? '?').slice(0, 16).replace('T', ' ')} UTC): macro-block finality after the batch's last micro block, median ms, by one-way link latency:`, '');
    lines.push(`| validators | ${latencies.map((l) => `${l} ms`).join(' | ')} |`, `| --- | ${latencies.map(() => '---').join(' | ')} |`);
    for (const c of counts) {
      lines.push(`| ${c} | ${latencies.map((l) => num(sim.find((r) => Number(r['validators']) === c && Number(r['latencyMs']) === l), 'finalityAllMsMedian')).join(' | ')} |`);
    }
  }
  lines.push('');
  return lines;
}

function sealedSummary(d: Json): string[] {
  const t = (k: string): unknown => get(d, `targets.${k}.met`);
  const rounds = (get(d, 'ingest.perRound') as Json[] | undefined) ?? [];
  const lines: string[] = [];
  lines.push('## Sealed payloads (issue 13)', '');
  lines.push(`Source: \`sealed.json\`, ${provenance(d)}; load average ${((get(d, 'load.before') as number[] | undefined) ?? []).join(' ')} before, ${((get(d, 'load.after') as number[] | undefined) ?? []).join(' ')} after; nice ${num(d, 'load.nice')}.`, '');
  lines.push('| figure | measured | target | |', '| --- | --- | --- | --- |');
  lines.push(
    `| sealed ÷ plain committed CDR/s, same run, met only if the node-CPU ratio below agrees (${num(d, 'ingest.cdrsPerPhase')} CDRs per phase, phases ${((get(d, 'ingest.order') as string[] | undefined) ?? []).join(', ')}; reconciliation index on) | ` +
      `${num(d, 'encryptedRatio', 3)} (${num(d, 'encryptedCdrPerSec')} vs ${num(d, 'plainCdrPerSec')}; per round ${rounds.map((r) => num(r, 'ratio', 2)).join(', ')}) | ≥ ${SEALED_TARGETS.encryptedRatio} | ${mark(t('encryptedRatio'))} |`,
  );
  lines.push(
    `| the same as node CPU per committed CDR, plain ÷ sealed (${num(d, 'nodeCpuUsPerCdr.plain', 1)} ÷ ${num(d, 'nodeCpuUsPerCdr.sealed', 1)} µs; per round ${rounds.map((r) => num(r, 'cpuRatio', 2)).join(', ')}): what the sealed node sustains relative to the plain one, less sensitive to other load | ${num(d, 'encryptedCpuRatio', 3)} | | |`,
  );
  const parts = Object.entries((get(d, 'diskBreakdownBytesPerCdr.sealed') as Record<string, number> | undefined) ?? {}).filter(([, v]) => v >= 0.5);
  lines.push(
    `| bytes on disk per CDR, sealed (data directory growth ÷ committed CDRs${parts.length > 0 ? `: ${parts.map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}; plain node ${num(d, 'diskBytesPerCdrPlain', 1)}) | ${num(d, 'diskBytesPerCdrEncrypted', 1)} | ≤ ${SEALED_TARGETS.diskBytesPerCdrEncrypted} | ${mark(t('diskBytesPerCdrEncrypted'))} |`,
  );
  lines.push(
    `| operator's side: sealed batches from a cold client, CDR/s per core (one thread, per CPU second; warm client / plain batches) | ${num(d, 'clientCdrPerSecPerCore')} (${num(d, 'client.cdrPerCpuSec.sealedWarm')} / ${num(d, 'client.cdrPerCpuSec.plain')}) | ≥ ${SEALED_TARGETS.clientCdrPerSecPerCore.toLocaleString('en-US')} | ${mark(t('clientCdrPerSecPerCore'))} |`,
  );
  lines.push('');
  lines.push(
    `- **client**, µs of CPU per sealed CDR: derive + sign (as plain) ${num(d, 'client.usPerCdr.deriveAndSign', 1)}, the rest of sealing but the threshold wraps (record keys, AES-GCM, key table, HPKE, signature, frame) ${num(d, 'client.usPerCdr.sealingBesidesWraps', 1)}, lawful-access wraps ${num(d, 'client.usPerCdr.lawfulWraps', 1)} ` +
      `(${num(d, 'client.groups.wrapsPerCdr', 3)} wraps per CDR from cold, ${num(d, 'client.groups.usPerWrap', 0)} µs each); ${num(d, 'client.groups.perBatch', 0)} subscriber-day groups per ${num(d, 'client.batchSize')}-record batch; ` +
      `frames ${num(d, 'client.frameBytesPerCdr.sealed', 1)} B/CDR sealed vs ${num(d, 'client.frameBytesPerCdr.plain', 1)} plain. ` +
      `A whole day of one pair (${num(d, 'client.day.cdrs')} CDRs, ${num(d, 'client.day.subscriberDays')} subscriber-days, ${num(d, 'client.day.wrapsPerCdr', 3)} wraps per CDR) comes to ~${num(d, 'client.day.cdrPerCpuSecEstimate')} CDR/s per core from these parts.`,
  );
  const top = (get(d, 'client.profile.top') as Json[] | undefined) ?? [];
  if (top.length > 0) {
    const areas = Object.entries((get(d, 'client.profile.areas') as Record<string, number> | undefined) ?? {}).slice(0, 5);
    lines.push(`  Profile of a cold sealing (self time): ${areas.map(([k, v]) => `${k} ${v}%`).join(', ')}; top: ${top.slice(0, 5).map((x) => `${String(x['fn'])} ${String(x['pct'])}%`).join(', ')}.`);
  }
  const sets = get(d, 'ingest.datasets');
  if (sets) {
    lines.push(`- **data sets**: sealed generated at ${num(sets, 'sealed.generatedCdrPerSec')} CDR/s on 2 threads (plain ${num(sets, 'plain.generatedCdrPerSec')}).`);
  }
  lines.push('');
  return lines;
}

export function writeSummary(preferQuick: boolean): string {
  const full = readResult('pipeline');
  const quick = readResult('pipeline-quick');
  const pipe = preferQuick ? (quick ?? full) : (full ?? quick);
  const poseidon = readResult('poseidon');
  const nullifier = readResult('nullifier-set');
  const merkle = readResult('merkle-workers');
  const flat = readResult('flatbuffers');
  const vm = readResult('vm');
  const durability = readResult('lmdb-durability');
  const bls = readResult('bls');
  const groth16 = readResult('groth16');
  const netting = readResult('netting');
  const settle = readResult('settle');
  const sealed = readResult('sealed');
  const gate = readResult('gate');
  const devnetFull = readResult('devnet');
  const devnetQuick = readResult('devnet-quick');
  const devnet = preferQuick ? (devnetQuick ?? devnetFull) : (devnetFull ?? devnetQuick);
  const lines: string[] = [];
  lines.push('# cdrchain benchmark summary', '');
  lines.push(`Machine: ${machineLine()}.`, '');
  lines.push('Generated by `node dist/bench/run-all.js` from the JSON files in this folder; each section names the run it comes from.', '');

  lines.push(`## Pipeline${pipe && get(pipe, 'quick') === true ? ' (quick run)' : ''}`, '');
  lines.push(`Source: \`${pipe === full ? 'pipeline.json' : 'pipeline-quick.json'}\`, ${provenance(pipe)}.`, '');
  if (pipe) {
    const t = (k: string): unknown => get(pipe, `targets.${k}`);
    lines.push('| figure | measured | target | |', '| --- | --- | --- | --- |');
    lines.push(`| committed CDR/s (flat out, steady window) | ${num(pipe, 'committedCdrPerSec')} | ≥ ${TARGETS.committedCdrPerSec.toLocaleString('en-US')} | ${mark(get(t('committedCdrPerSec'), 'met'))} |`);
    lines.push(`| accepted CDR/s (same window) | ${num(pipe, 'acceptedCdrPerSec')} | | |`);
    lines.push(`| steady window | ${num(pipe, 'sustainedSeconds', 1)} s | ≥ 60 s | ${mark(get(t('sustainedSeconds'), 'met'))} |`);
    lines.push(`| send→committed p50 / p99 at ${num(pipe, 'latency.targetRateCdrPerSec')} CDR/s, batches of ${num(pipe, 'latency.batchSize')} | ${num(pipe, 'p50LatencyMs', 1)} / ${num(pipe, 'p99LatencyMs', 1)} ms | p99 < ${TARGETS.p99LatencyMs} ms | ${mark(get(t('p99LatencyMs'), 'met'))} |`);
    lines.push(`| node RSS, peak | ${num(pipe, 'rssMiB', 0)} MiB | < ${TARGETS.rssMiB} MiB | ${mark(get(t('rssMiB'), 'met'))} |`);
    lines.push(`| bytes on disk per CDR (whole data directory) | ${num(pipe, 'diskBytesPerCdr', 1)} | ≤ ${TARGETS.diskBytesPerCdr} | ${mark(get(t('diskBytesPerCdr'), 'met'))} |`);
    lines.push('');
    for (const phase of ['throughput', 'latency']) {
      const p = get(pipe, phase);
      if (!p) continue;
      lines.push(
        `- **${phase}**: ${num(p, 'rates.committedCdrs')} CDRs committed in ${num(p, 'node.blocks')} blocks; ` +
          `${phase === 'throughput' ? 'flat out' : `paced at ${num(p, 'targetRateCdrPerSec')} CDR/s`}, batches of ${num(p, 'batchSize')}, window ${num(p, 'window')} per submitter; ` +
          `send→committed p50 ${num(p, 'latency.sendToCommitted.p50Ms', 1)} ms, p99 ${num(p, 'latency.sendToCommitted.p99Ms', 1)} ms; ` +
          `outcomes ${JSON.stringify(get(p, 'outcomes'))}.`,
      );
      lines.push(
        `  CPU: node ${num(p, 'cpu.nodeCpuUsPerCdr', 1)} µs/CDR (verify workers ${num(p, 'cpu.workerTaskUsPerCdr', 1)} µs/CDR at ${num(p, 'cpu.workerUtilisation', 2)} utilisation; main thread ELU ${num(p, 'cpu.mainThreadElu', 2)}), ` +
          `replay ${num(p, 'cpu.replayCpuUsPerCdr', 1)} µs/CDR; machine ${num(p, 'cpu.machineUtilisation', 2)} busy. ` +
          `Pool task mean ${num(p, 'metrics.poolTask.meanMs', 2)} ms, admission p50/p99 ${num(p, 'metrics.admission.p50Ms', 1)}/${num(p, 'metrics.admission.p99Ms', 1)} ms, block commit mean ${num(p, 'metrics.blockCommit.meanMs', 2)} ms.`,
      );
    }
    lines.push('');
  }

  if (sealed) lines.push(...sealedSummary(sealed));

  if (devnet) lines.push(...devnetSummary(devnet, devnet === devnetFull ? 'devnet.json' : 'devnet-quick.json'));

  lines.push('## Micro-benchmarks', '');
  lines.push('| benchmark | result | source |', '| --- | --- | --- |');
  if (poseidon) {
    lines.push(
      `| Poseidon(2), µs per hash: WASM / poseidon-lite / circomlibjs | ${num(poseidon, 'poseidon2Us.wasm', 1)} / ${num(poseidon, 'poseidon2Us.poseidonLite', 1)} / ${num(poseidon, 'poseidon2Us.circomlibjs', 1)} ` +
        `(WASM ×${num(poseidon, 'speedupVsPoseidonLite', 1)} vs poseidon-lite, ×${num(poseidon, 'speedupVsCircomlibjs', 1)} vs circomlibjs) | ${provenance(poseidon)} |`,
    );
  }
  if (merkle) {
    lines.push(
      `| 1,024-leaf Merkle root, ms: calling thread / 1 worker / 2 workers (two 512-leaf subtrees + 1 hash) | ${num(merkle, 'ms.callingThread', 1)} / ${num(merkle, 'ms.oneWorker', 1)} / ${num(merkle, 'ms.twoWorkers', 1)} (×${num(merkle, 'speedupTwoWorkers', 2)}) | ${provenance(merkle)} |`,
    );
  }
  if (nullifier) {
    lines.push(
      `| nullifier set checkAndInsert, ns per nullifier: WASM / JS Set (hex) | ${num(nullifier, 'checkAndInsert.wasm.nsPerNullifier', 0)} / ${num(nullifier, 'checkAndInsert.jsSetHex.nsPerNullifier', 0)} (×${ratio(get(nullifier, 'checkAndInsert.jsSetHex.nsPerNullifier'), get(nullifier, 'checkAndInsert.wasm.nsPerNullifier'))}) | ${provenance(nullifier)} |`,
    );
  }
  if (groth16) {
    const sizes = (get(groth16, 'sizes') as Json[] | undefined) ?? [];
    const cells = sizes.map((z) => `N = ${num(z, 'records')} (${num(z, 'constraints')} constraints): prove ${num(z, 'proveMsMedian', 0)} ms, verify ${num(z, 'verifyMsMedian', 1)} ms`).join('; ');
    lines.push(`| Groth16 batch-chunk proof, one core each (target: verify ≤ 15 ms) | ${cells}; proven ${num(groth16, 'provenCdrPerSecPerCore', 1)} CDR/s per core | ${provenance(groth16)} |`);
  }
  if (vm) {
    lines.push(
      `| contract VM, WASM over the TypeScript reference (geometric mean of 3 programs) / simple instructions per second / 100-operator netting, ms | ×${num(vm, 'vmSpeedup', 1)} / ${num(vm, 'vmInstructionsPerSec')} / ${num(vm, 'netting.wasmMs', 2)} | ${provenance(vm)} |`,
    );
  }
  if (netting) {
    lines.push(
      `| settlement netting in the VM, committed mode, ms: 20 operators (target < 5) / 600 operators, 179,700 commitments (target < 2,000) | ${num(netting, 'netting20Ms', 2)} / ${num(netting, 'netting600Ms', 0)} | ${provenance(netting)} |`,
    );
  }
  if (settle) {
    lines.push(
      `| settlement from period close to final, ${num(settle, 'cdrs')} matched CDRs across 6 operators (target < 10,000 ms): statements on the busiest operator + on chain, ms | ${num(settle, 'periodCloseToFinalMs', 0)} (${num(settle, 'statementsCriticalPathMs', 0)} + ${num(settle, 'chainMs', 0)}) | ${provenance(settle)} |`,
    );
  }
  if (flat) {
    lines.push(
      `| 1,000-record batch decode + read every field, records/s: flatbuffers / JSON.parse + hex | ${num(flat, 'cases.flatbuffersDecodeRead.recordsPerSec')} / ${num(flat, 'cases.jsonParseRead.recordsPerSec')} (×${num(flat, 'speedupVsJson', 1)}); encode ${num(flat, 'cases.flatbuffersEncode.recordsPerSec')} | ${provenance(flat)} |`,
    );
  }
  if (durability) {
    const m = (mode: string, f: string, d?: number): string => num(durability, `modes.${mode}.${f}`, d);
    const x = (mode: string, f: string): string => num(durability, `vsResolveAtCommit.${mode}.${f}`, 2);
    const kib = (bytes: unknown): string => (typeof bytes === 'number' ? String(Math.round(bytes / 1024)) : 'n/a');
    lines.push(
      `| LMDB commit modes, ${num(durability, 'writers')} writers × ${kib(get(durability, 'valueBytes'))} KiB batches + a block every ${num(durability, 'blockIntervalMs')} ms, tx/s (p50 / p99 ms): ` +
        `overlappingSync resolve at commit (old, not durable) / overlappingSync + await flushed / sync commit (node) / sync commit + eventTurnBatching | ` +
        `${m('overlapResolveAtCommit', 'txPerSec')} (${m('overlapResolveAtCommit', 'p50Ms', 1)} / ${m('overlapResolveAtCommit', 'p99Ms', 1)}) / ` +
        `${m('overlapAwaitFlushed', 'txPerSec')} (${m('overlapAwaitFlushed', 'p50Ms', 1)} / ${m('overlapAwaitFlushed', 'p99Ms', 1)}) / ` +
        `${m('syncCommit', 'txPerSec')} (${m('syncCommit', 'p50Ms', 1)} / ${m('syncCommit', 'p99Ms', 1)}) / ` +
        `${m('syncCommitEventTurnBatching', 'txPerSec')} (${m('syncCommitEventTurnBatching', 'p50Ms', 1)} / ${m('syncCommitEventTurnBatching', 'p99Ms', 1)}); ` +
        `node tx/s ×${x('syncCommit', 'txPerSec')} of the old, ${m('syncCommit', 'batchesPerCommit', 1)} batches per fsync'd commit | ${provenance(durability)} |`,
    );
  }
  if (bls) {
    lines.push(
      `| BLS12-381 (blst), ms: sign / verify / fastAggregateVerify 4, 16, 64 keys; pool of ${num(bls, 'pool.threads')}, single votes/s: main thread / one job per vote / batched | ` +
        `${num(bls, 'ms.sign', 2)} / ${num(bls, 'ms.verify', 2)} / ${num(bls, 'ms.fastAggregateVerify.keys4', 2)}, ${num(bls, 'ms.fastAggregateVerify.keys16', 2)}, ${num(bls, 'ms.fastAggregateVerify.keys64', 2)}; ` +
        `${num(bls, 'pool.votesPerSec.mainThread')} / ${num(bls, 'pool.votesPerSec.poolUnbatched')} / ${num(bls, 'pool.votesPerSec.poolBatched')} (batched ×${num(bls, 'pool.ratios.batchedOverUnbatched', 2)} over unbatched) | ${provenance(bls)} |`,
    );
  }
  lines.push('');
  if (gate) {
    lines.push('## CI gate', '');
    lines.push(`${get(gate, 'passed') === true ? 'Passed' : '**Failed**'} — ${provenance(gate)}.`, '');
    for (const c of (get(gate, 'checks') as Json[] | undefined) ?? []) {
      lines.push(`- ${String(c['name'])}: ${String(c['measured'])} (needs ${String(c['needs'])}) — ${c['passed'] === true ? 'pass' : '**FAIL**'}`);
    }
    lines.push('');
  }
  const plots = BENCH_PLOTS.filter((p) => existsSync(join(resultsDir(), p.png)));
  if (plots.length > 0) {
    lines.push('## Plots', '', 'Drawn from the JSON files above by `bench/plot/write-plots.ts` (`npm run bench:plot` redraws them).', '');
    for (const p of plots) lines.push(`![${p.png.replace(/\.png$/, '')}](${p.png})`, '');
  }
  const path = join(resultsDir(), 'SUMMARY.md');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

main().catch((err: unknown) => {
  log(`benchmark run failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  killAllChildren();
  process.exitCode = 1;
});
