// Deterministic synthetic consortia for tests and benchmarks: every pair of operators a relation,
// with what each owes the other drawn from a SHA-256 counter stream (same seed, same consortium).

import { createHash } from 'node:crypto';
import type { BilateralAmount } from './netting-reference.js';

export interface SyntheticConsortium {
  /** Operator ids in consortium order (PLMN-like, distinct). */
  readonly operators: readonly number[];
  /** For every pair i < j: what i owes j and what j owes i (either may be 0). */
  readonly amounts: readonly BilateralAmount[];
}

/** 64-bit words from SHA-256(seed ‖ counter). */
export class SeededStream {
  private counter = 0;
  private buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly seed: string) {}

  next64(): bigint {
    if (this.offset + 8 > this.buffer.length) {
      this.buffer = createHash('sha256').update(`${this.seed}:${this.counter++}`).digest();
      this.offset = 0;
    }
    const v = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  /** Uniform enough in [0, bound) for test data (bound ≤ 2^64). */
  below(bound: bigint): bigint {
    return this.next64() % bound;
  }
}

/**
 * n operators, every pair a relation. Amounts are below `maxAmount` minor units; about one in
 * eight directions is zero (a pair whose traffic ran one way).
 */
export function syntheticConsortium(n: number, seed: string, maxAmount = 10n ** 12n): SyntheticConsortium {
  const rng = new SeededStream(seed);
  const operators = Array.from({ length: n }, (_, i) => 20_000 + 7 * i + Number(rng.below(7n)));
  const amounts: BilateralAmount[] = [];
  const draw = (): bigint => (rng.below(8n) === 0n ? 0n : rng.below(maxAmount));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      amounts.push({ debtor: operators[i]!, creditor: operators[j]!, amount: draw() });
      amounts.push({ debtor: operators[j]!, creditor: operators[i]!, amount: draw() });
    }
  }
  return { operators, amounts };
}
