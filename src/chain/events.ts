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

/** A block joined the head's branch (consensus: a micro block, not final yet). */
export interface BlockConfirmedEvent {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly txIds: readonly Uint8Array[];
  readonly cdrCount: number;
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

/** A batch proof verified and is durable here: its batch is marked proven. */
export interface BatchProofAcceptedEvent {
  readonly id: Uint8Array;
  readonly batchId: Uint8Array;
  readonly signer: number;
  readonly sequence: bigint;
}

/** A reconciliation verdict both operators of a pair signed is durable here. */
export interface VerdictAcceptedEvent {
  readonly id: Uint8Array;
  readonly pairA: number;
  readonly pairB: number;
  readonly period: number;
  readonly revision: number;
}

interface ChainEventMap {
  batchAccepted: [BatchAcceptedEvent];
  /** Durable in this node's chain: with consensus, final (a macro block justified it); alone, at once. */
  blockCommitted: [BlockCommittedEvent];
  /** With consensus: on the head's branch, not final yet (the `Committed` stage). */
  blockConfirmed: [BlockConfirmedEvent];
  contractTxAccepted: [ContractTxAcceptedEvent];
  /** After the block that executed it is committed. */
  contractReceipt: [ContractReceiptEvent];
  batchProofAccepted: [BatchProofAcceptedEvent];
  verdictAccepted: [VerdictAcceptedEvent];
}

type Listener<K extends keyof ChainEventMap> = (...args: ChainEventMap[K]) => void;

/**
 * Typed chain events: the API's WebSocket streams and ingest acknowledgements listen here.
 * Events announce work that is already durable, so a listener that throws must not undo it: each
 * listener runs on its own, and its error goes to `onListenerError` instead of to the emitter.
 */
export class ChainEvents extends EventEmitter<ChainEventMap> {
  constructor(private readonly onListenerError: (err: unknown, event: keyof ChainEventMap) => void = () => undefined) {
    super();
  }

  override emit<K extends keyof ChainEventMap>(event: K, ...args: ChainEventMap[K]): boolean {
    // rawListeners: once-listeners come wrapped, and the wrapper removes itself when called.
    const listeners = (this.rawListeners as (e: K) => Listener<K>[])(event);
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return listeners.length > 0;
  }
}
