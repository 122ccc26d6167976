import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NullifierInputError,
  NullifierSet,
  NullifierSetError,
  NULLIFIER_OFFSET,
  RECORD_STRIDE,
  slotsFor,
} from './nullifier-set.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Packs keys into records of `stride` bytes with the key at `offset`; other bytes are noise. */
function pack(keys: readonly Uint8Array[], stride: number, offset: number): Uint8Array {
  const out = new Uint8Array(keys.length * stride + offset);
  out.set(randomBytes(out.length));
  keys.forEach((k, i) => out.set(k, offset + i * stride));
  return out;
}

function key(fill: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(32);
  fill(b);
  return b;
}

/** Keys built to trip a naive table: shared prefixes/suffixes, zero words, the zero key. */
function adversarialPool(): Uint8Array[] {
  const base = randomBytes(32);
  const pool: Uint8Array[] = [key(() => {}), key((b) => b.fill(0xff))];
  for (let i = 0; i < 8; i++) {
    pool.push(key((b) => { b.set(base); b[31] = i; })); // same 31-byte prefix
    pool.push(key((b) => { b.set(base); b[0] = i; })); // same 31-byte suffix
    pool.push(key((b) => { b[31] = i + 1; })); // only the last word non-zero
    pool.push(key((b) => { b[0] = i + 1; })); // only the first word non-zero
    pool.push(key((b) => { b[8 * (i % 4)] = 1 + (i >> 2); })); // one bit pattern per word
  }
  // Deduplicate (the patterns above overlap for a few i).
  const seen = new Map<string, Uint8Array>();
  for (const k of pool) seen.set(hex(k), k);
  return [...seen.values()];
}

