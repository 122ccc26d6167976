// The explorer's in-browser checks, run here in Node against the node's own code: the canonical
// header and batch id (src/codec/batch.ts), the Ed25519 signature, the Poseidon tree the node's WASM
// computes (assembly/poseidon/merkle.ts) and the block transaction tree (src/crypto/hash.ts).
import { describe, expect, it } from 'vitest';
import { batchToJson } from '../../../src/codec/batch-json.js';
import { batchId, canonicalBatchHeader, decodeBatch } from '../../../src/codec/batch.js';
import { toHex } from '../../../src/codec/bytes.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../../../src/codec/limits.js';
import { devnetChainIdentity } from '../../../src/chain/devnet-chain.js';
import { devnetGenesis } from '../../../src/chain/genesis.js';
import { sha256MerkleProof, sha256MerkleRoot } from '../../../src/crypto/hash.js';
import { Operator } from '../../../src/client/operator.js';
import { traffic, ORANGE_FR, VODAFONE_UK } from '../../../src/test-helpers/devnet.js';
import { bytesToField, PoseidonWasm } from '../../../src/wasm/poseidon.js';
import { batchIdOf, canonicalHeader, signatureValid, type HeaderFields } from './batch-header.js';
import { bytesToHex, hexToBytes } from './hex.js';
import { fieldFromHex, FIELD_MODULUS, fieldToHex, poseidonPathValid, poseidonTree } from './poseidon-merkle.js';
import { sha256PathValid, sha256Tree } from './sha256-merkle.js';

const chain = devnetChainIdentity();
const genesisHash = toHex(chain);
const op = Operator.devnet(ORANGE_FR);
const batchKey = toHex(devnetGenesis().operators.find((o) => o.plmn === ORANGE_FR)!.batchKey);

function built(count: number, seed: string) {
  const b = op.batch(traffic(ORANGE_FR, VODAFONE_UK, count, seed), 7n);
  const decoded = decodeBatch(b.frame);
  const json = batchToJson(decoded);
  return { b, decoded, header: json.header as HeaderFields, signature: json.signature };
}

describe('explorer batch checks agree with the node', () => {
  it('builds the canonical header, the batch id and checks the signature as the node does', () => {
    const { b, decoded, header, signature } = built(5, 'hdr');
    expect(bytesToHex(canonicalHeader(header, genesisHash))).toBe(toHex(canonicalBatchHeader(decoded.header, chain)));
    expect(bytesToHex(batchIdOf(header, genesisHash))).toBe(toHex(b.id));
    expect(toHex(batchId(decoded.header, chain))).toBe(toHex(b.id));
    expect(signatureValid(header, genesisHash, signature, batchKey)).toBe(true);
    // Another chain, another sequence, a flipped signature bit: each refused.
    expect(signatureValid(header, 'ab'.repeat(32), signature, batchKey)).toBe(false);
    expect(signatureValid({ ...header, sequence: '8' }, genesisHash, signature, batchKey)).toBe(false);
    const bad = hexToBytes(signature);
    bad[3]! ^= 1;
    expect(signatureValid(header, genesisHash, bytesToHex(bad), batchKey)).toBe(false);
  });

  it('recomputes the Poseidon root and proofs of the node WASM with poseidon-lite', async () => {
    const poseidon = PoseidonWasm.load();
    for (const n of [1, 2, 3, 5, 8, 13, 64]) {
      const { decoded, header } = built(n, `tree-${n}`);
      const commitments: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const at = i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.commitment;
        commitments.push(bytesToField(decoded.records.subarray(at, at + 32)));
      }
      for (const index of new Set([0, n - 1, Math.floor(n / 2)])) {
        const tree = await poseidonTree(commitments, index);
        expect(fieldToHex(tree.root), `n=${n}`).toBe(header.merkleRoot);
        const wasmSiblings = poseidon.merkleProofStrided(decoded.records, n, PUBLIC_RECORD_BYTES, RECORD_OFFSET.commitment, index).map((s) => toHex(s));
        expect(tree.siblings.map(fieldToHex), `n=${n} index=${index}`).toEqual(wasmSiblings);
        expect(poseidonPathValid(commitments[index]!, index, tree.siblings, tree.root)).toBe(true);
        if (n > 1) {
          // The same path claimed for a neighbour's leaf, or against a changed root, fails.
          const other = commitments[(index + 1) % n]!;
          expect(poseidonPathValid(other, index, tree.siblings, tree.root)).toBe(other === commitments[index]);
          expect(poseidonPathValid(commitments[index]!, index, tree.siblings, (tree.root + 1n) % FIELD_MODULUS)).toBe(false);
        }
      }
    }
  });

  it('refuses commitments that are not canonical field elements', () => {
    expect(() => fieldFromHex(FIELD_MODULUS.toString(16).padStart(64, '0'))).toThrow(/modulus/);
    expect(fieldFromHex((FIELD_MODULUS - 1n).toString(16).padStart(64, '0'))).toBe(FIELD_MODULUS - 1n);
  });

  it('folds a transaction id to the block txRoot as src/crypto/hash.ts does', () => {
    for (const n of [1, 2, 3, 7, 10]) {
      const ids = Array.from({ length: n }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 7) & 0xff));
      const root = sha256MerkleRoot(ids);
      for (let index = 0; index < n; index++) {
        const tree = sha256Tree(ids, index);
        expect(bytesToHex(tree.root)).toBe(toHex(root));
        const theirs = sha256MerkleProof(ids, index);
        expect(tree.path.map((s) => [bytesToHex(s.sibling), s.siblingOnLeft])).toEqual(theirs.map((s) => [toHex(s.sibling), s.siblingOnLeft]));
        expect(sha256PathValid(ids[index]!, tree.path, root)).toBe(true);
        if (n > 1) expect(sha256PathValid(ids[(index + 1) % n]!, tree.path, root)).toBe(false);
      }
    }
  });
});
