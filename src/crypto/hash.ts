import { createHash } from 'node:crypto';

/** SHA-256 over the concatenation of `parts` (node:crypto: ~1.7 µs for 64 bytes here). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}

/**
 * Binary SHA-256 Merkle root over 32-byte hashes (block transaction roots). Odd nodes are carried up
 * unchanged; leaves and inner nodes are domain-separated so a leaf can never pose as a subtree.
 * The empty tree has the all-zero root.
 */
export function sha256MerkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32);
  const LEAF = Uint8Array.of(0);
  const NODE = Uint8Array.of(1);
  let level = leaves.map((l) => sha256(LEAF, l));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right ? sha256(NODE, level[i]!, right) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}