// Reference SipHash-c-d over a 32-byte message (BigInt), to check the WASM mixer.
function sipRef(k: Uint8Array, m: Uint8Array, c: number, d: number): bigint {
  const M = (1n << 64n) - 1n;
  const le = (b: Uint8Array, o: number): bigint => Buffer.from(b.subarray(o, o + 8)).readBigUInt64LE();
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
  const k0 = le(k, 0), k1 = le(k, 8);
  let v0 = k0 ^ 0x736f6d6570736575n, v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n, v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const blocks = [le(m, 0), le(m, 8), le(m, 16), le(m, 24), 32n << 56n];
  for (const b of blocks) {
    v3 ^= b;
    for (let i = 0; i < c; i++) round();
    v0 ^= b;
  }
  v2 ^= 0xffn;
  for (let i = 0; i < d; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

describe('keyed hash', () => {
  const k = Uint8Array.from({ length: 16 }, (_, i) => i);
  const m = Uint8Array.from({ length: 32 }, (_, i) => i);

  it('reference SipHash matches the published 2-4 vector for a 32-byte message', () => {
    expect(sipRef(k, m, 2, 4)).toBe(0x7127512f72f27ccen);
  });

  it('WASM computes SipHash-1-3 keyed by the 128-bit seed', () => {
    const seed = Buffer.from(k).readBigUInt64LE(0) | (Buffer.from(k).readBigUInt64LE(8) << 64n);
    const set = NullifierSet.create({ seed });
    expect(set.hashOf(m)).toBe(sipRef(k, m, 1, 3));
    const r = randomBytes(32);
    expect(set.hashOf(r)).toBe(sipRef(k, r, 1, 3));
  });

  it('different seeds hash differently', () => {
    const a = NullifierSet.create({ seed: 1n });
    const b = NullifierSet.create({ seed: 2n });
    const r = randomBytes(32);
    expect(a.hashOf(r)).not.toBe(b.hashOf(r));
    // Default seeds are random per instance.
    expect(NullifierSet.create().hashOf(r)).not.toBe(NullifierSet.create().hashOf(r));
  });
});

describe('NullifierSet basics', () => {
  it('starts empty and reports capacity and memory', () => {
    const set = NullifierSet.create({ initialCapacity: 100 });
    expect(set.size).toBe(0);
    expect(set.capacity).toBe(128);
    expect(set.memoryBytes).toBeGreaterThanOrEqual(128 * 32);
    expect(set.has(randomBytes(32))).toBe(false);
  });

  it('admits a batch at the record layout defaults (offset 64, stride 128)', () => {
    const set = NullifierSet.create();
    const keys = Array.from({ length: 50 }, () => randomBytes(32));
    const recs = pack(keys, RECORD_STRIDE, NULLIFIER_OFFSET);
    expect(set.checkAndInsert(recs, keys.length)).toBe(-1);
    expect(set.size).toBe(50);
    for (const k of keys) expect(set.has(k)).toBe(true);
    // Bytes outside the nullifier field are not keys.
    expect(set.has(recs.subarray(0, 32))).toBe(false);
  });

  it('rejects a batch hitting an existing nullifier, inserting nothing', () => {
    const set = NullifierSet.create();
    const old = randomBytes(32);
    set.checkAndInsert(old, 1, 32, 0);
    const fresh = Array.from({ length: 10 }, () => randomBytes(32));
    const batch = [...fresh.slice(0, 6), old, ...fresh.slice(6)];
    expect(set.checkAndInsert(pack(batch, 32, 0), batch.length, 32, 0)).toBe(6);
    expect(set.size).toBe(1);
    for (const k of fresh) expect(set.has(k)).toBe(false);
  });

  it('rejects an in-batch duplicate at its second occurrence, inserting nothing', () => {
    const set = NullifierSet.create();
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    expect(set.checkAndInsert(pack([a, b, c, b, a], 128, 64), 5)).toBe(3);
    expect(set.size).toBe(0);
    expect(set.findConflict(pack([a, b, c, b], 32, 0), 4, 32, 0)).toBe(3);
    expect(set.checkAndInsert(pack([a, b, c], 32, 0), 3, 32, 0)).toBe(-1);
    expect(set.size).toBe(3);
  });

  it('findConflict never inserts', () => {
    const set = NullifierSet.create({ initialCapacity: 8 });
    const keys = Array.from({ length: 40 }, () => randomBytes(32));
    expect(set.findConflict(pack(keys, 128, 64), 40)).toBe(-1);
    expect(set.size).toBe(0);
    for (const k of keys) expect(set.has(k)).toBe(false);
    set.checkAndInsert(pack(keys.slice(10, 11), 32, 0), 1, 32, 0);
    expect(set.findConflict(pack(keys, 128, 64), 40)).toBe(10);
    expect(set.size).toBe(1);
  });

  it('treats the all-zero nullifier as an ordinary key', () => {
    const set = NullifierSet.create();
    const zero = new Uint8Array(32);
    const r = randomBytes(32);
    expect(set.has(zero)).toBe(false);
    expect(set.checkAndInsert(pack([r, zero, zero], 32, 0), 3, 32, 0)).toBe(2);
    expect(set.size).toBe(0);
    expect(set.checkAndInsert(pack([zero, r], 32, 0), 2, 32, 0)).toBe(-1);
    expect(set.has(zero)).toBe(true);
    expect(set.size).toBe(2);
    expect(set.checkAndInsert(zero, 1, 32, 0)).toBe(0);
    set.removeAll(zero, 1, 32, 0);
    expect(set.has(zero)).toBe(false);
    expect(set.has(r)).toBe(true);
    expect(set.size).toBe(1);
  });

  it('insertAll counts keys already present or repeated, and stores the rest', () => {
    const set = NullifierSet.create({ initialCapacity: 8 });
    const keys = Array.from({ length: 30 }, () => randomBytes(32));
    set.insertAll(pack(keys.slice(0, 5), 32, 0), 5, 32, 0);
    const batch = [...keys, keys[7] ?? new Uint8Array(32), keys[29] ?? new Uint8Array(32)];
    expect(set.insertAll(pack(batch, 128, 64), batch.length)).toBe(7);
    expect(set.size).toBe(30);
    for (const k of keys) expect(set.has(k)).toBe(true);
  });

  it('insertAll and removeAll handle inputs larger than one copy chunk', () => {
    const set = NullifierSet.create({ initialCapacity: 8 });
    const n = 70_000;
    const recs = randomBytes(n * 32);
    recs.copyWithin((n - 1) * 32, 5 * 32, 6 * 32); // last key repeats key 5, across chunks
    expect(set.insertAll(recs, n, 32, 0)).toBe(1);
    expect(set.size).toBe(n - 1);
    expect(set.has(recs.subarray(66_000 * 32, 66_001 * 32))).toBe(true);
    set.removeAll(recs, n, 32, 0);
    expect(set.size).toBe(0);
  });

  it('grows across several doublings keeping every key and load factor <= 0.7', () => {
    const set = NullifierSet.create({ initialCapacity: 8 });
    const all: Uint8Array[] = [];
    const caps = new Set<number>();
    for (let round = 0; round < 60; round++) {
      const keys = Array.from({ length: 1 + round * 7 }, () => randomBytes(32));
      expect(set.checkAndInsert(pack(keys, 128, 64), keys.length)).toBe(-1);
      all.push(...keys);
      caps.add(set.capacity);
      expect(set.size).toBe(all.length);
      expect(set.size).toBeLessThanOrEqual(set.capacity * 0.7);
    }
    expect(caps.size).toBeGreaterThanOrEqual(8);
    for (const k of all) expect(set.has(k)).toBe(true);
  });

  it('slotsFor presizes so that a known count never triggers a doubling', () => {
    expect(slotsFor(0)).toBe(8);
    expect(slotsFor(700)).toBe(1024);
    expect(slotsFor(716)).toBe(1024); // 0.7 × 1024 = 716.8
    expect(slotsFor(717)).toBe(2048);
    const set = NullifierSet.create({ initialCapacity: slotsFor(5_000) });
    const cap = set.capacity;
    set.insertAll(randomBytes(5_000 * 32), 5_000, 32, 0);
    expect(set.capacity).toBe(cap);
  });

  it('checkAndInsert grows the table up front for a large batch', () => {
    const set = NullifierSet.create({ initialCapacity: 8 });
    const recs = randomBytes(20_000 * 32);
    expect(set.checkAndInsert(recs, 20_000, 32, 0)).toBe(-1);
    expect(set.capacity).toBe(32_768);
    expect(set.memoryBytes).toBeGreaterThanOrEqual(32_768 * 32);
  });

  it('validates arguments with typed errors', () => {
    const set = NullifierSet.create();
    expect(() => set.has(new Uint8Array(31))).toThrow(NullifierInputError);
    expect(() => set.checkAndInsert(new Uint8Array(128), 2)).toThrow(NullifierInputError);
    expect(() => set.checkAndInsert(new Uint8Array(128), 1, 16, 0)).toThrow(NullifierInputError);
    expect(() => set.checkAndInsert(new Uint8Array(128), 1.5, 32, 0)).toThrow(NullifierInputError);
    expect(() => set.removeAll(new Uint8Array(64), 1, 32, 40)).toThrow(NullifierSetError);
    expect(() => NullifierSet.create({ seed: -1n })).toThrow(NullifierInputError);
    expect(set.checkAndInsert(new Uint8Array(0), 0)).toBe(-1);
    expect(set.insertAll(new Uint8Array(0), 0)).toBe(0);
  });
});

describe('adversarial keys', () => {
  it('do not cluster: near-identical keys probe like random ones', () => {
    const n = 45_000; // ~0.69 load in 65,536 slots
    const build = (gen: (i: number) => Uint8Array): number => {
      const set = NullifierSet.create({ initialCapacity: 65_536 });
      const recs = new Uint8Array(n * 32);
      for (let i = 0; i < n; i++) recs.set(gen(i), i * 32);
      expect(set.checkAndInsert(recs, n, 32, 0)).toBe(-1);
      expect(set.capacity).toBe(65_536);
      return set.longestCluster();
    };
    const prefix = randomBytes(32);
    const sharedPrefix = build((i) => key((b) => { b.set(prefix); b[28] = i >>> 24; b[29] = i >>> 16; b[30] = i >>> 8; b[31] = i; }));
    const sharedSuffix = build((i) => key((b) => { b.set(prefix); b[0] = i >>> 24; b[1] = i >>> 16; b[2] = i >>> 8; b[3] = i; }));
    const counters = build((i) => key((b) => { b[31] = i; b[30] = i >>> 8; b[29] = i >>> 16; }));
    const random = build(() => randomBytes(32));
    // Linear probing at 0.7 gives longest clusters of a few hundred with random keys; keys
    // that collide in a raw-bytes hash would make one cluster of all n.
    for (const c of [sharedPrefix, sharedSuffix, counters]) expect(c).toBeLessThan(Math.max(1000, 4 * random));
  });
});

type Op =
  | { kind: 'check'; keys: number[]; layout: number }
  | { kind: 'find'; keys: number[]; layout: number }
  | { kind: 'bulk'; keys: number[]; layout: number }
  | { kind: 'remove'; keys: number[]; layout: number };

const LAYOUTS: ReadonlyArray<readonly [stride: number, offset: number]> = [[32, 0], [128, 64], [40, 3]];

/** First index whose key is in the model or repeats an earlier key of the batch; -1 if none. */
function modelConflict(model: ReadonlySet<string>, batch: readonly string[]): number {
  const seen = new Set<string>();
  for (let i = 0; i < batch.length; i++) {
    const k = batch[i] ?? '';
    if (model.has(k) || seen.has(k)) return i;
    seen.add(k);
  }
  return -1;
}

function runModel(pool: readonly Uint8Array[], ops: readonly Op[], initialCapacity: number): void {
  const set = NullifierSet.create({ initialCapacity });
  const model = new Set<string>();
  const poolHex = pool.map(hex);
  for (const op of ops) {
    const [stride, offset] = LAYOUTS[op.layout] ?? [32, 0];
    const keys = op.keys.map((i) => pool[i % pool.length] ?? new Uint8Array(32));
    const names = op.keys.map((i) => poolHex[i % pool.length] ?? '');
    const recs = pack(keys, stride, offset);
    switch (op.kind) {
      case 'check': {
        const want = modelConflict(model, names);
        expect(set.checkAndInsert(recs, keys.length, stride, offset)).toBe(want);
        if (want === -1) for (const n of names) model.add(n);
        break;
      }
      case 'find':
        expect(set.findConflict(recs, keys.length, stride, offset)).toBe(modelConflict(model, names));
        break;
      case 'bulk': {
        let dups = 0;
        for (const n of names) {
          if (model.has(n)) dups++;
          else model.add(n);
        }
        expect(set.insertAll(recs, keys.length, stride, offset)).toBe(dups);
        break;
      }
      case 'remove':
        set.removeAll(recs, keys.length, stride, offset);
        for (const n of names) model.delete(n);
        break;
    }
    expect(set.size).toBe(model.size);
    // The all-zero key lives outside the table, hence the + 1.
    expect(set.size).toBeLessThanOrEqual(set.capacity * 0.7 + 1);
    for (let i = 0; i < pool.length; i++) {
      const k = pool[i];
      if (k) expect(set.has(k)).toBe(model.has(poolHex[i] ?? ''));
    }
  }
}

function opArb(poolSize: number, maxBatch: number): fc.Arbitrary<Op> {
  const keys = fc.array(fc.nat({ max: poolSize - 1 }), { minLength: 0, maxLength: maxBatch });
  const layout = fc.nat({ max: LAYOUTS.length - 1 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('check' as const), keys, layout }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('find' as const), keys, layout }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('bulk' as const), keys, layout }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), keys, layout }) },
  );
}

