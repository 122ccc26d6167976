import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, readManifest } from '../../nullifiers/manifest.js';
import type { Stores } from '../../storage/index.js';

/**
 * Which committed batches a restart still reads whole. A batch's records carry its nullifiers; until
 * the nullifier index holds them in its on-disk segments (admission ordinals below its watermark),
 * the records are their only copy, and pruning them would let the same record be billed twice
 * after a restart. Pruning asks this, inside its write transaction, before it stubs each batch.
 */
export interface RecordsStillRead {
  /** Why the batch's records must stay, or undefined when they may go. */
  reason(txHash: Uint8Array, height: number, index: number): string | undefined;
}

/** Every batch is read on restart (no nullifier segments yet): nothing may go. */
export const EVERY_BATCH_STILL_READ: RecordsStillRead = {
  reason: () => 'no nullifier segments yet: a restart reads every stored batch',
};

/** No batch is read on restart: for tests of the pruner alone. */
export const NO_BATCH_STILL_READ: RecordsStillRead = { reason: () => undefined };

/**
 * The batches a restart re-reads are those the admission log names from the nullifier index's
 * watermark on (src/chain/bootstrap.ts). They are found by walking that part of the log (what
 * the hot table holds: thousands of batches, yielding every few thousand) for the earliest block
 * position among them; every committed batch before it has its nullifiers in segments. The
 * position only moves forward while a node runs (the watermark rises; new admissions land in new
 * blocks), so one walk stays valid for a whole prune run.
 */
export async function recordsStillReadFrom(stores: Stores, watermark: number): Promise<RecordsStillRead> {
  let first: { height: number; index: number; hash: Uint8Array } | undefined;
  let seen = 0;
  for (const { hash } of stores.admissionLog.from(watermark)) {
    const loc = stores.chain.txLocation(hash);
    // No location: pending, so in no block a prune walks.
    if (loc && (!first || loc.height < first.height || (loc.height === first.height && loc.index < first.index))) first = { ...loc, hash };
    if (++seen % 4_096 === 0) await new Promise((r) => setImmediate(r));
  }
  if (!first) return NO_BATCH_STILL_READ;
  const bound = first;
  return {
    reason(_txHash, height, index) {
      if (height < bound.height || (height === bound.height && index < bound.index)) return undefined;
      return `nullifiers not yet in segments: a restart re-reads batches from admission ordinal ${watermark} on (first committed: ${Buffer.from(bound.hash).toString('hex')} at height ${bound.height})`;
    },
  };
}

/**
 * For a stopped node's data directory (`cdrchain prune`): the watermark from the nullifier
 * manifest on disk; without a manifest no batch's nullifiers are in segments yet.
 */
export async function recordsStillReadOnDisk(stores: Stores, nullifierDir = join(stores.env.path, 'nullifiers')): Promise<RecordsStillRead> {
  if (!existsSync(join(nullifierDir, MANIFEST_FILE))) return EVERY_BATCH_STILL_READ;
  return recordsStillReadFrom(stores, readManifest(nullifierDir).watermark);
}
