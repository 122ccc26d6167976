import { describe, expect, it } from 'vitest';
import { skipSigningBytes } from '../codec/consensus-signing.js';
import { sha256 } from '../crypto/hash.js';
import { BlsSigner, InThreadBlsVerifier } from './bls-crypto.js';
import { memberKey } from './in-process-consortium.js';
import { SkipVoteCollector } from './skip-votes.js';
import { ValidatorSet } from './validator-set.js';

const chain = sha256(Buffer.from('skip test'));
const signers = [1, 2, 3, 4].map((id) => new BlsSigner(id, memberKey(id)));
const powers = [1, 1, 1, 2]; // T = 5, quorum 4
const set = ValidatorSet.create(signers.map((s, i) => ({ id: s.id, power: powers[i]!, publicKey: s.publicKey })));
const verifier = new InThreadBlsVerifier();
const entropy = sha256(Buffer.from('parent seed'));

describe('skip-vote collection', () => {
  it('aggregates a quorum of power into one verifiable signature with its bitmap, once', async () => {
    const c = new SkipVoteCollector(set, (s) => verifier.aggregate(s));
    const msg = skipSigningBytes(chain, 7n, entropy);
    expect(c.add(7, entropy, 0, signers[0]!.sign(msg))).toBeUndefined();
    expect(c.add(7, entropy, 1, signers[1]!.sign(msg))).toBeUndefined(); // power 2 of 5
    expect(c.add(7, entropy, 1, signers[1]!.sign(msg))).toBeUndefined(); // a repeat adds nothing
    const proof = c.add(7, entropy, 3, signers[3]!.sign(msg)); // power 4: quorum
    expect(proof).toBeDefined();
    expect(Array.from(proof!.signers)).toEqual([0b1011]);
    const keys = set.signersOf(proof!.signers)!.map((i) => set.byIndex(i).publicKey);
    expect(await verifier.verifyAggregate(keys, msg, proof!.signature)).toBe(true);
    expect(await verifier.verifyAggregate(keys, skipSigningBytes(chain, 8n, entropy), proof!.signature)).toBe(false);
    expect(c.add(7, entropy, 2, signers[2]!.sign(msg))).toBeUndefined(); // already complete: no second proof
    expect(c.proofFor(7, entropy)!.signers).toEqual(Uint8Array.of(0b1111));
  });

  it('keeps messages apart: another parent seed or height is another vote', () => {
    const c = new SkipVoteCollector(set, (s) => verifier.aggregate(s));
    const other = sha256(Buffer.from('other seed'));
    c.add(7, entropy, 3, signers[3]!.sign(skipSigningBytes(chain, 7n, entropy)));
    c.add(7, other, 0, signers[0]!.sign(skipSigningBytes(chain, 7n, other)));
    c.add(8, entropy, 1, signers[1]!.sign(skipSigningBytes(chain, 8n, entropy)));
    expect(c.proofFor(7, entropy)).toBeUndefined();
    expect(c.messages).toBe(3);
    c.prune(7);
    expect(c.messages).toBe(1);
  });

  it('bounds the distinct messages one validator can make it keep per height', () => {
    const c = new SkipVoteCollector(set, (s) => verifier.aggregate(s));
    for (let i = 0; i < 10; i++) {
      const e = sha256(Uint8Array.of(i));
      c.add(9, e, 0, signers[0]!.sign(skipSigningBytes(chain, 9n, e)));
    }
    expect(c.messages).toBe(SkipVoteCollector.MAX_MESSAGES_PER_SIGNER_AND_HEIGHT);
  });
});
