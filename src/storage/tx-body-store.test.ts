import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../test-helpers/devnet.js';
import type { StorageEnv } from './env.js';
import { openStores, type Stores } from './index.js';
import { StorageWriteError } from './storage-errors.js';
import { isTxBodyLocation } from './tx-body-location.js';
import { TxBodyStore, TxBodyStoreDamagedError } from './tx-body-store.js';

const SEGMENT = 64 * 1024;
const hashOf = (i: number) => Buffer.alloc(32, 0).fill(i & 0xff, 0, 1).fill((i >> 8) & 0xff, 1, 2).fill(7, 2);
const bodyOf = (i: number, n = 10_000) => Buffer.concat([Buffer.from(`body-${i}-`), randomBytes(n)]);

describe('transaction bodies in segment files (real LMDB, real files)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function open(dir: string): Stores {
    const stores = openStores(dir, { txBodies: { segmentBytes: SEGMENT } });
    stores.chain.recoverBodies(); // as the node does on start
    let closed = false;
    cleanups.push(() => (closed ? undefined : stores.env.close()));
    const close = stores.env.close.bind(stores.env);
    stores.env.close = async () => {
      closed = true;
      await close();
    };
    return stores;
  }

  async function append(stores: Stores, from: number, count: number, bodies: Map<number, Buffer>): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, (_, k) => {
        const i = from + k;
        const body = bodyOf(i);
        bodies.set(i, body);
        return stores.chain.appendTx(hashOf(i), body, () => stores.pending.add(i, hashOf(i)));
      }),
    );
  }

  const segmentFiles = (dir: string) => readdirSync(join(dir, 'bodies')).filter((n) => n.endsWith('.seg')).sort();

  it('keeps bodies out of LMDB: 24-byte locations, rolled segments, one flush for many bodies, intact across a reopen', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const bodies = new Map<number, Buffer>();
    const stores = open(data.dir);
    await append(stores, 0, 40, bodies); // 40 × ~10 KB over 64 KiB segments: 7 segments
    const store = stores.chain.bodyStore;
    expect(store.flushes).toBeLessThan(40 / 2); // group commit: concurrent appends share flushes
    for (const [i, body] of bodies) expect(Buffer.from(stores.chain.tx(hashOf(i))!)).toEqual(body);
    const raw = stores.env.hashDb('txs').getBinary(hashOf(3))!;
    expect(isTxBodyLocation(raw)).toBe(true);
    expect(raw.length).toBe(24);
    const files = segmentFiles(data.dir);
    expect(files.length).toBeGreaterThanOrEqual(6);
    // The index's accounting agrees with what was written (read-modify-write inside grouped transactions).
    const segs = stores.chain.bodySegments();
    expect(segs.reduce((n, s) => n + s.liveCount, 0)).toBe(40);
    expect(segs.reduce((n, s) => n + s.liveBytes, 0)).toBe([...bodies.values()].reduce((n, b) => n + b.length, 0));
    const onDisk = files.reduce((n, f) => n + statSync(join(data.dir, 'bodies', f)).size, 0);
    expect(stores.chain.bodyBytes()).toBe(onDisk);
    // Small values stay inline.
    await stores.env.transaction(() => stores.chain.putTx(hashOf(999), Uint8Array.of(1, 2, 3)));
    expect([...stores.chain.tx(hashOf(999))!]).toEqual([1, 2, 3]);
    await stores.env.close();

    const again = open(data.dir);
    for (const [i, body] of bodies) expect(Buffer.from(again.chain.tx(hashOf(i))!)).toEqual(body);
    expect([...again.chain.allTxs()].length).toBe(41);
    await append(again, 40, 5, bodies); // appends continue in the last segment with room
    for (const [i, body] of bodies) expect(Buffer.from(again.chain.tx(hashOf(i))!)).toEqual(body);
  });

  it('cuts a torn tail and deletes a segment nothing was indexed in, on open', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const bodies = new Map<number, Buffer>();
    const stores = open(data.dir);
    await append(stores, 0, 3, bodies);
    const files = segmentFiles(data.dir);
    const last = join(data.dir, 'bodies', files.at(-1)!);
    const indexedEnd = stores.chain.bodySegments().at(-1)!.end;
    await stores.env.close();
    // A crash mid-append: a torn body after the last indexed one, and a new segment with a body
    // written and flushed but never indexed (the LMDB commit never happened).
    appendFileSync(last, randomBytes(5_000));
    const orphan = join(data.dir, 'bodies', '000099.seg');
    appendFileSync(orphan, randomBytes(1_000));

    const again = open(data.dir);
    expect(statSync(last).size).toBe(indexedEnd);
    expect(existsSync(orphan)).toBe(false);
    for (const [i, body] of bodies) expect(Buffer.from(again.chain.tx(hashOf(i))!)).toEqual(body);
    // The next body lands where the garbage was, and reads back whole; numbering continues past the orphan.
    await append(again, 3, 1, bodies);
    expect(Buffer.from(again.chain.tx(hashOf(3))!)).toEqual(bodies.get(3));
    expect(again.chain.bodyBytes()).toBe(segmentFiles(data.dir).reduce((n, f) => n + statSync(join(data.dir, 'bodies', f)).size, 0));
  });

  it('opening without recovery (cdrchain prune, before it knows the directory is free) changes no file', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const stores = open(data.dir);
    await append(stores, 0, 2, new Map());
    await stores.env.close();
    const last = join(data.dir, 'bodies', segmentFiles(data.dir).at(-1)!);
    appendFileSync(last, randomBytes(1_000)); // another process's body, flushed, not yet indexed
    const size = statSync(last).size;
    const reader = openStores(data.dir, { txBodies: { segmentBytes: SEGMENT } });
    cleanups.push(() => reader.env.close());
    expect(reader.chain.tx(hashOf(1))).toBeDefined();
    expect(statSync(last).size).toBe(size);
    expect(reader.chain.bodyBytes()).toBe(size);
  });

  it('refuses to open when bytes the index points at are gone', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const stores = open(data.dir);
    await append(stores, 0, 2, new Map());
    await stores.env.close();
    const file = join(data.dir, 'bodies', segmentFiles(data.dir)[0]!);
    truncateSync(file, 100);
    const stores2 = openStores(data.dir, { txBodies: { segmentBytes: SEGMENT } });
    cleanups.push(() => stores2.env.close());
    expect(() => stores2.chain.recoverBodies()).toThrow(TxBodyStoreDamagedError);
  });

  it('a failed index write indexes nothing, and the next body takes the place it left', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const bodies = new Map<number, Buffer>();
    const stores = open(data.dir);
    await append(stores, 0, 1, bodies);
    const sizeBefore = stores.chain.bodyBytes();
    const env = stores.env as StorageEnv & { transaction: StorageEnv['transaction'] };
    const real = env.transaction.bind(env);
    env.transaction = (() => Promise.reject(new StorageWriteError('storage write failed: No space left on device', 28))) as StorageEnv['transaction'];
    const failed = await stores.chain.appendTx(hashOf(1), bodyOf(1), () => stores.pending.add(1, hashOf(1))).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(StorageWriteError);
    expect(stores.chain.tx(hashOf(1))).toBeUndefined();
    expect(stores.chain.bodyBytes()).toBe(sizeBefore);
    env.transaction = real as StorageEnv['transaction'];
    await append(stores, 2, 1, bodies);
    const seg = stores.chain.bodySegments()[0]!;
    expect(seg).toMatchObject({ liveCount: 2, end: bodies.get(0)!.length + bodies.get(2)!.length });
    expect(Buffer.from(stores.chain.tx(hashOf(2))!)).toEqual(bodies.get(2));
  });

  it('deletes a segment once every body in it is released, never the one appends go to', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const bodies = new Map<number, Buffer>();
    const stores = open(data.dir);
    await append(stores, 0, 14, bodies); // ~3 segments
    const before = stores.chain.bodySegments();
    const first = before[0]!;
    const segmentOf = (i: number): number | undefined => {
      const raw = stores.env.hashDb('txs').getBinary(hashOf(i))!;
      return isTxBodyLocation(raw) ? raw.readUInt32BE(8) : undefined;
    };
    const inFirst = [...bodies.keys()].filter((i) => segmentOf(i) === first.segment);
    expect(inFirst.length).toBeGreaterThan(1);
    // Release all but one: nothing goes.
    await stores.env.transaction(() => inFirst.slice(1).forEach((i) => stores.chain.replaceTx(hashOf(i), Buffer.from(`stub-${i}`))));
    expect(await stores.chain.sweepBodySegments()).toEqual({ segments: 0, bytes: 0 });
    await stores.env.transaction(() => stores.chain.replaceTx(hashOf(inFirst[0]!), Buffer.from('stub')));
    const bytesBefore = stores.chain.bodyBytes();
    const swept = await stores.chain.sweepBodySegments();
    expect(swept).toEqual({ segments: 1, bytes: first.end });
    expect(stores.chain.bodyBytes()).toBe(bytesBefore - first.end);
    expect(existsSync(join(data.dir, 'bodies', `${String(first.segment).padStart(6, '0')}.seg`))).toBe(false);
    expect(stores.chain.bodySegments().map((s) => s.segment)).not.toContain(first.segment);
    expect(Buffer.from(stores.chain.tx(hashOf(inFirst[0]!))!).toString()).toBe('stub');
    // The segment appends go to is kept even when empty.
    const active = stores.chain.bodyStore.activeSegment!;
    const inActive = [...bodies.keys()].filter((i) => segmentOf(i) === active);
    await stores.env.transaction(() => inActive.forEach((i) => stores.chain.replaceTx(hashOf(i), Buffer.from('stub'))));
    await stores.chain.sweepBodySegments();
    expect(stores.chain.bodySegments().map((s) => s.segment)).toContain(active);
    for (const i of bodies.keys()) if (!inFirst.includes(i) && !inActive.includes(i)) expect(Buffer.from(stores.chain.tx(hashOf(i))!)).toEqual(bodies.get(i));
  });

  it('validates its options', () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    expect(() => TxBodyStore.open(join(data.dir, 'b'), { segmentBytes: 10 })).toThrow(/segmentBytes/);
  });
});
