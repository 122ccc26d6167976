import { blockHash, decodeBlock, encodeBlock, type BlockHeaderFields, type BlockJustification, type ConsensusHeaderFields, type DecodedBlock } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { MalformedFrameError } from '../codec/errors.js';

/**
 * A v2 block as consensus handles it: decoded, hashed, with its frame kept for relaying. `txIds`
 * is n × 32 bytes. Built only from verified frames (`fromFrame`) or by this node (`fromParts`).
 */
export interface ConsensusBlock {
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly header: BlockHeaderFields & { readonly consensus: ConsensusHeaderFields };
  readonly height: number;
  readonly txIds: Uint8Array;
  readonly justification: BlockJustification | undefined;
  readonly forkProofs: Uint8Array;
  readonly validators: Uint8Array;
  /** The block frame (with its justification). */
  readonly frame: Uint8Array;
}

/** Largest height consensus handles as a JS number. */
const MAX_HEIGHT = BigInt(Number.MAX_SAFE_INTEGER);

export function blockFromDecoded(d: DecodedBlock, frame: Uint8Array): ConsensusBlock {
  const { header } = d;
  if (header.consensus === undefined) throw new MalformedFrameError('not a consensus (version 2) block');
  if (d.bodyPruned) throw new MalformedFrameError('a pruned block');
  if (header.height > MAX_HEIGHT) throw new MalformedFrameError(`height ${header.height}`);
  const hash = blockHash(header);
  return {
    hash,
    hashHex: toHex(hash),
    header: header as ConsensusBlock['header'],
    height: Number(header.height),
    txIds: d.txHashes,
    justification: d.justification,
    forkProofs: d.forkProofs ?? new Uint8Array(0),
    validators: d.validators ?? new Uint8Array(0),
    frame,
  };
}

/** Decodes untrusted bytes (copied: the network's buffer is only lent for the handler call). */
export function blockFromFrame(bytes: Uint8Array): ConsensusBlock {
  const frame = Uint8Array.from(bytes);
  return blockFromDecoded(decodeBlock(frame), frame);
}

export interface BlockParts {
  readonly header: BlockHeaderFields & { readonly consensus: ConsensusHeaderFields };
  readonly txIds?: Uint8Array;
  readonly justification?: BlockJustification;
  readonly forkProofs?: Uint8Array;
  readonly validators?: Uint8Array;
}

export function blockFromParts(p: BlockParts): ConsensusBlock {
  const frame = encodeBlock(p.header, p.txIds ?? new Uint8Array(0), { justification: p.justification, forkProofs: p.forkProofs, validators: p.validators });
  const hash = blockHash(p.header);
  return {
    hash,
    hashHex: toHex(hash),
    header: p.header,
    height: Number(p.header.height),
    txIds: p.txIds ?? new Uint8Array(0),
    justification: p.justification,
    forkProofs: p.forkProofs ?? new Uint8Array(0),
    validators: p.validators ?? new Uint8Array(0),
    frame,
  };
}

/** The same block with another justification (the hash does not cover it). */
export function withJustification(b: ConsensusBlock, justification: BlockJustification | undefined): ConsensusBlock {
  return blockFromParts({ header: b.header, txIds: b.txIds, justification, forkProofs: b.forkProofs, validators: b.validators });
}

export function txIdList(txIds: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < txIds.length; at += 32) out.push(txIds.subarray(at, at + 32));
  return out;
}
