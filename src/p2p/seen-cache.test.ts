import { describe, expect, it } from 'vitest';
import { SeenCache } from './seen-cache.js';

const id = (n: number): Uint8Array => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(28, n);
  return b;
};

describe('SeenCache', () => {
  it('answers new once per id, by bytes, and forgets the oldest beyond capacity', () => {
    const c = new SeenCache(3);
    expect(c.add(id(1))).toBe(true);
    expect(c.add(id(1))).toBe(false);
    expect(c.add(id(1).slice())).toBe(false); // same bytes, another array
    const view = new Uint8Array(40);
    view.set(id(2), 8);
    expect(c.add(view.subarray(8))).toBe(true); // a view into a larger buffer reads only its bytes
    expect(c.has(id(2))).toBe(true);
    c.add(id(3));
    c.add(id(4)); // evicts 1
    expect(c.size).toBe(3);
    expect(c.has(id(1))).toBe(false);
    expect(c.add(id(1))).toBe(true);
    expect(() => new SeenCache(0)).toThrow(RangeError);
  });

  it('keeps its size bounded under a flood', () => {
    const c = new SeenCache(1000);
    for (let i = 0; i < 50_000; i++) c.add(id(i));
    expect(c.size).toBe(1000);
    expect(c.has(id(49_999))).toBe(true);
    expect(c.has(id(48_999))).toBe(false);
  });
});
