// The Ethereum consensus-spec BLS vectors (ethereum/bls12-381-tests, see vectors/README.md) against
// the blst wrapper, every case; and a handful cross-checked with @noble/curves (~40 ms a verify),
// which must produce byte-identical keys, signatures and aggregates.
import blst from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BLS_SIGNATURE_DST,
  BlsKeyError,
  blsAggregatePublicKeys,
  blsAggregateSignatures,
  blsAggregateVerify,
  blsDeriveChildSecretKey,
  blsFastAggregateVerify,
  blsKeyPairFromSeed,
  blsPublicKeyFromSecretKey,
  blsPublicKeyIsValid,
  blsSign,
  blsSignatureIsValid,
  blsVerify,
  blsVerifyMultipleAggregateSignatures,
} from './bls.js';
import { verifySignatureSetsEach } from './signature-sets.js';

interface Case<I, O> {
  readonly name: string;
  readonly input: I;
  readonly output: O;
}
interface Vectors {
  readonly sign: Case<{ privkey: string; message: string }, string | null>[];
  readonly verify: Case<{ pubkey: string; message: string; signature: string }, boolean>[];
  readonly aggregate: Case<string[], string | null>[];
  readonly fast_aggregate_verify: Case<{ pubkeys: string[]; message: string; signature: string }, boolean>[];
  readonly aggregate_verify: Case<{ pubkeys: string[]; messages: string[]; signature: string }, boolean>[];
  readonly batch_verify: Case<{ pubkeys: string[]; messages: string[]; signatures: string[] }, boolean>[];
  readonly hash_to_G2: Case<{ msg: string }, { x: string; y: string }>[];
  readonly deserialization_G1: Case<{ pubkey: string }, boolean>[];
  readonly deserialization_G2: Case<{ signature: string }, boolean>[];
}
interface Eip2333Case {
  readonly name: string;
  readonly seed: string;
  readonly master_SK: string;
  readonly child_index: number;
  readonly child_SK: string;
}

const load = <T>(file: string): T => JSON.parse(readFileSync(new URL(`./vectors/${file}`, import.meta.url), 'utf8')) as T;
const V = load<Vectors>('eth-bls12-381-tests.json');
const EIP2333 = load<{ cases: Eip2333Case[] }>('eip2333.json').cases;

const b = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
const h = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;
const scalar32 = (dec: string): string => `0x${BigInt(dec).toString(16).padStart(64, '0')}`;
const pick = <T extends { name: string }>(list: readonly T[], name: string): T => {
  const c = list.find((x) => x.name === name);
  if (!c) throw new Error(`no vector ${name}`);
  return c;
};
const noble = bls12_381.longSignatures; // min-pk ("long signatures": 96-byte G2 signatures)
const Z1 = `0xc0${'00'.repeat(47)}`;

describe('ethereum/bls12-381-tests on the blst wrapper (every case)', () => {
  it('has every handler', () => {
    expect(V.sign.length).toBe(10);
    expect(V.verify.length).toBe(29);
    expect(V.aggregate.length).toBe(6);
    expect(V.fast_aggregate_verify.length).toBe(12);
    expect(V.aggregate_verify.length).toBe(5);
    expect(V.batch_verify.length).toBe(4);
    expect(V.hash_to_G2.length).toBe(4);
    expect(V.deserialization_G1.length).toBe(16);
    expect(V.deserialization_G2.length).toBe(18);
  });

  it.each(V.sign)('sign $name', ({ input, output }) => {
    const sk = b(input.privkey);
    if (output === null) expect(() => blsSign(sk, b(input.message))).toThrow(BlsKeyError);
    else expect(h(blsSign(sk, b(input.message)))).toBe(output);
  });

  it.each(V.verify)('verify $name', ({ input, output }) => {
    expect(blsVerify(b(input.pubkey), b(input.message), b(input.signature))).toBe(output);
  });

  it.each(V.aggregate)('aggregate $name', ({ input, output }) => {
    if (output === null) expect(() => blsAggregateSignatures(input.map(b))).toThrow(BlsKeyError);
    else expect(h(blsAggregateSignatures(input.map(b)))).toBe(output);
  });

  it.each(V.fast_aggregate_verify)('fast_aggregate_verify $name', ({ input, output }) => {
    expect(blsFastAggregateVerify(input.pubkeys.map(b), b(input.message), b(input.signature))).toBe(output);
  });

  it.each(V.aggregate_verify)('aggregate_verify $name', ({ input, output }) => {
    expect(blsAggregateVerify(input.pubkeys.map(b), input.messages.map(b), b(input.signature))).toBe(output);
  });

  it.each(V.batch_verify)('batch_verify $name', ({ input, output }) => {
    const sets = input.pubkeys.map((pk, i) => ({ publicKeys: [b(pk)], message: b(input.messages[i]!), signature: b(input.signatures[i]!) }));
    expect(blsVerifyMultipleAggregateSignatures(sets)).toBe(output);
    // The per-set verifier agrees: all valid exactly when the batch is.
    expect(verifySignatureSetsEach(sets).valid.every((v) => v)).toBe(output);
  });

  // The suite's "deserialization" accepts the identity (it is a valid point encoding); a key or a
  // signature must also not be the identity (KeyValidate), so the wrapper is stricter on exactly that
  // case, while blst without validation decodes it as the vector says.
  it.each(V.deserialization_G1)('deserialization_G1 $name', ({ input, output }) => {
    if (input.pubkey === Z1) {
      expect(output).toBe(true);
      expect(blsPublicKeyIsValid(b(input.pubkey))).toBe(false);
      expect(blst.PublicKey.fromBytes(b(input.pubkey)).toHex()).toBe(input.pubkey);
    } else expect(blsPublicKeyIsValid(b(input.pubkey))).toBe(output);
  });

  it.each(V.deserialization_G2)('deserialization_G2 $name', ({ input, output }) => {
    if (input.signature === `0xc0${'00'.repeat(95)}`) {
      expect(output).toBe(true);
      expect(blsSignatureIsValid(b(input.signature))).toBe(false);
      expect(blst.Signature.fromBytes(b(input.signature), true, false).toHex()).toBe(input.signature);
    } else expect(blsSignatureIsValid(b(input.signature))).toBe(output);
  });

  // blst's binding exposes no hash-to-curve, so hash_to_G2 runs on noble only (the sign vectors
  // cover blst's hashing under the signature DST).
  it.each(V.hash_to_G2)('hash_to_G2 $name (noble, RFC 9380 QUUX DST)', ({ input, output }) => {
    const p = bls12_381.G2.hashToCurve(new TextEncoder().encode(input.msg), { DST: 'QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_' }).toAffine();
    const fp = (n: bigint): string => `0x${n.toString(16).padStart(96, '0')}`;
    expect(`${fp(p.x.c0)},${fp(p.x.c1)}`).toBe(output.x);
    expect(`${fp(p.y.c0)},${fp(p.y.c1)}`).toBe(output.y);
  });
});

