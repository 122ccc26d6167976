import { describe, expect, it } from 'vitest';
import { BLOCK_VERSION_CONSENSUS, BlockKind, FORK_PROOF_RECORD_BYTES, blockHash, type BlockHeaderFields } from '../codec/block.js';
import { microSigningBytes, seedSigningBytes } from '../codec/consensus-signing.js';
import { sha256 } from '../crypto/hash.js';
import { BlsSigner, InThreadBlsVerifier } from './bls-crypto.js';
import { ForkProofDetector, InvalidForkProofError, decodeForkProof, encodeForkProof, verifyForkProof } from './fork-proof.js';
import { memberKey } from './in-process-consortium.js';
import { ValidatorSet } from './validator-set.js';

const chain = sha256(Buffer.from('fork test'));
const x = new BlsSigner(7, memberKey(7));
const y = new BlsSigner(8, memberKey(8));
const set = ValidatorSet.create([x, y].map((s) => ({ id: s.id, power: 1, publicKey: s.publicKey })));
const verifier = new InThreadBlsVerifier();
const parentSeed = new Uint8Array(96).fill(5);

function header(signer: BlsSigner, seedOf: Uint8Array, ts: bigint): BlockHeaderFields {
  return {
    version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Micro, height: 10n, prevHash: new Uint8Array(32).fill(1), timestampMs: ts, producer: signer.id,
    txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
    consensus: { round: 0, seed: signer.sign(seedSigningBytes(chain, seedOf)), stateRoot: new Uint8Array(32), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) },
  };
}
const signed = (s: BlsSigner, h: BlockHeaderFields) => ({ header: h, signature: s.sign(microSigningBytes(chain, blockHash(h))) });

describe('fork proofs', () => {
  it('the detector proves two headers for one slot (same height and seed) and the proof verifies', async () => {
    const d = new ForkProofDetector();
    const a = signed(x, header(x, parentSeed, 100n));
    const b = signed(x, header(x, parentSeed, 101n));
    expect(d.observe(a.header, a.signature)).toBeUndefined();
    expect(d.observe(a.header, a.signature)).toBeUndefined(); // the same block again is no fork
    const record = d.observe(b.header, b.signature)!;
    expect(record.length).toBe(FORK_PROOF_RECORD_BYTES);
    const proof = decodeForkProof(record);
    expect([proof.producer, proof.height, proof.locator]).toEqual([7, 10, '7:10']);
    await expect(verifyForkProof(proof, set, chain, verifier)).resolves.toBeUndefined();
    expect(encodeForkProof(b, a)).toEqual(record); // order-independent
  });

  it('does not accuse a producer that rebuilt its slot after a skip block replaced the parent (different seed)', () => {
    const d = new ForkProofDetector();
    const a = signed(x, header(x, parentSeed, 100n));
    const afterSkip = signed(x, header(x, new Uint8Array(96).fill(6), 101n));
    d.observe(a.header, a.signature);
    expect(d.observe(afterSkip.header, afterSkip.signature)).toBeUndefined();
  });

  it('refuses malformed, same-header, mis-ordered, mixed-slot, unknown-producer and badly signed proofs', async () => {
    const a = signed(x, header(x, parentSeed, 100n));
    const b = signed(x, header(x, parentSeed, 101n));
    const good = encodeForkProof(a, b);
    const fault = (r: Uint8Array) => {
      try {
        decodeForkProof(r);
        return 'ok';
      } catch (err) {
        return (err as InvalidForkProofError).fault;
      }
    };
    expect(fault(good.subarray(1))).toBe('malformed');
    const same = new Uint8Array(good);
    same.set(good.subarray(0, 403), 403);
    expect(fault(same)).toBe('same_header');
    const swapped = new Uint8Array(good);
    swapped.set(good.subarray(403), 0);
    swapped.set(good.subarray(0, 403), 403);
    expect(fault(swapped)).toBe('wrong_order');
    expect(fault(encodeForkProof(a, signed(x, header(x, new Uint8Array(96).fill(9), 100n))))).toBe('slot_mismatch');
    const byY = signed(y, { ...header(y, parentSeed, 102n), producer: 7 }); // claims x's slot, signed by y
    await expect(verifyForkProof(decodeForkProof(encodeForkProof(a, { ...byY, header: { ...byY.header, consensus: a.header.consensus } })), set, chain, verifier))
      .rejects.toMatchObject({ fault: 'bad_signature' });
    const other = ValidatorSet.create([{ id: y.id, power: 1, publicKey: y.publicKey }]);
    await expect(verifyForkProof(decodeForkProof(good), other, chain, verifier)).rejects.toMatchObject({ fault: 'unknown_producer' });
    await expect(verifyForkProof(decodeForkProof(good), set, sha256(Buffer.from('another chain')), verifier)).rejects.toMatchObject({ fault: 'bad_signature' });
  });
});
