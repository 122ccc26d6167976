// The node's HTTP API as the explorer reads it, through the typed client (src/client/node-api-client.ts)
// whose types come from the OpenAPI document (docs/openapi.json, src/api/openapi.ts). Every answer is
// untrusted JSON: the shapes the page relies on are still checked field by field here.

import {
  NodeAnswerError, NodeApiClient, NodeApiError,
  type Batch as BatchBody, type Block as BlockBody, type ConsensusStatus, type NodeStatus, type OperatorInfo, type PublicRecord as PublicRecordBody,
  type Receipt as ReceiptBody, type ReconciliationCounts, type ReconciliationDisputes, type SettlementDisclosure as SettlementDisclosureBody,
  type SettlementPeriod as SettlementPeriodBody, type Tx as TxBody,
} from '../../src/client/node-api-client.js';

export type Status = NodeStatus;
export type OperatorRef = NodeStatus['operators'][number];
export type Operator = OperatorInfo;
/** A block: with its transaction ids from GET /blocks/{height}, without them in GET /blocks pages. */
export type Block = BlockBody;
export type PublicRecord = PublicRecordBody;
export type Batch = BatchBody;
/** GET /txns/:hash: a batch (type cdr_batch) or a contract transaction. */
export type Tx = TxBody;
export type Receipt = ReceiptBody;
/** GET /consensus: a validator's view (validators, head, last final block, batch, epoch, round, policy, peers). */
export type Consensus = ConsensusStatus;
/** GET /reconciliation/{pair}/{period}: a pair's counts in a month (public). */
export type PairCounts = ReconciliationCounts;
/** GET /reconciliation/{pair}/{period}/disputes: one page of the pair's disputed events (the pair's two operators). */
export type DisputesPage = ReconciliationDisputes;
export type Dispute = DisputesPage['disputes'][number];
/** GET /settlement/{period}: a settlement period at the committed head (public: counts and the rate set, never a pair or an amount). */
export type SettlementPeriod = SettlementPeriodBody;
/** A plain-mode transfer: `from` pays `to` `amount` (minor units of the settlement currency, decimal). */
export type PlainTransfer = NonNullable<Extract<SettlementPeriod['settlement'], { status: 'proposed' }>['proposal']['plainTransfers']>[number];
/** GET /settlement/{period}/disclosures/{plmn}: an operator's sealed transfer opening (the operator and the settlement bank). */
export type SettlementDisclosure = SettlementDisclosureBody;

/** The node answered with an error status: `status`, its stable `code` and message (the client's NodeApiError). */
export { NodeApiError as ApiError };

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

/** Plain-mode transfers, when present: PLMN ids and decimal minor units (below 2^96: 29 digits). */
function checkPlainTransfers(v: unknown, what: string): void {
  if (v === undefined) return;
  need(Array.isArray(v) && v.every((t) => isObject(t) && Number.isSafeInteger(t['from']) && Number.isSafeInteger(t['to']) && /^[0-9]{1,29}$/.test(String(t['amount']))), what);
}

/**
 * Typed GETs against the node that serves the page (same origin), shapes checked. `fetchFn` is the
 * operator session's (src/auth/operator-session.ts): it signs while an operator is signed in.
 */
export class NodeClient {
  private readonly api: NodeApiClient;

  constructor(base = '', fetchFn?: typeof fetch) {
    this.api = new NodeApiClient(base, fetchFn ? { fetch: fetchFn } : {});
  }

  /** The client's answer; one that is not JSON is a shape error like any other. */
  private async get<T>(call: (api: NodeApiClient) => Promise<T>): Promise<T> {
    try {
      return await call(this.api);
    } catch (err) {
      if (err instanceof NodeAnswerError) throw new ApiShapeError(`unexpected answer from the node: ${err.message}`);
      throw err;
    }
  }

  async status(signal?: AbortSignal): Promise<Status> {
    const s = asObject(await this.get((api) => api.status(signal)), 'status');
    need(typeof s['chainId'] === 'string' && Number.isSafeInteger(s['height']) && Array.isArray(s['operators']), 'status');
    return s as unknown as Status;
  }

  async operator(plmn: number, signal?: AbortSignal): Promise<Operator> {
    const o = asObject(await this.get((api) => api.operator(plmn, signal)), 'operator');
    need(o['plmn'] === plmn && typeof o['lastSequence'] === 'string', 'operator');
    return o as unknown as Operator;
  }

