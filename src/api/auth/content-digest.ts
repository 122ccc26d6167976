// Content-Digest (RFC 9530): the digest of a request body, as a Dictionary of algorithm → byte
// sequence. Signing the header (RFC 9421 covers `content-digest`) and checking the body against it
// binds a signed request to its body.

import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDictionary, StructuredFieldError } from './structured-fields.js';

/** Algorithms taken (RFC 9530 §5: the "standard" ones of the IANA registry). */
const ALGORITHMS = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
type Algorithm = keyof typeof ALGORITHMS;

/** The Content-Digest header value of `body` (sha-256, what cdrchain clients send). */
export function contentDigest(body: Uint8Array | string, algorithm: Algorithm = 'sha-256'): string {
  return `${algorithm}=:${createHash(ALGORITHMS[algorithm]).update(body).digest('base64')}:`;
}

/** Why a body does not match its Content-Digest. */
export class ContentDigestError extends Error {
  override readonly name = 'ContentDigestError';
}

/**
 * Checks `body` against a Content-Digest header: at least one algorithm this node knows must be
 * present, and every known one must match (unknown ones are ignored, RFC 9530 §2). Throws
 * ContentDigestError.
 */
export function checkContentDigest(header: string, body: Uint8Array): void {
  let dict;
  try {
    dict = parseDictionary(header);
  } catch (err) {
    if (err instanceof StructuredFieldError) throw new ContentDigestError(`content-digest is not a structured dictionary: ${err.message}`);
    throw err;
  }
  let checked = 0;
  for (const [name, member] of dict) {
    if (!(name in ALGORITHMS)) continue;
    if (member.kind !== 'item' || !(member.value instanceof Uint8Array)) throw new ContentDigestError(`content-digest ${name} is not a byte sequence`);
    const expected = createHash(ALGORITHMS[name as Algorithm]).update(body).digest();
    const given = Buffer.from(member.value);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ContentDigestError(`content-digest ${name} does not match the body`);
    checked++;
  }
  if (checked === 0) throw new ContentDigestError(`content-digest names no algorithm this node checks (${Object.keys(ALGORITHMS).join(', ')})`);
}
