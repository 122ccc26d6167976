/** Why an operator-signed request was refused (mapped to HTTP 401/503 at the edge: request-authenticator.ts). */
export type SignatureFailure =
  /** No Signature-Input / Signature headers. */
  | 'missing'
  /** Headers that do not parse, a profile this node does not take, an unknown key, or a signature that does not verify. */
  | 'invalid'
  /** `created` outside the clock-skew window, or `expires` passed. */
  | 'expired'
  /** The same signature was already used. */
  | 'replayed'
  /** The operator's replay set is full of live entries: retry shortly. */
  | 'busy';

export class SignatureError extends Error {
  override readonly name = 'SignatureError';
  constructor(
    readonly failure: SignatureFailure,
    message: string,
  ) {
    super(message);
  }
}
