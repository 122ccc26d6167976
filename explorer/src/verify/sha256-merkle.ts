import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from './hex.js';

/**
 * The block transaction tree (src/crypto/hash.ts sha256MerkleRoot): leaves SHA-256(0x00 ‖ id),
 * nodes SHA-256(0x01 ‖ left ‖ right), an odd last node carried up unchanged.
 */

export interface Sha256Step {
  readonly sibling: Uint8Array;
  readonly siblingOnLeft: boolean;
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

function hashParts(...parts: Uint8Array[]): Uint8Array {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The root over `leaves` and the path of leaf `index` (bottom-up; carried levels add no step). */
export function sha256Tree(leaves: readonly Uint8Array[], index: number): { root: Uint8Array; path: Sha256Step[] } {
  if (leaves.length === 0) return { root: new Uint8Array(32), path: [] };
  let level = leaves.map((l) => hashParts(LEAF, l));
  let position = index;
  const path: Sha256Step[] = [];
  while (level.length > 1) {
    const pair = position ^ 1;
    if (pair < level.length) path.push({ sibling: level[pair]!, siblingOnLeft: pair < position });
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? hashParts(NODE, level[i]!, level[i + 1]!) : level[i]!);
    level = next;
    position >>= 1;
  }
  return { root: level[0]!, path };
}

/** Whether `id` folds through `path` to `root`. */
export function sha256PathValid(id: Uint8Array, path: readonly Sha256Step[], root: Uint8Array): boolean {
  let node = hashParts(LEAF, id);
  for (const s of path) node = s.siblingOnLeft ? hashParts(NODE, s.sibling, node) : hashParts(NODE, node, s.sibling);
  return equalBytes(node, root);
}
