import { createHash, randomBytes } from 'node:crypto';
import { ed25519, ristretto255 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import sodium from 'libsodium-wrappers-sumo';

/**
 * The prime-order group the threshold scheme works in: ristretto255 (RFC 9496). Two libraries:
 * libsodium (WASM, `libsodium-wrappers-sumo`) for the multiplications by secret scalars (`mul`,
 * `mulToBytes`, `mulBaseToBytes`: constant time, ~5 times faster than pure JavaScript) and
 * @noble/curves for the rest (point type, decoding, additions, public-scalar multiplications,
 * hashing to scalars); the tests check the two against each other and against RFC 9496's vectors.
 * This module is the only place that touches either library's types, so the rest of the threshold
 * code reads as the algebra it implements. Every decoder here is strict: canonical encodings only,
 * identity refused unless asked for, scalars below the group order.
 */

/** libsodium did not start (no WebAssembly): nothing in this module can be used. */
export class GroupInitError extends Error {
  override readonly name = 'GroupInitError';
}

// Top-level await: a module importing this one runs only once libsodium is ready, so the
// synchronous functions below never meet an uninitialised library and callers (the sealer, worker
// threads, tests) need no init call. The cost is one WASM instantiation, ~50 ms, per process or
// worker thread that imports the group.
try {
  await sodium.ready;
} catch (err) {
  throw new GroupInitError(`libsodium (ristretto255) failed to initialise: ${err instanceof Error ? err.message : String(err)}`);
}

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

/** Window of noble's precomputed table of the generator (its wNAF: public-scalar multiplications by G). */
export const WINDOW_BITS = 8;

let baseReady = false;
/** The generator, with a precomputed window table (built once, on first use). */
export function base(): Point {
  if (!baseReady) {
    Point.BASE.precompute(WINDOW_BITS, false);
    baseReady = true;
  }
  return Point.BASE;
}

/** The generator's Edwards representative (the same point object, sharing the window table). */
export function baseEdwards(): EdwardsPoint {
  base();
  return EdwardsPoint.BASE;
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

function secretBytes(secret: bigint): Uint8Array {
  if (secret <= 0n || secret >= GROUP_ORDER) throw new RangeError('a secret scalar is in [1, ℓ)');
  return Point.Fn.toBytes(secret);
}

/**
 * The encoding of secret·G: libsodium's constant-time fixed-base multiplication (its precomputed
 * table of the generator). `secret` in [1, ℓ) (libsodium clears bit 255 only, so it must be reduced).
 */
export function mulBaseToBytes(secret: bigint): Uint8Array {
  const n = secretBytes(secret);
  try {
    return sodium.crypto_scalarmult_ristretto255_base(n);
  } finally {
    n.fill(0);
  }
}

/**
 * The encoding of secret·P for the canonical encoding `element` of P (libsodium's constant-time
 * variable-base multiplication; it decodes `element` strictly). The identity as P, or as the result,
 * is refused (libsodium reports both as one failure): GroupEncodingError.
 */
export function mulToBytes(element: Uint8Array, secret: bigint): Uint8Array {
  if (element.length !== ELEMENT_BYTES) throw new GroupEncodingError(`an element is ${ELEMENT_BYTES} bytes`);
  const n = secretBytes(secret);
  try {
    return sodium.crypto_scalarmult_ristretto255(n, element);
  } catch {
    throw new GroupEncodingError('not a canonical encoding of a non-identity ristretto255 element');
  } finally {
    n.fill(0);
  }
}

/**
 * Constant-time multiplication for secret scalars (must be non-zero), on libsodium. A point given
 * as a noble Point costs an encoding and a decoding around the product (~0.3 ms in JavaScript): hot
 * paths that only need the product's encoding call `mulToBytes` / `mulBaseToBytes` on encodings.
 */
export function mul(p: Point, secret: bigint): Point {
  if (p.is0()) {
    secretBytes(secret);
    return Point.ZERO;
  }
  const product = p.equals(Point.BASE) ? mulBaseToBytes(secret) : mulToBytes(p.toBytes(), secret);
  return Point.fromBytes(product);
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

const Fp = Point.Fp;
const EDWARDS_D: bigint = ed25519.Point.CURVE().d;
/** √−1 and 1/√(a − d) mod p (RFC 9496 §4.1 constants; a = −1). */
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;
const INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578n;
const isOdd = (v: bigint): boolean => (v & 1n) === 1n;

// What follows is the pure-JavaScript batched path the client sealed with before libsodium; kept as
// the reference the tests and the micro-benchmark (bench/micro/lawful-wrap.bench.ts) compare against.

/**
 * An Edwards representative of a ristretto255 element: the library keeps a ristretto point's
 * extended coordinates to itself, an ed25519 point shows them. Multiplying a representative by a
 * scalar gives a representative of the product, so batched encoding can work on these.
 */
export type EdwardsPoint = InstanceType<typeof ed25519.Point>;
export const EdwardsPoint = ed25519.Point;

/** A representative of `p` (one inversion, for the points a caller multiplies many times). */
export function edwardsOf(p: Point): EdwardsPoint {
  return EdwardsPoint.fromAffine(p.toAffine());
}

/**
 * The ristretto255 encodings of 2·P for each representative P, with one field inversion for the
 * whole list instead of an inverse square root per point (Hamburg's double-and-encode, as
 * curve25519-dalek's `double_and_compress_batch`, with Montgomery's batch inversion): ~20 field
 * multiplications per point against ~260 for encoding one point. A caller that wants the encoding
 * of Q multiplies by half the scalar (Q = 2·P). It branches on the same kind of values as the
 * library's own encoding (`toBytes`). Tested against `toBytes` of 2·P.
 */
export function encodeDoubled(points: readonly EdwardsPoint[]): Uint8Array[] {
  const states = points.map((p) => {
    const { X, Y, Z, T } = p;
    const xx = Fp.sqr(X);
    const yy = Fp.sqr(Y);
    const zz = Fp.sqr(Z);
    const dtt = Fp.mul(Fp.sqr(T), EDWARDS_D);
    const e = Fp.mul(X, Fp.add(Y, Y)); // 2XY
    const f = Fp.add(zz, dtt); // Z² + dT²
    const g = Fp.add(yy, xx); // Y² − aX²
    const h = Fp.sub(zz, dtt); // Z² − dT²
    return { e, f, g, h, eg: Fp.mul(e, g), fh: Fp.mul(f, h) };
  });
  const products = states.map((st) => Fp.mul(st.eg, st.fh));
  // Zero only when 2·P is the identity (P of order ≤ 2, or a torsion representative of it): the
  // one-at-a-time path handles it (never the case for r·G or r·Y with r ≠ 0).
  if (products.some((x) => x === 0n)) return points.map((p) => Point.fromAffine(p.double().toAffine()).toBytes());
  const inverses = Fp.invertBatch(products);
  return states.map((st, i) => {
    const inv = inverses[i]!;
    const zInv = Fp.mul(st.eg, inv);
    const tInv = Fp.mul(st.fh, inv);
    let { e, g, h } = st;
    let magic = INVSQRT_A_MINUS_D;
    if (isOdd(Fp.mul(st.eg, zInv))) {
      const minusE = Fp.neg(e);
      e = st.g;
      g = minusE;
      h = Fp.mul(st.f, SQRT_M1);
      magic = SQRT_M1;
    }
    if (isOdd(Fp.mul(Fp.mul(h, e), zInv))) g = Fp.neg(g);
    let sv = Fp.mul(Fp.sub(h, g), Fp.mul(magic, Fp.mul(g, tInv)));
    if (isOdd(sv)) sv = Fp.neg(sv);
    return Fp.toBytes(sv);
  });
}

/** Half of a scalar mod ℓ: (s · 2⁻¹) mod ℓ. */
export function halfScalar(s: bigint): bigint {
  return mod(s * HALF);
}
const HALF = (GROUP_ORDER + 1n) / 2n;

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
 * The value of @noble/curves' `ristretto255_hasher.hashToScalar` (64 uniform bytes, little-endian,
 * mod ℓ: RFC 9497's HashToScalar), with node:crypto's SHA-512 (a third of the time; tested equal).
 */
export function hashToScalar(dst: string, ...parts: Uint8Array[]): bigint {
  const lengths = new Uint8Array(4 * parts.length);
  const view = new DataView(lengths.buffer);
  parts.forEach((p, i) => view.setUint32(4 * i, p.length));
  // RFC 9380 §5.3.1 with SHA-512 (b_in_bytes 64, s_in_bytes 128) and len_in_bytes 64: ell = 1, so
  // uniform_bytes = b_1 = H(b_0 ‖ 1 ‖ DST'), b_0 = H(Z_pad ‖ msg ‖ I2OSP(64, 2) ‖ 0 ‖ DST').
  const dstPrime = dstPrimeOf(dst);
  const h0 = createHash('sha512').update(Z_PAD);
  parts.forEach((p, i) => h0.update(lengths.subarray(4 * i, 4 * i + 4)).update(p));
  const b0 = h0.update(XMD_TAIL).update(dstPrime).digest();
  const b1 = createHash('sha512').update(b0).update(ONE).update(dstPrime).digest();
  return mod(bytesToNumberLE(b1));
}
const Z_PAD = new Uint8Array(128);
const XMD_TAIL = Uint8Array.of(0, 64, 0);
const ONE = Uint8Array.of(1);
const dstPrimes = new Map<string, Uint8Array>();
function dstPrimeOf(dst: string): Uint8Array {
  let d = dstPrimes.get(dst);
  if (!d) {
    const bytes = new TextEncoder().encode(dst);
    // Longer tags are hashed first (§5.3.3): none of ours is, so they are refused instead.
    if (bytes.length === 0 || bytes.length > 255) throw new RangeError('a domain-separation tag is 1..255 bytes');
    d = Uint8Array.from([...bytes, bytes.length]);
    dstPrimes.set(dst, d);
  }
  return d;
}
