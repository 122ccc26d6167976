import { poseidon2 } from 'poseidon-lite/poseidon2';

/**
 * The batch's Poseidon Merkle tree (assembly/poseidon/merkle.ts), recomputed with poseidon-lite, an
 * implementation independent of the node's WASM: leaves are the records' commitments (BN254 field
 * elements, 32-byte big-endian), node = Poseidon(left, right), depth ceil(log2 n), an odd last node
 * paired with the zero subtree of its level (Z0 = 0, Z(k+1) = Poseidon(Zk, Zk)). poseidon-lite takes
 * ~0.3 ms a hash, so the tree is built in slices that yield to the page, and stops when aborted.
 */

export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export class NonCanonicalFieldError extends Error {
  override readonly name = 'NonCanonicalFieldError';
}

/** A 64-hex-digit big-endian field element; throws if it is not below the modulus. */
export function fieldFromHex(hex: string): bigint {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new NonCanonicalFieldError(`not a 32-byte hex value: ${hex.slice(0, 20)}`);
  const x = BigInt(`0x${hex}`);
  if (x >= FIELD_MODULUS) throw new NonCanonicalFieldError(`${hex.slice(0, 16)}… is not below the BN254 scalar field modulus`);
  return x;
}

export function fieldToHex(x: bigint): string {
  return x.toString(16).padStart(64, '0');
}

export function hash2(left: bigint, right: bigint): bigint {
  return poseidon2([left, right]);
}

export interface TreeProgress {
  readonly hashed: number;
  readonly total: number;
}

/** Slices of at most this long before yielding to the page. */
const SLICE_MS = 12;

const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The root over `leaves` and the siblings of leaf `index`, bottom-up. */
export async function poseidonTree(
  leaves: readonly bigint[],
  index: number,
  opts: { signal?: AbortSignal; onProgress?: (p: TreeProgress) => void } = {},
): Promise<{ root: bigint; siblings: bigint[] }> {
  if (leaves.length < 1) throw new RangeError('a tree needs at least one leaf');
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf index ${index} outside 0..${leaves.length - 1}`);
  let total = 0;
  for (let m = leaves.length; m > 1; m = Math.ceil(m / 2)) total += Math.ceil(m / 2);
  let hashed = 0;
  let level = leaves.slice();
  let zero = 0n;
  let position = index;
  const siblings: bigint[] = [];
  let sliceStart = performance.now();
  while (level.length > 1) {
    const pair = position ^ 1;
    siblings.push(pair < level.length ? level[pair]! : zero);
    const next: bigint[] = new Array<bigint>(Math.ceil(level.length / 2));
    for (let j = 0; j < next.length; j++) {
      next[j] = hash2(level[2 * j]!, 2 * j + 1 < level.length ? level[2 * j + 1]! : zero);
      hashed++;
      if (performance.now() - sliceStart > SLICE_MS) {
        opts.onProgress?.({ hashed, total });
        await yieldToPage();
        if (opts.signal?.aborted) throw new DOMException('aborted', 'AbortError');
        sliceStart = performance.now();
      }
    }
    level = next;
    zero = hash2(zero, zero);
    position >>= 1;
  }
  opts.onProgress?.({ hashed, total });
  return { root: level[0]!, siblings };
}

/** Whether `leaf` at `index` folds through `siblings` to `root` (bit k of index: the level-k node is a right child). */
export function poseidonPathValid(leaf: bigint, index: number, siblings: readonly bigint[], root: bigint): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** siblings.length) return false;
  let node = leaf;
  let position = index;
  for (const s of siblings) {
    node = position % 2 === 0 ? hash2(node, s) : hash2(s, node);
    position = Math.floor(position / 2);
  }
  return node === root;
}
