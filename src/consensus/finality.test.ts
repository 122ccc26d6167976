import { describe, expect, it } from 'vitest';
import { BLOCK_VERSION_CONSENSUS, BlockKind, recordsRoot } from '../codec/block.js';
import { microSigningBytes } from '../codec/consensus-signing.js';
import { sha256 } from '../crypto/hash.js';
import { BlsSigner } from './bls-crypto.js';
import { blockFromParts, type ConsensusBlock } from './consensus-block.js';
import { FinalityTracker } from './finality.js';
import { encodeForkProof } from './fork-proof.js';
import { genesisBlock } from './genesis-block.js';
import { memberKey } from './in-process-consortium.js';
import { Heights } from './policy.js';
import { ValidatorSet, seedEntropy } from './validator-set.js';

const chain = sha256(Buffer.from('finality test'));
const signers = [1, 2, 3].map((id) => new BlsSigner(id, memberKey(id)));
const setA = ValidatorSet.create(signers.map((s) => ({ id: s.id, power: 1, publicKey: s.publicKey })));
const setB = ValidatorSet.create(signers.slice(0, 2).map((s) => ({ id: s.id, power: 5, publicKey: s.publicKey })));
const heights = new Heights({ blocksPerBatch: 4, batchesPerEpoch: 2 });
const genesis = genesisBlock(chain, setA, 0n, new Uint8Array(32));

function block(height: number, kind: BlockKind, extras: { validators?: Uint8Array; forkProofs?: Uint8Array; seed?: number } = {}): ConsensusBlock {
  return blockFromParts({
    header: {
      version: BLOCK_VERSION_CONSENSUS, kind, height: BigInt(height), prevHash: new Uint8Array(32), timestampMs: BigInt(height), producer: 1,
      txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
      consensus: {
        round: 0, seed: new Uint8Array(96).fill(extras.seed ?? height), stateRoot: new Uint8Array(32),
        forkProofsRoot: recordsRoot(extras.forkProofs ?? new Uint8Array(0)), validatorsHash: recordsRoot(extras.validators ?? new Uint8Array(0)),
      },
    },
    validators: extras.validators, forkProofs: extras.forkProofs,
  });
}

function proofAt(height: number): Uint8Array {
  const h = (ts: bigint) => ({ ...block(height, BlockKind.Micro, { seed: 7 }).header, timestampMs: ts, producer: 2 });
  const a = h(1n);
  const b = h(2n);
  const sign = (x: typeof a) => signers[1]!.sign(microSigningBytes(chain, blockFromParts({ header: x }).hash));
  return encodeForkProof({ header: a, signature: sign(a) }, { header: b, signature: sign(b) });
}

describe('finality tracking', () => {
  it('advances per macro block, switches validator sets at elections, and keeps the batch seed', () => {
    const f = new FinalityTracker({ block: genesis, validators: setA, previousValidators: undefined, recordedForkProofs: [] }, heights);
    expect([f.nextMacroHeight, f.epoch]).toEqual([4, 0]);
    const m4 = block(4, BlockKind.Macro);
    expect(f.advance(m4, [block(1, 0), block(2, 0), block(3, 0), m4])).toBe(false);
    expect(f.batchSeedEntropy).toEqual(seedEntropy(m4.header.consensus.seed));
    expect([f.nextMacroHeight, f.epoch]).toEqual([8, 0]);
    const m8 = block(8, BlockKind.Macro, { validators: setB.records() });
    expect(f.advance(m8, [m8])).toBe(true);
    expect(f.validators.equals(setB)).toBe(true);
    expect(f.previousValidators!.equals(setA)).toBe(true);
    expect(f.epoch).toBe(1);
    expect(() => f.advance(m4, [m4])).toThrow(/does not advance/);
  });

  it('remembers fork proofs on the final chain for the reporting window (this epoch and the last)', () => {
    const f = new FinalityTracker({ block: genesis, validators: setA, previousValidators: undefined, recordedForkProofs: [] }, heights);
    const m4 = block(4, BlockKind.Macro);
    f.advance(m4, [block(3, BlockKind.Micro, { forkProofs: proofAt(2) }), m4]);
    expect(f.isRecorded('2:2')).toBe(true);
    f.advance(block(8, BlockKind.Macro, { validators: setA.records() }), []); // epoch 1: epoch 0 still in the window
    expect(f.isRecorded('2:2')).toBe(true);
    f.advance(block(16, BlockKind.Macro, { validators: setA.records() }), []); // epoch 2: epoch 0 left the window
    expect(f.isRecorded('2:2')).toBe(false);
  });
});
