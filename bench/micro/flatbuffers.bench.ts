// Decoding a 1,000-record CDR batch and reading every field: the node's flatbuffers path
// (decodeBatch: structural verification, then zero-copy views) against the JSON alternative
// (JSON.parse of the same batch in its JSON form, then every hash hex-decoded and every 64-bit
// number parsed, so both end with the same usable values). Encoding is measured for reference.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/flatbuffers.bench.js
//
// Writes bench/results/flatbuffers.json.
import Benchmark from 'benchmark';
import { fileURLToPath } from 'node:url';
import { generateTraffic } from '../../src/cdr/synthetic.js';
import { Operator } from '../../src/client/operator.js';
import { decodeBatch, encodeBatch } from '../../src/codec/batch.js';
import { batchToJson, type BatchJson } from '../../src/codec/batch-json.js';
import { fromHex } from '../../src/codec/bytes.js';
import { ByteBuffer } from 'flatbuffers';
import { Batch } from '../../src/codec/generated/cdrchain/wire/batch.js';
import { PublicRecord } from '../../src/codec/generated/cdrchain/wire/public-record.js';
import { Hash32 } from '../../src/codec/generated/cdrchain/wire/hash32.js';
import { PUBLIC_RECORD_BYTES } from '../../src/codec/limits.js';
import { currentCommand, resultEnvelope, writeResult, type ResultEnvelope } from '../machine.js';

export interface FlatbuffersBenchOptions {
  readonly maxTime?: number;
  readonly records?: number;
  readonly command?: string;
  readonly log?: (line: string) => void;
  readonly resultsName?: string | null;
}

interface Case {
  readonly usPerBatch: number;
  readonly recordsPerSec: number;
  readonly rmePercent: number;
}

export type FlatbuffersBenchResult = ResultEnvelope & {
  readonly name: 'flatbuffers';
  readonly records: number;
  readonly frameBytes: number;
  readonly jsonBytes: number;
  readonly cases: {
    /** decodeBatch (verifier + header) and every record's four hashes as zero-copy views. */
    readonly flatbuffersDecodeRead: Case;
    /** The generated accessors (Batch.records(i).commitment().bytes(j)), no verifier: what flatc gives you. */
    readonly flatbuffersGeneratedAccessors: Case;
    /** JSON.parse, then hex → bytes for every hash and BigInt for every 64-bit field. */
    readonly jsonParseRead: Case;
    /** JSON.parse alone (strings left as strings). */
    readonly jsonParseOnly: Case;
    /** encodeBatch of header, records and signature (reference). */
    readonly flatbuffersEncode: Case;
  };
  /** flatbuffersDecodeRead records/s ÷ jsonParseRead records/s. */
  readonly speedupVsJson: number;
};

let sink = 0;

/** Reads every field of a decoded batch; returns a value so nothing is optimised away. */
function readFlat(frame: Uint8Array): number {
  const b = decodeBatch(frame);
  const h = b.header;
  let x = h.version ^ h.submitter ^ h.counterparty ^ h.recordCount ^ Number(h.periodStart & 0xffn) ^ Number(h.periodEnd & 0xffn) ^ Number(h.sequence & 0xffn);
  x ^= h.merkleRoot[0]! ^ h.recordsDigest[31]! ^ b.signature[0]!;
  const r = b.records;
  for (let at = 0; at < r.length; at += PUBLIC_RECORD_BYTES) {
    const eventKeyHash = r.subarray(at, at + 32);
    const commitment = r.subarray(at + 32, at + 64);
    const nullifier = r.subarray(at + 64, at + 96);
    const payloadHash = r.subarray(at + 96, at + 128);
    x ^= eventKeyHash[0]! ^ commitment[31]! ^ nullifier[0]! ^ payloadHash[31]!;
  }
  return x;
}

function readGenerated(frame: Uint8Array): number {
  const batch = Batch.getRootAsBatch(new ByteBuffer(frame));
  const h = batch.header()!;
  let x = h.version() ^ h.submitter() ^ h.counterparty() ^ h.recordCount() ^ Number(h.sequence() & 0xffn) ^ Number(h.periodStart() & 0xffn) ^ Number(h.periodEnd() & 0xffn);
  const rec = new PublicRecord();
  const hash = new Hash32();
  const n = batch.recordsLength();
  for (let i = 0; i < n; i++) {
    batch.records(i, rec);
    // One byte of each hash through the accessors: reading all 32 byte by byte would be ~30× more.
    x ^= rec.eventKeyHash(hash)!.bytes(0)! ^ rec.commitment(hash)!.bytes(31)! ^ rec.nullifier(hash)!.bytes(0)! ^ rec.payloadHash(hash)!.bytes(31)!;
  }
  return x;
}

