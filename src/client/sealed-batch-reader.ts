import { batchId, recordsDigest, type BatchHeaderFields } from '../codec/batch.js';
import { equalBytes, fromHex } from '../codec/bytes.js';
import type { CdrPayloadFields } from '../codec/cdr-payload.js';
import { PUBLIC_RECORD_BYTES } from '../codec/limits.js';
import { KeyWrapError, PayloadOpenError, PrivacyInputError, SealedBatchError } from '../privacy/errors.js';
import { NodeApiError, type Batch, type NodeApiClient } from './node-api-client.js';
import { openSealedBatch, SealedOpenError } from './sealed-batches.js';

/**
 * Issue 13, the reader's side of a sealed batch held by a node (`cdrchain open`, `reconcile --explain`):
 * the signed header and public records (GET /batch/:id, paged) and the sealed section (GET
 * /batch/:id/sealed), fetched through the typed client as the reader, checked and opened. The checks
 * make a faulty or lying node detectable: the id is the header's hash on this chain, the header names
 * the reader as submitter or counterparty, the records digest binds every payload_hash, each
 * ciphertext hashes to its payload_hash. Errors are typed so each command keeps its own exit codes.
 */

/** The node refused the batch: 401/403, or 404 (unknown, or another pair's: the node answers alike). */
export class BatchRefusedError extends Error {
  override readonly name = 'BatchRefusedError';
  constructor(
    readonly batchId: string,
    readonly status: number,
    readonly code: string,
    /** The node's own message. */
    readonly detail: string,
  ) {
    super(`the node refused batch ${batchId} (${status} ${code}): ${status === 404 ? 'unknown, or not a batch of your pair' : detail}`);
  }
}

/**
 * The node answered something that is not the batch's: `header` (another header, a missing field, an
 * id that is not one), `records` (pages that do not make the records digest), `section` (a sealed
 * section that does not match the public records).
 */
export class BatchAnswerError extends Error {
  override readonly name = 'BatchAnswerError';
  constructor(
    readonly batchId: string,
    readonly part: 'header' | 'records' | 'section',
    message: string,
  ) {
    super(message);
  }
}

/** What a reader gets: the opened records, or why there is nothing to open (not a refusal). */
export type SealedBatchRead =
  | { readonly state: 'opened'; readonly header: BatchHeaderFields; readonly records: Uint8Array; readonly payloads: readonly CdrPayloadFields[] }
  // A plain (unsealed) batch has no payloads; retention removed a pruned one's records or sealed section.
  | { readonly state: 'unreadable'; readonly reason: 'not_sealed' | 'pruned' };

export interface ReadSealedBatchOptions {
  /** Signs as the reader (a node with api.auth signatures serves batches to their pair only). */
  readonly api: NodeApiClient;
  /** The chain identity (genesisHash): batch ids are hashes of headers on it. */
  readonly chain: Uint8Array;
  readonly reader: number;
  /** The reader's X25519 private key, or how to load it (asked only once there is a section to open). */
  readonly privateKey: Uint8Array | (() => Promise<Uint8Array>);
  /** Public records per GET /batch page (default 1000). */
  readonly recordsPage?: number;
}

/**
 * Reads batch `hex` (64 hex digits). Throws BatchRefusedError, BatchAnswerError, SealedOpenError
 * (the reader is not party to the batch, or its key does not open it), and the typed client's
 * NodeApiError (other statuses), NodeUnreachableError and NodeAnswerError.
 */
export async function readSealedBatch(o: ReadSealedBatchOptions, hex: string): Promise<SealedBatchRead> {
  const page = o.recordsPage ?? 1000;
  const refused = (err: unknown): never => {
    if (err instanceof NodeApiError && (err.status === 401 || err.status === 403 || err.status === 404)) throw new BatchRefusedError(hex, err.status, err.code, err.message);
    throw err;
  };
  let id: Uint8Array;
  try {
    id = fromHex(hex, 32);
  } catch {
    throw new BatchAnswerError(hex, 'header', `"${hex}" is not a batch id`);
  }
  let first: Batch;
  try {
    first = await o.api.batch(hex, { records: { offset: 0, limit: page } });
  } catch (err) {
    if (err instanceof NodeApiError && err.status === 410) return { state: 'unreadable', reason: 'pruned' };
    return refused(err);
  }
  const header = headerOf(first, hex);
  // The id is the hash of the header on this chain: the node cannot hand another batch's header (or payload hashes) for it.
  if (!equalBytes(batchId(header, o.chain), id)) throw new BatchAnswerError(hex, 'header', `the node answered another header than batch ${hex}'s`);
  if (o.reader !== header.submitter && o.reader !== header.counterparty) {
    throw new SealedOpenError(`operator ${o.reader} is not party to batch ${hex} (${header.submitter} → ${header.counterparty}): only the pair can open it`);
  }
  if ((first as { pruned?: unknown }).pruned === true) return { state: 'unreadable', reason: 'pruned' };
  const records = new Uint8Array(header.recordCount * PUBLIC_RECORD_BYTES);
  let filled = addRecords(records, 0, first);
  while (filled < header.recordCount) {
    const offset = filled;
    const more = await o.api.batch(hex, { records: { offset, limit: page } }).catch(refused);
    const added = addRecords(records, filled, more);
    if (added === filled) throw new BatchAnswerError(hex, 'records', `the node answered an empty page of batch ${hex}'s records at ${filled}`);
    filled = added;
  }
  if (!equalBytes(recordsDigest(records), header.recordsDigest)) throw new BatchAnswerError(hex, 'records', `the node answered records that are not batch ${hex}'s`);

  let sectionBytes: Uint8Array;
  try {
    sectionBytes = await o.api.batchSealed(hex);
  } catch (err) {
    // The header was served to this reader, so a 404 here means the batch has no sealed section, a 410 that retention removed it.
    if (err instanceof NodeApiError && err.status === 404) return { state: 'unreadable', reason: 'not_sealed' };
    if (err instanceof NodeApiError && err.status === 410) return { state: 'unreadable', reason: 'pruned' };
    return refused(err);
  }
  const privateKey = typeof o.privateKey === 'function' ? await o.privateKey() : o.privateKey;
  try {
    const payloads = await openSealedBatch({ chain: o.chain, header, records, sectionBytes, reader: o.reader, privateKey });
    return { state: 'opened', header, records, payloads };
  } catch (err) {
    if (err instanceof SealedBatchError) throw new BatchAnswerError(hex, 'section', `the sealed section of batch ${hex} does not match its public records: ${err.message}`);
    if (err instanceof KeyWrapError || err instanceof PayloadOpenError) throw new SealedOpenError(`operator ${o.reader}'s encryption key does not open batch ${hex} (${err.message})`);
    if (err instanceof PrivacyInputError) throw new SealedOpenError(`batch ${hex}: ${err.message}`);
    throw err;
  }
}

function headerOf(v: Batch, hex: string): BatchHeaderFields {
  const str = (k: string): string => {
    const x = (v as Readonly<Record<string, unknown>>)[k];
    if (typeof x !== 'string' && typeof x !== 'number') throw new BatchAnswerError(hex, 'header', `the node's batch ${hex} lacks ${k}`);
    return String(x);
  };
  try {
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
  } catch (err) {
    if (err instanceof BatchAnswerError) throw err;
    throw new BatchAnswerError(hex, 'header', `the node's batch ${hex} has a malformed header (${err instanceof Error ? err.message : String(err)})`);
  }
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
