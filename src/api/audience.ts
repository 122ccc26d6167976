import type { HttpRequest } from 'uWebSockets.js';

/**
 * Who may read an endpoint (issue 13, P4):
 * - public: anyone (chain headers, counts);
 * - operator: the operator whose data it is (its own batches, ciphertexts, keys);
 * - pair: the two operators of a relation (what they share: disputes);
 * - consortium: any operator of the consortium.
 */
export type Audience = 'public' | 'operator' | 'pair' | 'consortium';

/** The parts of an HTTP request an authenticator may read (valid only during the handler's synchronous run). */
export interface AuthRequest {
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  /** The raw query string, without '?'. */
  readonly query: string;
  /** A header's value ('' when absent); names in lower case. */
  header(name: string): string;
}

/** The operator a request is signed by (e.g. RFC 9421 HTTP Message Signatures over Ed25519). */
export interface AuthenticatedOperator {
  readonly plmn: number;
}

/** Verifies a request's credentials: the operator that signed it, or undefined (no or bad credentials). */
export type RequestAuthenticator = (req: AuthRequest) => AuthenticatedOperator | undefined;

/**
 * How the API decides audiences. With an authenticator, every non-public endpoint needs a request
 * it accepts. Without one, `openApi: true` (the devnet and --solo default) lets anyone read them:
 * INSECURE, for development only; `openApi: false` answers 401 authentication_required.
 */
export interface ApiAccess {
  readonly openApi: boolean;
  readonly authenticator?: RequestAuthenticator;
}

export const CLOSED_API: ApiAccess = Object.freeze({ openApi: false });

/** How the non-public endpoints authenticate, as GET /status tells clients (the names of `api.auth`; `closed`: none can). */
export type AuthMode = 'open' | 'signatures' | 'closed';

export function authModeOf(access: ApiAccess): AuthMode {
  if (access.authenticator) return 'signatures';
  return access.openApi ? 'open' : 'closed';
}

export function authRequestOf(req: HttpRequest): AuthRequest {
  return { method: req.getCaseSensitiveMethod(), path: req.getUrl(), query: req.getQuery() ?? '', header: (name) => req.getHeader(name) };
}
