// Piscina task: one chunk of a benchmark data set. Generates synthetic CDRs for one submitter and
// one counterparty, derives their public records (Poseidon commitments, hashes), seals signed batch
// frames exactly as an operator's client does, and hands them back as ONE transferred ArrayBuffer
// already in the data-set file format (u32 little-endian length, then the frame; repeated).
import { performance } from 'node:perf_hooks';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { generateTraffic } from '../../src/cdr/synthetic.js';
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

export function buildChunk(task: BuildChunkTask): BuildChunkResult {
  const started = performance.now();
  const op = operatorFor(task.submitter, task.chain);
  const traffic = generateTraffic({
    seed: task.seed,
    submitter: task.submitter,
    counterparty: task.counterparty,
    count: task.batches * task.batchSize,
    startTime: task.startTime,
    periodSeconds: task.periodSeconds,
    subscribers: task.subscribers,
    recordIdPrefix: task.recordIdPrefix,
  });
  const frames: Uint8Array[] = [];
  let bytes = 0;
  let cdrs = 0;
  let expected = BigInt(task.firstSequence);
  for (const built of op.batches(traffic, task.batchSize, BigInt(task.firstSequence))) {
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
export default function buildBatches(task: BuildChunkTask): unknown {
  const result = buildChunk(task);
  return move({
    get [transferableSymbol]() {
      return [result.buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  });
}
