// Who is signed in to this page: an operator whose Ed25519 key the visitor loaded, held in memory
// (a JavaScript object; WebCrypto keeps it non-extractable) until sign-out or the tab closes. Never
// written to storage, never sent: only signatures leave the page. While signed in, every API call
// the explorer makes is signed (RFC 9421), so the node serves that operator's own data; signed out,
// calls go unsigned and the node serves public data only.

import { NodeApiClient, NodeApiError } from '../../../src/client/node-api-client.js';
import { hexToBytes } from '../verify/hex.js';
import { KeyInputError, parseOperatorKey } from './operator-key.js';
import { signRequest } from './request-signature.js';
import { ed25519Verify, signingKeyOf, type SigningKey } from './signing-key.js';

export interface SignedInOperator {
  readonly plmn: number;
  readonly name: string;
  /** Which Ed25519 implementation signs in this browser. */
  readonly implementation: SigningKey['implementation'];
}

/** A fetch that signs bodiless requests with `key` as `plmn` (relative URLs resolve against the page). */
function signingFetch(key: SigningKey, plmn: number, inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    if (init?.body !== undefined && init.body !== null) throw new TypeError('the explorer signs GET requests only');
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(await signRequest(key, plmn, init?.method ?? 'GET', url))) headers.set(k, v);
    return inner(url, { ...init, headers });
  };
}

const PROBE = new TextEncoder().encode('cdrchain explorer: does this key belong to the operator?');

export class OperatorSession {
  private signed: { readonly operator: SignedInOperator; readonly fetch: typeof fetch } | undefined;
  private readonly listeners = new Set<(op: SignedInOperator | undefined) => void>();

  constructor(private readonly base = '', private readonly plainFetch: typeof fetch = (i, o) => fetch(i, o)) {}

  get operator(): SignedInOperator | undefined {
    return this.signed?.operator;
  }

  /** The fetch the API client uses: signed while an operator is signed in, plain otherwise. */
  readonly fetch: typeof fetch = (input, init) => (this.signed ? this.signed.fetch(input, init) : this.plainFetch(input, init));

  onChange(fn: (op: SignedInOperator | undefined) => void, signal: AbortSignal): void {
    this.listeners.add(fn);
    signal.addEventListener('abort', () => this.listeners.delete(fn), { once: true });
  }

  /**
   * Signs in with key text (a key file or PEM; `plmnHint` for PEM). Checked before it is used: the
   * node must answer the operator's own GET /operators/{plmn} signed with it (a node that checks
   * signatures refuses a wrong key), and the key must sign for the public key the genesis registers.
   * Throws KeyInputError with what is wrong.
   */
  async signIn(text: string, plmnHint: number | undefined, nameOf: (plmn: number) => string): Promise<SignedInOperator> {
    const material = parseOperatorKey(text, plmnHint);
    const key = await signingKeyOf(material.seed);
    material.seed.fill(0);
    const fetchFn = signingFetch(key, material.plmn, this.plainFetch);
    let registered: string;
    try {
      registered = (await new NodeApiClient(this.base, { fetch: fetchFn }).operator(material.plmn)).batchKey;
    } catch (err) {
      if (err instanceof NodeApiError && err.status === 401) throw new KeyInputError(`the node does not accept this key as operator ${material.plmn}'s (${err.message})`);
      if (err instanceof NodeApiError && err.status === 404) throw new KeyInputError(`operator ${material.plmn} is not a member of this chain`);
      throw err;
    }
    if (!(await ed25519Verify(await key.sign(PROBE), PROBE, hexToBytes(registered, 32)))) {
      throw new KeyInputError(`this key is not operator ${material.plmn}'s: the genesis registers another public key`);
    }
    const operator: SignedInOperator = { plmn: material.plmn, name: nameOf(material.plmn), implementation: key.implementation };
    this.signed = { operator, fetch: fetchFn };
    this.emit();
    return operator;
  }

  /** Forgets the key: the page holds no reference to it any more. */
  signOut(): void {
    if (!this.signed) return;
    this.signed = undefined;
    this.emit();
  }

  private emit(): void {
    for (const f of this.listeners) f(this.operator);
  }
}
