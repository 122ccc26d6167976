// The operator's Ed25519 private key, in memory only. WebCrypto where the browser has Ed25519 (the
// key is then imported non-extractable: page scripts can use it, never read it back), else
// @noble/curves, loaded only then. Nothing here is persisted or sent anywhere.

import { pkcs8Of } from './operator-key.js';

export interface SigningKey {
  /** Which implementation signs: shown on the page. */
  readonly implementation: 'WebCrypto' | '@noble/curves';
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A signing key for `seed` (32 bytes); the caller drops its copy of the seed. */
export async function signingKeyOf(seed: Uint8Array): Promise<SigningKey> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    try {
      const key = await subtle.importKey('pkcs8', pkcs8Of(seed), { name: 'Ed25519' }, false, ['sign']);
      return {
        implementation: 'WebCrypto',
        sign: async (m) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, new Uint8Array(m))),
      };
    } catch (err) {
      // NotSupportedError: this browser's WebCrypto has no Ed25519 — the fallback below.
      if (!(err instanceof DOMException) || err.name !== 'NotSupportedError') throw err;
    }
  }
  const { ed25519 } = await import('@noble/curves/ed25519.js');
  const secret = seed.slice();
  return { implementation: '@noble/curves', sign: (m) => Promise.resolve(ed25519.sign(m, secret)) };
}

/** Does `signature` over `message` verify under `publicKey` (32 bytes)? Strict RFC 8032, as the node checks. */
export async function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    try {
      const key = await subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
      return await subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(signature), new Uint8Array(message));
    } catch (err) {
      if (!(err instanceof DOMException) || err.name !== 'NotSupportedError') return false;
    }
  }
  const { ed25519 } = await import('@noble/curves/ed25519.js');
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
