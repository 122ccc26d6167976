import { BLOCK_VERSION_CONSENSUS, BlockKind, FORK_PROOF_RECORD_BYTES, blockHash as blockHashOf, type BlockHeaderFields, type ConsensusHeaderFields } from '../codec/block.js';
import { equalBytes, toHex } from '../codec/bytes.js';
import { microSigningBytes, seedSigningBytes, skipSigningBytes, tendermintVoteSigningBytes } from '../codec/consensus-signing.js';
import { MalformedFrameError } from '../codec/errors.js';
import { sha256MerkleRoot } from '../crypto/hash.js';
import type { ConsensusBlock } from './consensus-block.js';
import { txIdList } from './consensus-block.js';
import { InvalidConsensusBlockError } from './errors.js';
import { InvalidForkProofError, decodeForkProof, verifyForkProof, type ForkProof } from './fork-proof.js';
import type { SignatureCheckOptions, SignatureVerifier } from './outside-deps.js';
import type { ConsensusPolicy, Heights } from './policy.js';
import { drawProducer } from './producer-draw.js';
import { ValidatorSet, seedEntropy } from './validator-set.js';

/**
 * The consensus rules of a block given its parent (docs/consensus.md §4–§6): shape first (cheap,
 * synchronous), then signatures (BLS, through the verifier). Transactions and the state root are the
 * chain's (BlockSink.apply); this module checks everything else.
 */

export interface ValidityContext {
  readonly chain: Uint8Array;
  readonly policy: ConsensusPolicy;
  readonly heights: Heights;
  /** The validator set of the heights above the last final block. */
  readonly set: ValidatorSet;
  /** The previous epoch's set (fork proofs about it are accepted); undefined in epoch 0. */
  readonly previousSet: ValidatorSet | undefined;
  /** The epoch of the heights above the last final block. */
  readonly epoch: number;
  /** Entropy of the last final (macro) block's seed: the batch seed of the heights above it. */
  readonly batchSeedEntropy: Uint8Array;
  readonly verifier: SignatureVerifier;
  readonly nowMs: number;
}

type V2Header = BlockHeaderFields & { readonly consensus: ConsensusHeaderFields };

const ZERO32 = new Uint8Array(32);

function fail(reason: string, detail: string): never {
  throw new InvalidConsensusBlockError(reason, detail);
}

/** The skip block every validator builds for the slot after `parent` (state root filled in by the sink). */
export function skipHeader(parent: ConsensusBlock, ctx: Pick<ValidityContext, 'chain' | 'policy' | 'set' | 'batchSeedEntropy'>, stateRoot: Uint8Array): V2Header {
  const height = parent.height + 1;
  return {
    version: BLOCK_VERSION_CONSENSUS,
    kind: BlockKind.Skip,
    height: BigInt(height),
    prevHash: parent.hash,
    timestampMs: parent.header.timestampMs + BigInt(ctx.policy.producerTimeoutMs),
    producer: drawProducer(ctx.set, ctx.chain, ctx.batchSeedEntropy, height, 0).id,
    txRoot: ZERO32,
    txCount: 0,
    cdrCount: 0,
    consensus: { round: 0, seed: parent.header.consensus.seed, stateRoot, forkProofsRoot: ZERO32, validatorsHash: ZERO32 },
  };
}

/** The fork proofs a block carries, parsed and shape-checked (signatures: `checkSignatures`). */
export function blockForkProofs(block: ConsensusBlock, ctx: Pick<ValidityContext, 'heights' | 'epoch'>): ForkProof[] {
  const proofs: ForkProof[] = [];
  const locators = new Set<string>();
  for (let at = 0; at < block.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) {
    let proof: ForkProof;
    try {
      proof = decodeForkProof(block.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES));
    } catch (err) {
      if (err instanceof InvalidForkProofError) fail('fork_proof', err.message);
      throw err;
    }
    if (proof.height >= block.height) fail('fork_proof', `proof about height ${proof.height} in block ${block.height}`);
    const e = ctx.heights.epochOf(proof.height);
    if (e !== ctx.epoch && e !== ctx.epoch - 1) fail('fork_proof', `proof about epoch ${e} outside the reporting window of epoch ${ctx.epoch}`);
    if (locators.has(proof.locator)) fail('fork_proof', `proof ${proof.locator} twice in one block`);
    locators.add(proof.locator);
    proofs.push(proof);
  }
  return proofs;
}

