import { fromHex, HexError, toHex } from '../codec/bytes.js';

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

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new NodeHttpError(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new NodeHttpError(`${url} answered ${res.status} without JSON`);
  }
  return { status: res.status, body };
}

/**
 * The chain of the node at `base` (GET /status). With `pin`, refuses a node of any other chain
 * (WrongChainError), so a client never signs for a chain it did not mean.
 */
export async function fetchNodeChain(base: string, pin?: Uint8Array): Promise<NodeChain> {
  const { status, body } = await getJson(`${base}/status`);
  const b = body as { chainId?: unknown; genesisHash?: unknown };
  if (status !== 200 || typeof b.genesisHash !== 'string' || typeof b.chainId !== 'string') {
    throw new NodeHttpError(`${base}/status did not name the node's chain (status ${status}): is it a cdrchain node of this version?`);
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

/** The last batch and contract sequences the node accepted from `plmn` (0 when none). */
export async function fetchOperatorSequences(base: string, plmn: number): Promise<{ lastSequence: bigint; lastContractSequence: bigint }> {
  const { status, body } = await getJson(`${base}/operators/${plmn}`);
  if (status === 404) throw new UnknownOperatorError(`operator ${plmn} is not a member of this consortium`);
  const b = body as { lastSequence?: unknown; lastContractSequence?: unknown };
  if (status !== 200 || typeof b.lastSequence !== 'string') throw new NodeHttpError(`${base}/operators/${plmn} answered ${status}`);
  return { lastSequence: BigInt(b.lastSequence), lastContractSequence: BigInt(typeof b.lastContractSequence === 'string' ? b.lastContractSequence : '0') };
}

/** Where a stored batch stands. */
export type StoredBatch = { readonly status: 'pending' } | { readonly status: 'committed'; readonly height: number };

/** The batch the node stores under `id` (GET /batch/:id), or undefined if it has none. */
export async function fetchStoredBatch(base: string, id: Uint8Array): Promise<StoredBatch | undefined> {
  const hex = toHex(id);
  const { status, body } = await getJson(`${base}/batch/${hex}`);
  if (status === 404) return undefined;
  const b = body as { id?: unknown; status?: unknown; height?: unknown };
  if (status !== 200 || b.id !== hex) throw new NodeHttpError(`${base}/batch/${hex} answered ${status}`);
  if (b.status === 'committed' && typeof b.height === 'number') return { status: 'committed', height: b.height };
  return { status: 'pending' };
}

/** Polls GET /batch/:id until the batch is in a block; resolves with the height. */
export async function waitForStoredCommit(base: string, id: Uint8Array, opts: { intervalMs?: number; first?: StoredBatch } = {}): Promise<number> {
  let seen = opts.first ?? (await fetchStoredBatch(base, id));
  for (;;) {
    if (!seen) throw new NodeHttpError(`batch ${toHex(id)} is no longer on ${base}`);
    if (seen.status === 'committed') return seen.height;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
    seen = await fetchStoredBatch(base, id);
  }
}
