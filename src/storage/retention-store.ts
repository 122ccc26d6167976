import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/** How far retention has pruned, and what it has freed so far (totals since the data directory began). */
export interface PruneProgress {
  /** Every committed batch in blocks up to this height has had its records pruned (0: none yet). */
  readonly recordsHeight: number;
  /** Every block up to this height has had its body pruned (never above `recordsHeight`). */
  readonly blocksHeight: number;
  readonly batches: number;
  readonly records: number;
  /** Bytes of batch frames and block bodies removed, less the stubs and headers written instead. */
  readonly bytes: number;
  readonly blockBodies: number;
  /** Every committed batch up to this height has had its sealed section pruned (`payloads` kind; 0: none yet). */
  readonly payloadsHeight?: number;
  /** Sealed sections removed from the private store. */
  readonly sealedSections?: number;
}

export const NO_PRUNE_PROGRESS: PruneProgress = { recordsHeight: 0, blocksHeight: 0, batches: 0, records: 0, bytes: 0, blockBodies: 0, payloadsHeight: 0, sealedSections: 0 };

/** The prune cursor: persisted with each chunk, so pruning resumes where it stopped after any exit. */
export class RetentionStore {
  private readonly db: Database<PruneProgress, string>;

  constructor(env: StorageEnv) {
    this.db = env.structuredDb<PruneProgress>('retention');
  }

  progress(): PruneProgress {
    const p = this.db.get('progress');
    return p ? { ...NO_PRUNE_PROGRESS, ...p } : NO_PRUNE_PROGRESS;
  }

  /** Inside the chunk's transaction. */
  writeProgress(p: PruneProgress): void {
    void this.db.put('progress', { ...p });
  }
}
