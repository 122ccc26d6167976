import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from './hex.js';

/**
 * A batch's signed header as the node defines it (src/codec/batch.ts canonicalBatchHeader): the
 * 16-byte tag "cdrchain:batch:2", the chain identity (GET /status genesisHash), then the fields in
 * order, big-endian, fixed width. The batch id is its SHA-256; the submitter signs it with Ed25519.
 */

export interface HeaderFields {
  readonly version: number;
  readonly submitter: number;
  readonly counterparty: number;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly sequence: string;
  readonly recordCount: number;
  readonly merkleRoot: string;
  readonly recordsDigest: string;
}

const TAG = 'cdrchain:batch:2';
export const CANONICAL_HEADER_BYTES = 16 + 32 + 2 + 4 + 4 + 8 + 8 + 8 + 4 + 32 + 32;

export function canonicalHeader(h: HeaderFields, genesisHash: string): Uint8Array {
  const out = new Uint8Array(CANONICAL_HEADER_BYTES);
  const v = new DataView(out.buffer);
  let p = 0;
  for (let i = 0; i < TAG.length; i++) out[p++] = TAG.charCodeAt(i);
  out.set(hexToBytes(genesisHash, 32), p);
  p += 32;
  v.setUint16(p, h.version);
  v.setUint32(p + 2, h.submitter);
  v.setUint32(p + 6, h.counterparty);
  v.setBigUint64(p + 10, BigInt(h.periodStart));
  v.setBigUint64(p + 18, BigInt(h.periodEnd));
  v.setBigUint64(p + 26, BigInt(h.sequence));
  v.setUint32(p + 34, h.recordCount);
  p += 38;
  out.set(hexToBytes(h.merkleRoot, 32), p);
  out.set(hexToBytes(h.recordsDigest, 32), p + 32);
  return out;
}

/** The batch id on the chain `genesisHash` names. */
export function batchIdOf(h: HeaderFields, genesisHash: string): Uint8Array {
  return sha256(canonicalHeader(h, genesisHash));
}

/** The submitter's signature over the canonical header, strict RFC 8032 (as node:crypto checks it). */
export function signatureValid(h: HeaderFields, genesisHash: string, signatureHex: string, publicKeyHex: string): boolean {
  try {
    return ed25519.verify(hexToBytes(signatureHex, 64), canonicalHeader(h, genesisHash), hexToBytes(publicKeyHex, 32), { zip215: false });
  } catch {
    return false;
  }
}
