import type { Command } from 'commander';
import { fromHex, HexError, toHex } from '../../codec/bytes.js';
import type { CdrPayloadFields } from '../../codec/cdr-payload.js';
import { readKeyFile } from '../../client/key-file.js';
import { fetchNodeChain, httpBase, NodeHttpError, parseChainIdentity, WrongChainError } from '../../client/node-http.js';
import { NodeAnswerError, NodeApiClient, NodeApiError, NodeUnreachableError } from '../../client/node-api-client.js';
import { BatchAnswerError, BatchRefusedError, readSealedBatch, type SealedBatchRead } from '../../client/sealed-batch-reader.js';
import { SealedOpenError } from '../../client/sealed-batches.js';
import { devnetEncryptionKeyPair, readEncryptionKeyFile } from '../../privacy/encryption-key-file.js';
import { EncryptionKeyFileError } from '../../privacy/errors.js';
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
 * validator (issue 13, P2): readSealedBatch fetches the signed header, public records and sealed
 * section as the reader, checks them against the batch id and opens them with the reader's X25519
 * key; this prints the records. Exit 3 when the node has nothing this reader may open (unknown,
 * another pair's, not sealed, pruned by retention), 2 when the keys do not open it.
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
  const privateKey = async (): Promise<Uint8Array> => {
    try {
      return o.encryptionKey ? readEncryptionKeyFile(o.encryptionKey).privateKey : (await devnetEncryptionKeyPair(reader)).privateKey;
    } catch (err) {
      if (err instanceof EncryptionKeyFileError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
  };
  let read: SealedBatchRead;
  try {
    read = await readSealedBatch({ api, chain, reader, privateKey, recordsPage: RECORDS_PAGE }, hex);
  } catch (err) {
    if (err instanceof BatchRefusedError) {
      // 404: unknown, not this reader's, or not sealed: the node answers all alike.
      if (err.status === 404) throw new CliError(`the node has no sealed batch ${hex} that this operator may read`, EXIT.rejected);
      throw new CliError(`refused (${err.status}): ${err.code}: ${err.detail}`, EXIT.rejected);
    }
    // A section that does not match its records is the submitter's fault as much as the node's: refused, not a connection fault.
    if (err instanceof BatchAnswerError) throw new CliError(err.part === 'section' ? err.message : `${base}: ${err.message}`, err.part === 'section' ? EXIT.rejected : EXIT.connection);
    if (err instanceof SealedOpenError) throw new CliError(err.message, EXIT.usage);
    if (err instanceof NodeApiError) throw new CliError(`the node answered ${err.status}: ${err.code}: ${err.message}`, EXIT.connection);
    if (err instanceof NodeUnreachableError || err instanceof NodeAnswerError) throw new CliError(`${base}: ${err.message}`, EXIT.connection);
    throw err;
  }
  if (read.state === 'unreadable') {
    throw new CliError(read.reason === 'pruned' ? `batch ${hex} was pruned by retention: the node no longer holds its records or sealed section` : `the node has no sealed batch ${hex} that this operator may read`, EXIT.rejected);
  }
  return [...read.payloads];
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
