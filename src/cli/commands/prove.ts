import { createReadStream } from 'node:fs';
import { appendProvenBatch, provenBatchLine } from '../proven-journal.js';
import type { Command } from 'commander';
import { devnetBatchSeed } from '../../chain/genesis.js';
import { CdrDeriver } from '../../cdr/derive.js';
import { readCdrCsv } from '../../cdr/csv.js';
import { readCdrJson } from '../../cdr/json.js';
import type { Cdr } from '../../cdr/model.js';
import { devnetSecrets, secretsFromTable, type OperatorSecrets } from '../../cdr/operator-secrets.js';
import { proveOwnBatch, signBatchProof } from '../../client/batch-proof-tx.js';
import { readKeyFile, type KeyFile } from '../../client/key-file.js';
import { NodeApiClient, NodeApiError } from '../../client/node-api-client.js';
import { fetchNodeChain, httpBase, NodeHttpError } from '../../client/node-http.js';
import type { BatchHeaderFields } from '../../codec/batch.js';
import { equalBytes, fromHex, HexError, toHex } from '../../codec/bytes.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../../codec/limits.js';
import { loadChunkArtifacts } from '../../proofs/artifacts.js';
import { CHUNK_CIRCUIT, TEST_CHUNK_RECORDS } from '../../proofs/circuit.js';
import { releaseProofCurve } from '../../proofs/curve.js';
import { CircuitArtifactsError, ProofInputError, WitnessError } from '../../proofs/errors.js';
import { PoseidonWasm } from '../../wasm/poseidon.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';
import { requestSigner } from '../request-signing.js';

interface ProveOptions {
  input: string;
  operator?: number;
  key?: string;
  url: string;
  batchSize: number;
  format?: string;
  chunkRecords: number;
  sequence?: number;
  save?: string;
  view?: boolean;
}

/**
 * cdrchain prove BATCH_ID --input FILE: the submitter's side of issue 13's P6. Fetches the batch's
 * header, finds its CDRs in FILE (the file `cdrchain submit` sent, cut into batches the same way:
 * per counterparty, --batch-size at a time, the batch whose records' Merkle root is the header's),
 * proves every chunk with the built circuit (`npm run build:circuits`), and submits the batch proof
 * over POST /tx. The node verifies it on its worker pool and GET /batch/{id} then shows `proven`.
 */