  async blocks(from: number | undefined, limit: number, signal?: AbortSignal): Promise<Block[]> {
    const r = asObject(await this.get((api) => api.blocks({ from, limit }, signal)), 'blocks');
    need(Array.isArray(r['blocks']), 'blocks');
    return (r['blocks'] as unknown[]).map(checkBlock);
  }

  async block(height: number, signal?: AbortSignal): Promise<Block> {
    return checkBlock(await this.get((api) => api.block(height, signal)));
  }

  async batch(id: string, signal?: AbortSignal): Promise<Batch> {
    return checkBatch(await this.get((api) => api.batch(id, {}, signal)));
  }

  /** One page of a batch's records (the node caps a page at 1,000). */
  async batchRecords(id: string, offset: number, limit: number, signal?: AbortSignal): Promise<Batch & { records: readonly PublicRecord[] }> {
    const b = checkBatch(await this.get((api) => api.batch(id, { records: { offset, limit } }, signal)));
    need(b.records !== undefined && b.recordsPage !== undefined, 'records page');
    return b as Batch & { records: readonly PublicRecord[] };
  }

  async tx(hash: string, signal?: AbortSignal): Promise<Tx> {
    const t = asObject(await this.get((api) => api.tx(hash, {}, signal)), 'transaction');
    need(typeof t['type'] === 'string' && HASH.test(String(t['hash'])), 'transaction');
    if (t['type'] === 'cdr_batch') checkBatch(t);
    return t as unknown as Tx;
  }

  async receipt(hash: string, signal?: AbortSignal): Promise<Receipt> {
    return asObject(await this.get((api) => api.receipt(hash, signal)), 'receipt') as unknown as Receipt;
  }

  /** A validator's consensus view; a solo node answers ApiError 404 `not_a_validator`. */
  async consensus(signal?: AbortSignal): Promise<Consensus> {
    const c = asObject(await this.get((api) => api.consensus(signal)), 'consensus');
    need(Number.isSafeInteger(c['self']) && Array.isArray(c['validators']) && Array.isArray(c['peers']), 'consensus validators');
    for (const v of c['validators'] as unknown[]) need(isObject(v) && Number.isSafeInteger(v['plmn']) && Number.isSafeInteger(v['power']) && typeof v['connected'] === 'boolean', 'consensus validator');
    const head = asObject(c['head'], 'consensus head');
    const final = asObject(c['final'], 'consensus final');
    need(Number.isSafeInteger(head['height']) && HASH.test(String(head['hash'])) && Number.isSafeInteger(final['height']) && HASH.test(String(final['hash'])), 'consensus head/final');
    need(Number.isSafeInteger(c['batch']) && Number.isSafeInteger(c['epoch']) && Number.isSafeInteger(c['nextMacroHeight']) && Number.isSafeInteger(c['macroRound']), 'consensus counters');
    asObject(c['policy'], 'consensus policy');
    return c as unknown as Consensus;
  }

  async pairCounts(pair: string, period: string, signal?: AbortSignal): Promise<PairCounts> {
    const r = asObject(await this.get((api) => api.reconciliationCounts(pair, period, signal)), 'reconciliation counts');
    need(['a', 'b', 'indexedHeight', 'events', 'matched', 'mismatched', 'onlyA', 'onlyB'].every((k) => Number.isSafeInteger(r[k])), 'reconciliation counts');
    need(r['matchRate'] === null || typeof r['matchRate'] === 'number', 'reconciliation match rate');
    const records = asObject(r['records'], 'reconciliation records');
    const dups = asObject(r['duplicates'], 'reconciliation duplicates');
    need([records['a'], records['b'], dups['a'], dups['b']].every((n) => Number.isSafeInteger(n)), 'reconciliation records per side');
    return r as unknown as PairCounts;
  }

  async pairDisputes(pair: string, period: string, offset: number, limit: number, signal?: AbortSignal): Promise<DisputesPage> {
    const r = asObject(await this.get((api) => api.reconciliationDisputes(pair, period, { offset, limit }, signal)), 'disputes');
    need(Number.isSafeInteger(r['total']) && Number.isSafeInteger(r['offset']) && Array.isArray(r['disputes']), 'disputes page');
    const locator = (l: unknown) => l === null || (isObject(l) && HASH.test(String(l['batchId'])) && Number.isSafeInteger(l['recordIndex']) && Number.isSafeInteger(l['height']));
    for (const d of r['disputes'] as unknown[]) {
      need(isObject(d) && HASH.test(String(d['eventHash'])) && ['mismatched', 'only_a', 'only_b'].includes(String(d['class'])) && locator(d['a']) && locator(d['b']), 'dispute');
    }
    return r as unknown as DisputesPage;
  }

