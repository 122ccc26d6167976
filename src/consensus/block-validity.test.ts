import { describe, expect, it } from 'vitest';
import { BLOCK_VERSION_CONSENSUS, BlockKind } from '../codec/block.js';
import { microSigningBytes, seedSigningBytes, skipSigningBytes, tendermintVoteSigningBytes } from '../codec/consensus-signing.js';
import { sha256, sha256MerkleRoot } from '../crypto/hash.js';
import { BlsSigner, InThreadBlsVerifier } from './bls-crypto.js';
import { checkMacroJustification, checkShape, checkSignatures, skipHeader, type ValidityContext } from './block-validity.js';
import { blockFromParts, withJustification, type ConsensusBlock } from './consensus-block.js';
import { genesisBlock } from './genesis-block.js';
import { memberKey } from './in-process-consortium.js';
import { Heights, consensusPolicy } from './policy.js';
import { drawProducer } from './producer-draw.js';
import { bitmapFromIndices } from './signer-bitmap.js';
import { ValidatorSet, seedEntropy } from './validator-set.js';

const chain = sha256(Buffer.from('validity test'));
const signers = [1, 2, 3, 4].map((id) => new BlsSigner(id, memberKey(id)));
const set = ValidatorSet.create(signers.map((s) => ({ id: s.id, power: 1, publicKey: s.publicKey })));
const policy = consensusPolicy();
const verifier = new InThreadBlsVerifier();
const genesis = genesisBlock(chain, set, 1_000n, new Uint8Array(32));
const ctx: ValidityContext = {
  chain, policy, heights: new Heights(policy), set, previousSet: undefined, epoch: 0,
  batchSeedEntropy: seedEntropy(genesis.header.consensus.seed), verifier, nowMs: 10_000,
};
const signerOf = (id: number) => signers.find((s) => s.id === id)!;

function micro(parent: ConsensusBlock, over: { producer?: number; timestampMs?: bigint; seedBy?: number; signBy?: number; round?: number } = {}): ConsensusBlock {
  const height = parent.height + 1;
  const producer = over.producer ?? drawProducer(set, chain, ctx.batchSeedEntropy, height, 0).id;
  const ids = [sha256(Uint8Array.of(height))];
  const unsigned = blockFromParts({
    header: {
      version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Micro, height: BigInt(height), prevHash: parent.hash, timestampMs: over.timestampMs ?? parent.header.timestampMs + 100n,
      producer, txRoot: sha256MerkleRoot(ids), txCount: 1, cdrCount: 1,
      consensus: {
        round: over.round ?? 0, seed: signerOf(over.seedBy ?? producer).sign(seedSigningBytes(chain, parent.header.consensus.seed)),
        stateRoot: new Uint8Array(32), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32),
      },
    },
    txIds: ids[0],
  });
  return withJustification(unsigned, { round: 0, signature: signerOf(over.signBy ?? producer).sign(microSigningBytes(chain, unsigned.hash)), signers: new Uint8Array(0) });
}

function skip(parent: ConsensusBlock, voters: number[], signedHeight = parent.height + 1): ConsensusBlock {
  const msg = skipSigningBytes(chain, BigInt(signedHeight), seedEntropy(parent.header.consensus.seed));
  const unsigned = blockFromParts({ header: skipHeader(parent, ctx, new Uint8Array(32)) });
  return withJustification(unsigned, {
    round: 0, signature: verifier.aggregate(voters.map((i) => signers[i]!.sign(msg))), signers: bitmapFromIndices(4, voters),
  });
}

async function fault(block: ConsensusBlock, parent: ConsensusBlock): Promise<string> {
  try {
    checkShape(block, parent, ctx);
    await checkSignatures(block, parent, ctx);
    return 'ok';
  } catch (err) {
    return (err as { reason: string }).reason;
  }
}

