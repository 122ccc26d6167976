// The signature base of HTTP Message Signatures (RFC 9421 §2.5): one line per covered component,
// then the `@signature-params` line. A serialization, not cryptography: signer and verifier build
// the same bytes from the request and the Signature-Input member, and Ed25519 signs them.
// Pinned by the RFC's Appendix B.2.6 vector (signature-base.test.ts).

import { serializeInnerList, serializeItem, type SfInnerList, type SfItem } from './structured-fields.js';

/** A request as the signature base sees it. */
export interface SignableRequest {
  /** As sent (RFC 9421 §2.2.1: case-sensitive; HTTP methods are upper case). */
  readonly method: string;
  /** The Host: host[:port] (lower-cased here; a default port must already be absent). */
  readonly authority: string;
  /** The path, without the query ('' is read as '/'). */
  readonly path: string;
  /** The query without '?' ('' when there is none). */
  readonly query: string;
  /** A header field's value, undefined when absent; `name` is lower case. */
  header(name: string): string | undefined;
}

/** The request lacks a covered component, or the component is one this implementation does not derive. */
export class SignatureBaseError extends Error {
  override readonly name = 'SignatureBaseError';
}

/** Derived components this implementation computes (RFC 9421 §2.2); others are refused. */
export const DERIVED_COMPONENTS = ['@method', '@authority', '@path', '@query'] as const;

/** The value of one covered component (RFC 9421 §2.1, §2.2). */
export function componentValue(req: SignableRequest, name: string): string {
  switch (name) {
    case '@method':
      return req.method;
    case '@authority':
      return req.authority.toLowerCase();
    case '@path':
      return req.path === '' ? '/' : req.path;
    case '@query':
      return `?${req.query}`;
    default: {
      if (name.startsWith('@')) throw new SignatureBaseError(`derived component ${name} is not supported (supported: ${DERIVED_COMPONENTS.join(', ')})`);
      if (name !== name.toLowerCase() || name.length === 0) throw new SignatureBaseError(`component "${name}" must be a lower-case field name`);
      const v = req.header(name);
      if (v === undefined) throw new SignatureBaseError(`covered field "${name}" is not in the request`);
      // §2.1: leading and trailing whitespace removed; obs-fold never reaches here (HTTP/1.1 parsers refuse it).
      return v.replace(/^[ \t]+|[ \t]+$/g, '');
    }
  }
}

/**
 * The signature base for `params`: the covered components (an inner list of strings) with the
 * signature parameters. Component identifiers with parameters (;sf, ;key, ;bs, ;req, ;tr) and
 * repeated identifiers are refused.
 */
export function signatureBase(req: SignableRequest, params: SfInnerList): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of params.items) {
    const name = componentName(item);
    if (seen.has(name)) throw new SignatureBaseError(`component "${name}" is covered twice`);
    seen.add(name);
    const value = componentValue(req, name);
    // A line break in a value would let one component pose as another line of the base.
    if (/[\r\n]/.test(value)) throw new SignatureBaseError(`component "${name}" holds a line break`);
    lines.push(`${serializeItem(item)}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(params)}`);
  return lines.join('\n');
}

/** The name of a component identifier: a string without parameters. */
export function componentName(item: SfItem): string {
  if (typeof item.value !== 'string') throw new SignatureBaseError('a component identifier is a string');
  if (item.params.size > 0) throw new SignatureBaseError(`component "${item.value}" has parameters, which are not supported`);
  return item.value;
}