describe('EIP-2333 key derivation (fromKeygen = derive_master_SK)', () => {
  it.each(EIP2333)('$name', ({ seed, master_SK, child_index, child_SK }) => {
    const master = blsKeyPairFromSeed(b(seed));
    expect(h(master.secretKey)).toBe(scalar32(master_SK));
    expect(master.publicKey).toEqual(blsPublicKeyFromSecretKey(master.secretKey));
    expect(h(blsDeriveChildSecretKey(master.secretKey, child_index))).toBe(scalar32(child_SK));
  });

  it('refuses short seeds and bad indexes with a typed error', () => {
    expect(() => blsKeyPairFromSeed(new Uint8Array(31))).toThrow(BlsKeyError);
    expect(() => blsDeriveChildSecretKey(blsKeyPairFromSeed(new Uint8Array(32)).secretKey, 2 ** 32)).toThrow(BlsKeyError);
  });
});

describe('@noble/curves cross-check (a handful: noble takes ~40 ms a verify)', () => {
  const signCases = ['sign_case_c82df61aa3ee60fb', 'sign_case_142f678a8d05fcd1', 'sign_case_84d45c9c7cca6b92'];

  it.each(signCases)('%s: same public key and byte-identical signature from both libraries', (name) => {
    const { input, output } = pick(V.sign, name);
    const sk = b(input.privkey);
    const msg = b(input.message);
    expect(h(noble.getPublicKey(sk).toBytes(true))).toBe(h(blsPublicKeyFromSecretKey(sk)));
    const fromNoble = noble.Signature.toBytes(noble.sign(noble.hash(msg, BLS_SIGNATURE_DST), sk));
    expect(h(fromNoble)).toBe(h(blsSign(sk, msg)));
    expect(h(fromNoble)).toBe(output);
  });

  it('keys of our own (EIP-2333 seeds) sign identically too', () => {
    const { secretKey, publicKey } = blsKeyPairFromSeed(new TextEncoder().encode('cdrchain validator 26201 bls key seed'));
    const msg = new TextEncoder().encode('precommit height 32 round 0');
    expect(h(noble.getPublicKey(secretKey).toBytes(true))).toBe(h(publicKey));
    expect(h(noble.Signature.toBytes(noble.sign(noble.hash(msg, BLS_SIGNATURE_DST), secretKey)))).toBe(h(blsSign(secretKey, msg)));
  });

  it('verify: a valid and a wrong-key vector agree', () => {
    for (const name of ['verify_valid_case_195246ee3bd3b6ec', 'verify_wrong_pubkey_case_195246ee3bd3b6ec']) {
      const { input, output } = pick(V.verify, name);
      const ok = noble.verify(noble.Signature.fromBytes(b(input.signature)), noble.hash(b(input.message), BLS_SIGNATURE_DST), b(input.pubkey));
      expect(ok).toBe(output);
      expect(blsVerify(b(input.pubkey), b(input.message), b(input.signature))).toBe(output);
    }
  });

  it('aggregates and fast_aggregate_verify agree', () => {
    const agg = pick(V.aggregate, 'aggregate_0x5656565656565656565656565656565656565656565656565656565656565656');
    expect(h(noble.Signature.toBytes(noble.aggregateSignatures(agg.input.map((s) => noble.Signature.fromBytes(b(s))))))).toBe(agg.output);
    const fav = pick(V.fast_aggregate_verify, 'fast_aggregate_verify_valid_3d7576f3c0e3570a');
    const aggKey = noble.aggregatePublicKeys(fav.input.pubkeys.map(b));
    expect(h(aggKey.toBytes(true))).toBe(h(blsAggregatePublicKeys(fav.input.pubkeys.map(b))));
    expect(noble.verify(noble.Signature.fromBytes(b(fav.input.signature)), noble.hash(b(fav.input.message), BLS_SIGNATURE_DST), aggKey)).toBe(true);
  });
});