describe('model-based properties (vs Set<string>)', () => {
  it('adversarial pool, tiny table: in-batch duplicates, conflicts, removals, growth', () => {
    const pool = adversarialPool();
    fc.assert(
      fc.property(fc.array(opArb(pool.length, 12), { maxLength: 40 }), (ops) => runModel(pool, ops, 8)),
      { numRuns: 300 },
    );
  });

  it('larger random pool crossing several doublings with wrap-around deletes', () => {
    const pool = Array.from({ length: 600 }, () => randomBytes(32));
    fc.assert(
      fc.property(fc.array(opArb(pool.length, 120), { maxLength: 30 }), (ops) => runModel(pool, ops, 8)),
      { numRuns: 60 },
    );
  });

  it('dense churn: insert to the load limit of a small table, then remove and re-add', () => {
    // Near-full small tables make wrap-around clusters common, which is where backward-shift
    // deletion goes wrong first.
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 20, maxLength: 44 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        (rawKeys, removals) => {
          const uniq = [...new Map(rawKeys.map((k) => [hex(k), k])).values()];
          const set = NullifierSet.create({ initialCapacity: 64 });
          expect(set.checkAndInsert(pack(uniq, 32, 0), uniq.length, 32, 0)).toBe(-1);
          expect(set.capacity).toBe(64);
          const live = new Set(uniq.map(hex));
          for (const r of removals) {
            const k = uniq[r % uniq.length];
            if (!k) continue;
            set.removeAll(k, 1, 32, 0);
            live.delete(hex(k));
            for (const u of uniq) expect(set.has(u)).toBe(live.has(hex(u)));
          }
          expect(set.checkAndInsert(pack(uniq, 32, 0), uniq.length, 32, 0)).toBe(
            modelConflict(live, uniq.map(hex)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
