import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256MerkleProofs } from '../crypto/hash.js';
import { decodeBatch, type BatchHeaderFields } from './batch.js';
import { BlockKind, decodeBlock, encodeBlock, encodePrunedBlock, type BlockHeaderFields } from './block.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { decodePrunedBatch, encodePrunedBatch, isPrunedBatch, type PrunedBatch } from './pruned-batch.js';

const bytes = (n: number) => new Uint8Array(randomBytes(n));
const header: BatchHeaderFields = {
  version: 1, submitter: 26201, counterparty: 23415, periodStart: 1_800_000_000n, periodEnd: 1_800_003_600n,
  sequence: 2n ** 63n + 5n, recordCount: 1000, merkleRoot: bytes(32), recordsDigest: bytes(32),
};
const ids = Array.from({ length: 5 }, () => bytes(32));
const stub: PrunedBatch = { header, signature: bytes(64), frameBytes: 128_400, prunedAtMs: 1_900_000_000_123n, height: 4_000_000_000, index: 3, txPath: sha256MerkleProofs(ids)[3]! };

describe('pruned batch stub', () => {
  it('round-trips every field, and is told apart from a batch frame', () => {
    const encoded = encodePrunedBatch(stub);
    expect(isPrunedBatch(encoded)).toBe(true);
    expect(decodePrunedBatch(encoded)).toEqual(stub);
    expect(() => decodeBatch(encoded)).toThrow(MalformedFrameError);
    expect(encoded.length).toBeLessThan(300);
  });

  it('refuses truncated, padded, foreign or future stubs', () => {
    const encoded = encodePrunedBatch(stub);
    for (let n = 0; n < encoded.length; n += 7) expect(() => decodePrunedBatch(encoded.subarray(0, n))).toThrow(MalformedFrameError);
    expect(() => decodePrunedBatch(new Uint8Array([...encoded, 0]))).toThrow(/trailing/);
    const foreign = Uint8Array.from(encoded);
    foreign[7] = 0x41;
    expect(() => decodePrunedBatch(foreign)).toThrow(MalformedFrameError);
    const future = Uint8Array.from(encoded);
    future[3] = 2;
    expect(() => decodePrunedBatch(future)).toThrow(UnsupportedVersionError);
  });
});

describe('pruned block', () => {
  const blockHeader: BlockHeaderFields = {
    version: 1, kind: BlockKind.Micro, height: 42n, prevHash: bytes(32), timestampMs: 1_800_000_000_000n, producer: 26201, txRoot: bytes(32), txCount: 5, cdrCount: 5000,
  };
  it('keeps the header, says its body is gone, and carries no transaction ids', () => {
    const full = decodeBlock(encodeBlock(blockHeader, new Uint8Array(5 * 32)));
    expect(full.bodyPruned).toBe(false);
    const pruned = decodeBlock(encodePrunedBlock(blockHeader));
    expect(pruned).toEqual({ header: full.header, txHashes: new Uint8Array(0), bodyPruned: true });
  });
});
