import { performance } from 'node:perf_hooks';
import { decodeBatch } from '../codec/batch.js';
import { BlockKind, blockHash, decodeBlock, encodeBlock, type BlockHeaderFields } from '../codec/block.js';
import { decodeContractTx, isContractTxFrame } from '../codec/contract-tx.js';
import { BLOCK_VERSION, PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import type { Logger } from '../log.js';
import type { ChainHead, Stores } from '../storage/index.js';
import { NullifierSet, slotsFor } from '../wasm/nullifier-set.js';
import { chainIdentity, type Genesis } from './genesis.js';
import type { MempoolEntry } from './mempool.js';

export class ChainMismatchError extends Error {
  override readonly name = 'ChainMismatchError';
}

export interface RestoredChain {
  readonly head: ChainHead;
  readonly headTimestampMs: bigint;
  /** Highest accepted sequence per submitter: committed, then raised by pending batches. */
  readonly sequences: Map<number, bigint>;
  /** Highest accepted contract transaction sequence per sender, likewise. */
  readonly contractSequences: Map<number, bigint>;
  /** Pending transactions in admission order, all durable. */
  readonly pending: MempoolEntry[];
  readonly nextOrder: number;
  /** Every nullifier stored, committed or pending. */
  readonly nullifiers: NullifierSet;
  readonly rebuildMs: number;
}

/** Room for this many more nullifiers before the set first doubles (a doubling stalls admission ~0.1 s per million). */
const NULLIFIER_HEADROOM = 1_000_000;

/**
 * Brings a data directory up: writes the genesis block on first start, refuses a directory of
 * another chain, rebuilds the nullifier set from every stored batch and the mempool from the
 * pending set. Nothing acknowledged is lost; nothing committed is applied twice.
 */
export async function bootstrapChain(stores: Stores, genesis: Genesis, systemContractsDigest: Uint8Array, log: Logger): Promise<RestoredChain> {
  const started = performance.now();
  const id = chainIdentity(genesis, systemContractsDigest);
  const known = stores.config.genesisId();
  if (known !== undefined && known !== id) {
    throw new ChainMismatchError(`data directory ${stores.env.path} belongs to another chain (genesis ${known.slice(0, 16)}…, expected ${id.slice(0, 16)}…)`);
  }
  if (!stores.chain.head()) await writeGenesisBlock(stores, genesis, id);
  const head = stores.chain.head()!;
  const headTimestampMs = decodeBlock(stores.chain.block(head.height)!).header.timestampMs;

  const sequences = stores.state.allSequences();
  const contractSequences = stores.state.allContractSequences();
  const pending: MempoolEntry[] = [];
  let nextOrder = 0;
  for (const { order, hash } of stores.pending.list()) {
    const bytes = stores.chain.tx(hash);
    if (!bytes) throw new ChainMismatchError(`pending transaction ${Buffer.from(hash).toString('hex')} has no stored bytes`);
    nextOrder = order + 1;
    if (isContractTxFrame(bytes)) {
      const tx = decodeContractTx(bytes);
      pending.push({ order, id: hash, submitter: tx.sender, sequence: tx.sequence, cdrCount: 0, kind: 'contract', gasLimit: tx.gasLimit, receivedAt: performance.now(), durable: true });
      const s = contractSequences.get(tx.sender);
      if (s === undefined || tx.sequence > s) contractSequences.set(tx.sender, tx.sequence);
      continue;
    }
    const { header } = decodeBatch(bytes);
    pending.push({ order, id: hash, submitter: header.submitter, sequence: header.sequence, cdrCount: header.recordCount, receivedAt: performance.now(), durable: true });
    const s = sequences.get(header.submitter);
    if (s === undefined || header.sequence > s) sequences.set(header.submitter, header.sequence);
  }
  const pendingCdrs = pending.reduce((n, e) => n + e.cdrCount, 0);
  const nullifiers = NullifierSet.create({ initialCapacity: slotsFor(head.cdrCount + pendingCdrs + NULLIFIER_HEADROOM) });
  for (const { bytes } of stores.chain.allTxs()) {
    if (isContractTxFrame(bytes)) continue; // no nullifiers
    const batch = decodeBatch(bytes);
    nullifiers.insertAll(batch.records, batch.header.recordCount, PUBLIC_RECORD_BYTES, RECORD_OFFSET.nullifier);
  }

  const rebuildMs = performance.now() - started;
  log.info({ height: head.height, nullifiers: nullifiers.size, pending: pending.length, rebuildMs: Math.round(rebuildMs) }, 'chain restored from disk');
  return { head, headTimestampMs, sequences, contractSequences, pending, nextOrder, nullifiers, rebuildMs };
}

async function writeGenesisBlock(stores: Stores, genesis: Genesis, id: string): Promise<void> {
  const header: BlockHeaderFields = {
    version: BLOCK_VERSION,
    kind: BlockKind.Macro,
    height: 0n,
    prevHash: new Uint8Array(32),
    timestampMs: genesis.timestampMs,
    producer: 0,
    txRoot: new Uint8Array(32),
    txCount: 0,
    cdrCount: 0,
  };
  const head = { height: 0, hash: blockHash(header), cdrCount: 0 };
  await stores.env.transaction(() => {
    stores.config.writeGenesisId(id);
    stores.chain.writeBlock(head, encodeBlock(header, new Uint8Array(0)), []);
  });
}
