import { defaultCircuitsDir, loadManifestEntry } from '../artifacts.js';
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

/** The link circuit's artifacts for `lines` per (direction, currency), checked against the manifest. */
export function loadLinkArtifacts(lines: number, dir: string = defaultCircuitsDir()): LinkArtifacts {
  const name = linkCircuitName(lines);
  const e = loadManifestEntry(dir, name, {
    id: LINK_CIRCUIT.id,
    version: LINK_CIRCUIT.version,
    size: ['linesPerCurrency', lines],
    buildFlag: `--link-lines ${lines}`,
  });
  return Object.freeze({
    name,
    linesPerCurrency: lines,
    wasmPath: e.wasmPath,
    zkeyPath: e.zkeyPath,
    verificationKey: parseVerificationKey(e.verificationKeyJson, LINK_PUBLIC_INPUT_COUNT),
    constraints: e.constraints,
    insecureDevSetup: e.insecureDevSetup,
  });
}
