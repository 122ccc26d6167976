import type { webcrypto } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { type BatchContext, ascii, concatBytes, encodeBatchContext } from './context.js';
import { KeyWrapError, PrivacyInputError } from './errors.js';
import { BATCH_NONCE_BYTES } from './payload-cipher.js';

/**
 * A batch key wrapped to one operator with HPKE (RFC 9180), base mode, suite
 * DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM (KEM 0x0020, KDF 0x0001, AEAD 0x0002),
 * `@hpke/core`, whose X25519 KEM runs on the runtime's WebCrypto X25519 (Node's native OpenSSL; the
 * pure-JavaScript one of `@hpke/dhkem-x25519` is for runtimes without it, and the tests' RFC 9180
 * reference). One wrap per recipient: the submitter (so it can read its
 * own batches back from any validator) and the counterparty.
 *
 *   info = "cdrchain:key-wrap:1" ‖ batch context ‖ batch nonce ‖ recipient PLMN
 *   wrapped = enc (32) ‖ HPKE ciphertext of the 32-byte key (48)                 80 bytes
 *
 * The info binds the wrap to its chain, pair, batch, sealing and recipient: presented for another
 * batch, or as the other party's wrap, it does not open.
 */

export const X25519_KEY_BYTES = 32;
export const WRAPPED_KEY_BYTES = 32 + 32 + 16;
export const WRAPPED_SECRET_BYTES = 32;
const INFO_TAG = ascii('cdrchain:key-wrap:1');

/** The HPKE suite every wrap uses (exported for the RFC 9180 checks in the tests). */
export const HPKE_SUITE = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

function checkRecipient(ctx: BatchContext, recipient: number): void {
  if (recipient !== ctx.submitter && recipient !== ctx.counterparty) {
    throw new PrivacyInputError(`operator ${recipient} is neither the submitter nor the counterparty of this batch`);
  }
}

export function keyWrapInfo(ctx: BatchContext, batchNonce: Uint8Array, recipient: number): Uint8Array {
  if (batchNonce.length !== BATCH_NONCE_BYTES) throw new PrivacyInputError(`a batch nonce is ${BATCH_NONCE_BYTES} bytes`);
  checkRecipient(ctx, recipient);
  const plmn = new Uint8Array(4);
  new DataView(plmn.buffer).setUint32(0, recipient);
  return concatBytes(INFO_TAG, encodeBatchContext(ctx), batchNonce, plmn);
}

export interface WrapKeyOptions {
  readonly ctx: BatchContext;
  readonly batchNonce: Uint8Array;
  /** The recipient's PLMN id: the batch's submitter or counterparty. */
  readonly recipient: number;
  readonly recipientPublicKey: Uint8Array;
  /** The 32-byte key to wrap. */
  readonly key: Uint8Array;
}

export async function wrapKey(o: WrapKeyOptions): Promise<Uint8Array> {
  if (o.key.length !== WRAPPED_SECRET_BYTES) throw new PrivacyInputError(`a wrapped key is ${WRAPPED_SECRET_BYTES} bytes`);
  if (o.recipientPublicKey.length !== X25519_KEY_BYTES) throw new KeyWrapError('encoding', `an X25519 public key is ${X25519_KEY_BYTES} bytes`);
  const info = keyWrapInfo(o.ctx, o.batchNonce, o.recipient);
  let sealed: { ct: ArrayBuffer; enc: ArrayBuffer };
  try {
    const recipientPublicKey = await HPKE_SUITE.kem.deserializePublicKey(o.recipientPublicKey);
    sealed = await HPKE_SUITE.seal({ recipientPublicKey, info }, o.key);
  } catch {
    // The key is the only input HPKE can refuse here (e.g. a low-order point gives an all-zero DH).
    throw new KeyWrapError('encoding', `operator ${o.recipient}'s public key is not a usable X25519 key`);
  }
  return concatBytes(new Uint8Array(sealed.enc), new Uint8Array(sealed.ct));
}

export interface UnwrapKeyOptions {
  readonly ctx: BatchContext;
  readonly batchNonce: Uint8Array;
  readonly recipient: number;
  readonly recipientPrivateKey: Uint8Array;
  readonly wrapped: Uint8Array;
}

export async function unwrapKey(o: UnwrapKeyOptions): Promise<Uint8Array> {
  if (o.wrapped.length !== WRAPPED_KEY_BYTES) throw new KeyWrapError('length', `a wrapped key is ${WRAPPED_KEY_BYTES} bytes`);
  if (o.recipientPrivateKey.length !== X25519_KEY_BYTES) throw new KeyWrapError('encoding', `an X25519 private key is ${X25519_KEY_BYTES} bytes`);
  const info = keyWrapInfo(o.ctx, o.batchNonce, o.recipient);
  let recipientKey: webcrypto.CryptoKey;
  try {
    recipientKey = await HPKE_SUITE.kem.deserializePrivateKey(o.recipientPrivateKey);
  } catch {
    throw new KeyWrapError('encoding', 'the private key is not a usable X25519 key');
  }
  try {
    const pt = await HPKE_SUITE.open({ recipientKey, enc: o.wrapped.subarray(0, 32), info }, o.wrapped.subarray(32));
    return new Uint8Array(pt);
  } catch {
    throw new KeyWrapError('open', 'the wrapped key does not open for this recipient and batch');
  }
}
