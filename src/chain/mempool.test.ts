import { describe, expect, it } from 'vitest';
import { Mempool, type MempoolEntry } from './mempool.js';
import { TxKind } from './tx-kinds/tx-kind.js';

function entry(order: number, cdrCount: number, durable = true): MempoolEntry {
  return { order, id: new Uint8Array(32).fill(order), kind: TxKind.CdrBatch, submitter: 26201, sequence: BigInt(order + 1), cdrCount, receivedAt: 0, durable };
}

const limits = (maxBlockTxs: number, maxBlockCdrs: number) => ({ maxBlockTxs, maxBlockCdrs, maxBlockGas: Number.MAX_SAFE_INTEGER });

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

  it('leaves a block\'s entries in place until the block is durable, then removes exactly them', () => {
    const m = new Mempool();
    for (let i = 0; i < 4; i++) m.push(entry(i, 1));
    const block = m.ready(limits(2, 100));
    expect(block.map((e) => e.order)).toEqual([0, 1]);
    // Nothing left: a failed commit has nothing to put back.
    expect(m.size).toBe(4);
    expect(m.get(block[0]!.id)).toBe(block[0]);
    const third = entry(9, 7, false);
    m.push(third);
    m.discard(third);
    expect(m.cdrCount).toBe(4);
    m.remove(block);
    expect(m.get(block[0]!.id)).toBeUndefined();
    expect(m.size).toBe(2);
    expect(m.cdrCount).toBe(2);
    m.remove(block); // twice is harmless
    expect(m.cdrCount).toBe(2);
    expect(m.take(100, 100).map((e) => e.order)).toEqual([2, 3]);
  });

  it('removes any pending entries a peer\'s block names, keeping the rest in order', () => {
    const m = new Mempool();
    const es = [0, 1, 2, 3, 4].map((i) => entry(i, 10));
    for (const e of es) m.push(e);
    m.remove([es[3]!, es[1]!]);
    expect(m.size).toBe(3);
    expect(m.cdrCount).toBe(30);
    expect(m.ready(limits(100, 1_000)).map((e) => e.order)).toEqual([0, 2, 4]);
  });
});
