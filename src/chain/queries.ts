import { decodeBatch } from '../codec/batch.js';
import { batchToJson, type BatchJson } from '../codec/batch-json.js';
import { blockHash, decodeBlock } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { contractIdOf, ContractTxKind, decodeContractTx, isContractTxFrame } from '../codec/contract-tx.js';
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
}

/** A stored batch: its JSON form (as POST /cdr takes it) plus where it stands on the chain. */
export type BatchView = {
  id: string;
  status: 'pending' | 'committed';
  height?: number;
  index?: number;
  sizeBytes: number;
  signature: string;
  records?: BatchJson['records'];
} & BatchJson['header'];

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
    const { header, txHashes } = decodeBlock(bytes);
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
    if (withTxIds) {
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

  batch(id: Uint8Array, withRecords: boolean): BatchView | undefined {
    const bytes = this.stores.chain.tx(id);
    if (!bytes || isContractTxFrame(bytes)) return undefined;
    const { header, records, signature } = batchToJson(decodeBatch(bytes));
    const loc = this.stores.chain.txLocation(id);
    return {
      id: toHex(id),
      status: loc ? 'committed' : 'pending',
      ...(loc ? { height: loc.height, index: loc.index } : {}),
      ...header,
      signature,
      sizeBytes: bytes.length,
      ...(withRecords ? { records } : {}),
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
