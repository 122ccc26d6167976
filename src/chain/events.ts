import { EventEmitter } from 'node:events';

export interface BatchAcceptedEvent {
  readonly id: Uint8Array;
  readonly submitter: number;
  readonly counterparty: number;
  readonly sequence: bigint;
  readonly cdrCount: number;
}

export interface BlockCommittedEvent {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly timestampMs: bigint;
  readonly txIds: readonly Uint8Array[];
  readonly cdrCount: number;
  readonly commitMs: number;
}

export interface ContractTxAcceptedEvent {
  readonly id: Uint8Array;
  readonly kind: 'deploy' | 'call';
  readonly sender: number;
  readonly sequence: bigint;
}

export interface ContractReceiptEvent {
  readonly id: Uint8Array;
  readonly height: number;
  readonly index: number;
  readonly status: number;
  readonly statusName: string;
  readonly gasUsed: bigint;
}

interface ChainEventMap {
  batchAccepted: [BatchAcceptedEvent];
  blockCommitted: [BlockCommittedEvent];
  contractTxAccepted: [ContractTxAcceptedEvent];
  /** After the block that executed it is committed. */
  contractReceipt: [ContractReceiptEvent];
}

/** Typed chain events: the API's WebSocket streams and ingest acknowledgements listen here. */
export class ChainEvents extends EventEmitter<ChainEventMap> {}
