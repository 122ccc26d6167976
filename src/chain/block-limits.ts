/** How much one block may carry. The builder fills blocks to them; the state transition refuses blocks beyond them. */
export interface BlockLimits {
  readonly maxBlockTxs: number;
  readonly maxBlockCdrs: number;
  /** Sum of contract transactions' gas limits per block; the first that does not fit waits for the next. */
  readonly maxBlockGas: number;
}

export const DEFAULT_BLOCK_LIMITS: BlockLimits = {
  maxBlockTxs: 1_024,
  maxBlockCdrs: 200_000,
  maxBlockGas: 50_000_000,
};

export class InvalidBlockLimitsError extends Error {
  override readonly name = 'InvalidBlockLimitsError';
}

export function validateBlockLimits(limits: BlockLimits): BlockLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidBlockLimitsError(`block limit ${name} must be a positive integer, got ${String(value)}`);
  }
  return Object.freeze({ maxBlockTxs: limits.maxBlockTxs, maxBlockCdrs: limits.maxBlockCdrs, maxBlockGas: limits.maxBlockGas });
}

/**
 * A block being filled, one transaction at a time. The first transaction always fits (admission
 * bounds a single one), every later one must fit within all three limits: the builder and the
 * state transition apply this same rule, so a block one node builds is one every node accepts.
 */
export class BlockFill {
  private txs = 0;
  private cdrs = 0;
  private gas = 0n;
  private readonly gasCap: bigint;

  constructor(private readonly limits: BlockLimits) {
    this.gasCap = BigInt(limits.maxBlockGas);
  }

  /** Adds the transaction if it fits; false (and nothing added) if it does not. */
  tryAdd(tx: { readonly cdrCount: number; readonly gasLimit?: bigint | undefined }): boolean {
    const g = tx.gasLimit ?? 0n;
    if (this.txs > 0) {
      if (this.txs + 1 > this.limits.maxBlockTxs) return false;
      if (this.cdrs + tx.cdrCount > this.limits.maxBlockCdrs) return false;
      if (this.gas + g > this.gasCap) return false;
    }
    this.txs++;
    this.cdrs += tx.cdrCount;
    this.gas += g;
    return true;
  }

  get txCount(): number {
    return this.txs;
  }

  get cdrCount(): number {
    return this.cdrs;
  }
}
