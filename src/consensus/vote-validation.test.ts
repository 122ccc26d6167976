import { describe, expect, it } from 'vitest';
import { VoteKind, type VoteMessage } from '../codec/consensus-messages.js';
import { sha256 } from '../crypto/hash.js';
import { BlsSigner, InThreadBlsVerifier } from './bls-crypto.js';
import { memberKey } from './in-process-consortium.js';
import { Heights } from './policy.js';
import { ValidatorSet } from './validator-set.js';
import { SeenVotes, VOTE_VERDICTS, VoteRejectedError, precheckVote, verifyVoteSignature, voteSigningBytes, type VoteContext } from './vote-validation.js';

const chain = sha256(Buffer.from('vote test'));
const signers = [1, 2, 3, 4].map((id) => new BlsSigner(id, memberKey(id)));
const set = ValidatorSet.create(signers.map((s) => ({ id: s.id, power: 1, publicKey: s.publicKey })));
const ctx: VoteContext = { heights: new Heights({ blocksPerBatch: 32, batchesPerEpoch: 4 }), set, lastFinalHeight: 32, macroHeight: 64, currentRound: 2, maxRoundsAhead: 32 };
const verifier = new InThreadBlsVerifier();

function vote(over: Partial<VoteMessage>, signer = signers[0]!): VoteMessage {
  const v = { kind: VoteKind.Prevote, height: 64n, round: 2, value: sha256(Uint8Array.of(1)), validator: signer.id, signature: new Uint8Array(96), ...over };
  return { ...v, signature: signer.sign(voteSigningBytes(chain, v)) };
}
const reason = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return (err as VoteRejectedError).reason;
  }
};

describe('vote validation', () => {
  it('accepts current votes and rejects each bad kind with a typed reason', () => {
    expect(precheckVote(vote({}), ctx)).toBe(0);
    expect(precheckVote(vote({ kind: VoteKind.Skip, height: 40n, round: 0 }), ctx)).toBe(0);
    expect(reason(() => precheckVote({ ...vote({}), validator: 99 }, ctx))).toBe('unknown_validator');
    expect(reason(() => precheckVote(vote({ height: 32n }), ctx))).toBe('stale');
    expect(reason(() => precheckVote(vote({ kind: VoteKind.Skip, height: 20n, round: 0 }), ctx))).toBe('stale');
    expect(reason(() => precheckVote(vote({ height: 96n }), ctx))).toBe('not_current');
    expect(reason(() => precheckVote(vote({ kind: VoteKind.Skip, height: 70n, round: 0 }), ctx))).toBe('not_current');
    expect(reason(() => precheckVote(vote({ kind: VoteKind.Skip, height: 64n, round: 0 }), ctx))).toBe('malformed');
    expect(reason(() => precheckVote(vote({ height: 50n }), ctx))).toBe('malformed');
    expect(reason(() => precheckVote(vote({ round: 35 }), ctx))).toBe('far_future_round');
    expect(precheckVote(vote({ round: 34 }), ctx)).toBe(0);
  });

  it('maps reasons to verdicts: harmless ignored, invalid rejected, malicious penalised', () => {
    expect(VOTE_VERDICTS.stale).toBe('ignore');
    expect(VOTE_VERDICTS.duplicate).toBe('ignore');
    expect(VOTE_VERDICTS.unknown_validator).toBe('reject');
    expect(VOTE_VERDICTS.far_future_round).toBe('reject');
    expect(VOTE_VERDICTS.bad_signature).toBe('penalise');
    expect(VOTE_VERDICTS.equivocation).toBe('penalise');
    expect(new VoteRejectedError('bad_signature', 'x').verdict).toBe('penalise');
  });

  it('verifies signatures: another signer, chain, round or step fails', async () => {
    const v = vote({});
    await expect(verifyVoteSignature(chain, v, set, 0, verifier)).resolves.toBeUndefined();
    await expect(verifyVoteSignature(chain, v, set, 1, verifier)).rejects.toMatchObject({ reason: 'bad_signature' });
    await expect(verifyVoteSignature(sha256(Buffer.from('x')), v, set, 0, verifier)).rejects.toMatchObject({ reason: 'bad_signature' });
    await expect(verifyVoteSignature(chain, { ...v, round: 3 }, set, 0, verifier)).rejects.toMatchObject({ reason: 'bad_signature' });
    await expect(verifyVoteSignature(chain, { ...v, kind: VoteKind.Precommit }, set, 0, verifier)).rejects.toMatchObject({ reason: 'bad_signature' });
  });

  it('remembers votes by content to answer replays before any curve work', () => {
    const seen = new SeenVotes();
    const v = vote({});
    expect(seen.has(v)).toBe(false);
    expect(seen.remember(v)).toBe(true);
    expect(seen.has({ ...v, signature: new Uint8Array(96) })).toBe(true);
    expect(seen.has(vote({ value: undefined }))).toBe(false);
    seen.prune(64);
    expect(seen.has(v)).toBe(false);
  });
});
