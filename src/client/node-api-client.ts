// A typed client of the node's HTTP API, for the CLI (Node's fetch) and the explorer (the browser's).
// Its types are derived from the OpenAPI document (src/api/openapi.ts) at compile time, and its paths
// must be the document's: a method whose endpoint or answer changed in the document stops compiling.
// src/api/openapi-contract.test.ts validates what it returns from a running node against the document.
// No Node-only API here: the explorer bundles this file.

import type { NODE_OPENAPI } from '../api/openapi.js';
import type { SchemaType } from './schema-type.js';

type Doc = typeof NODE_OPENAPI;
type Schemas = Doc['components']['schemas'];
type Paths = Doc['paths'];

/** A component schema of the document, as a TypeScript type. */
export type Schema<N extends keyof Schemas> = SchemaType<Schemas[N], Schemas>;

/** The JSON body the document gives `method path` for `status`. */
export type ResponseBody<P extends keyof Paths, M extends keyof Paths[P], S extends string> = Paths[P][M] extends { readonly responses: infer R }
  ? S extends keyof R
    ? R[S] extends { readonly content: { readonly 'application/json': { readonly schema: infer X } } }
      ? SchemaType<X, Schemas>
      : never
    : never
  : never;

export type NodeStatus = ResponseBody<'/status', 'get', '200'>;
export type HealthReady = ResponseBody<'/health/ready', 'get', '200'>;
export type OperatorInfo = ResponseBody<'/operators/{plmn}', 'get', '200'>;
export type BlockPage = ResponseBody<'/blocks', 'get', '200'>;
export type BlockHeader = BlockPage['blocks'][number];
export type Block = ResponseBody<'/blocks/{height}', 'get', '200'>;
export type Batch = ResponseBody<'/batch/{id}', 'get', '200'>;
export type PublicRecord = Schema<'PublicRecord'>;
export type Tx = ResponseBody<'/txns/{hash}', 'get', '200'>;
export type ContractTxBody = Schema<'ContractTx'>;
export type Receipt = ResponseBody<'/receipts/{hash}', 'get', '200'>;
export type ConsensusStatus = ResponseBody<'/consensus', 'get', '200'>;
export type BatchJsonBody = Schema<'BatchJson'>;
export type CdrAccepted = ResponseBody<'/cdr', 'post', '202'>;
export type TxAccepted = ResponseBody<'/tx', 'post', '202'>;
export type ReconciliationCounts = ResponseBody<'/reconciliation/{pair}/{period}', 'get', '200'>;
export type SettlementPeriod = ResponseBody<'/settlement/{period}', 'get', '200'>;
export type ChargeAggregateView = ResponseBody<'/proofs/aggregate/{submitter}/{counterparty}/{period}', 'get', '200'>;
export type SettlementDraft = ResponseBody<'/settlement/{period}/draft', 'get', '200'>;
export type SettlementDisclosure = ResponseBody<'/settlement/{period}/disclosures/{plmn}', 'get', '200'>;
export type ReconciliationDisputes = ResponseBody<'/reconciliation/{pair}/{period}/disputes', 'get', '200'>;
export type ReconciliationVerdict = ResponseBody<'/reconciliation/{pair}/{period}/verdict', 'get', '200'>;
export type ApiErrorBody = Schema<'Error'>;
/** A WS /events frame. */
export type NodeEvent = Schema<'Event'>;

/** The node answered an error status; `code` is its stable `error` (or `not_json` when the body was not the API's). */
export class NodeApiError extends Error {
  override readonly name = 'NodeApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** POST rejections: the sequence of the refused batch or transaction. */
    readonly sequence?: string,
  ) {
    super(message);
  }
}

/** The request never got an answer (refused, reset, DNS): nothing is known of the node. */
export class NodeUnreachableError extends Error {
  override readonly name = 'NodeUnreachableError';
}

/** A success status with a body that is not the API's (not JSON, or not an object). */
export class NodeAnswerError extends Error {
  override readonly name = 'NodeAnswerError';
}

