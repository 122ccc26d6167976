import type { Command } from 'commander';
import { batchId, recordsDigest, type BatchHeaderFields } from '../../codec/batch.js';
import { equalBytes, fromHex, HexError, toHex } from '../../codec/bytes.js';
import type { CdrPayloadFields } from '../../codec/cdr-payload.js';
import { PUBLIC_RECORD_BYTES } from '../../codec/limits.js';
import { readKeyFile } from '../../client/key-file.js';
import { fetchNodeChain, httpBase, NodeHttpError, parseChainIdentity, WrongChainError } from '../../client/node-http.js';
import { NodeAnswerError, NodeApiClient, NodeApiError, NodeUnreachableError, type Batch } from '../../client/node-api-client.js';
import { openSealedBatch } from '../../client/sealed-batches.js';
import { devnetEncryptionKeyPair, readEncryptionKeyFile } from '../../privacy/encryption-key-file.js';
import { EncryptionKeyFileError, KeyWrapError, PayloadOpenError, PrivacyInputError, SealedBatchError } from '../../privacy/errors.js';
import { CliError, EXIT, parsePlmnOption } from '../errors.js';
import { requestSigner } from '../request-signing.js';

interface OpenOptions {
  operator?: number;
  key?: string;
  encryptionKey?: string;
  url: string;
  chain?: string;
  format: string;
}

const RECORDS_PAGE = 1000;
const COLUMNS = ['record_id', 'submitter', 'counterparty', 'pseudonym', 'service', 'start_time', 'duration_s', 'volume_bytes', 'charge', 'currency', 'tariff_id', 'event_key'] as const;

/**
 * cdrchain open BATCH: the submitter or the counterparty reads a sealed batch back from any
 * validator (issue 13, P2). It fetches the signed header and public records (GET /batch/:id, signed
 * as the reader), checks that they are the batch it asked for (the id is the hash of the header, the
 * header's records digest binds every payload_hash), fetches the sealed section (GET /batch/:id/sealed),
 * checks each ciphertext against its payload_hash, unwraps the batch key with the reader's X25519
 * key, decrypts and prints the records. Exit 3 when the node has nothing this reader may open, 2
 * when the keys do not open it.
 */
export function registerOpen(program: Command): void {
  program
    .command('open')
    .argument('<batch>', 'batch id (64 hex digits)')
    .description("decrypt a sealed batch you submitted or are the counterparty of, and print its records")
    .option('--operator <plmn>', 'the reader (devnet keys); default: the key file\'s', parsePlmnOption)
    .option('--key <file>', 'operator key file: signs the API calls')
    .option('--encryption-key <file>', "the reader's X25519 key file (default: the devnet's INSECURE key of the operator)")
    .option('--url <url>', 'node address (http:// or ws://)', 'http://127.0.0.1:7400')
    .option('--chain <hash>', 'refuse a node of any other chain (its genesisHash)')
    .option('--format <fmt>', 'csv | json', 'csv')
    .action(async (batch: string, o: OpenOptions) => {
      const records = await openBatch(batch, o);
      process.stdout.write(o.format === 'json' ? `${JSON.stringify(records.map(payloadJson))}\n` : csv(records));
    });
}

