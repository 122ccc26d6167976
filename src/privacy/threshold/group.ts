import { randomBytes } from 'node:crypto';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';

/**
 * The prime-order group the threshold scheme works in: ristretto255 (RFC 9496) from @noble/curves.
 * This module is the only place that touches the library's point and scalar types, so the rest of
 * the threshold code reads as the algebra it implements. Every decoder here is strict: canonical
 * encodings only, identity refused unless asked for, scalars below the group order.
 */

export const Point = ristretto255.Point;
export type Point = InstanceType<typeof ristretto255.Point>;

export const ELEMENT_BYTES = 32;
export const SCALAR_BYTES = 32;
/** ℓ = 2^252 + 27742317777372353535851937790883648493, the order of ristretto255. */
export const GROUP_ORDER: bigint = Point.Fn.ORDER;

/** Thrown by the decoders; callers turn it into their own typed error naming what was malformed. */
export class GroupEncodingError extends Error {
  override readonly name = 'GroupEncodingError';
}

let baseReady = false;
/** The generator, with a precomputed window table (built once, on first use). */
export function base(): Point {
  if (!baseReady) {
    Point.BASE.precompute(8, false);
    baseReady = true;
  }
  return Point.BASE;
}

export function mod(x: bigint): bigint {
  return Point.Fn.create(x);
}

/** x⁻¹ mod ℓ for a non-zero x (the library's field inversion). */
export function invertScalar(x: bigint): bigint {
  return Point.Fn.inv(mod(x));
}

/** A uniformly random non-zero scalar: 64 random bytes reduced mod ℓ (bias < 2^-250). */
export function randomScalar(): bigint {
  for (;;) {
    const s = mod(bytesToNumberLE(randomBytes(64)));
    if (s !== 0n) return s;
  }
}

/** Constant-time multiplication for secret scalars (must be non-zero). */
export function mul(p: Point, secret: bigint): Point {
  return p.multiply(secret);
}

/** Variable-time multiplication for public scalars (challenges, responses, Lagrange coefficients). */
export function mulPublic(p: Point, scalar: bigint): Point {
  return p.multiplyUnsafe(mod(scalar));
}

export function encodeScalar(s: bigint): Uint8Array {
  return Point.Fn.toBytes(mod(s));
}

/** 32 bytes little-endian, strictly below ℓ (a non-canonical encoding is refused, not reduced). */
export function decodeScalar(bytes: Uint8Array): bigint {
  if (bytes.length !== SCALAR_BYTES) throw new GroupEncodingError(`a scalar is ${SCALAR_BYTES} bytes`);
  const s = bytesToNumberLE(bytes);
  if (s >= GROUP_ORDER) throw new GroupEncodingError('scalar is not reduced below the group order');
  return s;
}

export function encodeElement(p: Point): Uint8Array {
  return p.toBytes();
}

/** Decodes a canonical ristretto255 encoding (RFC 9496 §4.3.1); the identity only if `allowIdentity`. */
export function decodeElement(bytes: Uint8Array, allowIdentity = false): Point {
  if (bytes.length !== ELEMENT_BYTES) throw new GroupEncodingError(`an element is ${ELEMENT_BYTES} bytes`);
  let p: Point;
  try {
    p = Point.fromBytes(bytes);
  } catch {
    throw new GroupEncodingError('not a canonical ristretto255 encoding');
  }
  if (!allowIdentity && p.is0()) throw new GroupEncodingError('the identity element is not allowed here');
  return p;
}

/**
 * A Fiat–Shamir challenge: RFC 9380 hash_to_field (expand_message_xmd, SHA-512) into the scalar
 * field under a domain-separation tag, over length-prefixed parts so no two transcripts collide.
 */
export function hashToScalar(dst: string, ...parts: Uint8Array[]): bigint {
  let n = 0;
  for (const p of parts) n += 4 + p.length;
  const msg = new Uint8Array(n);
  const view = new DataView(msg.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length);
    msg.set(p, at + 4);
    at += 4 + p.length;
  }
  return ristretto255_hasher.hashToScalar(msg, { DST: dst });
}