function readJson(text: string): number {
  const j = JSON.parse(text) as BatchJson;
  const h = j.header;
  let x = h.version ^ h.submitter ^ h.counterparty ^ h.recordCount ^ Number(BigInt(h.periodStart) & 0xffn) ^ Number(BigInt(h.periodEnd) & 0xffn) ^ Number(BigInt(h.sequence) & 0xffn);
  x ^= fromHex(h.merkleRoot, 32)[0]! ^ fromHex(h.recordsDigest, 32)[31]! ^ fromHex(j.signature, 64)[0]!;
  for (const r of j.records) {
    x ^= fromHex(r.eventKeyHash, 32)[0]! ^ fromHex(r.commitment, 32)[31]! ^ fromHex(r.nullifier, 32)[0]! ^ fromHex(r.payloadHash, 32)[31]!;
  }
  return x;
}

export function runFlatbuffersBench(opts: FlatbuffersBenchOptions = {}): FlatbuffersBenchResult {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[flatbuffers] ${l}\n`));
  const n = opts.records ?? 1000;
  const now = Math.floor(Date.now() / 1000);
  const cdrs = [...generateTraffic({ seed: 'flatbuffers-bench', submitter: 20801, counterparty: 23415, count: n, startTime: now - 2 * 86_400, periodSeconds: 86_400 })];
  const built = Operator.devnet(20801).batch(cdrs, 1n);
  const frame = built.frame;
  const decoded = decodeBatch(frame);
  const text = JSON.stringify(batchToJson(decoded));
  if (readFlat(frame) !== readJson(text)) throw new Error('flatbuffers and JSON paths read different values');

  const suite = new Benchmark.Suite();
  const maxTime = opts.maxTime ?? 2;
  const add = (name: string, fn: () => void): void => void suite.add(name, fn, { maxTime, minSamples: 10 });
  add('flatbuffersDecodeRead', () => (sink ^= readFlat(frame)));
  add('flatbuffersGeneratedAccessors', () => (sink ^= readGenerated(frame)));
  add('jsonParseRead', () => (sink ^= readJson(text)));
  add('jsonParseOnly', () => (sink ^= (JSON.parse(text) as BatchJson).records.length));
  add('flatbuffersEncode', () => (sink ^= encodeBatch(decoded.header, decoded.records, decoded.signature).length));
  const stats: Record<string, Case> = {};
  suite.on('cycle', (e: Benchmark.Event) => {
    const b = e.target;
    const error: unknown = (b as { error?: unknown }).error;
    if (error !== undefined) throw error;
    const mean = b.stats?.mean ?? Number.NaN;
    stats[b.name ?? '?'] = { usPerBatch: Number((mean * 1e6).toFixed(1)), recordsPerSec: Math.round(n / mean), rmePercent: Number((b.stats?.rme ?? Number.NaN).toFixed(1)) };
  });
  suite.run({ async: false });
  const get = (k: string): Case => stats[k] ?? { usPerBatch: Number.NaN, recordsPerSec: Number.NaN, rmePercent: Number.NaN };
  const result: FlatbuffersBenchResult = {
    ...resultEnvelope(opts.command ?? currentCommand()),
    name: 'flatbuffers',
    records: n,
    frameBytes: frame.length,
    jsonBytes: Buffer.byteLength(text),
    cases: {
      flatbuffersDecodeRead: get('flatbuffersDecodeRead'),
      flatbuffersGeneratedAccessors: get('flatbuffersGeneratedAccessors'),
      jsonParseRead: get('jsonParseRead'),
      jsonParseOnly: get('jsonParseOnly'),
      flatbuffersEncode: get('flatbuffersEncode'),
    },
    speedupVsJson: Number((get('flatbuffersDecodeRead').recordsPerSec / get('jsonParseRead').recordsPerSec).toFixed(1)),
  };
  const c = result.cases;
  log(
    `${n}-record batch, records/s: decode+read ${c.flatbuffersDecodeRead.recordsPerSec.toLocaleString('en-US')}, generated accessors ${c.flatbuffersGeneratedAccessors.recordsPerSec.toLocaleString('en-US')}, ` +
      `JSON.parse+read ${c.jsonParseRead.recordsPerSec.toLocaleString('en-US')} (×${result.speedupVsJson}), JSON.parse only ${c.jsonParseOnly.recordsPerSec.toLocaleString('en-US')}, encode ${c.flatbuffersEncode.recordsPerSec.toLocaleString('en-US')}`,
  );
  if (sink === 0.5) log('unreachable');
  if (opts.resultsName !== null) log(`wrote ${writeResult(opts.resultsName ?? 'flatbuffers', result)}`);
  return result;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  runFlatbuffersBench();
}