  /** A settlement period by its id under the consortium's rule; a malformed or foreign id is ApiError 400 `bad_parameter`. */
  async settlementPeriod(period: string, signal?: AbortSignal): Promise<SettlementPeriod> {
    const r = asObject(await this.get((api) => api.settlementPeriod(period, signal)), 'settlement period');
    need(typeof r['period'] === 'string' && ['start', 'end', 'closesAt'].every((k) => typeof r[k] === 'string' && !Number.isNaN(Date.parse(String(r[k])))), 'settlement period dates');
    need(['ended', 'closed', 'rateSet', 'netted'].every((k) => typeof r[k] === 'boolean'), 'settlement period flags');
    need(['operators', 'pairs', 'statements'].every((k) => Number.isSafeInteger(r[k])), 'settlement period counts');
    if (r['fx'] !== undefined) {
      const fx = asObject(r['fx'], 'settlement rate set');
      need(typeof fx['base'] === 'string' && typeof fx['override'] === 'boolean', 'settlement rate set');
      need(Object.values(asObject(fx['rates'], 'settlement rates')).every((v) => /^[0-9]+\/[1-9][0-9]*$/.test(String(v))), 'settlement rates');
    }
    need(r['mode'] === 'committed' || r['mode'] === 'plain', 'settlement mode');
    need(typeof r['currency'] === 'string', 'settlement currency');
    if (r['bank'] !== undefined) need(Number.isSafeInteger(asObject(r['bank'], 'settlement bank')['id']), 'settlement bank');
    // Absent from nodes before approval on chain; when there, what the view reads of it.
    if (r['settlement'] !== undefined) {
      const s = asObject(r['settlement'], 'settlement');
      need(['none', 'proposed', 'final', 'expired'].includes(String(s['status'])), 'settlement status');
      if (s['status'] !== 'none') {
        need(Number.isSafeInteger(s['attempt']) && HASH.test(String(s['id'])), 'settlement attempt and id');
        const p = asObject(s['proposal'], 'settlement proposal');
        need(Array.isArray(p['operators']) && (p['operators'] as unknown[]).every((o) => Number.isSafeInteger(o)), 'settlement proposal operators');
        need(Array.isArray(p['transfers']) && (p['transfers'] as unknown[]).every((t) => isObject(t) && HASH.test(String(t['x'])) && HASH.test(String(t['y']))), 'settlement proposal commitments');
        need(/^[0-9]{1,20}$/.test(String(p['settledVolume'])) && /^[0-9]{1,20}$/.test(String(p['clearingFee'])), 'settlement proposal volume and fee');
        checkPlainTransfers(p['plainTransfers'], 'settlement proposal transfers');
        checkPlainTransfers(s['plainTransfers'], 'settlement final transfers');
      }
    }
    return r as unknown as SettlementPeriod;
  }

  /**
   * Operator `plmn`'s sealed transfer opening of the period's current proposal: readable by that
   * operator and the settlement bank (signed requests); ApiError 404 when it has disclosed none,
   * 403 to anyone else, 401 unsigned.
   */
  async settlementDisclosure(period: string, plmn: number, signal?: AbortSignal): Promise<SettlementDisclosure> {
    const r = asObject(await this.get((api) => api.settlementDisclosure(period, plmn, signal)), 'settlement disclosure');
    need(r['period'] === period && r['operator'] === plmn && HASH.test(String(r['proposalId'])) && Number.isSafeInteger(r['attempt']), 'settlement disclosure');
    need(['proposed', 'final', 'expired'].includes(String(r['settlement'])), 'settlement disclosure status');
    return r as unknown as SettlementDisclosure;
  }

  metricsText(signal?: AbortSignal): Promise<string> {
    return this.get((api) => api.metricsText(signal));
  }
}

/** True for a 64-hex-digit hash (any case, optional 0x); returns it lower-cased, or undefined. */
export function normaliseHash(input: string): string | undefined {
  const s = input.trim().toLowerCase().replace(/^0x/, '');
  return HASH.test(s) ? s : undefined;
}
