import { decodeBatch } from '../codec/batch.js';
import { batchToJson, type BatchJson } from '../codec/batch-json.js';
import { blockHash, decodeBlock } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { PUBLIC_RECORD_BYTES } from '../codec/limits.js';
import { contractIdOf, ContractTxKind, decodeContractTx, isContractTxFrame } from '../codec/contract-tx.js';
import { decodePrunedBatch, isPrunedBatch } from '../codec/pruned-batch.js';
import type { StoredReceipt } from '../storage/index.js';
import type { ChainHead, Stores } from '../storage/index.js';
import type { Mempool } from './mempool.js';

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

/** A stored batch: its JSON form (as POST /cdr takes it) plus where it stands on the chain. */
export type BatchView = {
  id: string;
  status: 'pending' | 'committed';
  height?: number;
  index?: number;
  sizeBytes: number;
  signature: string;
  /** Retention pruned the records: the signed header (Merkle root, records digest) is what is kept. */
  pruned?: true;
  prunedAtMs?: string;
  /** With `pruned`: the batch id's SHA-256 path to its block's txRoot (sibling hex, side), bottom-up. */
  txPath?: { sibling: string; left: boolean }[];
  /** Only when asked (?records=1): one page of the records, and where it lies. */
  records?: BatchJson['records'];
  recordsPage?: RecordsPage;
} & BatchJson['header'];

/** Where a page of a batch's records lies: `limit` records from `offset`, of `total`. */
export interface RecordsPage {
  offset: number;
  limit: number;
  total: number;
}

/** A stored batch: its view without records (none decoded), and its records in JSON a range at a time. */
export interface StoredBatch {
  readonly view: BatchView;
  readonly recordCount: number;
  /** The records are gone (retention): `recordsJson` throws RecordsPrunedError. */
  readonly pruned: boolean;
  /** Records [from, to) as JSON (hex); the caller bounds the range: this is where the time goes. */
  recordsJson(from: number, to: number): BatchJson['records'];
}

/** A stored contract transaction and where it stands on the chain. */
export interface ContractTxView {
  type: 'contract_deploy' | 'contract_call';
  hash: string;
  status: 'pending' | 'committed';
  height?: number;
  index?: number;
  sender: number;
  sequence: string;
  gasLimit: string;
  /** Call: the contract called; deploy: the id it creates. */
  contract: string;
  code?: string;
  calldata?: string;
  signature: string;
  sizeBytes: number;
}

const KINDS = ['micro', 'macro', 'skip'];

/** Records asked of a batch whose records retention pruned; the header stays. */
export class RecordsPrunedError extends Error {
  override readonly name = 'RecordsPrunedError';
  constructor(readonly batchId: string, readonly prunedAtMs: bigint) {
    super(`the records of batch ${batchId} were pruned by the node's retention policy at ${new Date(Number(prunedAtMs)).toISOString()}; its signed header (Merkle root, records digest) is kept`);
  }
}

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

  batch(id: Uint8Array): StoredBatch | undefined {
    const bytes = this.stores.chain.tx(id);
    if (!bytes || isContractTxFrame(bytes)) return undefined;
    if (isPrunedBatch(bytes)) return prunedBatch(id, bytes);
    // Decoding views the records in place; only batchToJson converts them, so it gets none here.
    const decoded = decodeBatch(bytes);
    const { header, signature } = batchToJson({ ...decoded, records: new Uint8Array(0) });
    const loc = this.stores.chain.txLocation(id);
    const view: BatchView = {
      id: toHex(id),
      status: loc ? 'committed' : 'pending',
      ...(loc ? { height: loc.height, index: loc.index } : {}),
      ...header,
      signature,
      sizeBytes: bytes.length,
    };
    const total = decoded.header.recordCount;
    return {
      view,
      recordCount: total,
      pruned: false,
      recordsJson(from: number, to: number) {
        const a = Math.min(Math.max(from, 0), total) * PUBLIC_RECORD_BYTES;
        const b = Math.min(Math.max(to, from, 0), total) * PUBLIC_RECORD_BYTES;
        return batchToJson({ ...decoded, records: decoded.records.subarray(a, b) }).records;
      },
    };
  }

  contractTx(hash: Uint8Array): ContractTxView | undefined {
    const bytes = this.stores.chain.tx(hash);
    if (!bytes || !isContractTxFrame(bytes)) return undefined;
    const tx = decodeContractTx(bytes);
    const loc = this.stores.chain.txLocation(hash);
    const deploy = tx.kind === ContractTxKind.Deploy;
    return {
      type: deploy ? 'contract_deploy' : 'contract_call',
      hash: toHex(hash),
      status: loc ? 'committed' : 'pending',
      ...(loc ? { height: loc.height, index: loc.index } : {}),
      sender: tx.sender,
      sequence: tx.sequence.toString(),
      gasLimit: tx.gasLimit.toString(),
      contract: toHex(deploy ? contractIdOf(tx.sender, tx.sequence, tx.code) : tx.contract),
      ...(deploy ? { code: toHex(tx.code) } : { calldata: toHex(tx.calldata) }),
      signature: toHex(tx.signature),
      sizeBytes: bytes.length,
    };
  }

  receipt(hash: Uint8Array): StoredReceipt | undefined {
    return this.stores.contracts.receipt(hash);
  }

  mempoolSize(): { txs: number; cdrs: number } {
    return { txs: this.mempool.size, cdrs: this.mempool.cdrCount };
  }
}

/** A batch whose records retention pruned: its stub carries the header, the signature and its place. */
function prunedBatch(id: Uint8Array, bytes: Uint8Array): StoredBatch {
  const stub = decodePrunedBatch(bytes);
  const { header, signature } = batchToJson({ header: stub.header, records: new Uint8Array(0), signature: stub.signature, bytes });
  const view: BatchView = {
    id: toHex(id),
    status: 'committed',
    height: stub.height,
    index: stub.index,
    ...header,
    signature,
    sizeBytes: stub.frameBytes,
    pruned: true,
    prunedAtMs: stub.prunedAtMs.toString(),
    txPath: stub.txPath.map((s) => ({ sibling: toHex(s.sibling), left: s.siblingOnLeft })),
  };
  return {
    view,
    recordCount: stub.header.recordCount,
    pruned: true,
    recordsJson() {
      throw new RecordsPrunedError(view.id, stub.prunedAtMs);
    },
  };
}
