import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * AES-256-GCM (NIST SP 800-38D) from node:crypto with a 96-bit IV and a 128-bit tag, sealed as
 * ciphertext ‖ tag. The one place the privacy layer calls the cipher; callers own IV uniqueness.
 */

export const AES_KEY_BYTES = 32;
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export function aesGcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(head.length + tail.length + GCM_TAG_BYTES);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(cipher.getAuthTag(), head.length + tail.length);
  return out;
}

/** The plaintext, or null when the tag does not verify (no plaintext is returned unauthenticated). */
export function aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < GCM_TAG_BYTES) return null;
  const split = sealed.length - GCM_TAG_BYTES;
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(split));
  const body = decipher.update(sealed.subarray(0, split));
  try {
    decipher.final();
  } catch {
    body.fill(0);
    return null;
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}
