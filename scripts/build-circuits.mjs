// Compiles the batch-proof circuits and the bilateral link circuit (circuits/) with circom2 (WASM) and runs a Groth16 setup for them
// with snarkjs. Output under build/circuits/ (gitignored), described by build/circuits/manifest.json.
//
//   node scripts/build-circuits.mjs                    test sizes (4 records per chunk), skipped when up to date
//   node scripts/build-circuits.mjs --records 16,64    also these chunk sizes (benchmarks); the ptau grows to fit
//   node scripts/build-circuits.mjs --force            rebuild even when up to date
//   node scripts/build-circuits.mjs --verify           also re-check the ptau and every zkey (snarkjs verify)
//   node scripts/build-circuits.mjs --update-keys      copy the test sizes' verification keys to circuits/keys/
//
// ============================================================================================
//  INSECURE DEVELOPMENT SETUP. Every "contribution" below is a public beacon with a fixed hash,
//  so the toxic waste (tau, alpha, beta, delta) is computable by anyone from this file, and
//  anyone can forge proofs that verify under these keys. It exists so that tests and devnets are
//  reproducible (the same inputs give byte-identical keys). A real deployment runs a multi-party
//  ceremony (snarkjs powersoftau contribute + zkey contribute by every operator, a public beacon
//  last, transcript verified by anyone): docs/proofs.md, "Ceremony".
// ============================================================================================
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** Chunk sizes the tests prove (records per chunk, a power of two). */
const TEST_RECORDS = [4];
const MANIFEST_VERSION = 1;
/** Circuit identity registered with its verification key: bump CIRCUIT_VERSION when the statement changes. */
const CIRCUIT_ID = 'cdrchain/batch-chunk';
const CIRCUIT_VERSION = 2;
// chargeCommitment is a Baby Jubjub point: two public signals, x then y.
const PUBLIC_INPUTS = ['root', 'count', 'periodStart', 'periodEnd', 'totalsCommitment', 'chargeCommitment'];
/**
 * The bilateral link circuit (circuits/bilateral-link.circom, docs/proofs.md §8): K settled lines per
 * (direction, currency). The full size is K = 5 (one per service: 60 lines, 20,105 constraints, a 2^15 ptau);
 * tests and the devnet use K = 1 (12 lines, 8,057 constraints), which fits the chunk circuit's 2^13.
 */
const LINK_CIRCUIT_ID = 'cdrchain/bilateral-link';
const LINK_CIRCUIT_VERSION = 1;
const LINK_PUBLIC_INPUTS = ['billedByFirst', 'billedBySecond', 'statement', 'rateMul', 'rateDiv'];
const TEST_LINK_LINES = [1];
// Fixed, public beacons: this is what makes the setup deterministic, and what makes it insecure.
const PHASE1_BEACON = createHash('sha256').update('cdrchain dev setup INSECURE phase 1').digest('hex');
const PHASE2_BEACON = createHash('sha256').update('cdrchain dev setup INSECURE phase 2').digest('hex');
const BEACON_ITERATIONS_EXP = 10; // snarkjs' minimum: 2^10 SHA-256 iterations
const LOCK_STALE_MS = 20 * 60_000;

const outDir = join(root, 'build', 'circuits');
const manifestPath = join(outDir, 'manifest.json');
const keysDir = join(root, 'circuits', 'keys');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function parseRecords(text) {
  // The test sizes are always built, so a benchmark build does not make the tests rebuild.
  const sizes = [...TEST_RECORDS, ...(text === undefined ? [] : text.split(',').map((s) => Number(s.trim())))];
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 1 || n > 65_536 || (n & (n - 1)) !== 0) {
      throw new Error(`--records: ${String(text)} (each a power of two in 1..65536)`);
    }
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

const records = parseRecords(option('--records'));
const linkLines = [...new Set([...TEST_LINK_LINES, ...(option('--link-lines') ?? '').split(',').filter((x) => x !== '').map(Number)])].sort((a, b) => a - b);
for (const k of linkLines) if (!Number.isInteger(k) || k < 1 || k > 5) throw new Error(`--link-lines: each in 1..5, got ${String(k)}`);
const verbose = flag('--verbose');
// snarkjs' logger interface: debug/info/warn/error, and `log` (powersoftau new calls it every 100,000 powers: 2^17 and up).
const logger = verbose
  ? { debug: () => {}, log: (m) => console.log(m), info: (m) => console.log(m), warn: (m) => console.warn(m), error: (m) => console.error(m) }
  : { debug: () => {}, log: () => {}, info: () => {}, warn: (m) => console.warn(m), error: (m) => console.error(m) };

