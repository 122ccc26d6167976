import { toHex } from '../codec/bytes.js';
import { BlockFill, type BlockLimits } from './block-limits.js';
import type { TxKind } from './tx-kinds/tx-kind.js';

/** An accepted transaction waiting for a block. Bytes stay in storage; the mempool holds only what blocks need. */
export interface MempoolEntry {
  /** Admission order: the builder includes transactions in this order. */
  readonly order: number;
  readonly id: Uint8Array;
  readonly kind: TxKind;
  readonly submitter: number;
  readonly sequence: bigint;
  readonly cdrCount: number;
  /** A contract transaction's gas limit: what it may take of the block's gas. */
  readonly gasLimit?: bigint;
  /** A CDR batch's period_start (unix seconds): its settlement period, which must be open in the block. */
  readonly periodStart?: bigint;
  /** When the node received the frame (performance.now()). */
  readonly receivedAt: number;
  /** Bytes and pending entry are on disk: a block may include it. */
  durable: boolean;
}

/**
 * The pending overlay: transactions admitted here and not yet committed, in admission order.
 * Entries join before their write is durable (to keep admission order); blocks take only the
 * durable prefix, so a block never includes a transaction a crash could lose. Entries leave only
 * when a block that names them is durable (`remove`), or when their own write failed (`discard`):
 * nothing is ever put back, so no listener or retry can re-queue committed work.
 */
export class Mempool {
  private queue: MempoolEntry[] = [];
  private head = 0;
  private cdrs = 0;
  private readonly byId = new Map<string, MempoolEntry>();

  get size(): number {
    return this.queue.length - this.head;
  }

  get cdrCount(): number {
    return this.cdrs;
  }

  push(entry: MempoolEntry): void {
    this.queue.push(entry);
    this.byId.set(toHex(entry.id), entry);
    this.cdrs += entry.cdrCount;
  }

  /** The pending entry of transaction `id`, if it was admitted here and is not committed. */
  get(id: Uint8Array): MempoolEntry | undefined {
    return this.byId.get(toHex(id));
  }

  /** Drops an entry whose write failed. */
  discard(entry: MempoolEntry): void {
    const i = this.queue.indexOf(entry, this.head);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.forget(entry);
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

  /** Whether the next entry is durable: a block has something to include. */
  hasReady(): boolean {
    return this.queue[this.head]?.durable === true;
  }

  /**
   * The longest durable prefix that fits `limits` (at least one entry if any is ready), left in
   * place: the entries leave once their block is durable (`remove`). The first transaction that does
   * not fit ends the block, so block order stays admission order.
   */
  ready(limits: BlockLimits): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    const fill = new BlockFill(limits);
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (!e.durable || !fill.tryAdd(e)) break;
      out.push(e);
    }
    return out;
  }

  /** The durable prefix in admission order, left in place (consensus picks from it per branch). */
  *durablePrefix(): Generator<MempoolEntry> {
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (!e.durable) return;
      yield e;
    }
  }

  /** Removes and returns the ready prefix (`ready` then `remove`). */
  take(maxTxs: number, maxCdrs: number, maxGas = Number.MAX_SAFE_INTEGER): MempoolEntry[] {
    const out = this.ready({ maxBlockTxs: maxTxs, maxBlockCdrs: maxCdrs, maxBlockGas: maxGas });
    this.remove(out);
    return out;
  }

  /**
   * Removes entries a durable block committed. The node's own blocks commit a prefix (removed in
   * O(block)); a peer's block may name any pending entries (removed in one pass over the queue).
   */
  remove(entries: readonly MempoolEntry[]): void {
    if (entries.length === 0) return;
    let prefix = true;
    for (let i = 0; i < entries.length && prefix; i++) prefix = this.queue[this.head + i] === entries[i];
    if (prefix) {
      this.head += entries.length;
    } else {
      const gone = new Set(entries);
      this.queue = this.queue.slice(this.head).filter((e) => !gone.has(e));
      this.head = 0;
    }
    for (const e of entries) this.forget(e);
    this.compact();
  }

  private forget(entry: MempoolEntry): void {
    const key = toHex(entry.id);
    if (this.byId.get(key) !== entry) return; // not (or no longer) here
    this.cdrs -= entry.cdrCount;
    this.byId.delete(key);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
