import { isValidPlmn } from '../cdr/plmn.js';
import { ReconciliationInputError } from './errors.js';

/**
 * The two operators of a roaming relation, unordered: `a` is the lower PLMN id, `b` the higher, so
 * both operators' batches (submitter and counterparty swapped) name one pair.
 */
export interface OperatorPair {
  readonly a: number;
  readonly b: number;
}

export type PairSide = 'a' | 'b';

/** The pair of two distinct valid PLMN ids, in either order; throws ReconciliationInputError. */
export function operatorPair(x: number, y: number): OperatorPair {
  if (!isValidPlmn(x) || !isValidPlmn(y)) throw new ReconciliationInputError('pair', `${x}-${y}: not two PLMN ids`);
  if (x === y) throw new ReconciliationInputError('pair', `${x}-${y}: a pair needs two different operators`);
  return x < y ? { a: x, b: y } : { a: y, b: x };
}

/** `20801-23415` (either order); throws ReconciliationInputError. */
export function parseOperatorPair(s: string): OperatorPair {
  const m = /^([2-7][0-9]{4,5})-([2-7][0-9]{4,5})$/.exec(s);
  if (!m) {
    const shown = s.length > 32 ? `${s.slice(0, 32)}…` : s;
    throw new ReconciliationInputError('pair', `pair "${shown}" is not two PLMN ids joined by "-" (e.g. 20801-23415)`);
  }
  return operatorPair(Number(m[1]), Number(m[2]));
}

/** `a-b`, lower id first. */
export function formatOperatorPair(p: OperatorPair): string {
  return `${p.a}-${p.b}`;
}

/** Which side of the pair `plmn` is, or undefined when it is not in the pair. */
export function sideOf(p: OperatorPair, plmn: number): PairSide | undefined {
  return plmn === p.a ? 'a' : plmn === p.b ? 'b' : undefined;
}