const circuitName = (n) => `batch_chunk_${n}`;
const linkName = (k) => `bilateral_link_${k}`;
const levelsOf = (n) => Math.log2(n);

function packageVersion(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.circom') ? [join(dir, d.name)] : []))
    .sort();
}

/** Everything the artifacts depend on: a change to any of it rebuilds. */
function inputsHash() {
  const h = createHash('sha256');
  h.update(JSON.stringify({ MANIFEST_VERSION, records, linkLines, circomlib: packageVersion('circomlib'), snarkjs: packageVersion('snarkjs'), circom2: packageVersion('circom2') }));
  for (const f of [...sourceFiles(join(root, 'circuits')), fileURLToPath(import.meta.url)]) {
    h.update(relative(root, f));
    h.update(readFileSync(f));
  }
  return h.digest('hex');
}

function upToDate(hash) {
  if (!existsSync(manifestPath)) return false;
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (m.inputsHash !== hash) return false;
    const files = Object.values(m.circuits).flatMap((c) => [c.wasm, c.zkey, c.vkey].filter(Boolean));
    return files.every((f) => existsSync(join(outDir, f)));
  } catch {
    return false;
  }
}

/** A lock directory, so parallel test files do not build twice at once. */
async function withLock(fn) {
  mkdirSync(join(root, 'build'), { recursive: true });
  const lock = join(root, 'build', 'circuits.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function compile(mainFile, dir) {
  const cli = require.resolve('circom2/cli.js');
  // circom2's WASI sandbox only sees paths relative to the working directory: keep every path relative.
  const { stdout } = await run(process.execPath, [
    cli, relative(root, mainFile), '--r1cs', '--wasm', '--O2',
    '-l', 'circuits', '-l', relative(root, join(root, 'node_modules', 'circomlib', 'circuits')),
    '-o', relative(root, dir),
  ], { cwd: root, maxBuffer: 16 << 20 });
  if (verbose) process.stdout.write(stdout);
}

function sha256File(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Smallest power of two domain snarkjs needs for a circuit: constraints + public inputs + 1. */
function powerFor(r1cs) {
  return Math.max(8, Math.ceil(Math.log2(r1cs.nConstraints + r1cs.nPubInputs + r1cs.nOutputs + 1)));
}

async function build(hash) {
  const snarkjs = await import('snarkjs'); // loaded only to build: an up-to-date check stays fast
  const started = Date.now();
  const work = `${outDir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'src'), { recursive: true });
  const timings = {};
  // Wall time, and CPU time of this process's threads (snarkjs works in worker threads; circom2 runs
  // in a child process, so its CPU shows only in wall time): on a loaded machine CPU is the steadier figure.
  const step = async (name, fn) => {
    const t = Date.now();
    const cpu = process.cpuUsage();
    const r = await fn();
    const used = process.cpuUsage(cpu);
    timings[name] = { wallMs: Date.now() - t, cpuMs: Math.round((used.user + used.system) / 1000) };
    console.log(`  ${name}: ${((Date.now() - t) / 1000).toFixed(1)} s (cpu ${((used.user + used.system) / 1e6).toFixed(1)} s)`);
    return r;
  };

  // 1. Compile: one main per chunk size (circuits/batch-chunk.circom), and the vectors circuit.
  const compiled = {};
  for (const n of records) {
    const name = circuitName(n);
    const main = join(work, 'src', `${name}.circom`);
    writeFileSync(main, [
      'pragma circom 2.1.0;',
      '// Generated by scripts/build-circuits.mjs.',
      'include "batch-chunk.circom";',
      `component main {public [${PUBLIC_INPUTS.join(', ')}]} = BatchChunk(${levelsOf(n)});`,
      '',
    ].join('\n'));
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    await step(`compile ${name}`, () => compile(main, dir));
    compiled[n] = await snarkjs.r1cs.info(join(dir, `${name}.r1cs`), undefined);
  }
  const compiledLinks = {};
  for (const k of linkLines) {
    const name = linkName(k);
    const main = join(work, 'src', `${name}.circom`);
    writeFileSync(main, [
      'pragma circom 2.1.0;',
      '// Generated by scripts/build-circuits.mjs.',
      'include "bilateral-link.circom";',
      `component main {public [${LINK_PUBLIC_INPUTS.join(', ')}]} = BilateralLink(${k});`,
      '',
    ].join('\n'));
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    await step(`compile ${name}`, () => compile(main, dir));
    compiledLinks[k] = await snarkjs.r1cs.info(join(dir, `${name}.r1cs`), undefined);
  }
  const vectorsDir = join(work, 'poseidon_vectors');
  mkdirSync(vectorsDir, { recursive: true });
  await step('compile poseidon_vectors', () => compile(join(root, 'circuits', 'test', 'poseidon-vectors.circom'), vectorsDir));

  // 2. Phase 1 (universal): powers of tau, one per power a circuit needs (the chunk circuits share the
  // largest of theirs; a link circuit has its own), each with one public beacon. Deterministic, so a
  // previous build's file of the same power is reused (prepare phase2 dominates the build's time).
  const power = Math.max(...records.map((n) => powerFor(compiled[n])));
  const linkPower = Object.fromEntries(linkLines.map((k) => [k, powerFor(compiledLinks[k])]));
  const ptauDir = join(work, 'ptau');
  mkdirSync(ptauDir, { recursive: true });
  const ptauOf = (p) => join(ptauDir, `pot${p}_final.ptau`);
  const ptauFinal = ptauOf(power);
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  try {
    for (const p of [...new Set([power, ...Object.values(linkPower)])].sort((a, b) => a - b)) {
      const cached = join(outDir, 'ptau', `pot${p}_final.ptau`);
      if (!flag('--force') && existsSync(cached) && previousBeacon() === PHASE1_BEACON) {
        copyFileSync(cached, ptauOf(p));
        console.log(`  powers of tau 2^${p}: reused ${relative(root, cached)}`);
        continue;
      }
      const ptau0 = join(ptauDir, `pot${p}_0000.ptau`);
      const ptau1 = join(ptauDir, `pot${p}_beacon.ptau`);
      await step(`powersoftau new bn128 ${p}`, () => snarkjs.powersOfTau.newAccumulator(curve, p, ptau0, logger));
      await step('powersoftau beacon', () => snarkjs.powersOfTau.beacon(ptau0, ptau1, 'cdrchain dev beacon (INSECURE)', PHASE1_BEACON, BEACON_ITERATIONS_EXP, logger));
      await step('powersoftau prepare phase2', () => snarkjs.powersOfTau.preparePhase2(ptau1, ptauOf(p), logger));
      rmSync(ptau0);
      rmSync(ptau1);
    }
    if (flag('--verify')) {
      await step('powersoftau verify', async () => {
        if (!(await snarkjs.powersOfTau.verify(ptauFinal, logger))) throw new Error('ptau does not verify');
      });
    }

    // 3. Phase 2 (per circuit): Groth16 keys, then one public beacon.
    const setup = async (name, ptau) => {
      const dir = join(work, name);
      const r1cs = join(dir, `${name}.r1cs`);
      const zkey0 = join(dir, `${name}_0000.zkey`);
      const zkey = join(dir, `${name}.zkey`);
      await step(`zkey new ${name}`, async () => {
        if ((await snarkjs.zKey.newZKey(r1cs, ptau, zkey0, logger)) === -1) throw new Error(`zkey new failed for ${name}`);
      });
      await step(`zkey beacon ${name}`, async () => {
        if ((await snarkjs.zKey.beacon(zkey0, zkey, 'cdrchain dev beacon (INSECURE)', PHASE2_BEACON, BEACON_ITERATIONS_EXP, logger)) === false) {
          throw new Error(`zkey beacon failed for ${name}`);
        }
      });
      rmSync(zkey0);
      if (flag('--verify')) {
        await step(`zkey verify ${name}`, async () => {
          if (!(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, logger))) throw new Error(`zkey does not verify: ${name}`);
        });
      }
      const vk = await snarkjs.zKey.exportVerificationKey(zkey, logger);
      const vkeyFile = join(dir, 'verification_key.json');
      writeFileSync(vkeyFile, `${JSON.stringify(vk, null, 1)}\n`);
      return {
        wasm: `${name}/${name}_js/${name}.wasm`,
        zkey: `${name}/${name}.zkey`,
        vkey: `${name}/verification_key.json`,
        zkeySha256: sha256File(zkey),
        vkeySha256: sha256File(vkeyFile),
      };
    };
    const circuits = {};
    for (const n of records) {
      const name = circuitName(n);
      const files = await setup(name, ptauFinal);
      const info = compiled[n];
      circuits[name] = {
        id: CIRCUIT_ID,
        version: CIRCUIT_VERSION,
        records: n,
        publicInputs: PUBLIC_INPUTS,
        constraints: info.nConstraints,
        privateInputs: info.nPrvInputs,
        wires: info.nVars,
        ...files,
      };
    }
    for (const k of linkLines) {
      const name = linkName(k);
      const files = await setup(name, ptauOf(linkPower[k]));
      const info = compiledLinks[k];
      circuits[name] = {
        id: LINK_CIRCUIT_ID,
        version: LINK_CIRCUIT_VERSION,
        linesPerCurrency: k,
        publicInputs: LINK_PUBLIC_INPUTS,
        constraints: info.nConstraints,
        privateInputs: info.nPrvInputs,
        wires: info.nVars,
        ptauPower: linkPower[k],
        ...files,
      };
    }
    circuits.poseidon_vectors = { wasm: 'poseidon_vectors/poseidon-vectors_js/poseidon-vectors.wasm' };

    writeFileSync(join(work, 'manifest.json'), `${JSON.stringify({
      version: MANIFEST_VERSION,
      inputsHash: hash,
      insecureDevSetup: true,
      warning: 'INSECURE: deterministic public-beacon setup for tests and devnets only; a deployment runs a multi-party ceremony (docs/proofs.md)',
      ptau: { power, file: relative(work, ptauFinal), beaconPhase1: PHASE1_BEACON, beaconPhase2: PHASE2_BEACON, beaconIterationsExp: BEACON_ITERATIONS_EXP },
      tools: { circom2: packageVersion('circom2'), snarkjs: packageVersion('snarkjs'), circomlib: packageVersion('circomlib') },
      circuits,
      timingsMs: timings,
    }, null, 2)}\n`);
  } finally {
    await curve.terminate();
  }

  // Replace the old output in one rename, so a reader never sees half a build.
  rmSync(outDir, { recursive: true, force: true });
  renameSync(work, outDir);
  console.log(`build/circuits: ${[...records.map(circuitName), ...linkLines.map(linkName)].join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The phase-1 beacon the previous build's manifest records (its ptau files are reusable only if it is ours). */
function previousBeacon() {
  try {
    return JSON.parse(readFileSync(manifestPath, 'utf8')).ptau?.beaconPhase1;
  } catch {
    return undefined;
  }
}

function updateKeys() {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  mkdirSync(keysDir, { recursive: true });
  for (const n of TEST_RECORDS) {
    const c = m.circuits[circuitName(n)];
    if (!c) throw new Error(`${circuitName(n)} is not built; run without --records`);
    copyFileSync(join(outDir, c.vkey), join(keysDir, `${circuitName(n)}.vkey.json`));
    console.log(`circuits/keys/${circuitName(n)}.vkey.json`);
  }
  for (const k of TEST_LINK_LINES) {
    const c = m.circuits[linkName(k)];
    if (!c) throw new Error(`${linkName(k)} is not built`);
    copyFileSync(join(outDir, c.vkey), join(keysDir, `${linkName(k)}.vkey.json`));
    console.log(`circuits/keys/${linkName(k)}.vkey.json`);
  }
}

const hash = inputsHash();
await withLock(async () => {
  if (!flag('--force') && upToDate(hash)) {
    console.log('build/circuits is up to date');
    return;
  }
  console.log(`building circuits (${records.join(', ')} records per chunk) — INSECURE dev setup, see docs/proofs.md`);
  await build(hash);
});
if (flag('--update-keys')) updateKeys();
