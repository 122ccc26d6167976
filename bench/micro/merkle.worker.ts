// Piscina task for bench/micro/merkle-workers.bench.ts: the Poseidon Merkle root of n 32-byte
// leaves in this thread's WASM instance. The leaves arrive as a transferred ArrayBuffer.
import { performance } from 'node:perf_hooks';
import { PoseidonWasm } from '../../src/wasm/poseidon.js';

export interface MerkleTask {
  readonly leaves: ArrayBuffer;
  readonly n: number;
}

export interface MerkleOutcome {
  /** 32-byte big-endian root (small: cloned, not transferred). */
  readonly root: Uint8Array;
  readonly taskMs: number;
}

const poseidon = PoseidonWasm.load();

export default function merkleRoot(task: MerkleTask): MerkleOutcome {
  const started = performance.now();
  const root = poseidon.merkleRoot(new Uint8Array(task.leaves), task.n);
  return { root, taskMs: performance.now() - started };
}
