/**
 * Signatures seen recently, so that a captured signed request cannot be sent again while its
 * `created` is still inside the clock-skew window. One bounded set per operator: an operator that
 * floods the node fills only its own, and a full set refuses that operator's new requests (fail
 * closed) until entries expire — never forgets one that could still be replayed.
 */
export class ReplayCache {
  /** Per key (operator): signature → when it stops mattering (ms), in insertion order. */
  private readonly sets = new Map<number, Map<string, number>>();

  constructor(
    /** Entries per operator. */
    readonly capacityPerKey: number,
  ) {
    if (!Number.isSafeInteger(capacityPerKey) || capacityPerKey < 1) throw new RangeError('capacityPerKey must be a positive integer');
  }

  /**
   * Records `signature` of `key`, kept until `expiresAtMs`. Returns 'replayed' if it is already
   * there, 'full' if the operator's set is full of live entries, else 'fresh'.
   */
  record(key: number, signature: string, expiresAtMs: number, nowMs: number): 'fresh' | 'replayed' | 'full' {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Map()));
    const seen = set.get(signature);
    if (seen !== undefined && seen >= nowMs) return 'replayed';
    if (seen !== undefined) set.delete(signature);
    if (set.size >= this.capacityPerKey) this.evictExpired(set, nowMs);
    if (set.size >= this.capacityPerKey) return 'full';
    set.set(signature, expiresAtMs);
    return 'fresh';
  }

  /** Entries held for `key` (tests, metrics). */
  size(key: number): number {
    return this.sets.get(key)?.size ?? 0;
  }

  // Expiries are close to insertion order (created ≈ arrival), so a sweep from the oldest usually
  // stops early; a full sweep happens only when the set is full, at most once per request.
  private evictExpired(set: Map<string, number>, nowMs: number): void {
    for (const [sig, until] of set) if (until < nowMs) set.delete(sig);
  }
}
