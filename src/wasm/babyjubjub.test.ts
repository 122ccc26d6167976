// BJJ_SUM in WebAssembly against @noble/curves (bjjSumNoble), byte for byte: sums, refusals.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { babyjubjub } from '@noble/curves/misc.js';
import { bjjSum, bjjSumNoble } from '../vm/node-host.js';
import { BabyJubjubWasm } from './babyjubjub.js';

const Jubjub = babyjubjub.Point;
/** n: the prime order of the subgroup G (Base8) generates; the curve's order is 8·n. */
const { p: P, a: A, d: D, n: L } = Jubjub.CURVE();
const Fp = Jubjub.Fp;
const G = Jubjub.BASE;

interface Raw {
  readonly x: bigint;
  readonly y: bigint;
}

const encode = (points: readonly Raw[]): Uint8Array => {
  const out = new Uint8Array(64 * points.length);
  const view = new DataView(out.buffer);
  points.forEach(({ x, y }, i) => {
    for (const [at, v] of [[64 * i, x], [64 * i + 32, y]] as const) {
      for (let k = 0; k < 4; k++) view.setBigUint64(at + 8 * k, BigInt.asUintN(64, v >> BigInt(192 - 64 * k)));
    }
  });
  return out;
};

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

/** k·G in the prime-order subgroup, k = 0 giving the identity (0, 1). */
const multiple = (k: bigint): Raw => G.multiplyUnsafe(k).toAffine();

/** The curve point with this y and the even x, if any: mostly outside the subgroup. */
function pointWithY(y: bigint): Raw | undefined {
  const y2 = Fp.sqr(y);
  const den = Fp.sub(A, Fp.mul(D, y2));
  if (Fp.is0(den)) return undefined;
  const x2 = Fp.div(Fp.sub(1n, y2), den);
  try {
    const x = Fp.sqrt(x2);
    return { x: x % 2n === 0n ? x : Fp.neg(x), y };
  } catch {
    return undefined; // not a square: no point with this y
  }
}

const onCurve: fc.Arbitrary<Raw> = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: L - 1n }).map(multiple) },
  { weight: 1, arbitrary: fc.constantFrom(multiple(0n), multiple(1n), { x: 0n, y: P - 1n }) }, // (0, −1): order 2
  {
    weight: 2,
    arbitrary: fc
      .bigInt({ min: 0n, max: P - 1n })
      .map(pointWithY)
      .filter((q): q is Raw => q !== undefined),
  },
);

const refused: fc.Arbitrary<Raw> = fc.oneof(
  onCurve.map(({ x, y }) => ({ x: x === 0n ? 1n : x, y: (y + 1n) % P })), // off the curve
  fc.record({ x: fc.bigInt({ min: 0n, max: P - 1n }), y: fc.bigInt({ min: 0n, max: P - 1n }) }),
  onCurve.map(({ x, y }) => ({ x: x + P, y })), // the same point with a non-canonical coordinate
  onCurve.map(({ x, y }) => ({ x, y: y + P })),
  fc.constant({ x: (1n << 256n) - 1n, y: 1n }),
);

const batch = (point: fc.Arbitrary<Raw>): fc.Arbitrary<{ points: Raw[]; added: number }> =>
  fc
    .array(point, { maxLength: 12 })
    .chain((points) => fc.record({ points: fc.constant(points), added: fc.integer({ min: 0, max: points.length }) }));

const same = (points: readonly Raw[], added: number): void => {
  const bytes = encode(points);
  const expected = bjjSumNoble(bytes, added, points.length - added);
  expect(hex(bjjSum(bytes, added, points.length - added))).toBe(hex(expected));
};

describe('BJJ_SUM in WebAssembly = @noble/curves', () => {
  it('sums points on the curve (subgroup multiples, identity, small order, other points)', () => {
    fc.assert(
      fc.property(batch(onCurve), ({ points, added }) => {
        const bytes = encode(points);
        const sum = bjjSum(bytes, added, points.length - added);
        expect(sum).toBeDefined();
        expect(hex(sum)).toBe(hex(bjjSumNoble(bytes, added, points.length - added)));
      }),
      { numRuns: 150 },
    );
  });

  it('refuses exactly what noble refuses: off the curve, a coordinate ≥ p', () => {
    const mixed = fc.oneof({ weight: 3, arbitrary: onCurve }, { weight: 1, arbitrary: refused });
    fc.assert(fc.property(batch(mixed), ({ points, added }) => same(points, added)), { numRuns: 150 });
    fc.assert(
      fc.property(batch(onCurve), refused, fc.nat(), ({ points, added }, bad, at) => {
        const withBad = [...points];
        withBad.splice(at % (points.length + 1), 0, bad);
        expect(bjjSum(encode(withBad), added, withBad.length - added)).toBeUndefined();
        same(withBad, added);
      }),
      { numRuns: 80 },
    );
  });

  it('doubles, cancels and keeps the identity', () => {
    fc.assert(
      fc.property(onCurve, (q) => {
        same([q, q], 2); // P + P
        same([q, q], 1); // P − P
        same([q, { x: (P - q.x) % P, y: q.y }], 2); // P + (−P)
        same([q, q, q], 1); // P − 2P
        same([q, multiple(0n)], 2);
        expect(hex(bjjSum(encode([q, q]), 1, 1))).toBe(hex(encode([multiple(0n)])));
      }),
      { numRuns: 60 },
    );
    expect(hex(bjjSum(new Uint8Array(0), 0, 0))).toBe(hex(encode([{ x: 0n, y: 1n }])));
    const twice = G.double().toAffine();
    expect(hex(bjjSum(encode([G.toAffine(), G.toAffine()]), 2, 0))).toBe(hex(encode([twice])));
  });

  it('agrees over 1,000 points, and refuses a wrong byte length', () => {
    const points = Array.from({ length: 1000 }, (_, i) => (i % 7 === 3 ? pointWithY(BigInt(i)) : undefined) ?? multiple(BigInt(i) * 7919n + 1n));
    same(points, 600);
    const bytes = encode(points);
    expect(bjjSum(bytes.subarray(1), 600, 400)).toBeUndefined();
    expect(bjjSum(bytes, 600, 401)).toBeUndefined();
    expect(BabyJubjubWasm.load().sum(bytes, -1, 1001)).toBeUndefined();
  });
});
