import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NettingInputError } from './errors.js';
import { netBilateralAmounts, netPositions, settlingTransfers, type BilateralAmount, type NetPosition, type Transfer } from './netting-reference.js';
import { syntheticConsortium } from './random-consortium.js';

/** Positions after the transfers are paid: every one must be zero. */
function afterTransfers(positions: readonly NetPosition[], transfers: readonly Transfer[]): bigint[] {
  const left = new Map(positions.map((p) => [p.operator, p.net] as const));
  for (const t of transfers) {
    left.set(t.from, left.get(t.from)! + t.amount);
    left.set(t.to, left.get(t.to)! - t.amount);
  }
  return positions.map((p) => left.get(p.operator)!);
}

describe('plain netting reference', () => {
  it('nets a small consortium by hand', () => {
    const amounts: BilateralAmount[] = [
      { debtor: 20801, creditor: 23415, amount: 500n },
      { debtor: 23415, creditor: 20801, amount: 200n },
      { debtor: 23415, creditor: 26201, amount: 100n },
      { debtor: 26201, creditor: 20801, amount: 50n },
    ];
    const r = netBilateralAmounts([20801, 23415, 26201], amounts);
    expect(r.positions).toEqual([
      { operator: 20801, net: -250n },
      { operator: 23415, net: 200n },
      { operator: 26201, net: 50n },
    ]);
    expect(r.transfers).toEqual([
      { from: 20801, to: 23415, amount: 200n },
      { from: 20801, to: 26201, amount: 50n },
    ]);
  });

  it('cancels triangles and longer cycles', () => {
    const cycle = (ops: number[], x: bigint): BilateralAmount[] => ops.map((d, i) => ({ debtor: d, creditor: ops[(i + 1) % ops.length]!, amount: x }));
    const tri = netBilateralAmounts([1, 2, 3], cycle([1, 2, 3], 1_000n));
    expect(tri.positions.map((p) => p.net)).toEqual([0n, 0n, 0n]);
    expect(tri.transfers).toEqual([]);
    const long = netBilateralAmounts([1, 2, 3, 4, 5], [...cycle([1, 3, 5, 2, 4], 7n), { debtor: 2, creditor: 1, amount: 3n }]);
    expect(long.positions.map((p) => p.net)).toEqual([3n, -3n, 0n, 0n, 0n]);
    expect(long.transfers).toEqual([{ from: 2, to: 1, amount: 3n }]);
  });

  it('random consortia up to 100 operators, every pair a relation: nets sum to zero, at most n − 1 transfers settle them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 100 }), fc.string({ maxLength: 8 }), fc.constantFrom(10n, 10n ** 6n, 10n ** 15n), (n, seed, max) => {
        const { operators, amounts } = syntheticConsortium(n, seed, max);
        expect(amounts).toHaveLength(n * (n - 1));
        const { positions, transfers } = netBilateralAmounts(operators, amounts);
        // Independently: net_i = Σ owed to i − Σ owed by i.
        for (const p of positions) {
          const inflow = amounts.filter((a) => a.creditor === p.operator).reduce((s, a) => s + a.amount, 0n);
          const outflow = amounts.filter((a) => a.debtor === p.operator).reduce((s, a) => s + a.amount, 0n);
          expect(p.net).toBe(inflow - outflow);
        }
        expect(positions.reduce((s, p) => s + p.net, 0n)).toBe(0n);
        const nonZero = positions.filter((p) => p.net !== 0n).length;
        expect(transfers.length).toBeLessThanOrEqual(Math.max(0, nonZero - 1));
        expect(transfers.length).toBeLessThanOrEqual(n - 1);
        for (const t of transfers) expect(t.amount > 0n && t.from !== t.to).toBe(true);
        expect(afterTransfers(positions, transfers).every((x) => x === 0n)).toBe(true);
        // A payer only pays, a receiver only receives.
        const net = new Map(positions.map((p) => [p.operator, p.net] as const));
        for (const t of transfers) expect(net.get(t.from)! < 0n && net.get(t.to)! > 0n).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses input that does not describe a consortium', () => {
    expect(() => netPositions([1, 1], [])).toThrow(NettingInputError);
    expect(() => netPositions([1, 2], [{ debtor: 1, creditor: 3, amount: 1n }])).toThrow(/not both/);
    expect(() => netPositions([1, 2], [{ debtor: 1, creditor: 1, amount: 1n }])).toThrow(/itself/);
    expect(() => netPositions([1, 2], [{ debtor: 1, creditor: 2, amount: -1n }])).toThrow(/non-negative/);
    expect(() => netPositions([1.5], [])).toThrow(/u32/);
    expect(() => settlingTransfers([{ operator: 1, net: 1n }])).toThrow(/sum to 1/);
  });
});
