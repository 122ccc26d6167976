import { describe, expect, it } from 'vitest';
import { x25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from 'node:crypto';
import { commit, JubjubPoint, JUBJUB_P, randomBlinding, toAffine } from '../commitment/pedersen.js';
import { OPENING_PROOF_BYTES, proveOpening, verifyOpeningProof } from './opening-proof.js';
import { DisclosureError, disclosureProofContext, openSealedOpening, SEALED_OPENING_BYTES, sealOpening, type OpeningContext } from './transfer-disclosure.js';

const ctx: OpeningContext = { chain: new Uint8Array(32).fill(7), periodId: '2025-12', proposalId: new Uint8Array(32).fill(9), operator: 20801 };

describe('opening proofs', () => {
  const net = -123_456_789n;
  const rho = randomBlinding();
  const t = toAffine(commit(net, rho));
  const context = disclosureProofContext(ctx, new Uint8Array(96).fill(1), new Uint8Array(96).fill(2));

  it('verify for the opening of T, under the context they were made for only', () => {
    const proof = proveOpening(t, net, rho, context);
    expect(proof).toHaveLength(OPENING_PROOF_BYTES);
    expect(verifyOpeningProof(t, proof, context)).toBe(true);
    // Other ciphertexts, another operator, another commitment: refused.
    expect(verifyOpeningProof(t, proof, disclosureProofContext(ctx, new Uint8Array(96).fill(3), new Uint8Array(96).fill(2)))).toBe(false);
    expect(verifyOpeningProof(t, proof, disclosureProofContext({ ...ctx, operator: 23415 }, new Uint8Array(96).fill(1), new Uint8Array(96).fill(2)))).toBe(false);
    expect(verifyOpeningProof(toAffine(commit(net + 1n, rho)), proof, context)).toBe(false);
  });

  it('made from a wrong opening do not verify; malformed proofs are refused, not thrown', () => {
    expect(verifyOpeningProof(t, proveOpening(t, net + 1n, rho, context), context)).toBe(false);
    expect(verifyOpeningProof(t, proveOpening(t, net, rho + 1n, context), context)).toBe(false);
    const proof = proveOpening(t, net, rho, context);
    const flipped = Uint8Array.from(proof);
    flipped[100]! ^= 1;
    expect(verifyOpeningProof(t, flipped, context)).toBe(false);
    expect(verifyOpeningProof(t, proof.subarray(0, 127), context)).toBe(false);
    expect(verifyOpeningProof(t, new Uint8Array(128).fill(0xff), context)).toBe(false);
    // An A off the curve, and one with a small-order part (A + (0, −1)): refused.
    const offCurve = Uint8Array.from(proof);
    offCurve[31]! ^= 1;
    expect(verifyOpeningProof(t, offCurve, context)).toBe(false);
    const a = JubjubPoint.fromAffine({ x: BigInt(`0x${Buffer.from(proof.subarray(0, 32)).toString('hex')}`), y: BigInt(`0x${Buffer.from(proof.subarray(32, 64)).toString('hex')}`) });
    const twisted = toAffine(a.add(JubjubPoint.fromAffine({ x: 0n, y: JUBJUB_P - 1n })));
    const smallOrder = Uint8Array.from(proof);
    smallOrder.set(Buffer.from(twisted.x.toString(16).padStart(64, '0') + twisted.y.toString(16).padStart(64, '0'), 'hex'), 0);
    expect(verifyOpeningProof(t, smallOrder, context)).toBe(false);
  });

  it('open the identity too (an operator whose pairs net to the identity commitment)', () => {
    const zero = toAffine(commit(0n, 0n));
    expect(verifyOpeningProof(zero, proveOpening(zero, 0n, 0n, context), context)).toBe(true);
    expect(verifyOpeningProof(zero, proveOpening(zero, 1n, 0n, context), context)).toBe(false);
  });
});

describe('sealed openings', () => {
  const operatorKey = randomBytes(32);
  const bankKey = randomBytes(32);
  const opening = { net: -(1n << 100n) + 5n, blinding: randomBlinding() };

  it('open for their reader, with the context they were sealed under', async () => {
    const sealed = await sealOpening(ctx, 'bank', x25519.getPublicKey(bankKey), opening);
    expect(sealed).toHaveLength(SEALED_OPENING_BYTES);
    expect(await openSealedOpening(ctx, 'bank', bankKey, sealed)).toEqual(opening);
    const mine = await sealOpening(ctx, 'operator', x25519.getPublicKey(operatorKey), opening);
    expect(await openSealedOpening(ctx, 'operator', operatorKey, mine)).toEqual(opening);
  });

  it('do not open for another reader, role, proposal or operator', async () => {
    const sealed = await sealOpening(ctx, 'bank', x25519.getPublicKey(bankKey), opening);
    await expect(openSealedOpening(ctx, 'bank', operatorKey, sealed)).rejects.toThrow(DisclosureError);
    await expect(openSealedOpening(ctx, 'operator', bankKey, sealed)).rejects.toThrow(DisclosureError);
    await expect(openSealedOpening({ ...ctx, proposalId: new Uint8Array(32) }, 'bank', bankKey, sealed)).rejects.toThrow(DisclosureError);
    await expect(openSealedOpening({ ...ctx, operator: 1 }, 'bank', bankKey, sealed)).rejects.toThrow(DisclosureError);
  });

  it('refuse a net position beyond 128 bits', async () => {
    await expect(sealOpening(ctx, 'bank', x25519.getPublicKey(bankKey), { net: 1n << 127n, blinding: 1n })).rejects.toThrow(DisclosureError);
  });
});
