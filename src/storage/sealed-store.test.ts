import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSealedSection } from '../codec/sealed-section.js';
import { SEALED_TABLE_ENTRY_BYTES } from '../privacy/key-table.js';
import { WRAPPED_KEY_BYTES } from '../privacy/key-wrap.js';
import type { SealedBatch } from '../privacy/sealed-batch.js';
import { LAWFUL_TAG_BYTES, LAWFUL_WRAP_BYTES } from '../privacy/threshold/lawful-wrap.js';
import { tempDataDir } from '../test-helpers/devnet.js';
import { StorageEnv } from './env.js';
import { SealedStore } from './sealed-store.js';

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** A section of `groups` (tag, wrap) pairs, two records per group; only the layout matters to the store. */
function section(groups: readonly { tag: Uint8Array; wrap: Uint8Array }[]): Uint8Array {
  const sealed: SealedBatch = {
    batchNonce: bytes(32),
    submitterWrap: bytes(WRAPPED_KEY_BYTES),
    counterpartyWrap: bytes(WRAPPED_KEY_BYTES),
    groups: groups.map((g) => ({ tag: g.tag, tableEntry: bytes(SEALED_TABLE_ENTRY_BYTES), lawfulWrap: g.wrap })),
    records: groups.flatMap((_, j) => [{ group: j, ciphertext: bytes(208) }, { group: j, ciphertext: bytes(190) }]),
  };
  return encodeSealedSection({ sealed, recipients: { submitterKey: bytes(32), counterpartyKey: bytes(32), lawfulKey: bytes(32) }, signature: bytes(64) });
}

describe('SealedStore', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  function open(): { env: StorageEnv; store: SealedStore } {
    const d = tempDataDir();
    const env = StorageEnv.open(d.dir);
    cleanups.push(d.cleanup, () => env.close());
    return { env, store: new SealedStore(env) };
  }

  it("keeps a wrap that later batches repeat once, gives back each section byte for byte, and frees a shared wrap with its last batch", async () => {
    const { env, store } = open();
    const g = Array.from({ length: 11 }, () => ({ tag: bytes(LAWFUL_TAG_BYTES), wrap: bytes(LAWFUL_WRAP_BYTES) }));
    // Batch 1: groups 0..9. Batch 2: groups 5..10 with the same wraps, and group 6 re-wrapped (a
    // client that lost its cache): that one stays inline.
    const s1 = section(g.slice(0, 10));
    const s2 = section([...g.slice(5, 11).map((x, k) => (k === 1 ? { tag: x.tag, wrap: bytes(LAWFUL_WRAP_BYTES) } : x))]);
    const id1 = bytes(32);
    const id2 = bytes(32);
    await env.transaction(() => {
      store.put(id1, s1);
      store.put(id2, s2);
    });
    expect(Buffer.from(store.get(id1)!)).toEqual(Buffer.from(s1));
    expect(Buffer.from(store.get(id2)!)).toEqual(Buffer.from(s2));
    const wraps = env.hashDb('sealed-wraps');
    expect([...wraps.getKeys()].length).toBe(11);
    const stored = env.hashDb('sealed');
    // Each batch's value is its section less the wraps it shares (batch 2 keeps one inline).
    expect(stored.getBinary(id1)!.length).toBeLessThan(s1.length - 10 * LAWFUL_WRAP_BYTES + 64);
    expect(stored.getBinary(id2)!.length).toBeLessThan(s2.length - 5 * LAWFUL_WRAP_BYTES + 64);
    const refs = (j: number): number | undefined => wraps.getBinary(g[j]!.tag)?.readUInt32LE(0);
    expect([0, 5, 6, 10].map(refs)).toEqual([1, 2, 1, 1]);

    await env.transaction(() => store.remove(id1));
    expect(store.has(id1)).toBe(false);
    expect(store.get(id1)).toBeUndefined();
    expect([0, 5, 6, 10].map(refs)).toEqual([undefined, 1, undefined, 1]);
    expect(Buffer.from(store.get(id2)!)).toEqual(Buffer.from(s2));
    await env.transaction(() => store.remove(id2));
    expect([...wraps.getKeys()].length).toBe(0);
    expect(await env.transaction(() => store.remove(id2))).toBe(0);
  });

  it('reads a whole section stored by the earlier form', async () => {
    const { env, store } = open();
    const s = section([{ tag: bytes(32), wrap: bytes(LAWFUL_WRAP_BYTES) }]);
    const id = bytes(32);
    await env.transaction(() => void env.hashDb('sealed').put(Buffer.from(id), Buffer.from(s)));
    expect(Buffer.from(store.get(id)!)).toEqual(Buffer.from(s));
    expect(await env.transaction(() => store.remove(id))).toBe(s.length);
    expect(store.has(id)).toBe(false);
  });
});
