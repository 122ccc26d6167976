import { MalformedFrameError, UnsupportedVersionError } from '../codec/errors.js';
import { RejectCode, rejectCodeName } from '../codec/ingest-reply.js';

export { RejectCode };

/** A batch the node refused, with the stable reason code the client sees. Nothing of it was recorded. */
export class BatchRejectedError extends Error {
  override readonly name = 'BatchRejectedError';
  constructor(
    readonly code: RejectCode,
    readonly detail: string,
    /** Sequence number of the rejected batch, when it could be read. */
    readonly sequence: bigint = 0n,
  ) {
    super(`${rejectCodeName(code)}: ${detail}`);
  }

  get reason(): string {
    return rejectCodeName(this.code);
  }
}

/** `decode(frame)`, with the codec's errors as the reject codes a client sees (Malformed, UnsupportedVersion). */
export function decodeOrReject<T>(frame: Uint8Array, decode: (frame: Uint8Array) => T): T {
  try {
    return decode(frame);
  } catch (err) {
    if (err instanceof MalformedFrameError) throw new BatchRejectedError(RejectCode.Malformed, err.reason);
    if (err instanceof UnsupportedVersionError) throw new BatchRejectedError(RejectCode.UnsupportedVersion, err.message, err.sequence);
    throw err;
  }
}

/**
 * Refuses `sequence` unless it is above `last` (undefined: nothing accepted yet) and within `maxJump`
 * of it: Replay, or OutOfRange naming the highest it may be. `what` completes "the last accepted …".
 * Shared by batch, contract transaction and batch proof admission.
 */
export function assertNextSequence(sequence: bigint, last: bigint | undefined, maxJump: number, what: string): void {
  if (last !== undefined && sequence <= last) {
    throw new BatchRejectedError(RejectCode.Replay, `sequence ${sequence} is not above ${last}, the last accepted ${what}`, sequence);
  }
  const base = last ?? 0n;
  if (sequence - base > BigInt(maxJump)) {
    throw new BatchRejectedError(RejectCode.OutOfRange, `sequence ${sequence} jumps more than ${maxJump} above ${base}, the last accepted ${what} (limit maxSequenceJump): use at most ${base + BigInt(maxJump)}`, sequence);
  }
}
