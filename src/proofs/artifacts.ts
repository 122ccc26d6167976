import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../wasm/load.js';
import { CHUNK_CIRCUIT, chunkCircuitName, isChunkSize } from './circuit.js';
import { CircuitArtifactsError } from './errors.js';
import { parseVerificationKey, type VerificationKey } from './verification-key.js';

/** What scripts/build-circuits.mjs built for one chunk size. */
export interface ChunkArtifacts {
  readonly name: string;
  readonly records: number;
  /** Witness calculator (circom's WASM). */
  readonly wasmPath: string;
  /** Groth16 proving key. */
  readonly zkeyPath: string;
  readonly verificationKey: VerificationKey;
  readonly constraints: number;
  /** True for the script's deterministic public-beacon setup: anyone can forge proofs under its keys. */
  readonly insecureDevSetup: boolean;
}

/** build/circuits under the package root (works from src/ and dist/src/). */
export function defaultCircuitsDir(): string {
  return join(findPackageRoot(), 'build', 'circuits');
}

interface ManifestCircuit {
  id?: unknown;
  version?: unknown;
  records?: unknown;
  constraints?: unknown;
  wasm?: unknown;
  zkey?: unknown;
  vkey?: unknown;
}

function readManifest(dir: string): { insecureDevSetup?: unknown; circuits?: Record<string, ManifestCircuit> } {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new CircuitArtifactsError(`${path} not found: run \`npm run build:circuits\``);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { insecureDevSetup?: unknown; circuits?: Record<string, ManifestCircuit> };
  } catch {
    throw new CircuitArtifactsError(`${path} is not JSON: run \`npm run build:circuits -- --force\``);
  }
}

/** What every built circuit's manifest entry yields once checked: paths that exist and the verification key's JSON. */
export interface ManifestEntry {
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly verificationKeyJson: unknown;
  readonly constraints: number;
  readonly insecureDevSetup: boolean;
}

/** What a manifest entry must say to be the circuit the caller wants: id, version and its size field. */
export interface ExpectedCircuit {
  readonly id: string;
  readonly version: number;
  /** The entry's size field and value, e.g. ['records', 16] or ['linesPerCurrency', 1]. */
  readonly size: readonly [field: string, value: number];
  /** The build command's flag that builds this size, e.g. '--records 16'. */
  readonly buildFlag: string;
}

/** Reads manifest entry `name` under `dir`, checks it is `expected` and that its files exist. */
export function loadManifestEntry(dir: string, name: string, expected: ExpectedCircuit): ManifestEntry {
  const manifest = readManifest(dir);
  const entry = manifest.circuits?.[name] as (ManifestCircuit & Record<string, unknown>) | undefined;
  if (entry === undefined) throw new CircuitArtifactsError(`${name} is not built: run \`npm run build:circuits -- ${expected.buildFlag}\``);
  if (entry.id !== expected.id || entry.version !== expected.version || entry[expected.size[0]] !== expected.size[1]) {
    throw new CircuitArtifactsError(`${name} was built for another circuit version: rebuild`);
  }
  if (typeof entry.wasm !== 'string' || typeof entry.zkey !== 'string' || typeof entry.vkey !== 'string' || typeof entry.constraints !== 'number') {
    throw new CircuitArtifactsError(`manifest entry ${name} is malformed`);
  }
  const wasmPath = join(dir, entry.wasm);
  const zkeyPath = join(dir, entry.zkey);
  const vkeyPath = join(dir, entry.vkey);
  for (const p of [wasmPath, zkeyPath, vkeyPath]) if (!existsSync(p)) throw new CircuitArtifactsError(`${p} is missing: rebuild`);
  return {
    wasmPath,
    zkeyPath,
    verificationKeyJson: JSON.parse(readFileSync(vkeyPath, 'utf8')) as unknown,
    constraints: entry.constraints,
    insecureDevSetup: manifest.insecureDevSetup === true,
  };
}

/** The artifacts of the chunk circuit for `records` per chunk, checked against the manifest. */
export function loadChunkArtifacts(records: number, dir: string = defaultCircuitsDir()): ChunkArtifacts {
  if (!isChunkSize(records)) throw new CircuitArtifactsError('records per chunk must be a power of two');
  const name = chunkCircuitName(records);
  const e = loadManifestEntry(dir, name, {
    id: CHUNK_CIRCUIT.id,
    version: CHUNK_CIRCUIT.version,
    size: ['records', records],
    buildFlag: `--records ${records}`,
  });
  return Object.freeze({
    name,
    records,
    wasmPath: e.wasmPath,
    zkeyPath: e.zkeyPath,
    verificationKey: parseVerificationKey(e.verificationKeyJson),
    constraints: e.constraints,
    insecureDevSetup: e.insecureDevSetup,
  });
}

/** The R1CS and the phase-1 powers of tau the build used for `records` per chunk: where a ceremony starts. */
export function chunkSetupInputs(records: number, dir: string = defaultCircuitsDir()): { readonly r1cs: string; readonly ptau: string; readonly circuit: string } {
  if (!isChunkSize(records)) throw new CircuitArtifactsError('records per chunk must be a power of two');
  const name = chunkCircuitName(records);
  const manifest = readManifest(dir) as { circuits?: Record<string, ManifestCircuit>; ptau?: { file?: unknown } };
  if (manifest.circuits?.[name] === undefined) throw new CircuitArtifactsError(`${name} is not built: run \`npm run build:circuits -- --records ${records}\``);
  if (typeof manifest.ptau?.file !== 'string') throw new CircuitArtifactsError('the circuits manifest names no powers of tau: rebuild');
  const r1cs = join(dir, name, `${name}.r1cs`);
  const ptau = join(dir, manifest.ptau.file);
  for (const p of [r1cs, ptau]) if (!existsSync(p)) throw new CircuitArtifactsError(`${p} is missing: rebuild`);
  return Object.freeze({ r1cs, ptau, circuit: `${CHUNK_CIRCUIT.id} v${CHUNK_CIRCUIT.version}, ${records} records per chunk` });
}