/** Everything that follows from the block, its parent and the rules without cryptography. */
export function checkShape(block: ConsensusBlock, parent: ConsensusBlock, ctx: ValidityContext): void {
  const h = block.header;
  const c = h.consensus;
  if (h.version !== BLOCK_VERSION_CONSENSUS) fail('version', `version ${h.version}`);
  if (!equalBytes(h.prevHash, parent.hash)) fail('parent', 'prev_hash is not the parent');
  if (block.height !== parent.height + 1) fail('height', `height ${block.height} on a parent at ${parent.height}`);
  const macro = ctx.heights.isMacro(block.height);
  if (macro !== (h.kind === BlockKind.Macro)) fail('kind', `${BlockKind[h.kind]} block at height ${block.height}`);
  if (!ctx.heights.isElection(block.height) || h.kind !== BlockKind.Macro) {
    if (block.validators.length !== 0 || !equalBytes(c.validatorsHash, ZERO32)) fail('validators', 'only election blocks carry validators');
  } else if (block.validators.length === 0) {
    fail('validators', 'an election block carries the next validator set');
  }
  if (h.kind === BlockKind.Skip) {
    const expected = skipHeader(parent, ctx, c.stateRoot);
    if (toHex(block.hash) !== toHex(blockHashOf(expected))) fail('skip_header', 'a skip block header must follow from its parent');
    if (block.txIds.length !== 0 || block.forkProofs.length !== 0) fail('skip_header', 'a skip block carries nothing');
    if (!block.justification || block.justification.signers.length === 0) fail('justification', 'a skip block needs its skip proof');
    return;
  }
  if (h.timestampMs <= parent.header.timestampMs) fail('timestamp', `timestamp ${h.timestampMs} is not after the parent's ${parent.header.timestampMs}`);
  if (h.timestampMs > BigInt(ctx.nowMs + ctx.policy.maxTimestampDriftMs)) fail('timestamp', `timestamp ${h.timestampMs} is ahead of local time ${ctx.nowMs}`);
  if (h.txCount * 32 !== block.txIds.length) fail('tx_count', 'tx_count does not match the ids');
  if (!equalBytes(h.txRoot, sha256MerkleRoot(txIdList(block.txIds)))) fail('tx_root', 'tx_root does not match the ids');
  if (h.kind === BlockKind.Micro) {
    if (c.round !== 0) fail('round', 'a micro block has round 0');
    const producer = drawProducer(ctx.set, ctx.chain, ctx.batchSeedEntropy, block.height, 0);
    if (h.producer !== producer.id) fail('producer', `height ${block.height} belongs to ${producer.id}, not ${h.producer}`);
    if (h.txCount > ctx.policy.maxBlockTxs) fail('tx_count', `${h.txCount} transactions, limit ${ctx.policy.maxBlockTxs}`);
    if (block.forkProofs.length / FORK_PROOF_RECORD_BYTES > ctx.policy.maxForkProofsPerBlock) fail('fork_proof', 'too many fork proofs');
    blockForkProofs(block, ctx);
    if (!block.justification || block.justification.signers.length !== 0) fail('justification', 'a micro block is justified by its producer signature alone');
    return;
  }
  // Macro.
  if (h.txCount !== 0 || h.cdrCount !== 0 || block.forkProofs.length !== 0) fail('macro_body', 'a macro block carries no transactions or fork proofs');
  const producer = drawProducer(ctx.set, ctx.chain, ctx.batchSeedEntropy, block.height, c.round);
  if (h.producer !== producer.id) fail('producer', `round ${c.round} of height ${block.height} belongs to ${producer.id}, not ${h.producer}`);
  if (block.validators.length !== 0) {
    try {
      ValidatorSet.fromRecords(block.validators);
    } catch (err) {
      if (err instanceof MalformedFrameError) fail('validators', err.message);
      throw err;
    }
  }
}

/** The seed, the producer signature (micro) or skip proof (skip), and fork proof signatures. */
export async function checkSignatures(block: ConsensusBlock, parent: ConsensusBlock, ctx: ValidityContext): Promise<void> {
  const h = block.header;
  const { verifier, chain, set } = ctx;
  if (h.kind === BlockKind.Skip) {
    await checkAggregate(block, ctx.set, skipSigningBytes(chain, h.height, seedEntropy(parent.header.consensus.seed)), verifier, 'skip_proof');
    return;
  }
  const index = set.indexOf(h.producer);
  if (index === undefined) fail('producer', `${h.producer} is not a validator`);
  const key = set.byIndex(index).publicKey;
  const checks: Promise<[string, boolean]>[] = [
    verifier.verify(key, seedSigningBytes(chain, parent.header.consensus.seed), h.consensus.seed).then((ok) => ['seed', ok]),
  ];
  if (h.kind === BlockKind.Micro) {
    checks.push(verifier.verify(key, microSigningBytes(chain, block.hash), block.justification!.signature).then((ok) => ['producer_signature', ok]));
  }
  for (const [reason, ok] of await Promise.all(checks)) if (!ok) fail(reason, `${reason} of ${h.producer} does not verify`);
  for (const proof of blockForkProofs(block, ctx)) {
    const proofSet = ctx.heights.epochOf(proof.height) === ctx.epoch ? ctx.set : ctx.previousSet;
    if (proofSet === undefined) fail('fork_proof', 'no validator set for the proof');
    try {
      await verifyForkProof(proof, proofSet, chain, verifier);
    } catch (err) {
      // Headers the named producer never signed frame it: provably malicious, so its own reason (penalised, §11).
      if (err instanceof InvalidForkProofError) fail(err.fault === 'bad_signature' ? 'fork_proof_signature' : 'fork_proof', err.message);
      throw err;
    }
  }
}

/** A macro block's justification: precommits of a quorum for its hash in the justification's round. */
export async function checkMacroJustification(block: ConsensusBlock, ctx: Pick<ValidityContext, 'chain' | 'set' | 'verifier'>): Promise<void> {
  const j = block.justification;
  if (!j || j.signers.length === 0) fail('justification', 'a final macro block needs its precommit aggregate');
  await checkAggregate(block, ctx.set, tendermintVoteSigningBytes('precommit', ctx.chain, block.header.height, j.round, block.hash), ctx.verifier, 'macro_justification', { urgent: true });
}

async function checkAggregate(block: ConsensusBlock, set: ValidatorSet, message: Uint8Array, verifier: SignatureVerifier, reason: string, options?: SignatureCheckOptions): Promise<void> {
  const j = block.justification!;
  const signers = set.signersOf(j.signers);
  if (signers === undefined) fail(reason, 'signer bitmap is not canonical for the validator set');
  if (set.powerOf(signers) < set.quorum) fail(reason, `signers hold ${set.powerOf(signers)} of ${set.totalPower} power, a quorum is ${set.quorum}`);
  const ok = await verifier.verifyAggregate(signers.map((i) => set.byIndex(i).publicKey), message, j.signature, options);
  if (!ok) fail(reason, 'aggregate signature does not verify');
}
