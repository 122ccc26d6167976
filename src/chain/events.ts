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

interface ChainEventMap {
  batchAccepted: [BatchAcceptedEvent];
  blockCommitted: [BlockCommittedEvent];
}

/** Typed chain events: the API's WebSocket streams and ingest acknowledgements listen here. */
export class ChainEvents extends EventEmitter<ChainEventMap> {}
