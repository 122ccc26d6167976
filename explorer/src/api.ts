// The node's HTTP API as the explorer reads it (README "API"; src/api/server.ts). Every answer is
// untrusted JSON: the shapes below are checked field by field where the page relies on them.

export interface OperatorRef {
  readonly plmn: number;
  readonly name: string;
}

export interface Status {
  readonly chainId: string;
  readonly genesisHash: string;
  readonly height: number;
  readonly headHash: string;
  readonly mempool: { readonly txs: number; readonly cdrs: number };
  readonly nullifiers: number;
  readonly operators: readonly OperatorRef[];
  readonly diskBytes: number;
  readonly version: string;
  readonly uptimeSec: number;
  readonly ready: { readonly ready: boolean };
}

export interface Operator extends OperatorRef {
  readonly batchKey: string;
  readonly lastSequence: string;
  readonly lastContractSequence: string;
}

export interface Block {
  readonly height: number;
  readonly hash: string;
  readonly kind: string;
  readonly prevHash: string;
  readonly timestampMs: string;
  readonly producer: number;
  readonly txRoot: string;
  readonly txCount: number;
  readonly cdrCount: number;
  readonly txIds?: readonly string[];
  readonly bodyPruned?: true;
}

export interface PublicRecord {
  readonly eventKeyHash: string;
  readonly commitment: string;
  readonly nullifier: string;
  readonly payloadHash: string;
}

export interface Batch {
  readonly id: string;
  readonly status: 'pending' | 'committed';
  readonly height?: number;
  readonly index?: number;
  readonly sizeBytes: number;
  readonly signature: string;
  readonly version: number;
  readonly submitter: number;
  readonly counterparty: number;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly sequence: string;
  readonly recordCount: number;
  readonly merkleRoot: string;
  readonly recordsDigest: string;
  readonly pruned?: true;
  readonly prunedAtMs?: string;
  readonly txPath?: readonly { readonly sibling: string; readonly left: boolean }[];
  readonly records?: readonly PublicRecord[];
  readonly recordsPage?: { readonly offset: number; readonly limit: number; readonly total: number };
}

/** GET /txns/:hash: a batch (type cdr_batch) or a contract transaction. */
export type Tx =
  | (Batch & { readonly type: 'cdr_batch'; readonly hash: string })
  | {
      readonly type: 'contract_deploy' | 'contract_call';
      readonly hash: string;
      readonly status: 'pending' | 'committed';
      readonly height?: number;
      readonly index?: number;
      readonly sender: number;
      readonly sequence: string;
      readonly gasLimit: string;
      readonly contract: string;
      readonly signature: string;
      readonly sizeBytes: number;
    };

export interface Receipt {
  readonly hash: string;
  readonly status: number | string;
  readonly gasUsed: string;
  readonly height?: number;
  readonly [field: string]: unknown;
}

/** The node answered with an error status (its `{error, message}` body when it sent one). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The node's answer does not have the shape the explorer needs. */
export class ApiShapeError extends Error {
  override readonly name = 'ApiShapeError';
}

const HASH = /^[0-9a-f]{64}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new ApiShapeError(`unexpected answer from the node: ${what}`);
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw new ApiShapeError(`unexpected answer from the node: ${what} is not an object`);
  return v;
}

function checkBlock(v: unknown): Block {
  need(isObject(v), 'block is not an object');
  const b = v as Record<string, unknown>;
  need(Number.isSafeInteger(b['height']) && HASH.test(String(b['hash'])) && HASH.test(String(b['prevHash'])), 'block height/hash');
  need(typeof b['timestampMs'] === 'string' && Number.isSafeInteger(b['txCount']) && Number.isSafeInteger(b['cdrCount']), 'block fields');
  if (b['txIds'] !== undefined) need(Array.isArray(b['txIds']) && (b['txIds'] as unknown[]).every((t) => HASH.test(String(t))), 'block txIds');
  return v as unknown as Block;
}

