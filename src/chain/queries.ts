import { blockHash, decodeBlock } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import type { StoredReceipt } from '../storage/index.js';
import type { ChainHead, ChargeAggregate, Stores } from '../storage/index.js';
import type { Mempool } from './mempool.js';
import { storedBatch, type StoredBatch } from './tx-kinds/cdr-batch.js';
import { contractTxView, type ContractTxView } from './tx-kinds/contract-tx.js';
import { txCodecOf } from './tx-kinds/registry.js';
import { TxKind, type StoredTx } from './tx-kinds/tx-kind.js';

export { RecordsPrunedError, type BatchView, type RecordsPage, type StoredBatch } from './tx-kinds/cdr-batch.js';
export type { ContractTxView } from './tx-kinds/contract-tx.js';
export type { StoredTx } from './tx-kinds/tx-kind.js';

/** JSON views of chain data, for the API and the CLI. Hashes are hex; 64-bit numbers are strings. */

export interface BlockView {
  height: number;
  hash: string;
  kind: string;
  prevHash: string;
  timestampMs: string;
  producer: number;
  txRoot: string;
  txCount: number;
  cdrCount: number;
  txIds?: string[];
  /** Retention pruned the body: the header (and its txRoot) is kept, the transaction ids are not. */
  bodyPruned?: true;
}

const KINDS = ['micro', 'macro', 'skip'];

export class ChainQueries {
  constructor(
    private readonly stores: Stores,
    private readonly mempool: Mempool,
    private readonly head: () => ChainHead,
  ) {}

  chainHead(): ChainHead {
    return this.head();
  }

  block(height: number, withTxIds = true): BlockView | undefined {
    const bytes = this.stores.chain.block(height);
    if (!bytes) return undefined;
    const { header, txHashes, bodyPruned } = decodeBlock(bytes);
    const view: BlockView = {
      height,
      hash: toHex(blockHash(header)),
      kind: KINDS[header.kind] ?? String(header.kind),
      prevHash: toHex(header.prevHash),
      timestampMs: header.timestampMs.toString(),
      producer: header.producer,
      txRoot: toHex(header.txRoot),
      txCount: header.txCount,
      cdrCount: header.cdrCount,
    };
    if (bodyPruned) view.bodyPruned = true;
    else if (withTxIds) {
      view.txIds = [];
      for (let i = 0; i < txHashes.length; i += 32) view.txIds.push(toHex(txHashes.subarray(i, i + 32)));
    }
    return view;
  }

  /** Newest first, starting at `from` (default: the head). */
  blocks(from: number | undefined, limit: number): BlockView[] {
    const start = Math.min(from ?? this.head().height, this.head().height);
    const out: BlockView[] = [];
    for (let h = start; h >= 0 && out.length < limit; h--) {
      const b = this.block(h, false);
      if (b) out.push(b);
    }
    return out;
  }

  /** A stored CDR batch (or its pruned stub): undefined when `id` names no batch. */
  batch(id: Uint8Array): StoredBatch | undefined {
    const bytes = this.stores.chain.tx(id);
    if (!bytes || txCodecOf(bytes)?.kind !== TxKind.CdrBatch) return undefined;
    const location = this.stores.chain.txLocation(id);
    const stored = storedBatch(id, bytes, location);
    const proven = this.stores.proofs.get(id);
    const eviction = location === undefined ? this.stores.evictions.get(id) : undefined;
    if (proven === undefined && eviction === undefined) return stored;
    return {
      ...stored,
      view: { ...stored.view, ...(proven === undefined ? {} : { proven }), ...(eviction === undefined ? {} : { status: 'evicted' as const, eviction }) },
      recordsJson: (from, to) => stored.recordsJson(from, to),
    };
  }

  /** The charge aggregate of (submitter → counterparty, settlement period): undefined before its first proof. */
  chargeAggregate(submitter: number, counterparty: number, period: string): ChargeAggregate | undefined {
    return this.stores.chargeAggregates.get(submitter, counterparty, period);
  }

  /** A stored contract transaction: undefined when `hash` names none. */
  contractTx(hash: Uint8Array): ContractTxView | undefined {
    const bytes = this.stores.chain.tx(hash);
    if (!bytes || txCodecOf(bytes)?.kind !== TxKind.ContractTx) return undefined;
    return contractTxView(hash, bytes, this.stores.chain.txLocation(hash));
  }

  /** Any stored transaction, as its kind shows it; `evicted` with why when it left the pending set without a block. */
  tx(id: Uint8Array): StoredTx | undefined {
    const bytes = this.stores.chain.tx(id);
    if (!bytes) return undefined;
    const location = this.stores.chain.txLocation(id);
    const stored = txCodecOf(bytes)?.view(id, bytes, location);
    const eviction = stored !== undefined && location === undefined ? this.stores.evictions.get(id) : undefined;
    return eviction === undefined ? stored : { ...stored!, view: { ...stored!.view, status: 'evicted', eviction } };
  }

  receipt(hash: Uint8Array): StoredReceipt | undefined {
    return this.stores.contracts.receipt(hash);
  }

  mempoolSize(): { txs: number; cdrs: number } {
    return { txs: this.mempool.size, cdrs: this.mempool.cdrCount };
  }
}
