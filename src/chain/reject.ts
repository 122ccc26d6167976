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
