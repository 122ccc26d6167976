import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCircuitsDir } from '../artifacts.js';
import { CircuitArtifactsError } from '../errors.js';
import { parseVerificationKey, type VerificationKey } from '../verification-key.js';
import { LINK_CIRCUIT, LINK_PUBLIC_INPUT_COUNT, linkCircuitName } from './link-circuit.js';

/** What scripts/build-circuits.mjs built for the link circuit of one size. */
export interface LinkArtifacts {
  readonly name: string;
  readonly linesPerCurrency: number;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly verificationKey: VerificationKey;
  readonly constraints: number;
  /** The script's deterministic public-beacon setup: anyone can forge proofs under its keys. */
  readonly insecureDevSetup: boolean;
}

interface Manifest {
  insecureDevSetup?: unknown;
  circuits?: Record<string, { id?: unknown; version?: unknown; linesPerCurrency?: unknown; constraints?: unknown; wasm?: unknown; zkey?: unknown; vkey?: unknown }>;
}

/** The link circuit's artifacts for `lines` per (direction, currency), checked against the manifest. */
export function loadLinkArtifacts(lines: number, dir: string = defaultCircuitsDir()): LinkArtifacts {
  const name = linkCircuitName(lines);
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new CircuitArtifactsError(`${path} not found: run \`npm run build:circuits\``);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    throw new CircuitArtifactsError(`${path} is not JSON: run \`npm run build:circuits -- --force\``);
  }
  const entry = manifest.circuits?.[name];
  if (entry === undefined) throw new CircuitArtifactsError(`${name} is not built: run \`npm run build:circuits -- --link-lines ${lines}\``);
  if (entry.id !== LINK_CIRCUIT.id || entry.version !== LINK_CIRCUIT.version || entry.linesPerCurrency !== lines) {
    throw new CircuitArtifactsError(`${name} was built for another circuit version: rebuild`);
  }
  if (typeof entry.wasm !== 'string' || typeof entry.zkey !== 'string' || typeof entry.vkey !== 'string' || typeof entry.constraints !== 'number') {
    throw new CircuitArtifactsError(`manifest entry ${name} is malformed`);
  }
  const wasmPath = join(dir, entry.wasm);
  const zkeyPath = join(dir, entry.zkey);
  const vkeyPath = join(dir, entry.vkey);
  for (const p of [wasmPath, zkeyPath, vkeyPath]) if (!existsSync(p)) throw new CircuitArtifactsError(`${p} is missing: rebuild`);
  return Object.freeze({
    name,
    linesPerCurrency: lines,
    wasmPath,
    zkeyPath,
    verificationKey: parseVerificationKey(JSON.parse(readFileSync(vkeyPath, 'utf8')) as unknown, LINK_PUBLIC_INPUT_COUNT),
    constraints: entry.constraints,
    insecureDevSetup: manifest.insecureDevSetup === true,
  });
}