/** One request as a signer sees it: the full URL (with the query) and the body, if any. */
export interface SignableCall {
  readonly method: string;
  readonly url: string;
  readonly body?: string | Uint8Array;
}

/**
 * Signs requests for an operator (src/client/request-signer.ts: RFC 9421 over its batch key): the
 * headers to add. Kept an interface so this file stays free of Node-only APIs (the explorer bundles it).
 */
export interface RequestSigner {
  sign(call: SignableCall): Readonly<Record<string, string>>;
}

export interface NodeApiClientOptions {
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Signs every request as an operator (a node with `api.auth: signatures` needs it for non-public endpoints). */
  readonly signer?: RequestSigner;
}

type Method = 'get' | 'post';
type PathOf<M extends Method> = { [P in keyof Paths]: Paths[P] extends Readonly<Record<M, unknown>> ? P : never }[keyof Paths];

interface Request {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: { readonly contentType: string; readonly data: string | Uint8Array };
  readonly signal?: AbortSignal | undefined;
  /** Statuses whose JSON body is an answer, not an error (e.g. 503 of /health/ready). */
  readonly alsoOk?: readonly number[];
}

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fills `{name}` segments of a documented path. */
function fill(path: string, params: Readonly<Record<string, string | number>>): string {
  return path.replace(/\{([a-z]+)\}/gi, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new RangeError(`path ${path} needs ${name}`);
    return encodeURIComponent(String(v));
  });
}

/**
 * The node's HTTP API: one method per operation of the document (WebSockets aside: IngestClient and
 * the explorer's event stream). `base` is `http://host:port` ('' in the explorer: same origin).
 */
export class NodeApiClient {
  readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly signer: RequestSigner | undefined;

  constructor(base: string, opts: NodeApiClientOptions = {}) {
    this.base = base.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.signer = opts.signer;
  }

  status(signal?: AbortSignal): Promise<NodeStatus> {
    return this.json('get', '/status', {}, { signal }) as Promise<NodeStatus>;
  }

  /** GET /health/ready: the answer whether ready (200) or not (503). */
  async ready(signal?: AbortSignal): Promise<{ readonly httpStatus: number; readonly body: HealthReady }> {
    const { status, body } = await this.request('get', '/health/ready', {}, { signal, alsoOk: [503] });
    return { httpStatus: status, body: body as HealthReady };
  }

  operator(plmn: number, signal?: AbortSignal): Promise<OperatorInfo> {
    return this.json('get', '/operators/{plmn}', { plmn }, { signal }) as Promise<OperatorInfo>;
  }

  /** Headers newest first, from `from` (default: the head); the node caps `limit` at 100. */
  blocks(opts: { readonly from?: number | undefined; readonly limit?: number | undefined } = {}, signal?: AbortSignal): Promise<BlockPage> {
    return this.json('get', '/blocks', {}, { signal, query: { limit: opts.limit, from: opts.from } }) as Promise<BlockPage>;
  }

  block(height: number, signal?: AbortSignal): Promise<Block> {
    return this.json('get', '/blocks/{height}', { height }, { signal }) as Promise<Block>;
  }

  /** A batch by id (hex); with `records`, one page of its records (the node caps a page at 1,000). */
  batch(id: string, opts: { readonly records?: { readonly offset?: number; readonly limit?: number } } = {}, signal?: AbortSignal): Promise<Batch> {
    return this.json('get', '/batch/{id}', { id }, { signal, query: recordsQuery(opts.records) }) as Promise<Batch>;
  }

  /** A sealed batch's sealed section (schemas/sealed.fbs bytes), for the submitter or the counterparty; `cdrchain open` decrypts it. */
  async batchSealed(id: string, signal?: AbortSignal): Promise<Uint8Array> {
    const res = await this.send('get', '/batch/{id}/sealed', { id }, { signal });
    if (!res.ok) throw await errorOf(res);
    return new Uint8Array(await res.arrayBuffer());
  }