describe('block validity', () => {
  it('accepts a well-formed micro block from the slot owner, and refuses each broken rule', async () => {
    const b1 = micro(genesis);
    expect(await fault(b1, genesis)).toBe('ok');
    const wrong = set.validators.map((v) => v.id).find((id) => id !== b1.header.producer)!;
    expect(await fault(micro(genesis, { producer: wrong }), genesis)).toBe('producer');
    expect(await fault(micro(genesis, { timestampMs: 1_000n }), genesis)).toBe('timestamp');
    expect(await fault(micro(genesis, { timestampMs: 20_000n }), genesis)).toBe('timestamp'); // ahead of local time
    expect(await fault(micro(genesis, { round: 1 }), genesis)).toBe('round');
    expect(await fault(micro(genesis, { seedBy: wrong }), genesis)).toBe('seed');
    expect(await fault(micro(genesis, { signBy: wrong }), genesis)).toBe('producer_signature');
    expect(await fault(b1, micro(genesis))).toBe('parent');
  });

  it('skip blocks: the header follows from the parent and a quorum signed the parent seed entropy', async () => {
    expect(await fault(skip(genesis, [0, 1, 2]), genesis)).toBe('ok');
    expect(await fault(skip(genesis, [0, 1]), genesis)).toBe('skip_proof'); // 2 of 4 is no quorum
    expect(await fault(skip(genesis, [0, 1, 2], 5), genesis)).toBe('skip_proof'); // signed another height
    const s = skip(genesis, [0, 1, 2]);
    const moved = withJustification(blockFromParts({ header: { ...s.header, timestampMs: s.header.timestampMs + 1n } }), s.justification);
    expect(await fault(moved, genesis)).toBe('skip_header');
    const forged = withJustification(s, { ...s.justification!, signers: bitmapFromIndices(4, [0, 1, 3]) });
    expect(await fault(forged, genesis)).toBe('skip_proof');
  });

  it('macro blocks: kind by height, and a justification of a precommit quorum for the hash and round', async () => {
    let parent: ConsensusBlock = genesis;
    for (let h = 1; h < 32; h++) parent = micro(parent, { timestampMs: parent.header.timestampMs + 1n });
    const proposer = drawProducer(set, chain, ctx.batchSeedEntropy, 32, 0).id;
    const unsigned = blockFromParts({
      header: {
        version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Macro, height: 32n, prevHash: parent.hash, timestampMs: parent.header.timestampMs + 1n, producer: proposer,
        txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
        consensus: { round: 0, seed: signerOf(proposer).sign(seedSigningBytes(chain, parent.header.consensus.seed)), stateRoot: new Uint8Array(32), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) },
      },
    });
    const justify = (round: number, voters: number[], hash = unsigned.hash) => withJustification(unsigned, {
      round, signature: verifier.aggregate(voters.map((i) => signers[i]!.sign(tendermintVoteSigningBytes('precommit', chain, 32n, round, hash)))), signers: bitmapFromIndices(4, voters),
    });
    expect(await fault(justify(2, [0, 1, 3]), parent)).toBe('ok');
    await expect(checkMacroJustification(justify(2, [0, 1, 3]), ctx)).resolves.toBeUndefined();
    await expect(checkMacroJustification(justify(2, [0, 1]), ctx)).rejects.toMatchObject({ reason: 'macro_justification' });
    await expect(checkMacroJustification(withJustification(justify(2, [0, 1, 3]), { ...justify(2, [0, 1, 3]).justification!, round: 1 }), ctx)).rejects.toMatchObject({ reason: 'macro_justification' });
    await expect(checkMacroJustification(justify(0, [0, 1, 3], sha256(Uint8Array.of(9))), ctx)).rejects.toMatchObject({ reason: 'macro_justification' });
    expect(await fault(micro(parent), parent)).toBe('kind'); // height 32 is a macro height
    const notProposer = set.validators.map((v) => v.id).find((id) => id !== proposer)!;
    const wrongProposer = blockFromParts({ header: { ...unsigned.header, producer: notProposer } });
    expect(await fault(wrongProposer, parent)).toBe('producer');
  });
});
