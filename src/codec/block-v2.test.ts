import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_VERSION_CONSENSUS, BlockKind, CANONICAL_HEADER_V2_BYTES, FORK_PROOF_RECORD_BYTES, VALIDATOR_RECORD_BYTES,
  blockHash, canonicalBlockHeader, decodeBlock, decodeCanonicalHeaderV2, encodeBlock, encodePrunedBlock, recordsRoot, type BlockHeaderFields,
} from './block.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

function v2Header(over: Partial<BlockHeaderFields> = {}, forkProofs = new Uint8Array(0), validators = new Uint8Array(0)): BlockHeaderFields {
  return {
    version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Micro, height: 33n, prevHash: bytes(32, 1), timestampMs: 1_767_225_600_123n,
    producer: 26201, txRoot: bytes(32, 2), txCount: 2, cdrCount: 2000,
    consensus: { round: 0, seed: bytes(96, 3), stateRoot: bytes(32, 4), forkProofsRoot: recordsRoot(forkProofs), validatorsHash: recordsRoot(validators) },
    ...over,
  };
}

function refused(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (err) {
    if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return true;
    throw err;
  }
}

describe('block v2 codec', () => {
  it('round-trips header, ids, justification, fork proofs and validators', () => {
    const forkProofs = bytes(FORK_PROOF_RECORD_BYTES * 2, 7);
    const validators = bytes(VALIDATOR_RECORD_BYTES * 3, 8);
    const header = v2Header({ kind: BlockKind.Macro, height: 128n, txCount: 0, consensus: { ...v2Header().consensus!, round: 3 } }, forkProofs, validators);
    const h2 = { ...header, consensus: { ...header.consensus!, forkProofsRoot: recordsRoot(forkProofs), validatorsHash: recordsRoot(validators) } };
    const justification = { round: 5, signature: bytes(96, 9), signers: Uint8Array.of(0b1011) };
    const d = decodeBlock(encodeBlock(h2, new Uint8Array(0), { justification, forkProofs, validators }));
    expect(d.header).toEqual(h2);
    expect(d.justification).toEqual(justification);
    expect(d.forkProofs).toEqual(forkProofs);
    expect(d.validators).toEqual(validators);
    expect(blockHash(d.header)).toEqual(blockHash(h2));
  });

  it('hashes a fixed 307-byte canonical header that covers every v2 field and not the justification', () => {
    const h = v2Header();
    const c = canonicalBlockHeader(h);
    expect(c.length).toBe(CANONICAL_HEADER_V2_BYTES);
    expect(Buffer.from(c.subarray(0, 16)).toString()).toBe('cdrchain:block:2');
    expect(decodeCanonicalHeaderV2(c)).toEqual(h);
    const variants: BlockHeaderFields[] = [
      { ...h, consensus: { ...h.consensus!, round: 1 } },
      { ...h, consensus: { ...h.consensus!, seed: bytes(96, 4) } },
      { ...h, consensus: { ...h.consensus!, stateRoot: bytes(32, 5) } },
      { ...h, consensus: { ...h.consensus!, forkProofsRoot: bytes(32, 5) } },
      { ...h, consensus: { ...h.consensus!, validatorsHash: bytes(32, 5) } },
      { ...h, producer: 1 },
    ];
    const base = Buffer.from(blockHash(h)).toString('hex');
    for (const v of variants) expect(Buffer.from(blockHash(v)).toString('hex')).not.toBe(base);
    const a = encodeBlock(h, bytes(64, 6), { justification: { round: 0, signature: bytes(96, 1), signers: new Uint8Array(0) } });
    const b = encodeBlock(h, bytes(64, 6), { justification: { round: 0, signature: bytes(96, 2), signers: new Uint8Array(0) } });
    expect(blockHash(decodeBlock(a).header)).toEqual(blockHash(decodeBlock(b).header));
  });

  it('refuses fork proofs or validators that the header roots do not commit to', () => {
    const forkProofs = bytes(FORK_PROOF_RECORD_BYTES, 7);
    const frame = encodeBlock(v2Header({ txCount: 0 }), new Uint8Array(0), { forkProofs });
    expect(() => decodeBlock(frame)).toThrow(/fork_proofs_root/);
    const validators = bytes(VALIDATOR_RECORD_BYTES, 7);
    expect(() => decodeBlock(encodeBlock(v2Header({ txCount: 0 }), new Uint8Array(0), { validators }))).toThrow(/validators_hash/);
  });

  it('refuses a short justification signature, a v2 block without its fields, and v2 extras on a v1 header', () => {
    expect(() => encodeBlock(v2Header({ txCount: 0 }), new Uint8Array(0), { justification: { round: 0, signature: bytes(95, 1), signers: new Uint8Array(0) } })).toThrow(RangeError);
    const { consensus: _c, ...noConsensus } = v2Header({ txCount: 0 });
    expect(() => decodeBlock(encodeBlock(noConsensus, new Uint8Array(0)))).toThrow(UnsupportedVersionError);
    const v1: BlockHeaderFields = { ...noConsensus, version: 1 };
    expect(() => encodeBlock(v1, new Uint8Array(0), { forkProofs: bytes(FORK_PROOF_RECORD_BYTES, 1) })).toThrow(RangeError);
    expect(() => canonicalBlockHeader({ ...v1, consensus: v2Header().consensus })).toThrow(RangeError);
  });

  it('keeps v1 blocks exactly as before (same hash, no consensus fields)', () => {
    const { consensus: _c, ...rest } = v2Header({ txCount: 1 });
    const v1: BlockHeaderFields = { ...rest, version: 1 };
    const d = decodeBlock(encodeBlock(v1, bytes(32, 1)));
    expect(d.header).toEqual(v1);
    expect('consensus' in d.header).toBe(false);
    expect(canonicalBlockHeader(v1).length).toBe(111);
  });

  it('pruned v2 blocks keep header and justification, nothing else', () => {
    const h = v2Header({ kind: BlockKind.Macro, txCount: 0 });
    const justification = { round: 1, signature: bytes(96, 9), signers: Uint8Array.of(7) };
    const d = decodeBlock(encodePrunedBlock(h, justification));
    expect(d.bodyPruned).toBe(true);
    expect(d.header).toEqual(h);
    expect(d.justification).toEqual(justification);
  });

  it('canonical header parsing refuses other lengths, tags, versions and kinds', () => {
    const c = canonicalBlockHeader(v2Header());
    expect(() => decodeCanonicalHeaderV2(c.subarray(1))).toThrow(MalformedFrameError);
    const tag = Uint8Array.from(c);
    tag[15] = 0x31;
    expect(() => decodeCanonicalHeaderV2(tag)).toThrow(MalformedFrameError);
    const kind = Uint8Array.from(c);
    kind[18] = 3;
    expect(() => decodeCanonicalHeaderV2(kind)).toThrow(MalformedFrameError);
    const version = Uint8Array.from(c);
    version[17] = 3;
    expect(() => decodeCanonicalHeaderV2(version)).toThrow(UnsupportedVersionError);
  });

  it('mutated and truncated v2 blocks decode soundly or are refused with a typed error (property)', () => {
    const forkProofs = bytes(FORK_PROOF_RECORD_BYTES, 7);
    const frame = encodeBlock(v2Header({}, forkProofs), bytes(64, 5), { forkProofs, justification: { round: 2, signature: bytes(96, 9), signers: Uint8Array.of(3) } });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(frame.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(frame.length), (flips, cut) => {
        const m = Uint8Array.from(frame);
        for (const [at, v] of flips) m[at] = v;
        for (const candidate of [m, m.subarray(0, cut)]) {
          let d;
          try {
            d = decodeBlock(candidate);
          } catch (err) {
            if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) continue;
            throw err;
          }
          if (d.header.consensus) {
            expect(d.header.consensus.seed.length).toBe(96);
            expect(d.txHashes.length).toBe(d.header.txCount * 32);
            if (d.justification) expect(d.justification.signature.length).toBe(96);
          }
        }
      }),
      { numRuns: 3_000 },
    );
    expect(refused(() => decodeBlock(new Uint8Array(7)))).toBe(true);
  });
});
