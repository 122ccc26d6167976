// Piscina task: one chunk of a benchmark data set. Generates synthetic CDRs for one submitter and
// one counterparty, derives their public records (Poseidon commitments, hashes), seals signed batch
// frames exactly as an operator's client does, and hands them back as ONE transferred ArrayBuffer
// already in the data-set file format (u32 little-endian length, then the frame; repeated).
// With `privacy` the batches are sealed (Operator.sealedBatch): payloads encrypted, keys wrapped.
import { performance } from 'node:perf_hooks';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { BuiltBatch } from '../../src/cdr/batch-builder.js';
import type { Cdr } from '../../src/cdr/model.js';
import { generateTraffic } from '../../src/cdr/synthetic.js';
import { genesisPrivacyFromJson, type GenesisPrivacy, type GenesisPrivacyJson } from '../../src/chain/genesis-privacy.js';
import { Operator } from '../../src/client/operator.js';
import { fromHex } from '../../src/codec/bytes.js';

export interface BuildChunkTask {
  readonly submitter: number;
  readonly counterparty: number;
  /** Traffic seed of this chunk (unique per data set, submitter and chunk). */
  readonly seed: string;
  /** Record id prefix, unique per submitter and chunk, so nullifiers never collide. */
  readonly recordIdPrefix: string;
  readonly firstSequence: number;
  readonly batches: number;
  readonly batchSize: number;
  /** Unix seconds. */
  readonly startTime: number;
  readonly periodSeconds: number;
  readonly subscribers: number;
  /** The chain identity (hex, the data set's genesis' in the parent) the batches are signed for. */
  readonly chain: string;
  /** The genesis' privacy section: present, the batches are sealed under it. */
  readonly privacy?: GenesisPrivacyJson;
}

export interface BuildChunkResult {
  /** Length-prefixed frames, `batches` of them, in sequence order. */
  readonly buffer: ArrayBuffer;
  readonly batches: number;
  readonly cdrs: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly taskMs: number;
}

export const FRAME_LENGTH_PREFIX_BYTES = 4;

const operators = new Map<string, Operator>();

function operatorFor(plmn: number, chain: string): Operator {
  const key = `${plmn}:${chain}`;
  let op = operators.get(key);
  if (!op) {
    op = Operator.devnet(plmn, fromHex(chain, 32));
    operators.set(key, op);
  }
  return op;
}

function chunkTraffic(task: BuildChunkTask): Generator<Cdr> {
  return generateTraffic({
    seed: task.seed,
    submitter: task.submitter,
    counterparty: task.counterparty,
    count: task.batches * task.batchSize,
    startTime: task.startTime,
    periodSeconds: task.periodSeconds,
    subscribers: task.subscribers,
    recordIdPrefix: task.recordIdPrefix,
  });
}

/** A chunk of plain batches (public records only). */
export function buildChunk(task: BuildChunkTask): BuildChunkResult {
  const started = performance.now();
  const op = operatorFor(task.submitter, task.chain);
  return packChunk(task, op.batches(chunkTraffic(task), task.batchSize, BigInt(task.firstSequence)), started);
}

const privacies = new Map<string, GenesisPrivacy>();

/**
 * A chunk of sealed batches. The worker's Operator (one per submitter and chain) keeps its group keys
 * and lawful-access wraps across chunks, as an operator's client does over a day.
 */
export async function buildSealedChunk(task: BuildChunkTask & { readonly privacy: GenesisPrivacyJson }): Promise<BuildChunkResult> {
  const started = performance.now();
  const op = operatorFor(task.submitter, task.chain);
  const key = JSON.stringify(task.privacy);
  let privacy = privacies.get(key);
  if (!privacy) {
    privacy = genesisPrivacyFromJson(task.privacy, new Set(task.privacy.encryptionKeys.map((k) => k.plmn)));
    privacies.set(key, privacy);
  }
  const cdrs = [...chunkTraffic(task)];
  const built: BuiltBatch[] = [];
  let sequence = BigInt(task.firstSequence);
  for (let at = 0; at < cdrs.length; at += task.batchSize) built.push(await op.sealedBatch(cdrs.slice(at, at + task.batchSize), sequence++, privacy));
  return packChunk(task, built, started);
}

function packChunk(task: BuildChunkTask, batches: Iterable<BuiltBatch>, started: number): BuildChunkResult {
  const frames: Uint8Array[] = [];
  let bytes = 0;
  let cdrs = 0;
  let expected = BigInt(task.firstSequence);
  for (const built of batches) {
    if (built.header.sequence !== expected) throw new Error(`chunk built sequence ${built.header.sequence}, expected ${expected}`);
    expected++;
    frames.push(built.frame);
    bytes += FRAME_LENGTH_PREFIX_BYTES + built.frame.length;
    cdrs += built.header.recordCount;
  }
  if (frames.length !== task.batches || cdrs !== task.batches * task.batchSize) {
    throw new Error(`chunk built ${frames.length} batches / ${cdrs} CDRs, expected ${task.batches} / ${task.batches * task.batchSize}`);
  }
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of frames) {
    view.setUint32(at, f.length, true);
    out.set(f, at + FRAME_LENGTH_PREFIX_BYTES);
    at += FRAME_LENGTH_PREFIX_BYTES + f.length;
  }
  return {
    buffer: out.buffer,
    batches: frames.length,
    cdrs,
    firstSequence: task.firstSequence,
    lastSequence: task.firstSequence + frames.length - 1,
    taskMs: performance.now() - started,
  };
}

/** The piscina entry: the frames' buffer is transferred (a `move` nested in an object would be cloned). */
export default async function buildBatches(task: BuildChunkTask): Promise<unknown> {
  const result = task.privacy ? await buildSealedChunk({ ...task, privacy: task.privacy }) : buildChunk(task);
  return move({
    get [transferableSymbol]() {
      return [result.buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  });
}
