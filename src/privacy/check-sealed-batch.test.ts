import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { checkSealedBatch } from './check-sealed-batch.js';
import { batchContext } from './context.js';
import { generateEncryptionKeyPair } from './encryption-key-file.js';
import { SealedBatchError } from './errors.js';
import { MAX_PAYLOAD_CIPHERTEXT_BYTES } from './payload-cipher.js';
import { sealBatch } from './seal-batch.js';
import { type SealedBatch, keyMaterialDigest } from './sealed-batch.js';
import { deal } from './threshold/feldman.js';
import { LawfulAccessSetup } from './threshold/lawful-access-setup.js';

// Admission's key-less check of the private part of a frame: sizes and counts before anything else,
// then payload_hash = SHA-256(ciphertext) for every record.

let sealed: SealedBatch;
let publicRecords: Uint8Array;
const N = 6;

beforeAll(async () => {
  const dealing = deal({ threshold: 2, holders: 3 }, 1);
  const setup = LawfulAccessSetup.fromCommitments({ threshold: 2, holders: 3 }, dealing.commitments);
  const [a, b] = await Promise.all([generateEncryptionKeyPair(26201), generateEncryptionKeyPair(23415)]);
  const result = await sealBatch({
    ctx: batchContext({ chainId: new Uint8Array(32), submitter: 26201, counterparty: 23415, sequence: 3n }),
    submitterPublicKey: a.publicKey,
    counterpartyPublicKey: b.publicKey,
    lawfulAccess: setup,
    groups: [{ tag: new Uint8Array(32).fill(1) }, { tag: new Uint8Array(32).fill(2) }, { tag: new Uint8Array(32).fill(3) }],
    records: Array.from({ length: N }, (_, i) => ({ group: i % 3, payload: randomBytes(150 + i) })),
  });
  sealed = result.sealed;
  publicRecords = new Uint8Array(N * PUBLIC_RECORD_BYTES);
  result.payloadHashes.forEach((h, i) => {
    publicRecords.set(randomBytes(96), i * PUBLIC_RECORD_BYTES);
    publicRecords.set(h, i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.payloadHash);
  });
});

function rejects(s: SealedBatch, reason: string, index?: number, records = publicRecords): void {
  try {
    checkSealedBatch(s, records);
  } catch (err) {
    expect(err).toBeInstanceOf(SealedBatchError);
    expect((err as SealedBatchError).reason).toBe(reason);
    if (index !== undefined) expect((err as SealedBatchError).index).toBe(index);
    return;
  }
  throw new Error(`accepted a batch that should fail with ${reason}`);
}

const withRecord = (s: SealedBatch, i: number, over: Partial<SealedBatch['records'][number]>): SealedBatch => ({
  ...s,
  records: s.records.map((r, k) => (k === i ? { ...r, ...over } : r)),
});
const withGroup = (s: SealedBatch, j: number, over: Partial<SealedBatch['groups'][number]>): SealedBatch => ({
  ...s,
  groups: s.groups.map((g, k) => (k === j ? { ...g, ...over } : g)),
});

describe('checkSealedBatch', () => {
  it('accepts what sealBatch made, against the public records it made them for', () => {
    checkSealedBatch(sealed, publicRecords);
  });

  it('names each malformed part', () => {
    rejects({ ...sealed, batchNonce: sealed.batchNonce.subarray(1) }, 'nonce_length');
    rejects({ ...sealed, submitterWrap: new Uint8Array(81) }, 'wrap_length');
    rejects({ ...sealed, counterpartyWrap: new Uint8Array(0) }, 'wrap_length');
    rejects({ ...sealed, records: sealed.records.slice(1) }, 'record_count');
    rejects(sealed, 'record_count', undefined, publicRecords.subarray(1));
    rejects({ ...sealed, groups: [] }, 'group_count');
    rejects({ ...sealed, groups: Array.from({ length: N + 1 }, () => sealed.groups[0]!) }, 'group_count');
    rejects(withGroup(sealed, 1, { tag: new Uint8Array(31) }), 'group_shape', 1);
    rejects(withGroup(sealed, 2, { lawfulWrap: new Uint8Array(143) }), 'group_shape', 2);
    rejects({ ...sealed, keyTable: new Uint8Array(sealed.keyTable.length + 1) }, 'group_shape');
    rejects(withGroup(sealed, 1, { lawfulWrap: new Uint8Array(144) }), 'group_shape', 1); // a version-1 wrap in a version-2 batch
    rejects(withGroup(sealed, 2, { tag: sealed.groups[0]!.tag }), 'duplicate_tag', 2);
    // Tags that share their first 30 bits: distinct ones pass, a repeat of either is found.
    const near = (last: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? last : 9));
    const nearTags = withGroup(withGroup(withGroup(sealed, 0, { tag: near(1) }), 1, { tag: near(2) }), 2, { tag: near(3) });
    checkSealedBatch(nearTags, publicRecords);
    rejects(withGroup(nearTags, 2, { tag: near(1) }), 'duplicate_tag', 2);
    rejects(withGroup(nearTags, 2, { tag: near(2) }), 'duplicate_tag', 2);
    rejects(withRecord(sealed, 4, { group: 3 }), 'group_index', 4);
    rejects(withRecord(sealed, 4, { group: -1 }), 'group_index', 4);
    rejects(withRecord(sealed, 4, { group: 0.5 }), 'group_index', 4);
    rejects({ ...sealed, records: sealed.records.map((r) => ({ ...r, group: r.group === 2 ? 1 : r.group })) }, 'unused_group', 2);
    rejects(withRecord(sealed, 3, { ciphertext: new Uint8Array(15) }), 'payload_length', 3);
    rejects(withRecord(sealed, 3, { ciphertext: new Uint8Array(MAX_PAYLOAD_CIPHERTEXT_BYTES + 1) }), 'payload_length', 3);
  });

  it('finds the record whose ciphertext does not match its payload_hash, whatever byte changed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: N - 1 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (i, at, bit) => {
        const c = Uint8Array.from(sealed.records[i]!.ciphertext);
        c[at % c.length]! ^= 1 << bit;
        rejects(withRecord(sealed, i, { ciphertext: c }), 'payload_hash', i);
      }),
      { numRuns: 100 },
    );
    // Two records' ciphertexts swapped: each is authentic, neither matches its place.
    const swapped = withRecord(withRecord(sealed, 0, { ciphertext: sealed.records[1]!.ciphertext }), 1, { ciphertext: sealed.records[0]!.ciphertext });
    rejects(swapped, 'payload_hash', 0);
  });

  it('the key-material digest moves with every wrap, group and grouping', () => {
    const d = toHex(keyMaterialDigest(sealed));
    const flip = (b: Uint8Array): Uint8Array => {
      const c = Uint8Array.from(b);
      c[c.length - 1]! ^= 1;
      return c;
    };
    const variants = [
      { ...sealed, batchNonce: flip(sealed.batchNonce) },
      { ...sealed, submitterWrap: flip(sealed.submitterWrap) },
      { ...sealed, counterpartyWrap: flip(sealed.counterpartyWrap) },
      withGroup(sealed, 1, { tag: flip(sealed.groups[1]!.tag) }),
      { ...sealed, keyTable: flip(sealed.keyTable) },
      withGroup(sealed, 1, { lawfulWrap: flip(sealed.groups[1]!.lawfulWrap) }),
      withRecord(sealed, 5, { group: 0 }),
    ];
    const digests = new Set(variants.map((v) => toHex(keyMaterialDigest(v))));
    expect(digests.size).toBe(variants.length);
    expect(digests.has(d)).toBe(false);
  });
});
