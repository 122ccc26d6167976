import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../test-helpers/devnet.js';
import { ContractStore, wordFromBytes, wordToBytes } from './contract-store.js';
import { StorageEnv } from './env.js';

describe('ContractStore', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function open(dir: string): { env: StorageEnv; store: ContractStore } {
    const env = StorageEnv.open(dir);
    cleanups.push(() => env.close());
    return { env, store: new ContractStore(env) };
  }

  const idA = new Uint8Array(32).fill(0xaa);
  const idB = new Uint8Array(32).fill(0xab);

  it('keeps code, slots and receipts across a reopen; storing 0 deletes a slot', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const first = open(data.dir);
    await first.env.transaction(() => {
      first.store.writeCode(idA, Uint8Array.of(0x43, 0x56, 0x4d, 1, 0, 0, 0, 1, 0));
      first.store.writeSlots(idA, [[1n, 10n], [2n ** 255n, (1n << 256n) - 1n], [7n, 70n]]);
      first.store.writeSlots(idB, [[1n, 99n]]);
      first.store.writeReceipt(idA, { status: 0, statusName: 'success', gasUsed: '21', output: '', events: [], height: 3, index: 0 });
    });
    await first.env.transaction(() => first.store.writeSlots(idA, [[7n, 0n]]));
    await first.env.close();
    cleanups.pop();

    const { store } = open(data.dir);
    expect(Buffer.from(store.contractCode(idA)!).toString('hex')).toBe('43564d010000000100');
    expect(store.contractCode(idB)).toBeUndefined();
    expect(store.slot(idA, 1n)).toBe(10n);
    expect(store.slot(idA, 7n)).toBe(0n);
    expect(store.slot(idA, 3n)).toBe(0n);
    expect([...store.slotsOf(idA)]).toEqual([[1n, 10n], [2n ** 255n, (1n << 256n) - 1n]]);
    expect([...store.slotsOf(idB)]).toEqual([[1n, 99n]]);
    expect(store.receipt(idA)?.height).toBe(3);
  });

  it('encodes words as 32 big-endian bytes and refuses what is not a word', () => {
    expect(wordToBytes(0x0102n).toString('hex')).toBe('0'.repeat(60) + '0102');
    expect(wordFromBytes(wordToBytes((1n << 256n) - 1n))).toBe((1n << 256n) - 1n);
    expect(() => wordToBytes(-1n)).toThrow(RangeError);
    expect(() => wordToBytes(1n << 256n)).toThrow(RangeError);
  });
});