export function registerProve(program: Command): void {
  program
    .command('prove')
    .argument('<batch-id>', 'the batch to prove (its id, as submit and GET /batch/{id} show it)')
    .description('prove a submitted batch (Groth16, per chunk) from the CDR file it was built from, and submit the proof')
    .requiredOption('--input <file>', 'the CDR file the batch was submitted from (.csv, .json, .ndjson)')
    .option('--operator <plmn>', 'the submitting operator (devnet keys); default: the key file\'s', parsePlmnOption)
    .option('--key <file>', 'operator key file (batch seed, consortium salt, pair secrets); it also signs the API calls')
    .option('--url <url>', 'node address (http:// or ws://)', 'http://127.0.0.1:7400')
    .option('--batch-size <n>', 'CDRs per batch, as given to submit', parseIntOption('batch-size', 1, 65_536), 1000)
    .option('--format <fmt>', 'csv | json (default: from the file extension)')
    .option('--chunk-records <n>', 'records per chunk proof: a circuit registered in the genesis and built here', parseIntOption('chunk-records', 1, 65_536), TEST_CHUNK_RECORDS)
    .option('--sequence <n>', 'the batch proof sequence to sign (default: the node\'s last accepted one + 1)', parseIntOption('sequence', 1))
    .option('--view', "declare the batch a view (not your invoice to the counterparty, e.g. your records of calls it bills): proven, it joins no charge aggregate")
    .option('--save <file>', 'append the proven batch (its context and chunk totals: pair-private) to this journal, for cdrchain bilateral --proven')
    .action(async (id: string, o: ProveOptions) => {
      const result = await proveCommand(id, o);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}

async function proveCommand(idHex: string, o: ProveOptions): Promise<Record<string, unknown>> {
  let batchId: Uint8Array;
  try {
    batchId = fromHex(idHex, 32);
  } catch (err) {
    if (err instanceof HexError) throw new CliError(`"${idHex}" is not a batch id (64 hex digits)`, EXIT.usage);
    throw err;
  }
  const keyFile = o.key ? readKeyFile(o.key) : undefined;
  const plmn = keyFile?.plmn ?? o.operator;
  if (plmn === undefined) throw new CliError('pass --operator (devnet keys) or --key', EXIT.usage);
  const base = httpBase(o.url);
  const node = await fetchNodeChain(base).catch((err: unknown) => {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
  });
  const api = new NodeApiClient(base, { signer: requestSigner(keyFile, plmn) });
  const batch = await api.batch(toHex(batchId)).catch((err: unknown) => {
    if (err instanceof NodeApiError && err.status === 404) throw new CliError(`the node has no batch ${toHex(batchId)} of yours`, EXIT.rejected);
    throw nodeError(err);
  });
  if (batch.proven) return { batch: toHex(batchId), proven: batch.proven, alreadyProven: true };
  const header: BatchHeaderFields = {
    version: batch.version, submitter: batch.submitter, counterparty: batch.counterparty,
    periodStart: BigInt(batch.periodStart), periodEnd: BigInt(batch.periodEnd), sequence: BigInt(batch.sequence),
    recordCount: batch.recordCount, merkleRoot: fromHex(batch.merkleRoot, 32), recordsDigest: fromHex(batch.recordsDigest, 32),
  };
  if (header.submitter !== plmn) {
    throw new CliError(`batch ${toHex(batchId)} was submitted by ${header.submitter}: its submitter proves it (the record openings are derived with its secrets)`, EXIT.usage);
  }
  const secrets = secretsOf(keyFile, plmn);
  const poseidon = PoseidonWasm.load();
  const cdrs = await findBatchCdrs(o, header, secrets, poseidon);
  let artifacts;
  try {
    artifacts = loadChunkArtifacts(o.chunkRecords);
  } catch (err) {
    if (err instanceof CircuitArtifactsError) throw new CliError(`${err.message} (--chunk-records ${o.chunkRecords})`, EXIT.usage);
    throw err;
  }
  let proof;
  const started = performance.now();
  try {
    proof = await proveOwnBatch({ artifacts, cdrs, header, secrets, chain: node.genesisHash, poseidon });
  } catch (err) {
    if (err instanceof ProofInputError || err instanceof WitnessError) throw new CliError(`the batch's records cannot be proven: ${err.message}`, EXIT.usage);
    throw err;
  } finally {
    await releaseProofCurve();
  }
  const proveMs = Math.round(performance.now() - started);
  const last = o.sequence === undefined ? BigInt((await api.operator(plmn).catch((err: unknown) => { throw nodeError(err); })).lastProofSequence) : undefined;
  const sequence = o.sequence !== undefined ? BigInt(o.sequence) : last! + 1n;
  const seed = keyFile ? fromHex(keyFile.batchSeed, 32) : devnetBatchSeed(plmn);
  const tx = signBatchProof({ signer: plmn, sequence, batchId, proof: proof.bytes, seed, chain: node.genesisHash, circuitId: CHUNK_CIRCUIT.id, circuitVersion: CHUNK_CIRCUIT.version, ...(o.view === true ? { role: 'view' as const } : {}) });
  await api.submitContractTx(tx.frame).catch((err: unknown) => {
    if (err instanceof NodeApiError) throw new CliError(`the node refused the proof: ${err.code}: ${err.message}`, EXIT.rejected);
    throw nodeError(err);
  });
  if (o.save !== undefined && o.view !== true) appendProvenBatch(o.save, provenBatchLine(toHex(batchId), header, proof.totals));
  return { batch: toHex(batchId), tx: toHex(tx.hash), sequence: sequence.toString(), chunks: proof.proof.chunks.length, chunkRecords: o.chunkRecords, proveMs };
}

function secretsOf(keyFile: KeyFile | undefined, plmn: number): OperatorSecrets {
  if (!keyFile) return devnetSecrets(plmn);
  if (!keyFile.consortiumSalt || !keyFile.pairSecrets) throw new CliError(`key file of ${plmn} lacks consortiumSalt/pairSecrets`, EXIT.usage);
  const pairs = new Map(Object.entries(keyFile.pairSecrets).map(([p, hex]) => [Number(p), fromHex(hex, 32)] as const));
  return secretsFromTable(plmn, fromHex(keyFile.consortiumSalt, 32), pairs);
}

/**
 * The batch's CDRs: FILE cut as `submit` cuts it (per counterparty, in file order, --batch-size at a
 * time, then the rest), the cut whose records' Merkle root is the header's. The root depends only on
 * the records and the submitter's secrets, not on the sequence the batch was signed with.
 */
async function findBatchCdrs(o: ProveOptions, header: BatchHeaderFields, secrets: OperatorSecrets, poseidon: PoseidonWasm): Promise<Cdr[]> {
  const format = o.format ?? (o.input.endsWith('.csv') ? 'csv' : o.input.endsWith('.json') || o.input.endsWith('.ndjson') ? 'json' : undefined);
  if (format !== 'csv' && format !== 'json') throw new CliError(`cannot tell the format of ${o.input}: pass --format csv|json`, EXIT.usage);
  const deriver = new CdrDeriver(secrets, poseidon);
  const matches = (cut: readonly Cdr[]): boolean => {
    if (cut.length !== header.recordCount) return false;
    const records = deriver.publicRecords(cut);
    return equalBytes(poseidon.merkleRootStrided(records, cut.length, PUBLIC_RECORD_BYTES, RECORD_OFFSET.commitment), header.merkleRoot);
  };
  const source = createReadStream(o.input);
  let cut: Cdr[] = [];
  try {
    for await (const c of format === 'csv' ? readCdrCsv(source) : readCdrJson(source)) {
      if (c.submitter !== header.submitter || c.counterparty !== header.counterparty) continue;
      cut.push(c);
      if (cut.length >= o.batchSize) {
        if (matches(cut)) return cut;
        cut = [];
      }
    }
  } catch (err) {
    throw new CliError(`${o.input}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  } finally {
    source.destroy();
  }
  if (matches(cut)) return cut;
  throw new CliError(`no batch of ${o.input} cut ${o.batchSize} at a time has the Merkle root of ${header.recordCount}-record batch ${toHex(header.merkleRoot)}: another file, or another --batch-size?`, EXIT.usage);
}

function nodeError(err: unknown): CliError {
  if (err instanceof NodeApiError) return new CliError(`the node answered ${err.status} ${err.code}: ${err.message}`, EXIT.rejected);
  if (err instanceof NodeHttpError) return new CliError(err.message, EXIT.connection);
  return new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
}
