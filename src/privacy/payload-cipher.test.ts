import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { type BatchContext, batchContext } from './context.js';
import { PayloadOpenError, PrivacyInputError } from './errors.js';
import {
  MAX_PAYLOAD_CIPHERTEXT_BYTES,
  MAX_PAYLOAD_PLAINTEXT_BYTES,
  PAYLOAD_TAG_BYTES,
  deriveRecordKey,
  openPayload,
  payloadHash,
  payloadHashMatches,
  recordKeyDeriver,
  sealPayload,
} from './payload-cipher.js';

const ctxArb = fc
  .record({
    chainId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    submitter: fc.integer({ min: 0, max: 0xffff_ffff }),
    counterparty: fc.integer({ min: 0, max: 0xffff_ffff }),
    sequence: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
  })
  .filter((c) => c.submitter !== c.counterparty)
  .map((c) => batchContext(c));

function ctx(over: Partial<BatchContext> = {}): BatchContext {
  return batchContext({ chainId: new Uint8Array(32).fill(7), submitter: 26201, counterparty: 23415, sequence: 5n, ...over });
}

function authFailure(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(PayloadOpenError);
    expect((err as PayloadOpenError).reason).toBe('authentication');
    return;
  }
  throw new Error('expected the payload not to open');
}

describe('payload cipher', () => {
  it('round-trips any payload for any record context', () => {
    fc.assert(
      fc.property(ctxArb, fc.integer({ min: 0, max: 65_535 }), fc.uint8Array({ maxLength: MAX_PAYLOAD_PLAINTEXT_BYTES }), (c, index, payload) => {
        const key = deriveRecordKey(randomBytes(32), randomBytes(32), c, index);
        const sealed = sealPayload(key, c, index, payload);
        expect(sealed.length).toBe(payload.length + PAYLOAD_TAG_BYTES);
        expect(openPayload(key, c, index, sealed)).toEqual(payload);
      }),
      { numRuns: 200 },
    );
  });

  it('gives every record, batch, sealing and group its own key', () => {
    const g = randomBytes(32);
    const n = randomBytes(32);
    const keys = new Set<string>();
    const add = (k: Uint8Array): void => void keys.add(toHex(k));
    for (let i = 0; i < 50; i++) add(deriveRecordKey(g, n, ctx(), i));
    add(deriveRecordKey(g, n, ctx({ sequence: 6n }), 0));
    add(deriveRecordKey(g, n, ctx({ counterparty: 20801 }), 0));
    add(deriveRecordKey(g, n, ctx({ chainId: new Uint8Array(32) }), 0));
    add(deriveRecordKey(g, randomBytes(32), ctx(), 0));
    add(deriveRecordKey(randomBytes(32), n, ctx(), 0));
    expect(keys.size).toBe(55);
  });

  it("derives the sealing client's record keys (one extract per group) exactly as HKDF does", () => {
    fc.assert(
      fc.property(ctxArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.integer({ min: 0, max: 65_535 }), { minLength: 1, maxLength: 8 }), (c, g, n, indexes) => {
        const derive = recordKeyDeriver(g, n, c);
        for (const i of indexes) expect(toHex(derive(i))).toBe(toHex(deriveRecordKey(g, n, c, i)));
      }),
      { numRuns: 100 },
    );
    expect(() => recordKeyDeriver(new Uint8Array(31), randomBytes(32), ctx())).toThrow(PrivacyInputError);
  });

  it('fails to open after any single bit of the ciphertext or tag flips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (payload, at, bit) => {
        const key = deriveRecordKey(randomBytes(32), randomBytes(32), ctx(), 3);
        const sealed = sealPayload(key, ctx(), 3, payload);
        sealed[at % sealed.length]! ^= 1 << bit;
        authFailure(() => openPayload(key, ctx(), 3, sealed));
      }),
      { numRuns: 200 },
    );
  });

  it('binds the record context in the associated data: a ciphertext moved elsewhere does not open', () => {
    const key = deriveRecordKey(randomBytes(32), randomBytes(32), ctx(), 3);
    const sealed = sealPayload(key, ctx(), 3, Buffer.from('IMSI 262011234567890 charged 1.23 EUR'));
    // Same key, other context: only the AAD differs.
    authFailure(() => openPayload(key, ctx(), 4, sealed));
    authFailure(() => openPayload(key, ctx({ sequence: 6n }), 3, sealed));
    authFailure(() => openPayload(key, ctx({ submitter: 20801 }), 3, sealed));
    authFailure(() => openPayload(key, ctx({ counterparty: 20801 }), 3, sealed));
    const otherChain = new Uint8Array(32).fill(7);
    otherChain[31] = 8;
    authFailure(() => openPayload(key, ctx({ chainId: otherChain }), 3, sealed));
  });

  it('binds the record context in the key: the key derived for another record does not open it', () => {
    const g = randomBytes(32);
    const n = randomBytes(32);
    const sealed = sealPayload(deriveRecordKey(g, n, ctx(), 3), ctx(), 3, Buffer.from('payload'));
    authFailure(() => openPayload(deriveRecordKey(g, n, ctx(), 4), ctx(), 3, sealed));
    authFailure(() => openPayload(deriveRecordKey(g, n, ctx({ sequence: 4n }), 3), ctx(), 3, sealed));
    authFailure(() => openPayload(deriveRecordKey(g, randomBytes(32), ctx(), 3), ctx(), 3, sealed));
    expect(new TextDecoder().decode(openPayload(deriveRecordKey(g, n, ctx(), 3), ctx(), 3, sealed))).toBe('payload');
  });

  it('refuses truncated and oversized ciphertexts before any crypto, and oversized payloads', () => {
    const key = randomBytes(32);
    for (const len of [0, 1, PAYLOAD_TAG_BYTES - 1, MAX_PAYLOAD_CIPHERTEXT_BYTES + 1]) {
      try {
        openPayload(key, ctx(), 0, new Uint8Array(len));
        throw new Error('opened');
      } catch (err) {
        expect((err as PayloadOpenError).reason).toBe('length');
      }
    }
    expect(() => sealPayload(key, ctx(), 0, new Uint8Array(MAX_PAYLOAD_PLAINTEXT_BYTES + 1))).toThrow(PrivacyInputError);
    expect(() => sealPayload(new Uint8Array(16), ctx(), 0, new Uint8Array(1))).toThrow(PrivacyInputError);
  });

  it('payload_hash is the hash of the ciphertext, checkable without a key', () => {
    const key = randomBytes(32);
    const sealed = sealPayload(key, ctx(), 0, Buffer.from('x'.repeat(170)));
    const h = payloadHash(sealed);
    expect(payloadHashMatches(sealed, h)).toBe(true);
    const altered = Uint8Array.from(sealed);
    altered[0]! ^= 1;
    expect(payloadHashMatches(altered, h)).toBe(false);
    expect(payloadHashMatches(sealed.subarray(1), h)).toBe(false);
    expect(payloadHashMatches(sealed, h.subarray(1))).toBe(false);
    expect(payloadHashMatches(new Uint8Array(MAX_PAYLOAD_CIPHERTEXT_BYTES + 1), h)).toBe(false);
  });

  it('validates contexts and indices', () => {
    expect(() => ctx({ chainId: new Uint8Array(31) })).toThrow(PrivacyInputError);
    expect(() => ctx({ counterparty: 26201 })).toThrow(PrivacyInputError);
    expect(() => ctx({ sequence: 0n })).toThrow(PrivacyInputError);
    expect(() => ctx({ sequence: 1n << 64n })).toThrow(PrivacyInputError);
    expect(() => ctx({ submitter: -1 })).toThrow(PrivacyInputError);
    expect(() => ctx({ submitter: 1.5 })).toThrow(PrivacyInputError);
    expect(() => deriveRecordKey(randomBytes(32), randomBytes(32), ctx(), 65_536)).toThrow(PrivacyInputError);
    expect(() => deriveRecordKey(randomBytes(32), randomBytes(32), ctx(), -1)).toThrow(PrivacyInputError);
    expect(() => deriveRecordKey(randomBytes(31), randomBytes(32), ctx(), 0)).toThrow(PrivacyInputError);
  });
});
