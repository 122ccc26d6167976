import { describe, expect, it } from 'vitest';
import type { PairStatement } from '../settlement/bilateral/pair-statement.js';
import { commit, randomBlinding, scalar, toAffine } from '../settlement/commitment/pedersen.js';
import { checkTransferOpening } from './transfer-check.js';

const ME = 23415;

/** Only what the check reads of a pair statement: the pair, its blinding and the operator's amount. */
function pair(partner: number, amount: bigint): PairStatement {
  const [first, second] = ME < partner ? [ME, partner] : [partner, ME];
  return { statement: { first, second }, opening: { blinding: randomBlinding() }, amount } as unknown as PairStatement;
}

const sign = (p: PairStatement): bigint => (p.statement.second === ME ? p.opening.blinding : -p.opening.blinding);

describe('checkTransferOpening', () => {
  const pairs = [pair(20801, 1_000n), pair(26201, 0n), pair(31001, -250n), pair(40445, 0n), pair(50501, 0n)];
  const net = 750n;

  it('opens T_k when every pair is recorded', () => {
    const rho = scalar(pairs.reduce((s, p) => s + sign(p), 0n));
    expect(checkTransferOpening(ME, pairs, toAffine(commit(net, rho)))).toMatchObject({ opens: true, net, blinding: rho, unrecorded: [] });
  });

  it('finds which zero-amount pairs the chain holds no statement for (they net as the identity)', () => {
    const recorded = pairs.filter((p, i) => i !== 1 && i !== 4);
    const rho = scalar(recorded.reduce((s, p) => s + sign(p), 0n));
    const c = checkTransferOpening(ME, pairs, toAffine(commit(net, rho)));
    expect(c).toMatchObject({ opens: true, net, blinding: rho });
    expect(c.opens && [...c.unrecorded].sort()).toEqual([26201, 50501]);
  });

  it('reports a mismatch when the amounts differ or a non-zero pair is missing', () => {
    const rho = scalar(pairs.reduce((s, p) => s + sign(p), 0n));
    expect(checkTransferOpening(ME, pairs, toAffine(commit(net + 1n, rho)))).toMatchObject({ opens: false, net });
    const withoutNonZero = scalar(pairs.filter((_, i) => i !== 0).reduce((s, p) => s + sign(p), 0n));
    expect(checkTransferOpening(ME, pairs, toAffine(commit(net, withoutNonZero))).opens).toBe(false);
  });
});
