import { Builder, ByteBuffer } from 'flatbuffers';
import { BlockRequest } from './generated/cdrchain/wire/block-request.js';
import { Proposal } from './generated/cdrchain/wire/proposal.js';
import { Vote } from './generated/cdrchain/wire/vote.js';
import { VoteKind } from './generated/cdrchain/wire/vote-kind.js';
import { addHash } from './builder.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';

/**
 * Consensus messages between validators (schemas/consensus.fbs, docs/consensus.md §10): skip votes,
 * prevotes and precommits; proposals; block requests. Every frame passes the bounds-checking verifier
 * and these semantic checks before anything is read; decoded byte fields are views into the frame.
 */

export { VoteKind };
export const VOTE_FILE_IDENTIFIER = 'CDRV';
export const PROPOSAL_FILE_IDENTIFIER = 'CDRO';
export const BLOCK_REQUEST_FILE_IDENTIFIER = 'CDRQ';
export const CONSENSUS_MESSAGE_VERSION = 1;
const SIGNATURE_BYTES = 96;
/** Rounds above this are refused on the wire (a round takes seconds: 2^16 rounds is months). */
export const MAX_ROUND = 0xffff;
/** A proposal carries one macro block: no transactions, at most a validator set. */
export const MAX_PROPOSAL_BLOCK_BYTES = 64 * 1024;
export const MAX_REQUEST_ANCESTORS = 32;
/** Final blocks per range request. */
export const MAX_REQUEST_RANGE = 64;

export interface VoteMessage {
  readonly kind: VoteKind;
  readonly height: bigint;
  /** 0 for skip votes. */
  readonly round: number;
  /** Skip: the parent's seed entropy. Prevote/precommit: the proposal hash, or undefined for nil. */
  readonly value: Uint8Array | undefined;
  /** PLMN id of the signer. */
  readonly validator: number;
  readonly signature: Uint8Array;
}

export interface ProposalMessage {
  readonly height: bigint;
  readonly round: number;
  /** undefined: none (-1 on the wire). */
  readonly validRound: number | undefined;
  readonly proposer: number;
  /** A Block frame ("CDRK"), decoded by the receiver with decodeBlock. */
  readonly block: Uint8Array;
  readonly signature: Uint8Array;
}

/** By hash (with ancestors), or a range of final blocks by height. */
export type BlockRequestMessage =
  | { readonly hash: Uint8Array; readonly ancestors: number }
  | { readonly fromHeight: bigint; readonly count: number };

const VOTE_SPEC: TableSpec = {
  name: 'Vote',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 1 },
    { index: 2, kind: 'scalar', size: 8 },
    { index: 3, kind: 'scalar', size: 4 },
    { index: 4, kind: 'struct', size: 32 },
    { index: 5, kind: 'scalar', size: 4 },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: SIGNATURE_BYTES },
  ],
  required: [6],
};

const PROPOSAL_SPEC: TableSpec = {
  name: 'Proposal',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 8 },
    { index: 2, kind: 'scalar', size: 4 },
    { index: 3, kind: 'scalar', size: 4 },
    { index: 4, kind: 'scalar', size: 4 },
    { index: 5, kind: 'vector', elementSize: 1, maxLength: MAX_PROPOSAL_BLOCK_BYTES },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: SIGNATURE_BYTES },
  ],
  required: [5, 6],
};

const REQUEST_SPEC: TableSpec = {
  name: 'BlockRequest',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'struct', size: 32 },
    { index: 2, kind: 'scalar', size: 2 },
    { index: 3, kind: 'scalar', size: 8 },
    { index: 4, kind: 'scalar', size: 2 },
  ],
};

function signatureOf(bb: ByteBuffer, pos: number, vt: number): Uint8Array {
  const sig = vectorBytes(bb, pos, vt, 1);
  if (sig.length !== SIGNATURE_BYTES) throw new MalformedFrameError(`a signature is ${SIGNATURE_BYTES} bytes, got ${sig.length}`);
  return sig;
}

function roundOk(round: number): number {
  if (round > MAX_ROUND) throw new MalformedFrameError(`round ${round} is above ${MAX_ROUND}`);
  return round;
}

export function encodeVote(v: VoteMessage): Uint8Array {
  if (v.signature.length !== SIGNATURE_BYTES) throw new RangeError(`a signature is ${SIGNATURE_BYTES} bytes`);
  const b = new Builder(256);
  const sig = b.createByteVector(v.signature);
  Vote.startVote(b);
  Vote.addVersion(b, CONSENSUS_MESSAGE_VERSION);
  Vote.addKind(b, v.kind);
  Vote.addHeight(b, v.height);
  Vote.addRound(b, v.round);
  if (v.value !== undefined) addHash(b, Vote.addValue, v.value);
  Vote.addValidator(b, v.validator);
  Vote.addSignature(b, sig);
  b.finish(Vote.endVote(b), VOTE_FILE_IDENTIFIER);
  return b.asUint8Array();
}

