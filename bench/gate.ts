// CI performance gate (npm run bench:gate). Generous on purpose, so noise cannot flip it:
//   1. WASM Poseidon(2) ≥ 4× poseidon-lite, measured in the same run;
//   2. the pipeline commits ≥ 4,000 CDR/s on a short flat-out replay (180,000 CDRs) into a fresh
//      node with every check on;
//   3. a short devnet replay finalizes ≥ 2,000 CDR/s: 4 validator processes (TLS P2P, every one
//      re-verifying every batch), 120,000 CDRs in batches of 250 offered at 3,000 CDR/s for 40 s,
//      every batch waited for until Final; the finalized rate is measured between the macro blocks of
//      the steady window. Paced, not flat out: offered more than it finalizes, the devnet of
//      2026-12-03 stops finalizing (bodies fetched again and again; see the README's Devnet
//      paragraph), so a flat-out gate would only say that. Make it flat out once that is fixed.
//   4. sealed payloads (issue 13): a 30,000-CDR replay of sealed batches commits every batch, and the
//      node spends at most 2.5× the CPU per CDR of the same traffic unsealed, back to back
//      (plain ÷ sealed ≥ 0.4; bench/privacy/sealed.ts; ~15 s,
//      plus generating the two small data sets the first time: 57 s at load average 6, ~10 s quiet).
// Exits 1 with a message naming each failed check. Writes bench/results/gate.json.
// Finishes in a few minutes (the first run also generates and caches its two data sets).
import { runPoseidonBench } from './poseidon.bench.js';
import { currentCommand, machineLine, resultEnvelope, writeResult } from './machine.js';
import { killAllChildren } from './pipeline/processes.js';
import { logPhase, prepareDataset, QUICK_SIZES, runPhase, TARGETS } from './pipeline/run.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devnetGenesis } from '../src/chain/genesis.js';
import { DEVNET_TARGETS, logDevnetPhase, QUICK_DEVNET_SIZES, runDevnetPhase } from './devnet/run.js';
import { GATE_SEALED, runSealedGatePhases } from './privacy/sealed.js';

const POSEIDON_MIN_SPEEDUP = 4;
const GATE_CDRS = 180_000;
const GATE_VALIDATORS = 4;
const GATE_DEVNET_RATE = 3_000;
const GATE_DEVNET_SECONDS = 40;
const WATCHDOG_MS = 10 * 60 * 1000;

interface Check {
  readonly name: string;
  readonly measured: string;
  readonly needs: string;
  readonly passed: boolean;
}

const log = (l: string): void => void process.stderr.write(`[gate] ${l}\n`);

