import { InsufficientPartialsError, InvalidPartialError } from '../errors.js';
import { type Point, mulPublic } from './group.js';
import { lagrangeAtZero } from './lagrange.js';
import type { LawfulAccessSetup } from './lawful-access-setup.js';
import { type DecryptionTarget, type PartialDecryption, verifyPartial } from './partial-decryption.js';

/**
 * W = Σ_{i∈S} λ_i·D_i = (Σ λ_i s_i)·U = s·U: Lagrange interpolation in the exponent. The secret s is
 * never formed; only the point s·U for this one ciphertext is. With fewer than t holders the sum is
 * some other point, and the wrap's GCM tag rejects the key it yields.
 */
export function interpolateInExponent(partials: readonly { readonly holder: number; readonly d: Point }[]): Point {
  const lambdas = lagrangeAtZero(partials.map((p) => p.holder));
  let w: Point | undefined;
  for (const p of partials) {
    const term = mulPublic(p.d, lambdas.get(p.holder)!);
    w = w ? w.add(term) : term;
  }
  if (!w) throw new InsufficientPartialsError(0, 1);
  return w;
}

export interface Combination {
  /** s·U for the target ciphertext. */
  readonly w: Point;
  /** The holders whose partials were combined (the first t valid ones, in arrival order). */
  readonly used: readonly number[];
  /** Every partial that failed, naming its holder and why. */
  readonly rejected: readonly InvalidPartialError[];
}

/**
 * Verifies every partial (DLEQ proof against the holder's verification key), sets aside the bad ones
 * by name, and combines t good ones. Fewer than t good partials is an InsufficientPartialsError that
 * carries the rejections.
 */
export function combinePartials(setup: LawfulAccessSetup, target: DecryptionTarget, partials: readonly PartialDecryption[]): Combination {
  const t = setup.params.threshold;
  const good: { holder: number; d: Point }[] = [];
  const rejected: InvalidPartialError[] = [];
  const seen = new Set<number>();
  for (const p of partials) {
    if (good.length === t) break;
    if (seen.has(p.holder)) {
      rejected.push(new InvalidPartialError(p.holder, 'duplicate', `holder ${p.holder} sent two partial decryptions`));
      continue;
    }
    seen.add(p.holder);
    try {
      good.push({ holder: p.holder, d: verifyPartial(setup, target, p) });
    } catch (err) {
      if (!(err instanceof InvalidPartialError)) throw err;
      rejected.push(err);
    }
  }
  if (good.length < t) {
    throw new InsufficientPartialsError(good.length, t, Object.freeze(rejected));
  }
  return Object.freeze({ w: interpolateInExponent(good), used: Object.freeze(good.map((g) => g.holder)), rejected: Object.freeze(rejected) });
}
