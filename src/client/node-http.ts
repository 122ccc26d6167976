import { fromHex, HexError, toHex } from '../codec/bytes.js';
import { NodeAnswerError, NodeApiClient, NodeApiError, NodeUnreachableError, type RequestSigner } from './node-api-client.js';

/** The node could not be reached, or answered something that is not its API. */
export class NodeHttpError extends Error {
  override readonly name = 'NodeHttpError';
}

/** The node belongs to another chain than the one the client was pinned to. */
export class WrongChainError extends Error {
  override readonly name = 'WrongChainError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly url: string,
  ) {
    super(`node ${url} runs chain ${actual}, not the pinned ${expected}: refusing to sign for it`);
  }
}

/** What a client must know of the chain before it signs: its name and its identity (genesis hash). */
export interface NodeChain {
  readonly chainId: string;
  /** 32 bytes: what every signed batch and contract transaction binds. */
  readonly genesisHash: Uint8Array;
}

/** A pinned chain identity as given on a command line: 64 hex digits. Throws HexError. */
export function parseChainIdentity(hex: string): Uint8Array {
  return fromHex(hex.trim().toLowerCase().replace(/^0x/, ''), 32);
}

/** ws://host:port[/ingest] or http://host:port → http://host:port */
export function httpBase(url: string): string {
  return url.replace(/^ws/, 'http').replace(/\/(ingest)?$/, '');
}

/**
 * Runs `f` against the node's typed client (src/client/node-api-client.ts), turning "no answer" and
 * "not the API's answer" into NodeHttpError; the node's own error answers (NodeApiError) pass through.
 */
async function withNode<T>(base: string, path: string, f: (api: NodeApiClient) => Promise<T>, signer?: RequestSigner): Promise<T> {
  try {
    return await f(new NodeApiClient(base, signer ? { signer } : {}));
  } catch (err) {
    if (err instanceof NodeUnreachableError) throw new NodeHttpError(err.message);
    if (err instanceof NodeAnswerError) throw new NodeHttpError(`${base}${path}: ${err.message}`);
    if (err instanceof NodeApiError && err.code === 'not_json') throw new NodeHttpError(`${base}${path} answered ${err.status} without JSON`);
    throw err;
  }
}

/**
 * The chain of the node at `base` (GET /status). With `pin`, refuses a node of any other chain
 * (WrongChainError), so a client never signs for a chain it did not mean.
 */
export async function fetchNodeChain(base: string, pin?: Uint8Array): Promise<NodeChain> {
  const status = await withNode(base, '/status', (api) => api.status()).catch((err: unknown) => {
    if (err instanceof NodeApiError) throw new NodeHttpError(`${base}/status did not name the node's chain (status ${err.status}): is it a cdrchain node of this version?`);
    throw err;
  });
  // Checked although the type says so: the answer is untrusted, and an older node may lack the field.
  const b = status as { chainId?: unknown; genesisHash?: unknown };
  if (typeof b.genesisHash !== 'string' || typeof b.chainId !== 'string') {
    throw new NodeHttpError(`${base}/status did not name the node's chain (status 200): is it a cdrchain node of this version?`);
  }
  let genesisHash: Uint8Array;
  try {
    genesisHash = fromHex(b.genesisHash, 32);
  } catch (err) {
    if (err instanceof HexError) throw new NodeHttpError(`${base}/status: genesisHash is not 32 bytes of hex`);
    throw err;
  }
  if (pin && toHex(pin) !== toHex(genesisHash)) throw new WrongChainError(toHex(pin), toHex(genesisHash), base);
  return { chainId: b.chainId, genesisHash };
}

/** The node does not know operator `plmn`. */
export class UnknownOperatorError extends Error {
  override readonly name = 'UnknownOperatorError';
}

/** The node refused the client's credentials (401/403 of operator authentication). */
export class NodeAuthError extends Error {
  override readonly name = 'NodeAuthError';
}

/** NodeAuthError for an authentication refusal, else undefined. */
function authError(base: string, path: string, err: unknown): NodeAuthError | undefined {
  if (!(err instanceof NodeApiError) || (err.status !== 401 && err.status !== 403)) return undefined;
  return new NodeAuthError(`${base}${path}: ${err.status} ${err.code}: ${err.message}${err.status === 401 ? ' (the node authenticates operators: pass --key FILE or --operator P)' : ''}`);
}

/** The last batch and contract sequences the node accepted from `plmn` (0 when none); `signer` signs as the operator. */
export async function fetchOperatorSequences(base: string, plmn: number, signer?: RequestSigner): Promise<{ lastSequence: bigint; lastContractSequence: bigint }> {
  const o = await withNode(base, `/operators/${plmn}`, (api) => api.operator(plmn), signer).catch((err: unknown) => {
    const auth = authError(base, `/operators/${plmn}`, err);
    if (auth) throw auth;
    if (err instanceof NodeApiError && err.status === 404) throw new UnknownOperatorError(`operator ${plmn} is not a member of this consortium`);
    if (err instanceof NodeApiError) throw new NodeHttpError(`${base}/operators/${plmn} answered ${err.status}`);
    throw err;
  });
  const b = o as { lastSequence?: unknown; lastContractSequence?: unknown };
  if (typeof b.lastSequence !== 'string') throw new NodeHttpError(`${base}/operators/${plmn} answered 200 without lastSequence`);
  return { lastSequence: BigInt(b.lastSequence), lastContractSequence: BigInt(typeof b.lastContractSequence === 'string' ? b.lastContractSequence : '0') };
}

/** Where a stored batch stands. */
export type StoredBatch = { readonly status: 'pending' } | { readonly status: 'committed'; readonly height: number };

/** The batch the node stores under `id` (GET /batch/:id), or undefined if it has none. */
export async function fetchStoredBatch(base: string, id: Uint8Array, signer?: RequestSigner): Promise<StoredBatch | undefined> {
  const hex = toHex(id);
  const batch = await withNode(base, `/batch/${hex}`, (api) => api.batch(hex), signer).catch((err: unknown) => {
    const auth = authError(base, `/batch/${hex}`, err);
    if (auth) throw auth;
    if (err instanceof NodeApiError && err.status === 404) return undefined;
    if (err instanceof NodeApiError) throw new NodeHttpError(`${base}/batch/${hex} answered ${err.status}`);
    throw err;
  });
  if (!batch) return undefined;
  if (batch.id !== hex) throw new NodeHttpError(`${base}/batch/${hex} answered 200 for another batch`);
  if (batch.status === 'committed' && typeof batch.height === 'number') return { status: 'committed', height: batch.height };
  return { status: 'pending' };
}

/** Polls GET /batch/:id until the batch is in a block; resolves with the height. */
export async function waitForStoredCommit(base: string, id: Uint8Array, opts: { intervalMs?: number; first?: StoredBatch; signer?: RequestSigner } = {}): Promise<number> {
  let seen = opts.first ?? (await fetchStoredBatch(base, id, opts.signer));
  for (;;) {
    if (!seen) throw new NodeHttpError(`batch ${toHex(id)} is no longer on ${base}`);
    if (seen.status === 'committed') return seen.height;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
    seen = await fetchStoredBatch(base, id, opts.signer);
  }
}