async function main(): Promise<boolean> {
  const command = currentCommand();
  log(`machine: ${machineLine()}`);
  const checks: Check[] = [];
  const details: Record<string, unknown> = {};

  try {
    const p = await runPoseidonBench({ maxTime: 1, resultsPath: null, command, log: (l) => log(`poseidon: ${l}`) });
    details['poseidon'] = p;
    checks.push({
      name: 'WASM Poseidon(2) vs poseidon-lite, same run',
      measured: `×${p.speedupVsPoseidonLite} (${p.poseidon2Us.wasm} µs vs ${p.poseidon2Us.poseidonLite} µs)`,
      needs: `≥ ×${POSEIDON_MIN_SPEEDUP}`,
      passed: p.speedupVsPoseidonLite >= POSEIDON_MIN_SPEEDUP,
    });
  } catch (err) {
    checks.push({ name: 'WASM Poseidon(2) vs poseidon-lite, same run', measured: `error: ${err instanceof Error ? err.message : String(err)}`, needs: `≥ ×${POSEIDON_MIN_SPEEDUP}`, passed: false });
  }

  try {
    const dataset = await prepareDataset('dataset', { cdrs: QUICK_SIZES.throughputCdrs, batchSize: QUICK_SIZES.throughputBatch }, false, log);
    const phase = await runPhase({
      name: 'gate', dataset, mode: 'flat', window: QUICK_SIZES.window, maxSendSeconds: 120, maxCdrs: GATE_CDRS,
      warmupSec: 2, workers: 2, log,
    });
    logPhase(phase, log);
    details['pipeline'] = phase;
    const rejected = (phase.outcomes['Nacked'] ?? 0) + (phase.outcomes['ConnectionFailed'] ?? 0) + (phase.outcomes['NotCommitted'] ?? 0) + (phase.outcomes['NoReply'] ?? 0);
    checks.push({
      name: `pipeline committed CDR/s, ${GATE_CDRS.toLocaleString('en-US')}-CDR flat-out replay`,
      measured: `${phase.rates.committedCdrPerSec.toLocaleString('en-US')} CDR/s (overall ${phase.rates.overallCommittedCdrPerSec.toLocaleString('en-US')})`,
      needs: `≥ ${TARGETS.gateCommittedCdrPerSec.toLocaleString('en-US')}`,
      passed: phase.rates.committedCdrPerSec >= TARGETS.gateCommittedCdrPerSec,
    });
    checks.push({
      name: 'pipeline: every batch committed',
      measured: `${rejected} of ${Object.values(phase.outcomes).reduce((a, b) => a + b, 0)} batches not committed${rejected > 0 ? ` ${JSON.stringify(phase.nacks)} ${phase.errors.slice(0, 3).join('; ')}` : ''}`,
      needs: '0',
      passed: rejected === 0,
    });
  } catch (err) {
    checks.push({ name: 'pipeline short replay', measured: `error: ${err instanceof Error ? err.message : String(err)}`, needs: `≥ ${TARGETS.gateCommittedCdrPerSec} CDR/s`, passed: false });
  } finally {
    killAllChildren();
  }

  try {
    const { plain, sealed, cpuRatio, wallRatio } = await runSealedGatePhases(log);
    details['sealed'] = { plain, sealed, cpuRatio, wallRatio };
    const total = Object.values(sealed.outcomes).reduce((a, b) => a + b, 0);
    const notCommitted = total - (sealed.outcomes['Committed'] ?? 0);
    checks.push({
      name: `sealed payloads: node CPU per committed CDR, the same ${GATE_SEALED.cdrs.toLocaleString('en-US')} CDRs unsealed ÷ sealed, back to back`,
      measured: `×${cpuRatio} (${plain.cpu.nodeCpuUsPerCdr} vs ${sealed.cpu.nodeCpuUsPerCdr} µs/CDR; committed ${plain.rates.overallCommittedCdrPerSec.toLocaleString('en-US')} vs ${sealed.rates.overallCommittedCdrPerSec.toLocaleString('en-US')} CDR/s, ×${wallRatio})`,
      needs: `≥ ×${GATE_SEALED.minCpuRatio}`,
      passed: cpuRatio >= GATE_SEALED.minCpuRatio,
    });
    checks.push({
      name: 'sealed payloads: every batch committed',
      measured: `${notCommitted} of ${total} batches not committed${notCommitted > 0 ? ` ${JSON.stringify(sealed.nacks)} ${sealed.errors.slice(0, 3).join('; ')}` : ''}`,
      needs: '0',
      passed: notCommitted === 0 && total > 0,
    });
  } catch (err) {
    checks.push({ name: 'sealed payloads short replay', measured: `error: ${err instanceof Error ? err.message : String(err)}`, needs: `≥ ×${GATE_SEALED.minCpuRatio} of plain`, passed: false });
  } finally {
    killAllChildren();
  }

  const root = mkdtempSync(join(tmpdir(), 'cdrchain-gate-devnet-'));
  try {
    const genesis = devnetGenesis({ validators: GATE_VALIDATORS });
    const dataset = await prepareDataset('dataset', { cdrs: QUICK_DEVNET_SIZES.pacedCdrs, batchSize: QUICK_DEVNET_SIZES.pacedBatch }, false, log, genesis);
    const phase = await runDevnetPhase({
      name: 'gate-devnet', validators: GATE_VALIDATORS, dataset, mode: 'paced', rateCdrPerSec: GATE_DEVNET_RATE, window: QUICK_DEVNET_SIZES.pacedWindow, releaseOn: 'ack',
      maxSendSeconds: GATE_DEVNET_SECONDS, warmupSec: 3, drainTimeoutSec: 45, stopTimeoutSec: 30, workers: 1, root, log,
    });
    logDevnetPhase(phase, log);
    details['devnet'] = phase;
    const finalized = phase.rates.finalizedCdrPerSec;
    const total = Object.values(phase.outcomes).reduce((a, b) => a + b, 0);
    const notFinal = total - (phase.outcomes['Committed'] ?? 0);
    checks.push({
      name: `devnet finalized CDR/s, ${GATE_VALIDATORS} validators, ${GATE_DEVNET_RATE.toLocaleString('en-US')} CDR/s offered for ${GATE_DEVNET_SECONDS} s in batches of ${QUICK_DEVNET_SIZES.pacedBatch}`,
      measured: `${finalized.toLocaleString('en-US')} CDR/s between ${phase.rates.macroBlocksInWindow} macro blocks (whole run ${phase.rates.overallFinalizedCdrPerSec.toLocaleString('en-US')}; send→Committed p99 ${phase.latency.microConfirm.p99Ms} ms, Committed→Final p99 ${phase.latency.macroFinality.p99Ms} ms)`,
      needs: `≥ ${DEVNET_TARGETS.gateFinalizedCdrPerSec.toLocaleString('en-US')}`,
      passed: finalized >= DEVNET_TARGETS.gateFinalizedCdrPerSec,
    });
    checks.push({
      name: 'devnet: every batch final',
      measured: `${notFinal} of ${total} batches not final ${notFinal > 0 ? `${JSON.stringify(phase.outcomes)} ${JSON.stringify(phase.nacks)} ${phase.errors.slice(0, 3).join('; ')}` : ''}`.trim(),
      needs: '0',
      passed: notFinal === 0 && total > 0,
    });
  } catch (err) {
    checks.push({ name: 'devnet short replay', measured: `error: ${err instanceof Error ? err.message : String(err)}`, needs: `≥ ${DEVNET_TARGETS.gateFinalizedCdrPerSec} CDR/s finalized`, passed: false });
  } finally {
    killAllChildren();
    rmSync(root, { recursive: true, force: true });
  }

  const passed = checks.every((c) => c.passed);
  writeResult('gate', { name: 'gate', ...resultEnvelope(command), passed, checks, details });
  for (const c of checks) log(`${c.passed ? 'PASS' : 'FAIL'}  ${c.name}: ${c.measured} (needs ${c.needs})`);
  if (!passed) {
    log(`performance gate FAILED: ${checks.filter((c) => !c.passed).map((c) => c.name).join('; ')}`);
  } else log('performance gate passed');
  return passed;
}

const watchdog = setTimeout(() => {
  log(`performance gate FAILED: did not finish within ${WATCHDOG_MS / 60_000} minutes`);
  killAllChildren();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  (passed) => {
    clearTimeout(watchdog);
    process.exitCode = passed ? 0 : 1;
  },
  (err: unknown) => {
    log(`performance gate FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    killAllChildren();
    process.exitCode = 1;
  },
);
