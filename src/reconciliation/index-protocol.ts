import type { IndexBlock } from './index-chunk.js';

/** What the index worker is started with (workerData). */
export interface IndexWorkerData {
  /** The index's LMDB directory. */
  readonly path: string;
  /** The chain's identity (32 bytes): an index of another chain is rebuilt. */
  readonly identity: Uint8Array;
  /** The chain's committed head when the worker starts: an index ahead of it is rebuilt. */
  readonly chainHeight: number;
}

/** Main thread → worker. `epoch` tells the answers to a request from answers to an earlier one. */
export type IndexRequest =
  | { readonly type: 'apply'; readonly epoch: number; readonly blocks: readonly IndexBlock[]; readonly records: Uint8Array; readonly closedBelowMonth: number | undefined }
  | { readonly type: 'sync'; readonly epoch: number }
  | { readonly type: 'close' };

/** Worker → main thread. */
export type IndexReply =
  | { readonly type: 'ready'; readonly nextHeight: number; readonly reset: string | undefined }
  | { readonly type: 'applied'; readonly epoch: number; readonly nextHeight: number; readonly blocks: number; readonly records: number; readonly ms: number }
  | { readonly type: 'synced'; readonly epoch: number; readonly nextHeight: number }
  | { readonly type: 'failed'; readonly epoch: number; readonly message: string }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'closed' };
