// What cdrchain asks of an operator-signed API request (HTTP Message Signatures, RFC 9421): shared
// by the node's verifier and the client's signer, so the two cannot drift apart.

/** Components every signed request covers: what was asked, of which node, where, with what query. */
export const REQUIRED_COMPONENTS = ['@method', '@authority', '@path', '@query'] as const;

/** Covered too when the request has a body (RFC 9530), so the signature binds the body. */
export const BODY_DIGEST_COMPONENT = 'content-digest';

/** The `tag` parameter (RFC 9421 §2.3): this application's signatures, and no other's. */
export const SIGNATURE_TAG = 'cdrchain';

/** The only algorithm taken (`alg`, when present). */
export const SIGNATURE_ALG = 'ed25519';

/** The signature label the client uses (the verifier takes the first member with a `plmn:` keyid). */
export const SIGNATURE_LABEL = 'sig1';

/** `keyid` of operator `plmn`: its batch key, registered in the genesis. */
export const keyIdOf = (plmn: number): string => `plmn:${plmn}`;

/** The operator a keyid names, or undefined when it is not `plmn:<id>`. */
export function plmnOfKeyId(keyid: string): number | undefined {
  const m = /^plmn:([1-9][0-9]{0,9})$/.exec(keyid);
  if (!m) return undefined;
  const plmn = Number(m[1]);
  return plmn <= 0xffff_ffff ? plmn : undefined;
}

/** Does a request of this method (or with these framing headers) carry a body the signature must bind? */
export function hasBody(method: string, contentLength: string | undefined, transferEncoding: string | undefined): boolean {
  if (transferEncoding) return true;
  if (contentLength !== undefined && contentLength !== '' && contentLength !== '0') return true;
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** Seconds a signature's `created` may differ from the node's clock, either way (default). */
export const DEFAULT_MAX_SKEW_SECONDS = 300;
