import { describe, expect, it } from 'vitest';
import { Mempool, type MempoolEntry } from './mempool.js';

function entry(order: number, cdrCount: number, durable = true): MempoolEntry {
  return { order, id: new Uint8Array(32).fill(order), submitter: 26201, sequence: BigInt(order + 1), cdrCount, receivedAt: 0, durable };
}

describe('Mempool', () => {
  it('hands out only the durable prefix, in admission order', () => {
    const m = new Mempool();
    const [a, b, c] = [entry(0, 10), entry(1, 10, false), entry(2, 10)];
    m.push(a);
    m.push(b);
    m.push(c);
    expect(m.take(100, 1_000).map((e) => e.order)).toEqual([0]);
    expect(m.take(100, 1_000)).toEqual([]);
    b.durable = true;
    expect(m.take(100, 1_000).map((e) => e.order)).toEqual([1, 2]);
    expect(m.size).toBe(0);
    expect(m.cdrCount).toBe(0);
  });

  it('respects transaction and CDR limits but always takes one entry', () => {
    const m = new Mempool();
    for (let i = 0; i < 5; i++) m.push(entry(i, 100));
    expect(m.take(2, 10_000)).toHaveLength(2);
    expect(m.take(10, 250)).toHaveLength(2);
    expect(m.take(10, 50)).toHaveLength(1); // larger than the CDR limit on its own
    expect(m.size).toBe(0);
  });

  it('restores a failed block at the front and discards failed writes', () => {
    const m = new Mempool();
    for (let i = 0; i < 4; i++) m.push(entry(i, 1));
    const taken = m.take(2, 100);
    m.restore(taken);
    expect(m.size).toBe(4);
    const third = entry(9, 7, false);
    m.push(third);
    m.discard(third);
    expect(m.cdrCount).toBe(4);
    expect(m.take(100, 100).map((e) => e.order)).toEqual([0, 1, 2, 3]);
  });
});
