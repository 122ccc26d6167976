import { currencyFromNumeric } from '../cdr/currency.js';
import type { Service } from '../cdr/model.js';
import { toHex } from '../codec/bytes.js';
import type { CdrPayloadFields } from '../codec/cdr-payload.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import type { NodeApiClient } from '../client/node-api-client.js';
import { BatchAnswerError, readSealedBatch } from '../client/sealed-batch-reader.js';
import type { ComparedRecord } from './explain.js';
import type { DisputeJson } from './reconciliation-client.js';

/**
 * Issue 13, P5 on the operator's side: the records of the node's disputed events, read from the
 * ledger itself. Each distinct batch a dispute points to is read once (readSealedBatch: signed
 * header, public records and sealed section, checked and opened with the reader's X25519 key). The
 * reader is a recipient of both sides' batches of its pair (submitter of its own, counterparty of the
 * other's), so it reads both views of a call without the counterparty's files.
 */

/** One side of a disputed event, as the node holds it. */
export type SideRecord =
  | { readonly state: 'none' } // the ledger has no record of the event on this side (only the other side)
  | { readonly state: 'read'; readonly batchId: string; readonly record: CdrPayloadFields }
  | { readonly state: 'skipped' } // not asked for (that side comes from a file)
  // A plain (unsealed) batch carries no payloads to open; retention removed a pruned one's records or sealed section.
  | { readonly state: 'unreadable'; readonly batchId: string; readonly reason: 'not_sealed' | 'pruned' };

export interface DisputedRecords {
  readonly a: SideRecord;
  readonly b: SideRecord;
}

// The batch reader's errors, thrown through (callers and tests know them by these names).
export { BatchAnswerError, BatchRefusedError } from '../client/sealed-batch-reader.js';

export interface ReadDisputedRecordsOptions {
  /** Signs as the reader (a node with api.auth signatures serves batches to their pair only). */
  readonly api: NodeApiClient;
  /** The chain identity (genesisHash): batch ids are hashes of headers on it. */
  readonly chain: Uint8Array;
  readonly reader: number;
  /** The reader's X25519 private key (its encryption key). */
  readonly privateKey: Uint8Array;
  readonly disputes: readonly DisputeJson[];
  /** Which sides to read (default both): a side given as a file is not fetched. */
  readonly sides?: { readonly a: boolean; readonly b: boolean };
  /** Batches fetched at once (default 4). */
  readonly concurrency?: number;
  /** Public records per GET /batch page (default 1000). */
  readonly recordsPage?: number;
}

/** The wanted records of an opened batch, each with its public record's event key hash (hex). */
type BatchRead = { readonly state: 'opened'; readonly records: ReadonlyMap<number, { readonly eventHash: string; readonly payload: CdrPayloadFields }> } | { readonly state: 'unreadable'; readonly reason: 'not_sealed' | 'pruned' };

/**
 * Both sides' records of each dispute (in the disputes' order). Throws BatchRefusedError,
 * BatchAnswerError, SealedOpenError (the key does not open a batch), and the node client's
 * NodeUnreachableError / NodeAnswerError.
 */
export async function readDisputedRecords(o: ReadDisputedRecordsOptions): Promise<DisputedRecords[]> {
  const sides = o.sides ?? { a: true, b: true };
  // Which records of which batch, in first-appearance order (deterministic); only those are kept.
  const wanted = new Map<string, Set<number>>();
  for (const d of o.disputes) {
    for (const side of ['a', 'b'] as const) {
      const loc = d[side];
      if (!sides[side] || !loc) continue;
      let set = wanted.get(loc.batchId);
      if (!set) wanted.set(loc.batchId, (set = new Set()));
      set.add(loc.recordIndex);
    }
  }
  const ids = [...wanted.keys()];
  const reads = new Map<string, BatchRead>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      reads.set(id, await readBatch(o, id, wanted.get(id)!));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 4, ids.length)) }, worker));

  return o.disputes.map((d) => {
    const side = (s: 'a' | 'b'): SideRecord => {
      const loc = d[s];
      if (!sides[s]) return { state: 'skipped' };
      if (!loc) return { state: 'none' };
      const r = reads.get(loc.batchId)!;
      if (r.state === 'unreadable') return { state: 'unreadable', batchId: loc.batchId, reason: r.reason };
      const got = r.records.get(loc.recordIndex);
      if (!got) throw new BatchAnswerError(loc.batchId, 'records', `batch ${loc.batchId} has no record ${loc.recordIndex}`);
      // The locator comes from the node's index: the record it names must be the disputed event's.
      if (got.eventHash !== d.eventHash) throw new BatchAnswerError(loc.batchId, 'records', `record ${loc.recordIndex} of batch ${loc.batchId} is not event ${d.eventHash}`);
      return { state: 'read', batchId: loc.batchId, record: got.payload };
    };
    return { a: side('a'), b: side('b') };
  });
}

/** The fields explainViews compares, from a decoded payload. */
export function comparedRecord(p: CdrPayloadFields): ComparedRecord {
  return {
    service: p.service as Service, startTime: Number(p.startTime), durationSec: p.durationSec, volumeBytes: p.volumeBytes,
    charge: p.charge, currency: currencyFromNumeric(p.currency), tariffId: p.tariffId,
  };
}

async function readBatch(o: ReadDisputedRecordsOptions, hex: string, indices: ReadonlySet<number>): Promise<BatchRead> {
  const read = await readSealedBatch({ api: o.api, chain: o.chain, reader: o.reader, privateKey: o.privateKey, ...(o.recordsPage ? { recordsPage: o.recordsPage } : {}) }, hex);
  if (read.state === 'unreadable') return read;
  const out = new Map<number, { eventHash: string; payload: CdrPayloadFields }>();
  for (const i of indices) {
    const p = read.payloads[i];
    const at = i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.eventKeyHash;
    if (p) out.set(i, { eventHash: toHex(read.records.subarray(at, at + 32)), payload: p });
  }
  return { state: 'opened', records: out };
}
