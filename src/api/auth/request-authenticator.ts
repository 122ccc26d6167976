import type { AuthenticatedOperator, AuthRequest, RequestAuthenticator } from '../audience.js';
import { HttpError } from '../http.js';
import { SignatureError, type SignatureFailure } from './signature-errors.js';
import type { OperatorSignatureVerifier } from './signature-verifier.js';

/** The wire answer of each failure: 401 with a code a client can branch on (AUTH_401_CODES), 503 when the replay set is full. */
const STATUS: Readonly<Record<SignatureFailure, { status: number; code: string }>> = {
  missing: { status: 401, code: 'authentication_required' },
  invalid: { status: 401, code: 'bad_signature' },
  expired: { status: 401, code: 'signature_expired' },
  replayed: { status: 401, code: 'signature_replayed' },
  busy: { status: 503, code: 'busy' },
};

/** An operator-signed request, as the API sees it: who, and whether its body must match `content-digest`. */
export interface SignedOperator extends AuthenticatedOperator {
  readonly coversContentDigest: boolean;
}

/**
 * The API's RequestAuthenticator over RFC 9421 signatures (src/api/audience.ts): throws HttpError
 * 401 (503 busy) naming only what is wrong with the caller's own request, never returns undefined.
 */
export function signatureAuthenticator(verifier: OperatorSignatureVerifier): RequestAuthenticator {
  return (req: AuthRequest): SignedOperator => {
    try {
      const v = verifier.verify({ method: req.method, path: req.path, query: req.query, header: (name) => req.header(name) });
      return { plmn: v.plmn, coversContentDigest: v.coversContentDigest };
    } catch (err) {
      if (err instanceof SignatureError) {
        const { status, code } = STATUS[err.failure];
        throw new HttpError(status, code, err.message);
      }
      throw err;
    }
  };
}
