// HTTP Message Signatures (RFC 9421) of the explorer's requests, as the node verifies them
// (src/api/auth/signature-verifier.ts) and as the CLI signs them (src/client/request-signer.ts):
// Ed25519 over @method, @authority, @path and @query, keyid `plmn:<id>`, `created` now and a random
// nonce (the node takes each signature once). The explorer only sends GETs, so no content-digest.
// The serialization is the structured-field subset these parameters need (strings, integers);
// request-signature.test.ts holds it to the node's verifier.

import { keyIdOf, REQUIRED_COMPONENTS, SIGNATURE_ALG, SIGNATURE_LABEL, SIGNATURE_TAG } from '../../../src/api/auth/signature-profile.js';
import type { SigningKey } from './signing-key.js';

/** An sf-string (RFC 8941 §3.3.3): printable ASCII, quotes and backslashes escaped. */
function sfString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new RangeError('a structured-field string holds printable ASCII only');
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function base64url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export interface SignatureOptions {
  /** Unix ms (default: now). */
  readonly nowMs?: number;
  /** 16 random bytes (default: crypto.getRandomValues). */
  readonly nonce?: Uint8Array;
}

/** The `signature-input` and `signature` headers of a bodiless request to `url` as operator `plmn`. */
export async function signRequest(key: SigningKey, plmn: number, method: string, url: URL, opts: SignatureOptions = {}): Promise<Record<string, string>> {
  const nonce = opts.nonce ?? crypto.getRandomValues(new Uint8Array(16));
  const created = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const m = method.toUpperCase();
  const values: Record<(typeof REQUIRED_COMPONENTS)[number], string> = {
    '@method': m,
    '@authority': url.host.toLowerCase(),
    '@path': url.pathname === '' ? '/' : url.pathname,
    '@query': `?${url.search.slice(1)}`,
  };
  const params = `(${REQUIRED_COMPONENTS.map(sfString).join(' ')})` +
    `;created=${created};nonce=${sfString(base64url(nonce))};keyid=${sfString(keyIdOf(plmn))};alg=${sfString(SIGNATURE_ALG)};tag=${sfString(SIGNATURE_TAG)}`;
  const base = [...REQUIRED_COMPONENTS.map((c) => `${sfString(c)}: ${values[c]}`), `"@signature-params": ${params}`].join('\n');
  const signature = await key.sign(new TextEncoder().encode(base));
  return {
    'signature-input': `${SIGNATURE_LABEL}=${params}`,
    signature: `${SIGNATURE_LABEL}=:${base64(signature)}:`,
  };
}
