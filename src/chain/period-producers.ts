import { decodeBlock } from '../codec/block.js';
import type { Weighted } from '../settlement/approval/index.js';
import type { SettlementPeriod } from '../settlement/settlement-period.js';
import type { ChainStore } from '../storage/index.js';

/**
 * Blocks each validator produced in a period, from committed block headers: the producers' weights
 * of a final settlement's clearing fee (docs/settlement.md, "Fee payout"). The first block at or
 * after the period's start is found by binary search on timestamps (they increase with height),
 * then headers are read up to the period's end. A settlement is final only after its period closed
 * (end + grace), so the period's blocks are committed on every validator by then and every node
 * counts the same; a closed period's counts never change, so they are cached.
 */
export class PeriodProducers {
  private readonly cache = new Map<string, readonly Weighted[]>();

  constructor(private readonly chain: Pick<ChainStore, 'block' | 'head'>) {}

  of(period: SettlementPeriod): readonly Weighted[] {
    const cached = this.cache.get(period.id);
    if (cached) return cached;
    const head = this.chain.head()?.height ?? 0;
    const startMs = BigInt(period.startSeconds) * 1000n;
    const endMs = BigInt(period.endSeconds) * 1000n;
    const header = (h: number): { timestampMs: bigint; producer: number } | undefined => {
      const bytes = this.chain.block(h);
      return bytes === undefined ? undefined : decodeBlock(bytes).header;
    };
    // Lowest height ≥ 1 whose timestamp is at or after the start (head + 1 if none).
    let lo = 1;
    let hi = head + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const h = header(mid);
      if (h !== undefined && h.timestampMs >= startMs) hi = mid;
      else lo = mid + 1;
    }
    const counts = new Map<number, bigint>();
    for (let height = lo; height <= head; height++) {
      const h = header(height);
      if (h === undefined || h.timestampMs >= endMs) break;
      counts.set(h.producer, (counts.get(h.producer) ?? 0n) + 1n);
    }
    const out = Object.freeze([...counts.keys()].sort((a, b) => a - b).map((validator) => ({ validator, weight: counts.get(validator)! })));
    if (head > 0 && (header(head)?.timestampMs ?? 0n) >= endMs) this.cache.set(period.id, out);
    return out;
  }
}
