import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BlockKind, blockHash, decodeBlock, encodeBlock, type BlockHeaderFields } from '../codec/block.js';
import { BLOCK_VERSION, PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import type { Logger } from '../log.js';
import type { ChainHead, Stores } from '../storage/index.js';
import { MANIFEST_FILE } from '../nullifiers/manifest.js';
import { NullifierIndex, type NullifierIndexOptions } from '../nullifiers/nullifier-index.js';
import { fromHex } from '../codec/bytes.js';
import { genesisBlock } from '../consensus/genesis-block.js';
import { sha256 } from '../crypto/hash.js';
import { chainIdentity, genesisValidatorSet, type Genesis } from './genesis.js';
import { readCommittedSequences, type SequenceMaps } from './committed-state.js';
import type { MempoolEntry } from './mempool.js';
import { txCodecOf } from './tx-kinds/registry.js';
import { TxKind } from './tx-kinds/tx-kind.js';

export class ChainMismatchError extends Error {
  override readonly name = 'ChainMismatchError';
}

export interface RestoredChain {
  readonly head: ChainHead;
  readonly headTimestampMs: bigint;
  /** Committed sequences per kind and submitter, as committed blocks left them (the state transition's). */
  readonly committed: SequenceMaps;
  /** Highest accepted sequence per submitter: committed, then raised by pending batches (admission's). */
  readonly sequences: Map<number, bigint>;
  /** Highest accepted contract transaction sequence per sender, likewise. */
  readonly contractSequences: Map<number, bigint>;
  /** Highest accepted batch proof sequence per signer, likewise. */
  readonly proofSequences: Map<number, bigint>;
  /** Highest accepted settlement transaction sequence per submitter, likewise. */
  readonly settlementSequences: Map<number, bigint>;
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
  // Before anything reads or appends: cut what a crash left past the last indexed body.
  const bodies = stores.chain.recoverBodies();
  if (bodies.deletedFiles > 0 || bodies.cutBytes > 0) log.warn(bodies, 'transaction body files: removed what a crash left unindexed (never acknowledged)');
  const id = chainIdentity(genesis, systemContractsDigest);
  const known = stores.config.genesisId();
  if (known !== undefined && known !== id) {
    throw new ChainMismatchError(`data directory ${stores.env.path} belongs to another chain (genesis ${known.slice(0, 16)}…, expected ${id.slice(0, 16)}…)`);
  }
  if (!stores.chain.head()) await writeGenesisBlock(stores, genesis, id);
  const head = stores.chain.head()!;
  const headTimestampMs = decodeBlock(stores.chain.block(head.height)!).header.timestampMs;

  const committed = readCommittedSequences(stores.state);
  // Admission's view: committed raised by pending. The committed maps stay as they are.
  const accepted = new Map([...committed].map(([kind, m]) => [kind, new Map(m)]));
  const pending: MempoolEntry[] = [];
  let nextOrder = 0;
  for (const { order, hash } of stores.pending.list()) {
    const bytes = stores.chain.tx(hash);
    if (!bytes) throw new ChainMismatchError(`pending transaction ${Buffer.from(hash).toString('hex')} has no stored bytes`);
    nextOrder = order + 1;
    const codec = txCodecOf(bytes);
    if (!codec) throw new ChainMismatchError(`pending transaction ${Buffer.from(hash).toString('hex')} is of no known kind`);
    const tx = codec.decode(bytes);
    pending.push({ order, id: hash, kind: tx.kind, submitter: tx.submitter, sequence: tx.sequence, cdrCount: tx.cdrCount, ...(tx.gasLimit > 0n ? { gasLimit: tx.gasLimit } : {}), ...(tx.periodStart !== undefined ? { periodStart: tx.periodStart } : {}), receivedAt: performance.now(), durable: true });
    let bySubmitter = accepted.get(tx.kind);
    if (!bySubmitter) accepted.set(tx.kind, (bySubmitter = new Map()));
    const s = bySubmitter.get(tx.submitter);
    if (s === undefined || tx.sequence > s) bySubmitter.set(tx.submitter, tx.sequence);
  }
  const sequences = accepted.get(TxKind.CdrBatch) ?? new Map<number, bigint>();
  const contractSequences = accepted.get(TxKind.ContractTx) ?? new Map<number, bigint>();
  const proofSequences = accepted.get(TxKind.BatchProof) ?? new Map<number, bigint>();
  const settlementSequences = accepted.get(TxKind.Settlement) ?? new Map<number, bigint>();
  const nullifiers = await restoreNullifiers(stores, log, nullifierOptions);
  // Ordinals only rise, across restarts too: the nullifier index's watermark is one.
  nextOrder = Math.max(nextOrder, (stores.admissionLog.last() ?? -1) + 1);

  const rebuildMs = performance.now() - started;
  log.info({ height: head.height, nullifiers: nullifiers.size, pending: pending.length, rebuildMs: Math.round(rebuildMs) }, 'chain restored from disk');
  return { head, headTimestampMs, committed, sequences, contractSequences, proofSequences, settlementSequences, pending, nextOrder, nullifiers, rebuildMs };
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
    for (const { hash, bytes } of stores.chain.allTxs()) if (txCodecOf(bytes)?.kind === TxKind.CdrBatch) legacy.push({ ordinal: legacy.length, hash });
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
    const keys = txCodecOf(bytes)?.nullifiers(bytes);
    if (!keys) continue; // a kind without nullifiers
    await index.restore(keys.records, keys.count, keys.submitter, ordinal, PUBLIC_RECORD_BYTES, RECORD_OFFSET.nullifier);
    batches++;
  }
  log.info({ reinsertedBatches: batches, ...index.stats() }, 'nullifier index restored');
  return index;
}

/** The state root of a consensus genesis block: the chain's identity, hashed (no state precedes it). */
export function genesisStateRoot(identity: Uint8Array): Uint8Array {
  return sha256(Buffer.from('cdrchain genesis state'), identity);
}

async function writeGenesisBlock(stores: Stores, genesis: Genesis, id: string): Promise<void> {
  const validators = genesisValidatorSet(genesis);
  if (validators) {
    // A consortium's genesis: the consensus genesis block (height 0, the first validator set), which every validator derives alike.
    const identity = fromHex(id, 32);
    const block = genesisBlock(identity, validators, genesis.timestampMs, genesisStateRoot(identity));
    await stores.env.transaction(() => {
      stores.config.writeGenesisId(id);
      stores.chain.writeBlock({ height: 0, hash: block.hash, cdrCount: 0 }, block.frame, []);
    });
    return;
  }
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
