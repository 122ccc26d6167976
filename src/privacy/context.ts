import { CanonicalWriter } from '../codec/bytes.js';
import { MAX_BATCH_RECORDS } from '../codec/limits.js';
import { PrivacyInputError } from './errors.js';

/**
 * Where a ciphertext belongs. Every key derivation, AEAD associated data and HPKE info string of the
 * privacy layer starts from these canonical bytes, so a ciphertext, a wrapped key or a key-table
 * entry moved to another chain, pair, batch or record no longer opens.
 */
export interface BatchContext {
  /** The chain identity (`genesisHash` of `GET /status`), as batch signatures bind it. */
  readonly chainId: Uint8Array;
  readonly submitter: number;
  readonly counterparty: number;
  /** The batch's per-submitter sequence (≥ 1). */
  readonly sequence: bigint;
}

export const CHAIN_ID_BYTES = 32;
export const BATCH_CONTEXT_BYTES = CHAIN_ID_BYTES + 4 + 4 + 8;
export const RECORD_CONTEXT_BYTES = BATCH_CONTEXT_BYTES + 4;
export const PAIR_CONTEXT_BYTES = CHAIN_ID_BYTES + 4 + 4;
const MAX_U64 = (1n << 64n) - 1n;

function checkOperator(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new PrivacyInputError(`${name} must be a u32 PLMN id`);
}

/** Validates a batch context and returns a frozen copy (the chain id is copied too). */
export function batchContext(c: BatchContext): BatchContext {
  if (!(c.chainId instanceof Uint8Array) || c.chainId.length !== CHAIN_ID_BYTES) {
    throw new PrivacyInputError(`chainId must be ${CHAIN_ID_BYTES} bytes`);
  }
  checkOperator('submitter', c.submitter);
  checkOperator('counterparty', c.counterparty);
  if (c.submitter === c.counterparty) throw new PrivacyInputError('submitter and counterparty must differ');
  if (typeof c.sequence !== 'bigint' || c.sequence < 1n || c.sequence > MAX_U64) {
    throw new PrivacyInputError('sequence must be a bigint in 1..2^64-1');
  }
  return Object.freeze({ chainId: Uint8Array.from(c.chainId), submitter: c.submitter, counterparty: c.counterparty, sequence: c.sequence });
}

export function checkRecordIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_BATCH_RECORDS) {
    throw new PrivacyInputError(`record index must be an integer in 0..${MAX_BATCH_RECORDS - 1}`);
  }
}

/** chain id ‖ submitter ‖ counterparty ‖ sequence, big-endian: 48 bytes. */
export function encodeBatchContext(c: BatchContext): Uint8Array {
  return new CanonicalWriter(BATCH_CONTEXT_BYTES).raw(c.chainId, CHAIN_ID_BYTES).u32(c.submitter).u32(c.counterparty).u64(c.sequence).finish();
}

/** The batch context ‖ record index: 52 bytes. */
export function encodeRecordContext(c: BatchContext, index: number): Uint8Array {
  checkRecordIndex(index);
  return new CanonicalWriter(RECORD_CONTEXT_BYTES)
    .raw(c.chainId, CHAIN_ID_BYTES)
    .u32(c.submitter)
    .u32(c.counterparty)
    .u64(c.sequence)
    .u32(index)
    .finish();
}

/** chain id ‖ submitter ‖ counterparty: what a lawful-access wrap is bound to (it may serve several batches). */
export function encodePairContext(c: Pick<BatchContext, 'chainId' | 'submitter' | 'counterparty'>): Uint8Array {
  return new CanonicalWriter(PAIR_CONTEXT_BYTES).raw(c.chainId, CHAIN_ID_BYTES).u32(c.submitter).u32(c.counterparty).finish();
}

/** Concatenates byte strings (domain tags and canonical encodings of fixed or prefixed length). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}
