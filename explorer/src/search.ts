import { ApiError, normaliseHash, type NodeClient } from './api.js';

/**
 * What a search box query names: a block height, or a 64-hex hash that is a batch id, a transaction
 * hash or a block hash. Ids are looked up directly; the node has no lookup by block hash yet, so
 * block hashes are found by walking the newest BLOCK_SCAN blocks (100 per request).
 */

export const BLOCK_SCAN = 5000;

export type SearchResult =
  | { readonly found: true; readonly route: string; readonly what: string }
  | { readonly found: false; readonly message: string };

const notFound = (err: unknown) => err instanceof ApiError && err.status === 404;

export async function resolveSearch(api: NodeClient, raw: string, signal: AbortSignal): Promise<SearchResult> {
  const q = raw.trim().replace(/^#/, '');
  if (q === '') return { found: false, message: 'Type a block height, a block hash, a batch id or a transaction hash.' };
  if (/^\d{1,10}$/.test(q)) {
    const height = Number(q);
    // Above the head there is nothing to fetch (and a 404 would be logged in the console).
    const head = (await api.blocks(undefined, 1, signal))[0]?.height ?? 0;
    if (height > head) return { found: false, message: `There is no block at height ${height} yet: the chain head is at ${head}.` };
    try {
      await api.block(height, signal);
      return { found: true, route: `/block/${height}`, what: `block ${height}` };
    } catch (err) {
      if (!notFound(err)) throw err;
      return { found: false, message: `There is no block at height ${height}.` };
    }
  }
  const hash = normaliseHash(q);
  if (!hash) return { found: false, message: `"${q.slice(0, 80)}" is neither a block height nor a 64-digit hex hash.` };
  // The newest blocks first (one request that cannot miss), then transactions by hash (batches are
  // transactions: GET /txns answers both kinds), then older blocks. Only a hash that names no
  // transaction costs a 404, which the browser logs; the node has no lookup that answers a miss with 200.
  const newest = await api.blocks(undefined, 100, signal);
  const recent = newest.find((b) => b.hash === hash);
  if (recent) return { found: true, route: `/block/${recent.height}`, what: `block ${recent.height}` };
  try {
    const tx = await api.tx(hash, signal);
    return tx.type === 'cdr_batch' ? { found: true, route: `/batch/${hash}`, what: 'batch' } : { found: true, route: `/tx/${hash}`, what: 'transaction' };
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  let scanned = newest.length;
  let from = newest.at(-1)?.height;
  while (scanned < BLOCK_SCAN && from !== undefined && from > 0) {
    const page = await api.blocks(from - 1, 100, signal);
    if (page.length === 0) break;
    const hit = page.find((b) => b.hash === hash);
    if (hit) return { found: true, route: `/block/${hit.height}`, what: `block ${hit.height}` };
    scanned += page.length;
    from = page.at(-1)!.height;
  }
  if (from === 0 || from === undefined) return { found: false, message: `No batch, transaction or block has the hash ${hash}.` };
  return { found: false, message: `No batch or transaction has the hash ${hash}, and it is not among the newest ${scanned.toLocaleString('en-US')} block hashes (older blocks: open them by height).` };
}
