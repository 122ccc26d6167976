import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsensusPolicy } from '../consensus/policy.js';
import type { ValidatorConfig } from './validator-role.js';

/** File names in a validator's directory (`cdrchain devnet init` writes them; `cdrchain node --validator DIR` reads them). */
export const VALIDATOR_FILES = Object.freeze({ bls: 'bls.key.json', settings: 'validator.json' });

/** validator.json: where this validator listens and whom it dials. TLS files (pki-files.ts) and the BLS key sit beside it. */
export interface ValidatorFile {
  readonly plmn: number;
  readonly p2p: { readonly host: string; readonly port: number };
  readonly peers: readonly { readonly plmn: number; readonly host: string; readonly port: number }[];
  /** Local consensus timings (emptyBlockIntervalMs, tendermint timeouts, ...): never the genesis' constants. */
  readonly policy?: Partial<ConsensusPolicy>;
}

export class ValidatorDirError extends Error {
  override readonly name = 'ValidatorDirError';
}

export function writeValidatorFile(dir: string, f: ValidatorFile): void {
  writeFileSync(join(dir, VALIDATOR_FILES.settings), `${JSON.stringify(f, null, 2)}\n`);
}

/** Reads and checks DIR/validator.json; the TLS files and BLS key are read (and checked) when the node starts. */
export function readValidatorDir(dir: string): ValidatorConfig & { readonly plmn: number } {
  const path = join(dir, VALIDATOR_FILES.settings);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ValidatorDirError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const f = raw as Partial<ValidatorFile>;
  const port = (v: unknown, what: string): number => {
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65_535) throw new ValidatorDirError(`${path}: ${what} must be a port number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const host = (v: unknown, what: string): string => {
    if (typeof v !== 'string' || v.length === 0 || v.length > 255) throw new ValidatorDirError(`${path}: ${what} must be a host name or address`);
    return v;
  };
  if (!Number.isInteger(f.plmn)) throw new ValidatorDirError(`${path}: plmn must be the validator's PLMN id`);
  if (typeof f.p2p !== 'object' || f.p2p === null) throw new ValidatorDirError(`${path}: p2p { host, port } is missing`);
  if (!Array.isArray(f.peers)) throw new ValidatorDirError(`${path}: peers must be a list of { plmn, host, port }`);
  const peers = f.peers.map((p: Partial<ValidatorFile['peers'][number]>, i) => {
    if (!Number.isInteger(p.plmn)) throw new ValidatorDirError(`${path}: peers[${i}].plmn must be a PLMN id`);
    return { id: p.plmn!, host: host(p.host, `peers[${i}].host`), port: port(p.port, `peers[${i}].port`) };
  });
  return Object.freeze({
    plmn: f.plmn!,
    tlsDir: dir,
    blsKeyFile: join(dir, VALIDATOR_FILES.bls),
    p2p: { host: host(f.p2p.host, 'p2p.host'), port: port(f.p2p.port, 'p2p.port') },
    peers,
    // The devnet writes the operator's batch key beside the validator's: it approves settlements with it.
    ...(existsSync(join(dir, 'batch.key.json')) ? { batchKeyFile: join(dir, 'batch.key.json') } : {}),
    ...(f.policy !== undefined ? { policy: localPolicy(f.policy, path) } : {}),
  });
}

/** The timings a validator may set for itself; consensusPolicy() checks the values when the node starts. */
const LOCAL_POLICY_FIELDS: readonly (keyof ConsensusPolicy)[] = [
  'minBlockSeparationMs', 'emptyBlockIntervalMs', 'tendermintTimeoutInitMs', 'tendermintTimeoutDeltaMs', 'rebroadcastIntervalMs',
  'maxTimestampDriftMs', 'maxRoundsAhead', 'maxBlocksAhead', 'maxOrphanBlocks',
];

function localPolicy(raw: unknown, path: string): Partial<ConsensusPolicy> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidatorDirError(`${path}: policy must be an object`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(LOCAL_POLICY_FIELDS as readonly string[]).includes(k)) throw new ValidatorDirError(`${path}: policy.${k} is not a local timing (genesis fixes the consensus-critical ones): allowed ${LOCAL_POLICY_FIELDS.join(', ')}`);
    if (!Number.isSafeInteger(v)) throw new ValidatorDirError(`${path}: policy.${k} must be an integer`);
    out[k] = v as number;
  }
  return out;
}
