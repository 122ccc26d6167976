import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CURRENCIES, CURRENCY_INFO } from '../../cdr/currency.js';
import { findPackageRoot } from '../../wasm/load.js';
import { CommitmentError } from '../errors.js';
import { currencyGeneratorsCircom } from './currency-generators-circom.js';
import {
  commitTotals, CURRENCY_G_DOMAIN, CURRENCY_GENERATORS, currencyGenerator, currencyGeneratorDomain, opensTotals,
} from './currency-generators.js';
import { deriveH, JUBJUB_ORDER, PEDERSEN_G, PEDERSEN_H, toAffine } from './pedersen.js';

interface CircomBabyJub {
  F: { e(x: bigint | string): unknown; toObject(x: unknown): bigint };
  addPoint(a: unknown[], b: unknown[]): [unknown, unknown];
  mulPointEscalar(p: unknown[], e: bigint): [unknown, unknown];
  inSubgroup(p: unknown[]): boolean;
}
const circomlibjsName: string = 'circomlibjs';
let babyJub: CircomBabyJub;
beforeAll(async () => {
  babyJub = await ((await import(circomlibjsName)) as { buildBabyjub(): Promise<CircomBabyJub> }).buildBabyjub();
});

describe('per-currency Pedersen generators G_cur', () => {
  it('one per currency, derived like H from its own domain, in the prime-order subgroup, all distinct', () => {
    expect(CURRENCY_GENERATORS.map((g) => g.numeric)).toEqual(CURRENCIES.map((c) => CURRENCY_INFO[c].numeric));
    expect(currencyGeneratorDomain(978)).toBe(`${CURRENCY_G_DOMAIN}978`);
    const all = [PEDERSEN_G, PEDERSEN_H, ...CURRENCY_GENERATORS.map((g) => g.point)];
    for (const g of CURRENCY_GENERATORS) {
      expect(deriveH(currencyGeneratorDomain(g.numeric)).equals(g.point)).toBe(true);
      expect(g.point.is0()).toBe(false);
      expect(g.point.isTorsionFree()).toBe(true);
      expect(babyJub.inSubgroup([babyJub.F.e(g.affine.x), babyJub.F.e(g.affine.y)])).toBe(true);
      expect(g.affine.x).not.toBe(0n); // the circuit's variable-base ladder needs a point with x ≠ 0
      expect(all.filter((p) => p.equals(g.point))).toHaveLength(1);
    }
    expect(() => currencyGenerator(392)).toThrow(CommitmentError);
  });

  it('commits several currencies at once, additively, and agrees with circomlibjs', () => {
    const eur = 978;
    const gbp = 826;
    const c = commitTotals(new Map([[eur, 1_234n], [gbp, 99n]]), 777n);
    const e = CURRENCY_GENERATORS.find((g) => g.numeric === eur)!.affine;
    const g = CURRENCY_GENERATORS.find((x) => x.numeric === gbp)!.affine;
    const h = toAffine(PEDERSEN_H);
    const pt = (a: { x: bigint; y: bigint }): unknown[] => [babyJub.F.e(a.x), babyJub.F.e(a.y)];
    const ref = babyJub.addPoint(babyJub.addPoint(babyJub.mulPointEscalar(pt(e), 1_234n), babyJub.mulPointEscalar(pt(g), 99n)), babyJub.mulPointEscalar(pt(h), 777n));
    expect([toAffine(c).x, toAffine(c).y]).toEqual(ref.map((v) => babyJub.F.toObject(v)));
    // Homomorphic per currency; the amounts of two currencies do not mix.
    const d = commitTotals(new Map([[eur, 6n]]), 3n);
    expect(c.add(d).equals(commitTotals(new Map([[eur, 1_240n], [gbp, 99n]]), 780n))).toBe(true);
    expect(opensTotals(c, new Map([[gbp, 1_234n], [eur, 99n]]), 777n)).toBe(false);
    expect(opensTotals(c, new Map([[eur, 1_234n], [gbp, 99n]]), 777n + JUBJUB_ORDER)).toBe(true);
    expect(commitTotals(new Map(), 0n).is0()).toBe(true);
  });

  it('circuits/currency-generators.circom holds exactly these points (regenerate: node scripts/gen-currency-generators.mjs)', () => {
    const file = readFileSync(join(findPackageRoot(), 'circuits', 'currency-generators.circom'), 'utf8');
    expect(file).toBe(currencyGeneratorsCircom());
  });
});
