/** A frame or stored value that is not a well-formed instance of its schema. Never trusted further. */
export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError';
  constructor(readonly reason: string) {
    super(`malformed frame: ${reason}`);
  }
}

/** A well-formed frame of a schema version this node does not understand. */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError';
  constructor(
    readonly what: string,
    readonly version: number,
    /** The batch's sequence number, readable because the structure was verified. */
    readonly sequence = 0n,
  ) {
    super(`unsupported ${what} version ${version}`);
  }
}
