/**
 * Blocks of run files read by lookups, kept within a byte budget, least recently used dropped first.
 * A lookup that finds its event in a file run reads one fence step (64 entries) with a positioned
 * read, ~3 µs of syscall here whatever its size: an event seen again (the other side's view of a
 * call, a repeat) would pay that each time. Keys carry the reader's own number, never a run id: an
 * id a failed transaction used is used again by the next, with other bytes.
 */
export class BlockCache {
  private readonly blocks = new Map<string, Buffer>();
  private held = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(readonly maxBytes: number) {
    if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) throw new RangeError(`block cache size must be a whole number of bytes ≥ 0, got ${maxBytes}`);
  }

  get(key: string): Buffer | undefined {
    const block = this.blocks.get(key);
    if (block === undefined) {
      this.missCount++;
      return undefined;
    }
    this.blocks.delete(key);
    this.blocks.set(key, block);
    this.hitCount++;
    return block;
  }

  /** Keeps `block` (which must own its memory: not a slice of a shared pool) under `key`. */
  set(key: string, block: Buffer): void {
    if (block.length > this.maxBytes) return;
    const old = this.blocks.get(key);
    if (old !== undefined) {
      this.held -= old.length;
      this.blocks.delete(key);
    }
    this.blocks.set(key, block);
    this.held += block.length;
    for (const [k, b] of this.blocks) {
      if (this.held <= this.maxBytes) break;
      this.blocks.delete(k);
      this.held -= b.length;
    }
  }

  /** Bytes held, lookups answered from memory and lookups that read. */
  stats(): { readonly bytes: number; readonly hits: number; readonly misses: number } {
    return { bytes: this.held, hits: this.hitCount, misses: this.missCount };
  }
}

let nextReader = 0;
/** A number for each reader opened in this process (cache keys). */
export function readerNumber(): number {
  return nextReader++;
}
