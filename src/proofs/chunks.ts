import { MAX_BATCH_RECORDS } from '../codec/limits.js';
import type { Hash2 } from '../wasm/poseidon.js';
import { isChunkSize } from './circuit.js';
import { ProofInputError } from './errors.js';

/**
 * How a batch of n records splits into proofs of N = 2^L records each, and how the chunks' roots
 * compose to the batch's Merkle root (assembly/poseidon/merkle.ts: binary Poseidon(2) tree, zero
 * leaves pad to 2^ceil(log2 n), Z0 = 0, Z(k+1) = Poseidon(Zk, Zk)).
 *
 * Chunk k holds records kN .. min(n, (k+1)N) − 1 and pads with zero leaves, so its root is exactly
 * the batch tree's node at level L above those leaves. With n > N the batch root is the tree over
 * the chunk roots from level L up (Z(level) pairing an odd last node); with n ≤ N the batch tree is
 * the left part of the one chunk's tree, and the chunk root is the batch root hashed up with Z(D..L−1).
 */
export interface ChunkSpan {
  readonly index: number;
  /** First record of the batch in this chunk. */
  readonly first: number;
  /** Real records in the chunk (1..N): the circuit's public `count`. */
  readonly count: number;
}

function checkSizes(recordCount: number, chunkRecords: number): void {
  if (!isChunkSize(chunkRecords)) throw new ProofInputError('layout', 'records per chunk must be a power of two in 1..65536');
  if (!Number.isInteger(recordCount) || recordCount < 1 || recordCount > MAX_BATCH_RECORDS) {
    throw new ProofInputError('records', `a batch has 1..${MAX_BATCH_RECORDS} records`);
  }
}

/** The chunks of a batch of `recordCount` records, in order. */
export function chunkLayout(recordCount: number, chunkRecords: number): readonly ChunkSpan[] {
  checkSizes(recordCount, chunkRecords);
  const spans: ChunkSpan[] = [];
  for (let first = 0, index = 0; first < recordCount; first += chunkRecords, index++) {
    spans.push(Object.freeze({ index, first, count: Math.min(chunkRecords, recordCount - first) }));
  }
  return Object.freeze(spans);
}

function depthOf(n: number): number {
  return n === 1 ? 0 : 32 - Math.clz32(n - 1);
}

/** Z(0..levels): the roots of all-zero subtrees. */
function zeroRoots(levels: number, hash2: Hash2): bigint[] {
  const z = [0n];
  for (let k = 0; k < levels; k++) z.push(hash2(z[k]!, z[k]!));
  return z;
}

/** Root of one chunk's complete tree over its leaves (commitments), zero-padded to `chunkRecords`. */
export function chunkRoot(leaves: readonly bigint[], chunkRecords: number, hash2: Hash2): bigint {
  if (!isChunkSize(chunkRecords)) throw new ProofInputError('layout', 'records per chunk must be a power of two in 1..65536');
  if (leaves.length < 1 || leaves.length > chunkRecords) throw new ProofInputError('records', `a chunk holds 1..${chunkRecords} records`);
  let level: bigint[] = [...leaves];
  while (level.length < chunkRecords) level.push(0n);
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hash2(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/**
 * Whether the chunk roots (one per chunkLayout span, in order) compose to `batchRoot`, the Merkle root
 * a batch of `recordCount` records carries in its header.
 */
export function chunkRootsMatchBatch(batchRoot: bigint, recordCount: number, chunkRecords: number, chunkRoots: readonly bigint[], hash2: Hash2): boolean {
  checkSizes(recordCount, chunkRecords);
  const spans = Math.ceil(recordCount / chunkRecords);
  if (chunkRoots.length !== spans) return false;
  const chunkLevel = depthOf(chunkRecords);
  const batchDepth = depthOf(recordCount);
  const zeros = zeroRoots(Math.max(chunkLevel, batchDepth), hash2);
  if (batchDepth <= chunkLevel) {
    let node = batchRoot;
    for (let k = batchDepth; k < chunkLevel; k++) node = hash2(node, zeros[k]!);
    return node === chunkRoots[0];
  }
  let level = [...chunkRoots];
  for (let k = chunkLevel; level.length > 1; k++) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hash2(level[i]!, level[i + 1] ?? zeros[k]!));
    level = next;
  }
  return level[0] === batchRoot;
}
