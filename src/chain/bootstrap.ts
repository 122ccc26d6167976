import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeBatch } from '../codec/batch.js';
import { BlockKind, blockHash, decodeBlock, encodeBlock, type BlockHeaderFields } from '../codec/block.js';
import { decodeContractTx, isContractTxFrame } from '../codec/contract-tx.js';
import { BLOCK_VERSION, PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import type { Logger } from '../log.js';
import type { ChainHead, Stores } from '../storage/index.js';
import { MANIFEST_FILE } from '../nullifiers/manifest.js';
import { NullifierIndex, type NullifierIndexOptions } from '../nullifiers/nullifier-index.js';
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
  /** Every nullifier stored, committed or pending (segments on disk plus the batches after their watermark). */
  readonly nullifiers: NullifierIndex;
  readonly rebuildMs: number;
}

/**
 * Brings a data directory up: writes the genesis block on first start, refuses a directory of
 * another chain, rebuilds the nullifier set from every stored batch and the mempool from the
 * pending set. Nothing acknowledged is lost; nothing committed is applied twice.
 */
export async function bootstrapChain(
  stores: Stores,
  genesis: Genesis,
  systemContractsDigest: Uint8Array,
  log: Logger,
  nullifierOptions: Partial<Omit<NullifierIndexOptions, 'log' | 'onDurableWatermark'>> = {},
): Promise<RestoredChain> {
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
  const nullifiers = await restoreNullifiers(stores, log, nullifierOptions);
  // Ordinals only rise, across restarts too: the nullifier index's watermark is one.
  nextOrder = Math.max(nextOrder, (stores.admissionLog.last() ?? -1) + 1);

  const rebuildMs = performance.now() - started;
  log.info({ height: head.height, nullifiers: nullifiers.size, pending: pending.length, rebuildMs: Math.round(rebuildMs) }, 'chain restored from disk');
  return { head, headTimestampMs, sequences, contractSequences, pending, nextOrder, nullifiers, rebuildMs };
}

/**
 * Opens the nullifier index (segments and filter: 16 bytes read per cold key, no batch) and
 * re-inserts the keys of the batches the admission log holds from the index's watermark on.
 */
async function restoreNullifiers(stores: Stores, log: Logger, opts: Partial<Omit<NullifierIndexOptions, 'log' | 'onDurableWatermark'>>): Promise<NullifierIndex> {
  const dir = opts.dir ?? join(stores.env.path, 'nullifiers');
  if (stores.admissionLog.last() === undefined && !existsSync(join(dir, MANIFEST_FILE))) {
    // A data directory from before the admission log: give its stored batches ordinals once.
    const legacy: { ordinal: number; hash: Uint8Array }[] = [];
    for (const { hash, bytes } of stores.chain.allTxs()) if (!isContractTxFrame(bytes)) legacy.push({ ordinal: legacy.length, hash });
    if (legacy.length > 0) await stores.admissionLog.seed(legacy);
  }
  const index = await NullifierIndex.open({
    ...opts,
    dir,
    log,
    onDurableWatermark: (w) => {
      stores.admissionLog.pruneBelow(w).catch((err: unknown) => log.warn({ err }, 'could not prune the admission log'));
    },
  });
  let batches = 0;
  for (const { ordinal, hash } of stores.admissionLog.from(index.watermark)) {
    const bytes = stores.chain.tx(hash);
    if (!bytes) {
      log.error({ ordinal, tx: Buffer.from(hash).toString('hex') }, 'admission log names a batch with no stored bytes; its nullifiers are not restored');
      continue;
    }
    if (isContractTxFrame(bytes)) continue; // no nullifiers
    const { header, records } = decodeBatch(bytes);
    await index.restore(records, header.recordCount, header.submitter, ordinal, PUBLIC_RECORD_BYTES, RECORD_OFFSET.nullifier);
    batches++;
  }
  log.info({ reinsertedBatches: batches, ...index.stats() }, 'nullifier index restored');
  return index;
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