async function openBatch(batch: string, o: OpenOptions): Promise<CdrPayloadFields[]> {
  if (o.format !== 'csv' && o.format !== 'json') throw new CliError(`--format ${o.format}: expected csv or json`, EXIT.usage);
  let id: Uint8Array;
  try {
    id = fromHex(batch.toLowerCase(), 32);
  } catch (err) {
    if (err instanceof HexError) throw new CliError(`"${batch}" is not a batch id (64 hex digits)`, EXIT.usage);
    throw err;
  }
  const keyFile = o.key ? readKeyFile(o.key) : undefined;
  const reader = o.operator ?? keyFile?.plmn;
  if (reader === undefined) throw new CliError('no reader: pass --operator or --key', EXIT.usage);
  const signer = requestSigner(keyFile, reader);
  const base = httpBase(o.url);
  const node = await fetchNodeChain(base, o.chain === undefined ? undefined : parseChainIdentity(o.chain)).catch((err: unknown) => {
    if (err instanceof WrongChainError) throw new CliError(err.message, EXIT.wrongChain);
    if (err instanceof NodeHttpError) throw new CliError(err.message, EXIT.connection);
    throw err;
  });
  const chain = node.genesisHash;
  const hex = toHex(id);

  const api = new NodeApiClient(base, { signer });
  const first = await read(() => api.batch(hex, { records: { offset: 0, limit: RECORDS_PAGE } }), base, hex);
  const header = headerOf(first);
  // The id is the hash of the header on this chain: the node cannot hand another batch's header (or payload hashes) for it.
  if (!equalBytes(batchId(header, chain), id)) throw new CliError(`${base} answered another header than batch ${hex}'s`, EXIT.connection);
  const records = new Uint8Array(header.recordCount * PUBLIC_RECORD_BYTES);
  let filled = addRecords(records, 0, first);
  while (filled < header.recordCount) {
    const offset = filled;
    const page = await read(() => api.batch(hex, { records: { offset, limit: RECORDS_PAGE } }), base, hex);
    const added = addRecords(records, filled, page);
    if (added === filled) throw new CliError(`${base} answered an empty page of batch ${hex}'s records at ${filled}`, EXIT.connection);
    filled = added;
  }
  if (!equalBytes(recordsDigest(records), header.recordsDigest)) throw new CliError(`${base} answered records that are not batch ${hex}'s`, EXIT.connection);

  const sectionBytes = await read(() => api.batchSealed(hex), base, hex);
  let privateKey: Uint8Array;
  try {
    privateKey = o.encryptionKey ? readEncryptionKeyFile(o.encryptionKey).privateKey : (await devnetEncryptionKeyPair(reader)).privateKey;
  } catch (err) {
    if (err instanceof EncryptionKeyFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  try {
    return await openSealedBatch({ chain, header, records, sectionBytes, reader, privateKey });
  } catch (err) {
    if (err instanceof SealedBatchError) throw new CliError(`the sealed section of batch ${hex} does not match its public records: ${err.message}`, EXIT.rejected);
    if (err instanceof KeyWrapError || err instanceof PayloadOpenError) throw new CliError(`operator ${reader}'s key does not open batch ${hex} (${err.message})`, EXIT.usage);
    if (err instanceof PrivacyInputError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

/** A call through the typed client: 404 (unknown, not this reader's, or not sealed: the node answers all alike) exits 3; 401/403 too. */
async function read<T>(call: () => Promise<T>, base: string, hex: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof NodeApiError) {
      if (err.status === 404) throw new CliError(`the node has no sealed batch ${hex} that this operator may read`, EXIT.rejected);
      if (err.status === 401 || err.status === 403) throw new CliError(`refused (${err.status}): ${err.code}: ${err.message}`, EXIT.rejected);
      throw new CliError(`the node answered ${err.status}: ${err.code}: ${err.message}`, EXIT.connection);
    }
    if (err instanceof NodeUnreachableError || err instanceof NodeAnswerError) throw new CliError(`${base}: ${err.message}`, EXIT.connection);
    throw err;
  }
}

function headerOf(v: Batch): BatchHeaderFields {
  const str = (k: string): string => {
    const x = (v as Readonly<Record<string, unknown>>)[k];
    if (typeof x !== 'string' && typeof x !== 'number') throw new CliError(`the node's batch lacks ${k}`, EXIT.connection);
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

function payloadJson(p: CdrPayloadFields): Record<string, string | number> {
  return {
    recordId: p.recordId, submitter: p.submitter, counterparty: p.counterparty, pseudonym: toHex(p.pseudonym), service: p.service,
    startTime: p.startTime.toString(), durationSec: p.durationSec, volumeBytes: p.volumeBytes.toString(), charge: p.charge.toString(),
    currency: p.currency, tariffId: p.tariffId, eventKey: toHex(p.eventKey),
  };
}

function csv(records: readonly CdrPayloadFields[]): string {
  const lines = [COLUMNS.join(',')];
  for (const r of records) lines.push(Object.values(payloadJson(r)).map((v) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v))).join(','));
  return `${lines.join('\n')}\n`;
}
