/**
 * A bounded set of recently seen message ids (hashes), for gossip de-duplication: `add` answers
 * whether an id is new, and the oldest ids are forgotten once `capacity` is reached (FIFO, so an
 * attacker can only push ids out at the rate it sends them, never grow memory). Ids are compared by
 * their bytes; a Map keyed by the hex string keeps insertion order for eviction.
 */
export class SeenCache {
  private readonly ids = new Map<string, true>();

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`SeenCache capacity must be a positive integer, got ${capacity}`);
  }

  /** Records `id`; true if it was not already in the cache (the message is new), false if seen. */
  add(id: Uint8Array): boolean {
    const key = Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
    if (this.ids.has(key)) return false;
    if (this.ids.size >= this.capacity) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
    this.ids.set(key, true);
    return true;
  }

  has(id: Uint8Array): boolean {
    return this.ids.has(Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex'));
  }

  get size(): number {
    return this.ids.size;
  }

  clear(): void {
    this.ids.clear();
  }
}
