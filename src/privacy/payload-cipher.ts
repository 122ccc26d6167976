import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../crypto/hash.js';
import { aesGcmOpen, aesGcmSeal } from './aead.js';
import { type BatchContext, ascii, concatBytes, encodeRecordContext } from './context.js';
import { PayloadOpenError, PrivacyInputError } from './errors.js';

/**
 * One record's private payload under AES-256-GCM (NIST SP 800-38D, node:crypto) with its own key.
 *
 *   record key = HKDF-SHA256(ikm = group key, salt = batch nonce, info = "cdrchain:record-key:1" ‖ record context)
 *   ciphertext = AES-256-GCM(record key, IV = 0^96, aad = "cdrchain:payload:1" ‖ record context, payload) ‖ tag
 *   payload_hash = SHA-256(ciphertext ‖ tag)       — what the public record carries and admission re-checks
 *
 * Every record key encrypts exactly one message, so a fixed IV never repeats under a key (the
 * uniqueness SP 800-38D §8 asks of (key, IV) pairs) and no IV travels on the wire. The batch nonce is
 * fresh for every sealing: a batch re-sealed after a Nack under the same sequence (and possibly the
 * same group key) still gets new record keys. The record context in both the key and the AAD means a
 * ciphertext moved to another record, batch, pair or chain does not open.
 */

export const PAYLOAD_KEY_BYTES = 32;
export const GROUP_KEY_BYTES = 32;
export const BATCH_NONCE_BYTES = 32;
export const PAYLOAD_TAG_BYTES = 16;
/** A CDR payload (src/codec/cdr-payload.ts, version 3) is ~68 bytes, varints and its record id (~108); anything near this bound is not a CDR. */
export const MAX_PAYLOAD_PLAINTEXT_BYTES = 1024;
export const MAX_PAYLOAD_CIPHERTEXT_BYTES = MAX_PAYLOAD_PLAINTEXT_BYTES + PAYLOAD_TAG_BYTES;
export const PAYLOAD_HASH_BYTES = 32;

const RECORD_KEY_INFO = ascii('cdrchain:record-key:1');
const PAYLOAD_AAD = ascii('cdrchain:payload:1');
const ZERO_IV = new Uint8Array(12);

function checkKey(name: string, key: Uint8Array, length: number): void {
  if (!(key instanceof Uint8Array) || key.length !== length) throw new PrivacyInputError(`${name} must be ${length} bytes`);
}

/** The key of record `index` of a batch, from the key of the record's lawful-access group. */
export function deriveRecordKey(groupKey: Uint8Array, batchNonce: Uint8Array, ctx: BatchContext, index: number): Uint8Array {
  checkKey('group key', groupKey, GROUP_KEY_BYTES);
  checkKey('batch nonce', batchNonce, BATCH_NONCE_BYTES);
  const info = concatBytes(RECORD_KEY_INFO, encodeRecordContext(ctx, index));
  return new Uint8Array(hkdfSync('sha256', groupKey, batchNonce, info, PAYLOAD_KEY_BYTES));
}

/**
 * The same keys as `deriveRecordKey` for many records of one group and batch, for the sealing
 * client: HKDF-Extract (PRK = HMAC(batch nonce, group key)) once, then per record the one
 * HKDF-Expand block a 32-byte key needs, HMAC(PRK, info ‖ 0x01) (RFC 5869 §2.3 with L = HashLen).
 * node:crypto's `hkdfSync` redoes the extract and a KeyObject per call: ~3× the cost per record.
 */
export function recordKeyDeriver(groupKey: Uint8Array, batchNonce: Uint8Array, ctx: BatchContext): (index: number) => Uint8Array {
  checkKey('group key', groupKey, GROUP_KEY_BYTES);
  checkKey('batch nonce', batchNonce, BATCH_NONCE_BYTES);
  const prk = createHmac('sha256', batchNonce).update(groupKey).digest();
  return (index) => {
    const info = concatBytes(RECORD_KEY_INFO, encodeRecordContext(ctx, index), EXPAND_COUNTER);
    const t = createHmac('sha256', prk).update(info).digest();
    return new Uint8Array(t.buffer, t.byteOffset, PAYLOAD_KEY_BYTES);
  };
}

const EXPAND_COUNTER = Uint8Array.of(1);

function payloadAad(ctx: BatchContext, index: number): Uint8Array {
  return concatBytes(PAYLOAD_AAD, encodeRecordContext(ctx, index));
}

/** Encrypts one payload; the result is ciphertext ‖ 16-byte tag. */
export function sealPayload(recordKey: Uint8Array, ctx: BatchContext, index: number, plaintext: Uint8Array): Uint8Array {
  checkKey('record key', recordKey, PAYLOAD_KEY_BYTES);
  if (plaintext.length > MAX_PAYLOAD_PLAINTEXT_BYTES) {
    throw new PrivacyInputError(`payload of ${plaintext.length} bytes exceeds ${MAX_PAYLOAD_PLAINTEXT_BYTES}`);
  }
  return aesGcmSeal(recordKey, ZERO_IV, payloadAad(ctx, index), plaintext);
}

/** Decrypts and authenticates one payload; a failure says nothing about which input was wrong. */
export function openPayload(recordKey: Uint8Array, ctx: BatchContext, index: number, ciphertext: Uint8Array): Uint8Array {
  checkKey('record key', recordKey, PAYLOAD_KEY_BYTES);
  if (ciphertext.length < PAYLOAD_TAG_BYTES || ciphertext.length > MAX_PAYLOAD_CIPHERTEXT_BYTES) {
    throw new PayloadOpenError('length', `payload ciphertext must be ${PAYLOAD_TAG_BYTES}..${MAX_PAYLOAD_CIPHERTEXT_BYTES} bytes`);
  }
  const plaintext = aesGcmOpen(recordKey, ZERO_IV, payloadAad(ctx, index), ciphertext);
  if (!plaintext) throw new PayloadOpenError('authentication', 'payload does not authenticate under this key and record context');
  return plaintext;
}

/** The public record's payload_hash: SHA-256 over the whole sealed payload (ciphertext ‖ tag). */
export function payloadHash(ciphertext: Uint8Array): Uint8Array {
  return sha256(ciphertext);
}

/**
 * The admission check: does `ciphertext` hash to the record's `payload_hash`? Size is checked first,
 * so an oversized payload costs no hashing. Needs no key: every validator can run it.
 */
export function payloadHashMatches(ciphertext: Uint8Array, expected: Uint8Array): boolean {
  if (expected.length !== PAYLOAD_HASH_BYTES) return false;
  if (ciphertext.length < PAYLOAD_TAG_BYTES || ciphertext.length > MAX_PAYLOAD_CIPHERTEXT_BYTES) return false;
  return timingSafeEqual(sha256(ciphertext), expected);
}
