import { currencyFromNumeric } from '../cdr/currency.js';
import type { Service } from '../cdr/model.js';
import { batchId, recordsDigest, type BatchHeaderFields } from '../codec/batch.js';
import { equalBytes, fromHex, toHex } from '../codec/bytes.js';
import type { CdrPayloadFields } from '../codec/cdr-payload.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { NodeApiError, type Batch, type NodeApiClient } from '../client/node-api-client.js';
import { openSealedBatch, SealedOpenError } from '../client/sealed-batches.js';
import { KeyWrapError, PayloadOpenError, PrivacyInputError, SealedBatchError } from '../privacy/errors.js';
import type { ComparedRecord } from './explain.js';
import type { DisputeJson } from './reconciliation-client.js';

/**
 * Issue 13, P5 on the operator's side: the records of the node's disputed events, read from the
 * ledger itself. Each distinct batch a dispute points to is fetched once (signed header, public
 * records, sealed section), checked (the id is the header's hash on this chain, the records digest
 * binds every payload_hash, each ciphertext hashes to its payload_hash) and opened with the reader's
 * X25519 key. The reader is a recipient of both sides' batches of its pair (submitter of its own,
 * counterparty of the other's), so it reads both views of a call without the counterparty's files.
 */

/** One side of a disputed event, as the node holds it. */
export type SideRecord =
  | { readonly state: 'none' } // the ledger has no record of the event on this side (only the other side)
  | { readonly state: 'read'; readonly batchId: string; readonly record: CdrPayloadFields }
  | { readonly state: 'skipped' } // not asked for (that side comes from a file)
  // A plain (unsealed) batch carries no payloads to open; a pruned one no longer has its records.
  | { readonly state: 'unreadable'; readonly batchId: string; readonly reason: 'not_sealed' | 'pruned' };

export interface DisputedRecords {
  readonly a: SideRecord;
  readonly b: SideRecord;
}

/** The node refused a batch a dispute names (401/403, or 404: unknown or not this reader's: the node answers alike). */
export class BatchRefusedError extends Error {
  override readonly name = 'BatchRefusedError';
  constructor(
    readonly batchId: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The node answered a header, records or sealed section that are not the batch's (a faulty or lying node). */
export class BatchAnswerError extends Error {
  override readonly name = 'BatchAnswerError';
  constructor(
    readonly batchId: string,
    message: string,
  ) {
    super(message);
  }
}

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
      if (!got) throw new BatchAnswerError(loc.batchId, `batch ${loc.batchId} has no record ${loc.recordIndex}`);
      // The locator comes from the node's index: the record it names must be the disputed event's.
      if (got.eventHash !== d.eventHash) throw new BatchAnswerError(loc.batchId, `record ${loc.recordIndex} of batch ${loc.batchId} is not event ${d.eventHash}`);
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
  const page = o.recordsPage ?? 1000;
  const refused = (err: unknown): never => {
    if (err instanceof NodeApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
      throw new BatchRefusedError(hex, err.status, err.code, `the node refused batch ${hex} (${err.status} ${err.code}): ${err.status === 404 ? 'unknown, or not a batch of your pair' : err.message}`);
    }
    throw err;
  };
  let id: Uint8Array;
  try {
    id = fromHex(hex, 32);
  } catch {
    throw new BatchAnswerError(hex, `"${hex}" is not a batch id`);
  }
  let first: Batch;
  try {
    first = await o.api.batch(hex, { records: { offset: 0, limit: page } });
  } catch (err) {
    if (err instanceof NodeApiError && err.status === 410) return { state: 'unreadable', reason: 'pruned' };
    return refused(err);
  }
  const header = headerOf(first, hex);
  if (!equalBytes(batchId(header, o.chain), id)) throw new BatchAnswerError(hex, `the node answered another header than batch ${hex}'s`);
  if ((first as { pruned?: unknown }).pruned === true) return { state: 'unreadable', reason: 'pruned' };
  const records = new Uint8Array(header.recordCount * PUBLIC_RECORD_BYTES);
  let filled = addRecords(records, 0, first);
  while (filled < header.recordCount) {
    const offset = filled;
    const more = await o.api.batch(hex, { records: { offset, limit: page } }).catch(refused);
    const added = addRecords(records, filled, more);
    if (added === filled) throw new BatchAnswerError(hex, `the node answered an empty page of batch ${hex}'s records at ${filled}`);
    filled = added;
  }
  if (!equalBytes(recordsDigest(records), header.recordsDigest)) throw new BatchAnswerError(hex, `the node answered records that are not batch ${hex}'s`);

  let sectionBytes: Uint8Array;
  try {
    sectionBytes = await o.api.batchSealed(hex);
  } catch (err) {
    // The header was served to this reader, so a 404 here means the batch has no sealed section.
    if (err instanceof NodeApiError && err.status === 404) return { state: 'unreadable', reason: 'not_sealed' };
    return refused(err);
  }
  let payloads: CdrPayloadFields[];
  try {
    payloads = await openSealedBatch({ chain: o.chain, header, records, sectionBytes, reader: o.reader, privateKey: o.privateKey });
  } catch (err) {
    if (err instanceof SealedBatchError) throw new BatchAnswerError(hex, `the sealed section of batch ${hex} does not match its public records: ${err.message}`);
    if (err instanceof KeyWrapError || err instanceof PayloadOpenError) throw new SealedOpenError(`operator ${o.reader}'s encryption key does not open batch ${hex} (${err.message})`);
    if (err instanceof PrivacyInputError) throw new SealedOpenError(`batch ${hex}: ${err.message}`);
    throw err;
  }
  const out = new Map<number, { eventHash: string; payload: CdrPayloadFields }>();
  for (const i of indices) {
    const p = payloads[i];
    const at = i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.eventKeyHash;
    if (p) out.set(i, { eventHash: toHex(records.subarray(at, at + 32)), payload: p });
  }
  return { state: 'opened', records: out };
}

function headerOf(v: Batch, hex: string): BatchHeaderFields {
  const str = (k: string): string => {
    const x = (v as Readonly<Record<string, unknown>>)[k];
    if (typeof x !== 'string' && typeof x !== 'number') throw new BatchAnswerError(hex, `the node's batch ${hex} lacks ${k}`);
    return String(x);
  };
  return {
    version: Number(str('version')),
    submitter: Number(str('submitter')),
    counterparty: Number(str('counterparty')),
    periodStart: BigInt(str('periodStart')),
    periodEnd: BigInt(str('periodEnd')),
    sequence: BigInt(str('sequence')),
    recordCount: Number(str('recordCount')),
    merkleRoot: fromHex(str('merkleRoot'), 32),
    recordsDigest: fromHex(str('recordsDigest'), 32),
  };
}

/** Copies a page's records into `out` from `at`; returns the new fill. */
function addRecords(out: Uint8Array, at: number, page: Batch): number {
  const list = page.records;
  if (!Array.isArray(list)) return at;
  let i = at;
  for (const r of list) {
    if (i >= out.length / PUBLIC_RECORD_BYTES) break;
    const o = i * PUBLIC_RECORD_BYTES;
    out.set(fromHex(r.eventKeyHash, 32), o);
    out.set(fromHex(r.commitment, 32), o + 32);
    out.set(fromHex(r.nullifier, 32), o + 64);
    out.set(fromHex(r.payloadHash, 32), o + 96);
    i++;
  }
  return i;
}
