import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ROUND, VoteKind, decodeBlockRequest, decodeProposal, decodeVote, encodeBlockRequest, encodeProposal, encodeVote, type VoteMessage,
} from './consensus-messages.js';
import {
  NO_VALID_ROUND, SIGNING_TAGS, microSigningBytes, proposalSigningBytes, seedSigningBytes, skipSigningBytes, tendermintVoteSigningBytes,
} from './consensus-signing.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';

const b = (n: number, fill: number) => new Uint8Array(n).fill(fill);

function decodesOrRefuses(decode: (x: Uint8Array) => unknown, frame: Uint8Array): void {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(frame.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(frame.length), (flips, cut) => {
      const m = Uint8Array.from(frame);
      for (const [at, v] of flips) m[at] = v;
      for (const c of [m, m.subarray(0, cut)]) {
        try {
          decode(c);
        } catch (err) {
          if (!(err instanceof MalformedFrameError || err instanceof UnsupportedVersionError)) throw err;
        }
      }
    }),
    { numRuns: 2_000 },
  );
}

describe('consensus messages', () => {
  it('round-trips votes of each kind, nil included', () => {
    const votes: VoteMessage[] = [
      { kind: VoteKind.Skip, height: 33n, round: 0, value: b(32, 1), validator: 26201, signature: b(96, 2) },
      { kind: VoteKind.Prevote, height: 64n, round: 7, value: b(32, 3), validator: 23415, signature: b(96, 4) },
      { kind: VoteKind.Precommit, height: 64n, round: 7, value: undefined, validator: 23415, signature: b(96, 5) },
    ];
    for (const v of votes) expect(decodeVote(encodeVote(v))).toEqual(v);
    expect(encodeVote(votes[1]!).length).toBeLessThan(256);
  });

  it('refuses skip votes with a round or without a value, rounds above the limit, short signatures, other identifiers', () => {
    const skip: VoteMessage = { kind: VoteKind.Skip, height: 33n, round: 0, value: b(32, 1), validator: 1, signature: b(96, 2) };
    expect(() => decodeVote(encodeVote({ ...skip, round: 1 }))).toThrow(MalformedFrameError);
    expect(() => decodeVote(encodeVote({ ...skip, value: undefined }))).toThrow(MalformedFrameError);
    expect(() => decodeVote(encodeVote({ ...skip, kind: VoteKind.Prevote, round: MAX_ROUND + 1 }))).toThrow(/round/);
    expect(() => encodeVote({ ...skip, signature: b(95, 1) })).toThrow(RangeError);
    const frame = encodeVote(skip);
    frame.set(Buffer.from('CDRO'), 4);
    expect(() => decodeVote(frame)).toThrow(/file identifier/);
    decodesOrRefuses(decodeVote, encodeVote(skip));
  });

  it('round-trips proposals and refuses a valid round not below the round', () => {
    const p = { height: 32n, round: 4, validRound: 2, proposer: 20801, block: b(500, 7), signature: b(96, 8) };
    expect(decodeProposal(encodeProposal(p))).toEqual(p);
    expect(decodeProposal(encodeProposal({ ...p, validRound: undefined })).validRound).toBeUndefined();
    expect(() => decodeProposal(encodeProposal({ ...p, validRound: 4 }))).toThrow(MalformedFrameError);
    expect(() => decodeProposal(encodeProposal({ ...p, block: b(64 * 1024 + 1, 1) }))).toThrow(/limit/);
    decodesOrRefuses(decodeProposal, encodeProposal(p));
  });

  it('round-trips block requests by hash or by range, within their limits', () => {
    expect(decodeBlockRequest(encodeBlockRequest({ hash: b(32, 9), ancestors: 32 }))).toEqual({ hash: b(32, 9), ancestors: 32 });
    expect(() => decodeBlockRequest(encodeBlockRequest({ hash: b(32, 9), ancestors: 33 }))).toThrow(MalformedFrameError);
    expect(decodeBlockRequest(encodeBlockRequest({ fromHeight: 65n, count: 64 }))).toEqual({ fromHeight: 65n, count: 64 });
    expect(() => decodeBlockRequest(encodeBlockRequest({ fromHeight: 65n, count: 65 }))).toThrow(MalformedFrameError);
    expect(() => decodeBlockRequest(encodeBlockRequest({ fromHeight: 65n, count: 0 }))).toThrow(/exactly one/);
    expect(encodeBlockRequest({ hash: b(32, 9), ancestors: 1 }).length).toBeLessThanOrEqual(256);
    decodesOrRefuses(decodeBlockRequest, encodeBlockRequest({ hash: b(32, 9), ancestors: 3 }));
  });
});

describe('signing bytes (domain separation)', () => {
  const chain = b(32, 0xc1);
  const other = b(32, 0xc2);
  const h = b(32, 0x11);

  it('every tag is 16 bytes and distinct', () => {
    const tags = Object.values(SIGNING_TAGS);
    for (const t of tags) expect(Buffer.byteLength(t), t).toBe(16);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('no two message types, chains, heights, rounds or values share signing bytes', () => {
    const all = [
      microSigningBytes(chain, h),
      microSigningBytes(other, h),
      seedSigningBytes(chain, b(96, 0x11)),
      skipSigningBytes(chain, 5n, h),
      skipSigningBytes(chain, 6n, h),
      tendermintVoteSigningBytes('prevote', chain, 5n, 0, h),
      tendermintVoteSigningBytes('precommit', chain, 5n, 0, h),
      tendermintVoteSigningBytes('precommit', chain, 5n, 1, h),
      tendermintVoteSigningBytes('precommit', chain, 5n, 0, undefined),
      tendermintVoteSigningBytes('precommit', other, 5n, 0, h),
      proposalSigningBytes(chain, 5n, 0, undefined, h),
      proposalSigningBytes(chain, 5n, 1, 0, h),
    ].map((x) => Buffer.from(x).toString('hex'));
    expect(new Set(all).size).toBe(all.length);
    // A nil vote is not a vote for the zero hash.
    expect(tendermintVoteSigningBytes('prevote', chain, 5n, 0, undefined)).not.toEqual(tendermintVoteSigningBytes('prevote', chain, 5n, 0, new Uint8Array(32)));
    expect(proposalSigningBytes(chain, 5n, 1, undefined, h).subarray(60, 64)).toEqual(new Uint8Array(new Uint32Array([NO_VALID_ROUND]).buffer).reverse());
    expect(() => microSigningBytes(b(31, 0), h)).toThrow(RangeError);
  });
});
