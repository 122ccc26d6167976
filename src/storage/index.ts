import { ChainStore } from './chain-store.js';
import { ConfigStore } from './config-store.js';
import { StorageEnv } from './env.js';
import { PendingStore } from './pending-store.js';
import { StateStore } from './state-store.js';

export { ChainStore, ConfigStore, PendingStore, StateStore, StorageEnv };
export type { ChainHead, TxLocation } from './chain-store.js';

export interface Stores {
  readonly env: StorageEnv;
  readonly chain: ChainStore;
  readonly state: StateStore;
  readonly pending: PendingStore;
  readonly config: ConfigStore;
}

export function openStores(path: string): Stores {
  const env = StorageEnv.open(path);
  return { env, chain: new ChainStore(env), state: new StateStore(env), pending: new PendingStore(env), config: new ConfigStore(env) };
}
