import { AdmissionLog } from './admission-log.js';
import { ChainStore } from './chain-store.js';
import { ChargeAggregateStore } from './charge-aggregate-store.js';
import { ConfigStore } from './config-store.js';
import { ContractStore } from './contract-store.js';
import { StorageEnv } from './env.js';
import { EvictionStore } from './eviction-store.js';
import { PendingStore } from './pending-store.js';
import { ProofStore } from './proof-store.js';
import { SealedStore } from './sealed-store.js';
import { StateStore } from './state-store.js';
import type { TxBodyStoreOptions } from './tx-body-store.js';
import { VerdictStore } from './verdict-store.js';

export { AdmissionLog, ChainStore, ChargeAggregateStore, ConfigStore, ContractStore, EvictionStore, PendingStore, ProofStore, SealedStore, StateStore, StorageEnv, VerdictStore };
export type { ProvenBatch } from './proof-store.js';
export type { ChargeAggregate } from './charge-aggregate-store.js';
export type { StoredVerdict } from './verdict-store.js';
export type { Eviction, EvictionReason } from './eviction-store.js';
export { EVICTION_REASONS } from './eviction-store.js';
export type { BodySweep, ChainHead, TxLocation } from './chain-store.js';
export type { TxBodyStoreOptions } from './tx-body-store.js';
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
  /** Batch id → sealed section: the private store (unreadable here, served to the pair only). */
  readonly sealed: SealedStore;
  /** Batch id → what a verified batch proof established (circuit, totals commitments, its transaction). */
  readonly proofs: ProofStore;
  /** (submitter, counterparty, settlement period) → the sum of its proven chunks' Pedersen charge commitments. */
  readonly chargeAggregates: ChargeAggregateStore;
  /** (pair, period, revision) → a reconciliation verdict both operators of the pair signed. */
  readonly verdicts: VerdictStore;
  /** Transaction id → why it left the pending set without a block (period closed, overtaken, ...). */
  readonly evictions: EvictionStore;
}

export interface StoresOptions {
  /** Transaction body segment files (default: 256 MiB segments). */
  readonly txBodies?: Partial<TxBodyStoreOptions>;
}

export function openStores(path: string, opts: StoresOptions = {}): Stores {
  const env = StorageEnv.open(path);
  let chain: ChainStore;
  try {
    chain = new ChainStore(env, opts.txBodies);
  } catch (err) {
    void env.close();
    throw err;
  }
  return { env, chain, state: new StateStore(env), pending: new PendingStore(env), config: new ConfigStore(env), contracts: new ContractStore(env), admissionLog: new AdmissionLog(env), sealed: new SealedStore(env), proofs: new ProofStore(env), chargeAggregates: new ChargeAggregateStore(env), verdicts: new VerdictStore(env), evictions: new EvictionStore(env) };
}
