import { AdmissionLog } from './admission-log.js';
import { ChainStore } from './chain-store.js';
import { ConfigStore } from './config-store.js';
import { ContractStore } from './contract-store.js';
import { StorageEnv } from './env.js';
import { PendingStore } from './pending-store.js';
import { StateStore } from './state-store.js';

export { AdmissionLog, ChainStore, ConfigStore, ContractStore, PendingStore, StateStore, StorageEnv };
export type { ChainHead, TxLocation } from './chain-store.js';
export type { StoredReceipt } from './contract-store.js';

export interface Stores {
  readonly env: StorageEnv;
  readonly chain: ChainStore;
  readonly state: StateStore;
  readonly pending: PendingStore;
  readonly config: ConfigStore;
  readonly contracts: ContractStore;
  /** Admission ordinal → batch hash (restart re-inserts nullifiers only after the index's watermark). */
  readonly admissionLog: AdmissionLog;
}

export function openStores(path: string): Stores {
  const env = StorageEnv.open(path);
  return { env, chain: new ChainStore(env), state: new StateStore(env), pending: new PendingStore(env), config: new ConfigStore(env), contracts: new ContractStore(env), admissionLog: new AdmissionLog(env) };
}