  tx(hash: string, opts: { readonly records?: { readonly offset?: number; readonly limit?: number } } = {}, signal?: AbortSignal): Promise<Tx> {
    return this.json('get', '/txns/{hash}', { hash }, { signal, query: recordsQuery(opts.records) }) as Promise<Tx>;
  }

  receipt(hash: string, signal?: AbortSignal): Promise<Receipt> {
    return this.json('get', '/receipts/{hash}', { hash }, { signal }) as Promise<Receipt>;
  }

  /** A validator's consensus view; a solo node answers NodeApiError 404 `not_a_validator`. */
  consensus(signal?: AbortSignal): Promise<ConsensusStatus> {
    return this.json('get', '/consensus', {}, { signal }) as Promise<ConsensusStatus>;
  }

  /** Reconciliation counts of `pair` ("20801-23415") in `period` ("2026-11"): public. */
  reconciliationCounts(pair: string, period: string, signal?: AbortSignal): Promise<ReconciliationCounts> {
    return this.json('get', '/reconciliation/{pair}/{period}', { pair, period }, { signal }) as Promise<ReconciliationCounts>;
  }

  /** The charge aggregate of (submitter → counterparty, period): public, a commitment and counts; 404 before the first proof. */
  chargeAggregate(submitter: number, counterparty: number, period: string, signal?: AbortSignal): Promise<ChargeAggregateView> {
    return this.json('get', '/proofs/aggregate/{submitter}/{counterparty}/{period}', { submitter, counterparty, period }, { signal }) as Promise<ChargeAggregateView>;
  }

  /** A settlement period at the committed head ("2026-11"): counts only, public (docs/settlement.md). */
  settlementPeriod(period: string, signal?: AbortSignal): Promise<SettlementPeriod> {
    return this.json('get', '/settlement/{period}', { period }, { signal }) as Promise<SettlementPeriod>;
  }

  /** One page of the pair's disputed events (readable by the pair: see the document). */
  reconciliationDisputes(pair: string, period: string, page: { readonly offset?: number; readonly after?: string; readonly limit?: number } = {}, signal?: AbortSignal): Promise<ReconciliationDisputes> {
    return this.json('get', '/reconciliation/{pair}/{period}/disputes', { pair, period }, { signal, query: { offset: page.offset, after: page.after, limit: page.limit } }) as Promise<ReconciliationDisputes>;
  }

  /** The pair's latest signed verdict in full (readable by the pair: see the document). */
  reconciliationVerdict(pair: string, period: string, signal?: AbortSignal): Promise<ReconciliationVerdict> {
    return this.json('get', '/reconciliation/{pair}/{period}/verdict', { pair, period }, { signal }) as Promise<ReconciliationVerdict>;
  }

  /** GET /metrics: the Prometheus text. */
  async metricsText(signal?: AbortSignal): Promise<string> {
    const res = await this.send('get', '/metrics', {}, { signal });
    if (!res.ok) throw await errorOf(res);
    return res.text();
  }

  /** POST /cdr: a signed batch as JSON. Rejections are NodeApiError with the reject code and sequence. */
  submitBatchJson(batch: BatchJsonBody, signal?: AbortSignal): Promise<CdrAccepted> {
    return this.json('post', '/cdr', {}, { signal, body: { contentType: 'application/json', data: JSON.stringify(batch) } }) as Promise<CdrAccepted>;
  }

  /** POST /tx: a signed contract transaction frame (src/client/contract-tx.ts). */
  /** GET /settlement/{period}/draft: the unsigned proposal of the node's netting. */
  settlementDraft(period: string, signal?: AbortSignal): Promise<SettlementDraft> {
    return this.json('get', '/settlement/{period}/draft', { period }, { signal }) as Promise<SettlementDraft>;
  }

  /** GET /settlement/{period}/disclosures/{plmn}: an operator's sealed transfer opening (the operator and the settlement bank read it). */
  settlementDisclosure(period: string, plmn: number, signal?: AbortSignal): Promise<SettlementDisclosure> {
    return this.json('get', '/settlement/{period}/disclosures/{plmn}', { period, plmn: String(plmn) }, { signal }) as Promise<SettlementDisclosure>;
  }

