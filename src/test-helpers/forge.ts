import type { KeyObject } from 'node:crypto';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { batchId, canonicalBatchHeader, encodeBatch, recordsDigest, type BatchHeaderFields } from '../codec/batch.js';
import { BATCH_VERSION, PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { ed25519Sign, privateKeyObject } from '../crypto/ed25519.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import { TELEKOM_DE, VODAFONE_UK } from './devnet.js';

export interface ForgedBatch {
  readonly frame: Uint8Array;
  readonly header: BatchHeaderFields;
  readonly id: Uint8Array;
  readonly records: Uint8Array;
  readonly signature: Uint8Array;
}

export interface ForgeOptions {
  readonly sequence: bigint;
  readonly submitter?: number;
  readonly counterparty?: number;
  readonly version?: number;
  readonly periodStart?: bigint;
  readonly periodEnd?: bigint;
  readonly recordCount?: number;
  readonly merkleRoot?: Uint8Array;
  readonly recordsDigest?: Uint8Array;
  /** Signs with this key instead of the submitter's devnet key. */
  readonly key?: KeyObject;
  /** Uses these bytes as the signature instead of signing. */
  readonly signature?: Uint8Array;
  /** The chain identity to sign for and id the batch under (default: the embedded devnet's). */
  readonly chain?: Uint8Array;
}

export const nowSec = (): bigint => BigInt(Math.floor(Date.now() / 1000));
export const devnetKey = (plmn: number): KeyObject => privateKeyObject(devnetBatchSeed(plmn));
/** The embedded devnet's chain identity: what test nodes of the devnet genesis check signatures against. */
export const devnetChain = (): Uint8Array => devnetChainIdentity();

/**
 * Seals records into a frame the way an operator client does, but lets a test override any
 * header field, the key, or the signature. Every field not overridden is correct, so each test
 * breaks exactly one thing and the node has exactly one reason to refuse it.
 */
export function forge(records: Uint8Array, o: ForgeOptions): ForgedBatch {
  const n = records.length / PUBLIC_RECORD_BYTES;
  const header: BatchHeaderFields = {
    version: o.version ?? BATCH_VERSION,
    submitter: o.submitter ?? TELEKOM_DE,
    counterparty: o.counterparty ?? VODAFONE_UK,
    periodStart: o.periodStart ?? nowSec() - 7_200n,
    periodEnd: o.periodEnd ?? nowSec() - 3_600n,
    sequence: o.sequence,
    recordCount: o.recordCount ?? n,
    merkleRoot: o.merkleRoot ?? PoseidonWasm.load().merkleRootStrided(records, n, PUBLIC_RECORD_BYTES, RECORD_OFFSET.commitment).slice(),
    recordsDigest: o.recordsDigest ?? recordsDigest(records),
  };
  const chain = o.chain ?? devnetChain();
  const signature = o.signature ?? ed25519Sign(canonicalBatchHeader(header, chain), o.key ?? devnetKey(header.submitter));
  return { frame: encodeBatch(header, records, signature), header, id: batchId(header, chain), records, signature };
}
