import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/** Facts about the data directory itself: which chain it belongs to. */
export class ConfigStore {
  private readonly config: Database<string, string>;

  constructor(env: StorageEnv) {
    this.config = env.structuredDb<string>('config');
  }

  genesisId(): string | undefined {
    return this.config.get('genesis-id');
  }

  /** Inside the genesis block's transaction. */
  writeGenesisId(id: string): void {
    void this.config.put('genesis-id', id);
  }
}