  /** POST /settle: a signed settlement proposal, approval or disclosure frame. */
  settle(frame: Uint8Array, signal?: AbortSignal): Promise<TxAccepted> {
    return this.json('post', '/settle', {}, { signal, body: { contentType: 'application/octet-stream', data: frame } }) as Promise<TxAccepted>;
  }

  submitContractTx(frame: Uint8Array, signal?: AbortSignal): Promise<TxAccepted> {
    return this.json('post', '/tx', {}, { signal, body: { contentType: 'application/octet-stream', data: frame } }) as Promise<TxAccepted>;
  }

  /** GET /openapi.json: the document this client was built from, as the node serves it. */
  openApi(signal?: AbortSignal): Promise<Readonly<Record<string, unknown>>> {
    return this.json('get', '/openapi.json', {}, { signal });
  }

  private async json<M extends Method>(method: M, path: PathOf<M>, params: Readonly<Record<string, string | number>>, req: Request): Promise<Readonly<Record<string, unknown>>> {
    return (await this.request(method, path, params, req)).body;
  }

  private async request<M extends Method>(method: M, path: PathOf<M>, params: Readonly<Record<string, string | number>>, req: Request): Promise<{ status: number; body: Readonly<Record<string, unknown>> }> {
    const res = await this.send(method, path, params, req);
    if (!res.ok && !req.alsoOk?.includes(res.status)) throw await errorOf(res);
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      if (req.signal?.aborted) throw err;
      throw new NodeAnswerError(`${method.toUpperCase()} ${path}: the node answered ${res.status} without JSON`);
    }
    if (!isObject(body)) throw new NodeAnswerError(`${method.toUpperCase()} ${path}: the node answered ${res.status} with JSON that is not an object`);
    return { status: res.status, body };
  }

  private async send<M extends Method>(method: M, path: PathOf<M>, params: Readonly<Record<string, string | number>>, req: Request): Promise<Response> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) q.set(k, String(v));
    const query = q.toString();
    const url = `${this.base}${fill(path, params)}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = { accept: path === '/metrics' ? 'text/plain' : path === '/batch/{id}/sealed' ? 'application/octet-stream' : 'application/json' };
    if (req.body) headers['content-type'] = req.body.contentType;
    if (this.signer) Object.assign(headers, this.signer.sign({ method: method.toUpperCase(), url, ...(req.body ? { body: req.body.data } : {}) }));
    try {
      return await this.fetchFn(url, { method: method.toUpperCase(), headers, signal: req.signal ?? null, ...(req.body ? { body: bodyOf(req.body.data) } : {}) });
    } catch (err) {
      // An abort is the caller's own doing: it gets its AbortError back, unchanged.
      if (req.signal?.aborted) throw err;
      throw new NodeUnreachableError(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}

/** A string as it is; bytes copied into a buffer of their own (what fetch's types take, in Node and in browsers). */
function bodyOf(data: string | Uint8Array): string | Uint8Array<ArrayBuffer> {
  return typeof data === 'string' ? data : new Uint8Array(data);
}

function recordsQuery(records: { readonly offset?: number; readonly limit?: number } | undefined): Request['query'] {
  return records ? { records: '1', offset: records.offset, limit: records.limit } : {};
}

/** The NodeApiError an error status stands for: its `{error, message}` body, or what can be said without one. */
async function errorOf(res: Response): Promise<NodeApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return new NodeApiError(res.status, 'not_json', `the node answered HTTP ${res.status} without JSON`);
  }
  const e = isObject(body) ? body : {};
  const sequence = typeof e['sequence'] === 'string' ? e['sequence'] : undefined;
  return new NodeApiError(res.status, typeof e['error'] === 'string' ? e['error'] : 'error', typeof e['message'] === 'string' ? e['message'] : `HTTP ${res.status}`, sequence);
}