export function decodeVote(bytes: Uint8Array): VoteMessage {
  verifyRoot(bytes, VOTE_SPEC, VOTE_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const v = Vote.getRootAsVote(bb);
  if (v.version() !== CONSENSUS_MESSAGE_VERSION) throw new UnsupportedVersionError('vote', v.version());
  const kind = v.kind();
  if (kind !== VoteKind.Skip && kind !== VoteKind.Prevote && kind !== VoteKind.Precommit) throw new MalformedFrameError(`vote kind ${kind}`);
  const hasValue = bb.__offset(v.bb_pos, 12) !== 0;
  const round = roundOk(v.round());
  if (kind === VoteKind.Skip && (round !== 0 || !hasValue)) throw new MalformedFrameError('a skip vote has round 0 and a seed entropy');
  return {
    kind,
    height: v.height(),
    round,
    value: hasValue ? structBytes(bb, v.bb_pos, 12) : undefined,
    validator: v.validator(),
    signature: signatureOf(bb, v.bb_pos, 16),
  };
}

export function encodeProposal(p: ProposalMessage): Uint8Array {
  if (p.signature.length !== SIGNATURE_BYTES) throw new RangeError(`a signature is ${SIGNATURE_BYTES} bytes`);
  const b = new Builder(p.block.length + 256);
  const block = b.createByteVector(p.block);
  const sig = b.createByteVector(p.signature);
  Proposal.startProposal(b);
  Proposal.addVersion(b, CONSENSUS_MESSAGE_VERSION);
  Proposal.addHeight(b, p.height);
  Proposal.addRound(b, p.round);
  Proposal.addValidRound(b, p.validRound ?? -1);
  Proposal.addProposer(b, p.proposer);
  Proposal.addBlock(b, block);
  Proposal.addSignature(b, sig);
  b.finish(Proposal.endProposal(b), PROPOSAL_FILE_IDENTIFIER);
  return b.asUint8Array();
}

export function decodeProposal(bytes: Uint8Array): ProposalMessage {
  verifyRoot(bytes, PROPOSAL_SPEC, PROPOSAL_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const p = Proposal.getRootAsProposal(bb);
  if (p.version() !== CONSENSUS_MESSAGE_VERSION) throw new UnsupportedVersionError('proposal', p.version());
  const round = roundOk(p.round());
  const vr = p.validRound();
  if (vr !== -1 && (vr < 0 || vr >= round)) throw new MalformedFrameError(`valid round ${vr} is not below round ${round}`);
  return {
    height: p.height(),
    round,
    validRound: vr === -1 ? undefined : vr,
    proposer: p.proposer(),
    block: vectorBytes(bb, p.bb_pos, 14, 1),
    signature: signatureOf(bb, p.bb_pos, 16),
  };
}

export function encodeBlockRequest(r: BlockRequestMessage): Uint8Array {
  const b = new Builder(128);
  BlockRequest.startBlockRequest(b);
  BlockRequest.addVersion(b, CONSENSUS_MESSAGE_VERSION);
  if ('hash' in r) {
    addHash(b, BlockRequest.addHash, r.hash);
    BlockRequest.addAncestors(b, r.ancestors);
  } else {
    BlockRequest.addFromHeight(b, r.fromHeight);
    BlockRequest.addCount(b, r.count);
  }
  b.finish(BlockRequest.endBlockRequest(b), BLOCK_REQUEST_FILE_IDENTIFIER);
  return b.asUint8Array();
}

export function decodeBlockRequest(bytes: Uint8Array): BlockRequestMessage {
  verifyRoot(bytes, REQUEST_SPEC, BLOCK_REQUEST_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const r = BlockRequest.getRootAsBlockRequest(bb);
  if (r.version() !== CONSENSUS_MESSAGE_VERSION) throw new UnsupportedVersionError('block request', r.version());
  const hasHash = bb.__offset(r.bb_pos, 6) !== 0;
  const count = r.count();
  if (hasHash === (count > 0)) throw new MalformedFrameError('a block request names a hash or a range, exactly one');
  if (count > 0) {
    if (count > MAX_REQUEST_RANGE) throw new MalformedFrameError(`${count} blocks requested, limit ${MAX_REQUEST_RANGE}`);
    return { fromHeight: r.fromHeight(), count };
  }
  const ancestors = r.ancestors();
  if (ancestors > MAX_REQUEST_ANCESTORS) throw new MalformedFrameError(`${ancestors} ancestors requested, limit ${MAX_REQUEST_ANCESTORS}`);
  return { hash: structBytes(bb, r.bb_pos, 6), ancestors };
}