function checkBatch(v: unknown): Batch {
  need(isObject(v), 'batch is not an object');
  const b = v as Record<string, unknown>;
  need(HASH.test(String(b['id'])) && HASH.test(String(b['merkleRoot'])) && HASH.test(String(b['recordsDigest'])), 'batch hashes');
  need(Number.isSafeInteger(b['recordCount']) && Number.isSafeInteger(b['submitter']) && Number.isSafeInteger(b['counterparty']), 'batch counts');
  need(b['status'] === 'pending' || b['status'] === 'committed', 'batch status');
  need(/^[0-9a-f]{128}$/.test(String(b['signature'])), 'batch signature');
  if (b['records'] !== undefined) {
    need(Array.isArray(b['records']), 'batch records');
    for (const r of b['records'] as unknown[]) {
      need(isObject(r) && ['eventKeyHash', 'commitment', 'nullifier', 'payloadHash'].every((k) => HASH.test(String(r[k]))), 'batch record');
    }
  }
  return v as unknown as Batch;
}

/** Typed GETs against the node that serves the page (same origin). */
export class NodeClient {
  constructor(private readonly base = '') {}

  private async get(path: string, signal?: AbortSignal): Promise<unknown> {
    const res = await fetch(this.base + path, { signal: signal ?? null, headers: { accept: 'application/json' } });
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ApiError(res.status, 'malformed', `${path}: the node did not answer JSON (HTTP ${res.status})`);
    }
    if (!res.ok) {
      const e = isObject(body) ? body : {};
      throw new ApiError(res.status, String(e['error'] ?? 'error'), String(e['message'] ?? `HTTP ${res.status}`));
    }
    return body;
  }

  async status(signal?: AbortSignal): Promise<Status> {
    const s = asObject(await this.get('/status', signal), 'status');
    need(typeof s['chainId'] === 'string' && Number.isSafeInteger(s['height']) && Array.isArray(s['operators']), 'status');
    return s as unknown as Status;
  }

  async operator(plmn: number, signal?: AbortSignal): Promise<Operator> {
    const o = asObject(await this.get(`/operators/${plmn}`, signal), 'operator');
    need(o['plmn'] === plmn && typeof o['lastSequence'] === 'string', 'operator');
    return o as unknown as Operator;
  }

  async blocks(from: number | undefined, limit: number, signal?: AbortSignal): Promise<Block[]> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (from !== undefined) q.set('from', String(from));
    const r = asObject(await this.get(`/blocks?${q.toString()}`, signal), 'blocks');
    need(Array.isArray(r['blocks']), 'blocks');
    return (r['blocks'] as unknown[]).map(checkBlock);
  }

  async block(height: number, signal?: AbortSignal): Promise<Block> {
    return checkBlock(await this.get(`/blocks/${height}`, signal));
  }

  async batch(id: string, signal?: AbortSignal): Promise<Batch> {
    return checkBatch(await this.get(`/batch/${id}`, signal));
  }

  /** One page of a batch's records (the node caps a page at 1,000). */
  async batchRecords(id: string, offset: number, limit: number, signal?: AbortSignal): Promise<Batch & { records: readonly PublicRecord[] }> {
    const b = checkBatch(await this.get(`/batch/${id}?records=1&offset=${offset}&limit=${limit}`, signal));
    need(b.records !== undefined && b.recordsPage !== undefined, 'records page');
    return b as Batch & { records: readonly PublicRecord[] };
  }

  async tx(hash: string, signal?: AbortSignal): Promise<Tx> {
    const t = asObject(await this.get(`/txns/${hash}`, signal), 'transaction');
    need(typeof t['type'] === 'string' && HASH.test(String(t['hash'])), 'transaction');
    if (t['type'] === 'cdr_batch') checkBatch(t);
    return t as unknown as Tx;
  }

  async receipt(hash: string, signal?: AbortSignal): Promise<Receipt> {
    return asObject(await this.get(`/receipts/${hash}`, signal), 'receipt') as unknown as Receipt;
  }

  async metricsText(signal?: AbortSignal): Promise<string> {
    const res = await fetch(`${this.base}/metrics`, { signal: signal ?? null });
    if (!res.ok) throw new ApiError(res.status, 'metrics', `GET /metrics answered ${res.status}`);
    return res.text();
  }
}

/** True for a 64-hex-digit hash (any case, optional 0x); returns it lower-cased, or undefined. */
export function normaliseHash(input: string): string | undefined {
  const s = input.trim().toLowerCase().replace(/^0x/, '');
  return HASH.test(s) ? s : undefined;
}
