import type { ApiAccess, Audience, AuthRequest } from '../audience.js';
import { HttpError } from '../http.js';

/**
 * Who is asking: anyone (an open node, or a public endpoint), or an operator whose signature the
 * node verified. `coversContentDigest`: its request body must match its signed content-digest.
 */
export type Caller = { readonly open: true } | { readonly open: false; readonly plmn: number; readonly coversContentDigest: boolean };

const ANYONE: Caller = Object.freeze({ open: true });

/**
 * The caller of an endpoint of `audience`. Public endpoints never look at credentials. Others need
 * a request the authenticator accepts (it throws 401 with its reason), unless the node is open
 * (INSECURE: development) — then everyone is `open`. A closed node without an authenticator answers 401.
 */
export function callerOf(access: ApiAccess, audience: Audience, req: AuthRequest): Caller {
  if (audience === 'public') return ANYONE;
  if (!access.authenticator) {
    if (access.openApi) return ANYONE;
    throw new HttpError(401, 'authentication_required', 'this endpoint needs a request signed by an operator, and this node has no operator authentication configured');
  }
  const who = access.authenticator(req);
  if (!who) throw new HttpError(401, 'authentication_required', 'this endpoint needs a request signed by an operator key the node knows');
  const covers = (who as { coversContentDigest?: unknown }).coversContentDigest === true;
  return { open: false, plmn: who.plmn, coversContentDigest: covers };
}

/** May `caller` read what belongs to `members` (the operator's one, the pair's two)? */
export function mayRead(caller: Caller, members: readonly number[]): boolean {
  return caller.open || members.includes(caller.plmn);
}
