// The consensus simulator (issue 12 item 10): the real consensus code (src/consensus/) with real BLS
// over the in-process network on virtual time, for a grid of validator counts and link latencies,
// to show how macro-block finality grows with both. Prints and writes a JSON table.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/sim/run.js [--validators 4,16,32,64,100]
//       [--latency 5,50,150] [--jitter-ratio 0.5] [--loss 0] [--batches 2] [--verify-ms 1] [--out sim-finality]
//   (npm run sim = the default grid; it also draws <out>.png, which `npm run sim:plot` redraws from the JSON)
//
// Finality of a macro height H is measured from the moment the batch's last micro block (H − 1)
// first became a head anywhere to the moment every validator holds H as final; "quorum" is when a
// quorum of them do. Transactions arrive steadily (one every 100 ms), so blocks follow the
// 20 ms minimum separation rather than the 500 ms empty-block interval. Signature checks cost each
// validator --verify-ms of virtual CPU, one after another (blst: ~1 ms a verify on this machine);
// other computation is free.
import { performance } from 'node:perf_hooks';
import { InProcessConsortium, txId } from '../../src/consensus/in-process-consortium.js';
import { resultEnvelope, writeResult } from '../machine.js';
import { CostedVerifier } from './costed-verifier.js';
import { plotSimFinality } from './plot.js';

export interface SimOptions {
  readonly validators: readonly number[];
  readonly latencies: readonly number[];
  readonly jitterRatio: number;
  readonly loss: number;
  /** Macro blocks measured per cell (after one warm-up batch). */
  readonly batches: number;
  /** Virtual CPU time of one signature check on each validator (0: free). */
  readonly verifyMs: number;
}

export interface SimRow {
  readonly validators: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly lossRate: number;
  readonly macroBlocks: number;
  /** Finality after the batch's last micro block, ms of virtual time. */
  readonly finalityAllMsMedian: number;
  readonly finalityAllMsMax: number;
  readonly finalityQuorumMsMedian: number;
  /** Virtual time per batch of 32 blocks. */
  readonly batchMsMedian: number;
  readonly skipBlocks: number;
  readonly messagesPerBatch: number;
  readonly signatureChecks: number;
  readonly realSeconds: number;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

export async function simulate(validators: number, latencyMs: number, o: SimOptions): Promise<SimRow> {
  const jitterMs = Math.round(latencyMs * o.jitterRatio);
  const c = new InProcessConsortium({
    powers: new Array<number>(validators).fill(1),
    network: { latencyMs, jitterMs, lossRate: o.loss, seed: validators * 1000 + latencyMs },
    verifierCache: 1_000_000, // each distinct signature is checked once per process, not once per validator
    // ...but every validator is charged the time of every check it makes, on its own virtual CPU.
    verifierFor: o.verifyMs > 0 ? (_id, shared, clock) => new CostedVerifier(shared, clock, { verifyMs: o.verifyMs, aggregateMs: o.verifyMs, perKeyMs: 0.01 }) : undefined,
    keepVerdicts: false,
  });
  const started = performance.now();
  c.start();
  let n = 0;
  const feed = () => {
    c.submit(txId(n++), 100);
    c.clock.after(100, feed);
  };
  feed();
  const b = c.policy.blocksPerBatch;
  const last = b * (o.batches + 1);
  const ok = await c.runUntil(() => c.minFinalHeight() >= last, 3_600_000);
  const realSeconds = (performance.now() - started) / 1000;
  if (!ok) throw new Error(`${validators} validators at ${latencyMs} ms did not finalize height ${last} within an hour of virtual time`);
  c.assertSafety();
  const all: number[] = [];
  const quorum: number[] = [];
  const batch: number[] = [];
  for (let h = 2 * b; h <= last; h += b) {
    const lastMicro = Math.min(...c.members.map((m) => m.headAt.get(h - 1) ?? Infinity));
    const finals = c.members.map((m) => m.finalAt.get(h) ?? Infinity).sort((x, y) => x - y);
    all.push(finals[finals.length - 1]! - lastMicro);
    quorum.push(finals[Math.floor((2 * validators) / 3)]! - lastMicro);
    batch.push(finals[finals.length - 1]! - Math.max(...c.members.map((m) => m.finalAt.get(h - b) ?? 0)));
  }
  const row: SimRow = {
    validators, latencyMs, jitterMs, lossRate: o.loss, macroBlocks: all.length,
    finalityAllMsMedian: median(all), finalityAllMsMax: Math.max(...all), finalityQuorumMsMedian: median(quorum),
    batchMsMedian: median(batch),
    skipBlocks: c.longestFinalChain().filter((x) => x.kind === 2).length,
    messagesPerBatch: Math.round(c.hub.stats.delivered / (o.batches + 1)),
    signatureChecks: c.verifier.verifications,
    realSeconds: Number(realSeconds.toFixed(1)),
  };
  await c.stop();
  return row;
}

function parseArgs(argv: readonly string[]): SimOptions & { out: string } {
  const list = (v: string | undefined, name: string) => {
    const xs = (v ?? '').split(',').map(Number);
    if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x < 0)) throw new Error(`--${name} takes a comma-separated list of numbers`);
    return xs;
  };
  const o = { validators: [4, 16, 32, 64, 100], latencies: [5, 50, 150], jitterRatio: 0.5, loss: 0, batches: 2, verifyMs: 1, out: 'sim-finality' };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--validators') o.validators = list(v, 'validators').map((x) => Math.floor(x));
    else if (k === '--latency') o.latencies = list(v, 'latency');
    else if (k === '--jitter-ratio') o.jitterRatio = Number(v);
    else if (k === '--loss') o.loss = Number(v);
    else if (k === '--batches') o.batches = Math.max(1, Math.floor(Number(v)));
    else if (k === '--verify-ms') o.verifyMs = Number(v);
    else if (k === '--out') o.out = String(v);
    else throw new Error(`unknown argument ${k}`);
  }
  if (o.validators.some((x) => x < 1 || x > 512)) throw new Error('--validators: 1..512');
  if (!(o.loss >= 0 && o.loss < 1)) throw new Error('--loss is in [0, 1)');
  if (!(o.verifyMs >= 0)) throw new Error('--verify-ms is ≥ 0');
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const rows: SimRow[] = [];
  for (const v of o.validators) {
    for (const l of o.latencies) {
      const row = await simulate(v, l, o);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  const path = writeResult(o.out, {
    ...resultEnvelope(),
    what: 'macro-block finality after the batch\'s last micro block, in virtual ms, by validator count and one-way link latency (in-process network, real BLS, real consensus code)',
    policy: 'defaults of src/consensus/policy.ts (32 blocks a batch, 20 ms minimum block separation, Tendermint timeouts 1000 + 500 r ms)',
    options: { jitterRatio: o.jitterRatio, loss: o.loss, batches: o.batches, verifyMs: o.verifyMs },
    rows,
  });
  console.log(`wrote ${path}`);
  // The plot is secondary: if it fails, the table is already written and `npm run sim:plot` redraws it.
  try {
    const png = await plotSimFinality(path, path.replace(/\.json$/, '.png'));
    console.log(`wrote ${png.path}`);
  } catch (err) {
    console.error('the plot failed (the JSON is written; fix, then npm run sim:plot):', err);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
