import { describe, expect, it } from 'vitest';
import { BlsPublicKeyCache, blsAggregateSignatures, blsKeyPairFromSeed, blsSign, blsVerifyMultipleAggregateSignatures, type BlsSignatureSet } from './bls.js';
import { BLS_MAX_KEYS_PER_SET, verifySignatureSetsEach } from './signature-sets.js';

const keys = Array.from({ length: 6 }, (_, i) => blsKeyPairFromSeed(new Uint8Array(32).fill(i + 1)));
const msg = (i: number): Uint8Array => new TextEncoder().encode(`vote ${i}`);
const single = (i: number): BlsSignatureSet => ({ publicKeys: [keys[i]!.publicKey], message: msg(i), signature: blsSign(keys[i]!.secretKey, msg(i)) });
const aggregate = (m: Uint8Array): BlsSignatureSet => ({
  publicKeys: keys.map((k) => k.publicKey),
  message: m,
  signature: blsAggregateSignatures(keys.map((k) => blsSign(k.secretKey, m))),
});

describe('verifySignatureSetsEach', () => {
  it('passes good single and aggregate sets in one batch', () => {
    const sets = [single(0), single(1), aggregate(msg(9)), single(2)];
    expect(verifySignatureSetsEach(sets)).toEqual({ valid: [true, true, true, true], retried: false });
    expect(blsVerifyMultipleAggregateSignatures(sets)).toBe(true);
  });

  it('finds the bad set inside a batch by retrying one by one', () => {
    const bad = { ...single(3), message: msg(4) }; // a signature over another message
    const sets = [single(0), single(1), bad, aggregate(msg(7)), single(5)];
    expect(verifySignatureSetsEach(sets)).toEqual({ valid: [true, true, false, true, true], retried: true });
    expect(blsVerifyMultipleAggregateSignatures(sets)).toBe(false);
  });

  it('marks malformed sets invalid without failing the others or retrying', () => {
    const sets: BlsSignatureSet[] = [
      single(0),
      { ...single(1), signature: new Uint8Array(96) },
      { ...single(2), publicKeys: [] },
      { ...single(3), publicKeys: [keys[3]!.publicKey.subarray(1)] },
      { ...single(4), publicKeys: Array.from({ length: BLS_MAX_KEYS_PER_SET + 1 }, () => keys[4]!.publicKey) },
      single(5),
    ];
    expect(verifySignatureSetsEach(sets)).toEqual({ valid: [true, false, false, false, false, true], retried: false });
    expect(verifySignatureSetsEach([])).toEqual({ valid: [], retried: false });
  });

  it('caches validated keys and answers the same with and without the cache', () => {
    const cache = new BlsPublicKeyCache(4);
    const sets = [single(0), single(1), aggregate(msg(2))];
    expect(verifySignatureSetsEach(sets, cache).valid).toEqual([true, true, true]);
    expect(cache.size).toBeLessThanOrEqual(4); // bounded: six distinct keys went through
    expect(verifySignatureSetsEach(sets, cache).valid).toEqual(verifySignatureSetsEach(sets).valid);
    expect(cache.get(new Uint8Array(48).fill(0xff))).toBeUndefined();
  });
});
