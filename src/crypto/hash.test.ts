import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256MerkleProof, sha256MerkleProofs, sha256MerkleRoot, verifySha256MerkleProof } from './hash.js';

describe('SHA-256 Merkle paths (block transaction roots)', () => {
  it('every leaf of trees of 1..33 leaves folds to the root; one pass gives the same paths as one per leaf', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
      const root = sha256MerkleRoot(leaves);
      const all = sha256MerkleProofs(leaves);
      leaves.forEach((leaf, i) => {
        expect(all[i]).toEqual(sha256MerkleProof(leaves, i));
        expect(verifySha256MerkleProof(leaf, all[i]!, root)).toBe(true);
        // Another leaf under this leaf's path does not.
        if (n > 1) expect(verifySha256MerkleProof(leaves[(i + 1) % n]!, all[i]!, root)).toBe(false);
      });
    }
  });
});
