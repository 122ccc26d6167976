// Proof of possession, and why registration needs it: a rogue key forges a same-message aggregate
// that blst's fastAggregateVerify accepts; requiring a PoP at registration keeps that key out.
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { describe, expect, it } from 'vitest';
import { BlsKeyError, blsFastAggregateVerify, blsKeyPairFromSeed, blsPublicKeyIsValid, blsSign, blsVerify } from './bls.js';
import { BLS_POP_DST, blsPopProve, blsPopVerify } from './pop.js';

const seed = (s: string): Uint8Array => new TextEncoder().encode(s.padEnd(32, '.'));
const alice = blsKeyPairFromSeed(seed('alice (operator 26201)'));
const bob = blsKeyPairFromSeed(seed('bob (operator 23415)'));
const mallory = blsKeyPairFromSeed(seed('mallory'));

/** What validator registration must do: admit a key only with a proof of possession for it. */
class Registry {
  readonly keys: Uint8Array[] = [];
  register(publicKey: Uint8Array, proof: Uint8Array): boolean {
    if (!blsPopVerify(publicKey, proof)) return false;
    this.keys.push(publicKey);
    return true;
  }
}

describe('proof of possession (BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_)', () => {
  const proof = blsPopProve(alice.secretKey);

  it('proves and verifies for the key it was made for, and only that key', () => {
    expect(proof.length).toBe(96);
    expect(blsPopVerify(alice.publicKey, proof)).toBe(true);
    expect(blsPopVerify(bob.publicKey, proof)).toBe(false);
    expect(blsPopVerify(bob.publicKey, blsPopProve(bob.secretKey))).toBe(true);
  });

  it('is the draft\'s PopProve: SK · hash_to_G2(PK, POP DST)', () => {
    const sk = BigInt(`0x${Buffer.from(alice.secretKey).toString('hex')}`);
    const expected = bls12_381.G2.hashToCurve(alice.publicKey, { DST: BLS_POP_DST }).multiply(sk);
    expect(Buffer.from(proof).toString('hex')).toBe(Buffer.from(bls12_381.longSignatures.Signature.toBytes(expected)).toString('hex'));
  });

  it('is domain-separated from signatures: neither stands for the other', () => {
    expect(blsVerify(alice.publicKey, alice.publicKey, proof)).toBe(false);
    expect(blsPopVerify(alice.publicKey, blsSign(alice.secretKey, alice.publicKey))).toBe(false);
  });

  it('is false, never a throw, on malformed input', () => {
    const tampered = proof.slice();
    tampered[95]! ^= 1;
    expect(blsPopVerify(alice.publicKey, tampered)).toBe(false);
    expect(blsPopVerify(alice.publicKey, proof.subarray(0, 95))).toBe(false);
    expect(blsPopVerify(alice.publicKey.subarray(0, 47), proof)).toBe(false);
    expect(blsPopVerify(Uint8Array.from([0xc0, ...new Uint8Array(47)]), Uint8Array.from([0xc0, ...new Uint8Array(95)]))).toBe(false);
    expect(blsPopVerify(new Uint8Array(48).fill(0xff), proof)).toBe(false);
  });

  it('refuses a secret key that is not one with a typed error', () => {
    expect(() => blsPopProve(new Uint8Array(32))).toThrow(BlsKeyError);
    expect(() => blsPopProve(new Uint8Array(31))).toThrow(BlsKeyError);
  });
});

describe('rogue-key attack on same-message aggregation', () => {
  // Mallory publishes PK_r = x·G − PK_alice − PK_bob for an x she knows. The three keys sum to x·G,
  // so her lone signature x·H(m) passes as "alice, bob and mallory all signed m".
  const G1 = bls12_381.G1.Point;
  const x = mallory.secretKey;
  const rogue = G1.BASE.multiply(BigInt(`0x${Buffer.from(x).toString('hex')}`))
    .subtract(G1.fromBytes(alice.publicKey))
    .subtract(G1.fromBytes(bob.publicKey))
    .toBytes(true);
  const message = new TextEncoder().encode('precommit: block 0x5eed at height 64, round 0');
  const forged = blsSign(x, message);

  it('succeeds against fastAggregateVerify when keys are taken without a proof', () => {
    expect(blsPublicKeyIsValid(rogue)).toBe(true); // an ordinary key in every check but PoP
    expect(blsFastAggregateVerify([alice.publicKey, bob.publicKey, rogue], message, forged)).toBe(true);
  });

  it('is stopped by PoP registration: Mallory cannot prove possession of the rogue key', () => {
    const registry = new Registry();
    expect(registry.register(alice.publicKey, blsPopProve(alice.secretKey))).toBe(true);
    expect(registry.register(bob.publicKey, blsPopProve(bob.secretKey))).toBe(true);
    // The best she has is a proof made with the secret she knows, which is for x·G, not PK_r.
    expect(registry.register(rogue, blsPopProve(x))).toBe(false);
    expect(registry.register(rogue, forged)).toBe(false);
    expect(registry.keys.length).toBe(2);
    // With only registered keys, the forgery no longer verifies as the validators' aggregate.
    expect(blsFastAggregateVerify(registry.keys, message, forged)).toBe(false);
  });
});
