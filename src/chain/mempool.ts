/** An accepted transaction waiting for a block. Bytes stay in LMDB; the mempool holds only what blocks need. */
export interface MempoolEntry {
  /** Admission order: blocks include transactions in this order. */
  readonly order: number;
  readonly id: Uint8Array;
  readonly submitter: number;
  readonly sequence: bigint;
  readonly cdrCount: number;
  /** Absent for a CDR batch (every batch path predates contracts). */
  readonly kind?: 'batch' | 'contract';
  /** A contract transaction's gas limit: what it may take of the block's gas. */
  readonly gasLimit?: bigint;
  /** When the node received the frame (performance.now()). */
  readonly receivedAt: number;
  /** Bytes and pending entry are on disk: the producer may include it. */
  durable: boolean;
}

/**
 * FIFO of accepted transactions. Entries join before their write is durable (to keep admission
 * order) and the producer takes only the durable prefix, so a block never includes a transaction
 * a crash could lose.
 */
export class Mempool {
  private queue: MempoolEntry[] = [];
  private head = 0;
  private cdrs = 0;

  get size(): number {
    return this.queue.length - this.head;
  }

  get cdrCount(): number {
    return this.cdrs;
  }

  push(entry: MempoolEntry): void {
    this.queue.push(entry);
    this.cdrs += entry.cdrCount;
  }

  /** Drops an entry whose write failed. */
  discard(entry: MempoolEntry): void {
    const i = this.queue.indexOf(entry, this.head);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.cdrs -= entry.cdrCount;
  }

  /** CDRs in the durable prefix: what the next block could take. */
  readyCdrs(limit: number): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length && n < limit; i++) {
      const e = this.queue[i]!;
      if (!e.durable) break;
      n += e.cdrCount;
    }
    return n;
  }

  /** Whether the next entry is durable: the producer has something to include. */
  hasReady(): boolean {
    return this.queue[this.head]?.durable === true;
  }

  /**
   * Removes and returns the longest durable prefix within the limits (at least one entry if any is
   * ready). Contract transactions count their gas limits against `maxGas`; the first that does not
   * fit ends the block, so block order stays admission order.
   */
  take(maxTxs: number, maxCdrs: number, maxGas = Number.MAX_SAFE_INTEGER): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    let cdrs = 0;
    let gas = 0n;
    const gasCap = BigInt(maxGas);
    while (this.head < this.queue.length && out.length < maxTxs) {
      const e = this.queue[this.head]!;
      if (!e.durable || (out.length > 0 && cdrs + e.cdrCount > maxCdrs)) break;
      const g = e.gasLimit ?? 0n;
      if (out.length > 0 && gas + g > gasCap) break;
      out.push(e);
      cdrs += e.cdrCount;
      gas += g;
      this.head++;
    }
    this.cdrs -= cdrs;
    this.compact();
    return out;
  }

  /** Puts entries back at the front, in order (a block commit failed). */
  restore(entries: readonly MempoolEntry[]): void {
    this.queue = [...entries, ...this.queue.slice(this.head)];
    this.head = 0;
    for (const e of entries) this.cdrs += e.cdrCount;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
