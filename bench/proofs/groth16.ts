// Groth16 batch-proof benchmark (issue 13, P6 targets): for each chunk size built, the circuit's
// constraints, the time to prove one full chunk on one core (single-threaded curve, as one worker
// of the operator's pool proves), proven CDR/s per core, the time to verify one proof on one core
// (as one worker of the node's pool verifies), and what that makes of verification capacity against
// the node's committed ingest rate (bench/results/pipeline.json, when present).
//
//   npx tsc -p tsconfig.build.json && node dist/bench/proofs/groth16.js [--records 4,16] [--proofs 3] [--verifies 30]
//   node dist/bench/run-all.js --only groth16          (the test size, with the other benchmarks)
//
// Sizes other than the test size (4) are built first by scripts/build-circuits.mjs (cached; a 2^14+
// powers of tau takes CPU-minutes). Writes bench/results/groth16.json.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { periodOf } from '../../src/cdr/batch-builder.js';
import { devnetSecrets } from '../../src/cdr/operator-secrets.js';
import { generateTraffic } from '../../src/cdr/synthetic.js';
import { loadChunkArtifacts } from '../../src/proofs/artifacts.js';
import { releaseProofCurve, useSingleThreadProofCurve } from '../../src/proofs/curve.js';
import { chunkWitness, proveChunk } from '../../src/proofs/prove.js';
import { openingOfCdr } from '../../src/proofs/record-opening.js';
import { chargeSalt, totalsSalt } from '../../src/proofs/totals.js';
import { BATCH_PROOF_CHUNK_BYTES } from '../../src/proofs/batch-proof-layout.js';
import { verifyChunkProof } from '../../src/proofs/verify.js';
import { PoseidonWasm } from '../../src/wasm/poseidon.js';
import { currentCommand, repoRoot, resultEnvelope, resultsDir, writeResult } from '../machine.js';

const [A, B] = [26201, 23410];

function listArg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const xs = (process.argv[i + 1] ?? '').split(',').map(Number);
  for (const n of xs) if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`--${name}: powers of two, e.g. 4,16`);
  return xs;
}

function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer`);
  return v;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const ms = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

/** Committed CDR/s of the last pipeline benchmark on this checkout, if any. */
function committedIngestRate(): number | undefined {
  const path = join(resultsDir(), 'pipeline.json');
  if (!existsSync(path)) return undefined;
  const r = JSON.parse(readFileSync(path, 'utf8')) as { committedCdrPerSec?: unknown; throughput?: { committedCdrPerSec?: unknown } };
  const v = r.committedCdrPerSec ?? r.throughput?.committedCdrPerSec;
  return typeof v === 'number' ? v : undefined;
}

export interface Groth16BenchOptions {
  /** Chunk sizes (records per chunk, powers of two); default the test size. */
  readonly sizes?: readonly number[];
  readonly proofs?: number;
  readonly verifies?: number;
  readonly command?: string;
  readonly log?: (line: string) => void;
}

export async function runGroth16Bench(o: Groth16BenchOptions = {}): Promise<string> {
  const sizes = o.sizes ?? [4];
  const proofs = o.proofs ?? 3;
  const verifies = o.verifies ?? 30;
  const log = o.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const extra = sizes.filter((n) => n !== 4);
  log(`building circuits${extra.length > 0 ? ` (--records ${extra.join(',')})` : ''} (cached when up to date)...`);
  execFileSync(process.execPath, [join(repoRoot(), 'scripts', 'build-circuits.mjs'), ...(extra.length > 0 ? ['--records', extra.join(',')] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });

  const poseidon = PoseidonWasm.load();
  const secrets = devnetSecrets(A);
  const context = { chainId: new Uint8Array(32).fill(0xc4), submitter: A, counterparty: B, sequence: 1n };
  // One core: proving as one worker of the operator's pool, verifying as one worker of the node's.
  await useSingleThreadProofCurve();
  const results = [];
  for (const records of sizes) {
    const artifacts = loadChunkArtifacts(records);
    const cdrs = [...generateTraffic({ seed: `groth16-bench-${records}`, submitter: A, counterparty: B, count: records, startTime: 1_764_000_000, periodSeconds: 3_600 })];
    const period = periodOf(cdrs.map((c) => c.startTime), 1_764_000_000 + 86_400);
    const witness = chunkWitness(cdrs.map((c) => openingOfCdr(c, secrets, poseidon)), records, { ...period, totalsSalt: totalsSalt(secrets.pairSecret(B), context, 0), chargeSalt: chargeSalt(secrets.pairSecret(B), context, 0) }, poseidon);
    log(`N = ${records} (${artifacts.constraints} constraints): proving ${proofs}x, verifying ${verifies}x on one core...`);
    const proveMs: number[] = [];
    let proof;
    for (let k = 0; k < proofs; k++) {
      const t = process.hrtime.bigint();
      proof = await proveChunk(artifacts, witness);
      proveMs.push(ms(t));
    }
    const verifyMs: number[] = [];
    for (let k = 0; k < verifies; k++) {
      const t = process.hrtime.bigint();
      const ok = await verifyChunkProof(artifacts.verificationKey, proof!.statement, proof!.proof);
      verifyMs.push(ms(t));
      if (!ok) throw new Error(`a valid proof of N = ${records} did not verify`);
    }
    const prove = median(proveMs);
    const verify = median(verifyMs);
    results.push({
      records,
      constraints: artifacts.constraints,
      proveMsMedian: round(prove),
      proveMsMin: round(Math.min(...proveMs)),
      provenCdrPerSecPerCore: round((records * 1000) / prove),
      verifyMsMedian: round(verify, 2),
      verifyMsMin: round(Math.min(...verifyMs), 2),
      verifiedCdrPerSecPerCore: round((records * 1000) / verify),
      // A chunk on the wire: root, totals and charge commitments, and the Groth16 proof (384 bytes).
      proofBytesPerCdr: round(BATCH_PROOF_CHUNK_BYTES / records, 2),
    });
    log(`  prove ${round(prove)} ms, verify ${round(verify, 2)} ms: ${round((records * 1000) / prove)} CDR/s proven, ${round((records * 1000) / verify)} CDR/s verified per core`);
  }
  await releaseProofCurve();
  const committed = committedIngestRate();
  const cores = availableParallelism();
  const largest = results[results.length - 1]!;
  return writeResult('groth16', {
    ...resultEnvelope(o.command ?? currentCommand()),
    note: 'one core each: proving as one worker of the operator pool, verifying as one worker of the node pool (single-threaded BN254 curve); medians',
    sizes: results,
    groth16VerifyMs: largest.verifyMsMedian,
    provenCdrPerSecPerCore: largest.provenCdrPerSecPerCore,
    ...(committed !== undefined
      ? {
          committedCdrPerSec: committed,
          // Verifying on every core of the node keeps up with ingest when this is >= 1.
          verificationToIngestRatio: round((largest.verifiedCdrPerSecPerCore * cores) / committed, 2),
        }
      : {}),
    targets: { groth16VerifyMs: 15 },
  });
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  runGroth16Bench({ sizes: listArg('records', [4]), proofs: intArg('proofs', 3), verifies: intArg('verifies', 30) })
    .then((path) => process.stderr.write(`wrote ${path}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
