// Plain-mode bilateral statements (src/settlement/plain-statement.ts): both operators sign both
// amounts; a signature over other amounts, by another key, or a committed statement's does not
// verify; amounts are bounded like every settlement amount.
import { describe, expect, it } from 'vitest';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { makeBilateralStatement, signBilateralStatement } from './commitment/bilateral-statement.js';
import { AmountError, BadSignatureError, NettingInputError } from './errors.js';
import { encodePlainStatement, plainBilateralStatement, signPlainStatement, verifyPlainStatement, type PlainBilateralStatement } from './plain-statement.js';

const key = (i: number) => blsKeyPairFromSeed(new Uint8Array(32).fill(i));
const [a, b] = [key(1), key(2)];
const keys = new Map([[20801, a.publicKey], [23415, b.publicKey]]);
const s: PlainBilateralStatement = { chain: 'ab'.repeat(32), periodId: '2025-12', currency: 'XDR', first: 20801, second: 23415, firstOwesSecond: 1_250_000n, secondOwesFirst: 400_000n };

describe('plain bilateral statements', () => {
  it('verify when both sign the same amounts; not over other amounts, by another key, or with a committed statement\'s signature', () => {
    const signed = { statement: s, firstSignature: signPlainStatement(s, a.secretKey), secondSignature: signPlainStatement(s, b.secretKey) };
    expect(() => verifyPlainStatement(signed, (op) => keys.get(op))).not.toThrow();
    expect(new TextDecoder().decode(encodePlainStatement(s))).toContain('first_owes_second=1250000\nsecond_owes_first=400000');
    expect(() => verifyPlainStatement({ ...signed, secondSignature: signPlainStatement({ ...s, secondOwesFirst: 400_001n }, b.secretKey) }, (op) => keys.get(op))).toThrow(/23415's signature/);
    expect(() => verifyPlainStatement({ ...signed, firstSignature: signPlainStatement(s, b.secretKey) }, (op) => keys.get(op))).toThrow(BadSignatureError);
    expect(() => verifyPlainStatement(signed, (op) => (op === 20801 ? a.publicKey : undefined))).toThrow(/no registered BLS key/);
    const committed = makeBilateralStatement({ chain: s.chain, periodId: s.periodId, currency: 'XDR', first: 20801, second: 23415 }, { firstOwesSecond: 1_250_000n, secondOwesFirst: 400_000n, blinding: 5n });
    expect(() => verifyPlainStatement({ ...signed, firstSignature: signBilateralStatement(committed, a.secretKey) }, (op) => keys.get(op))).toThrow(BadSignatureError);
  });

  it('refuses amounts outside [0, 2^96) and a pair of one operator', () => {
    expect(() => plainBilateralStatement({ ...s, firstOwesSecond: 1n << 96n })).toThrow(AmountError);
    expect(() => plainBilateralStatement({ ...s, secondOwesFirst: -1n })).toThrow(AmountError);
    expect(plainBilateralStatement({ ...s, firstOwesSecond: (1n << 96n) - 1n, secondOwesFirst: 0n }).firstOwesSecond).toBe((1n << 96n) - 1n);
    expect(() => plainBilateralStatement({ ...s, second: 20801 })).toThrow(NettingInputError);
  });
});
