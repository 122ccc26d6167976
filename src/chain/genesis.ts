import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../codec/bytes.js';
import { ed25519FromSeed } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';

/** A consortium member: an operator that submits CDRs (and, with consensus, validates). */
export interface OperatorEntry {
  readonly plmn: number;
  readonly name: string;
  /** Ed25519 key that signs the operator's CDR batches. */
  readonly batchKey: Uint8Array;
}

export interface Genesis {
  readonly chainId: string;
  readonly timestampMs: bigint;
  readonly operators: readonly OperatorEntry[];
}

export class GenesisError extends Error {
  override readonly name = 'GenesisError';
}

/** Genesis as a JSON document (`cdrchain genesis` writes it; `--genesis FILE` reads it). */
export interface GenesisJson {
  chainId: string;
  timestampMs: string;
  operators: { plmn: number; name: string; batchKey: string }[];
}

export function genesisToJson(g: Genesis): GenesisJson {
  return {
    chainId: g.chainId,
    timestampMs: g.timestampMs.toString(),
    operators: g.operators.map((o) => ({ plmn: o.plmn, name: o.name, batchKey: toHex(o.batchKey) })),
  };
}

export function genesisFromJson(j: GenesisJson): Genesis {
  if (typeof j.chainId !== 'string' || j.chainId.length === 0 || j.chainId.length > 64) throw new GenesisError('chainId must be 1-64 characters');
  if (!Array.isArray(j.operators) || j.operators.length === 0) throw new GenesisError('genesis lists no operators');
  const seen = new Set<number>();
  const operators = j.operators.map((o) => {
    if (!Number.isInteger(o.plmn) || o.plmn < 10000 || o.plmn > 999999) throw new GenesisError(`bad PLMN id ${o.plmn}`);
    if (seen.has(o.plmn)) throw new GenesisError(`operator ${o.plmn} listed twice`);
    seen.add(o.plmn);
    return { plmn: o.plmn, name: String(o.name), batchKey: fromHex(o.batchKey, 32) };
  });
  return { chainId: j.chainId, timestampMs: BigInt(j.timestampMs), operators: operators.sort((a, b) => a.plmn - b.plmn) };
}

export function readGenesisFile(path: string): Genesis {
  return genesisFromJson(JSON.parse(readFileSync(path, 'utf8')) as GenesisJson);
}

/** Hash of the genesis document. */
export function genesisId(g: Genesis): string {
  return toHex(sha256(Buffer.from(JSON.stringify(genesisToJson(g)))));
}

/**
 * Identifies a chain: data directories remember it and refuse to open under another. It covers
 * the genesis document and the digest of the system contracts the chain runs, so nodes that would
 * apply different rules cannot share data.
 */
export function chainIdentity(g: Genesis, systemContractsDigest: Uint8Array): string {
  return toHex(sha256(Buffer.from(genesisId(g), 'hex'), systemContractsDigest));
}

// ---- The embedded devnet: a consortium of real operators with well-known, INSECURE keys. ----

/** Real PLMN ids of the devnet consortium. */
export const DEVNET_OPERATORS: readonly { plmn: number; name: string }[] = [
  { plmn: 20801, name: 'Orange France' },
  { plmn: 23415, name: 'Vodafone UK' },
  { plmn: 26201, name: 'Telekom Deutschland' },
  { plmn: 40445, name: 'Airtel India' },
  { plmn: 52501, name: 'Singtel' },
  { plmn: 310260, name: 'T-Mobile US' },
];

/** Devnet keys are derived from public strings so a client and a node agree without set-up. Never use outside a devnet. */
export function devnetBatchSeed(plmn: number): Uint8Array {
  return sha256(Buffer.from(`cdrchain devnet INSECURE batch key ${plmn}`));
}

export function devnetGenesis(): Genesis {
  return {
    chainId: 'cdrchain-devnet',
    timestampMs: 1_767_225_600_000n, // 2026-01-01T00:00:00Z
    operators: DEVNET_OPERATORS.map((o) => ({ ...o, batchKey: ed25519FromSeed(devnetBatchSeed(o.plmn)).publicKey })),
  };
}
