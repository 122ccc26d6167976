import uWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { batchFrameFromJson } from '../codec/batch-json.js';
import { fromHex, HexError, toHex } from '../codec/bytes.js';
import { MalformedFrameError } from '../codec/errors.js';
import { MAX_CONTRACT_TX_FRAME_BYTES } from '../codec/contract-tx.js';
import { batchFrameBytes } from '../chain/admission-budget.js';
import { sealedSectionLimit } from '../codec/sealed-section.js';
import { BatchRejectedError } from '../chain/reject.js';
import type { RecordsPage } from '../chain/queries.js';
import { isBatchProofTxFrame } from '../codec/batch-proof-tx.js';
import { isVerdictTxFrame } from '../codec/verdict-tx.js';
import { decodeSettlementTx, isSettlementTxFrame } from '../codec/settlement-tx.js';
import { SettlementDraftRefusedError } from './settlement-draft.js';
import { PeriodFormatError } from '../settlement/errors.js';
import { TxKind, type RecordPager } from '../chain/tx-kinds/tx-kind.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { CLOSED_API, authModeOf, authRequestOf, type ApiAccess } from './audience.js';
import { callerOf, mayRead, type Caller } from './auth/caller.js';
import { checkContentDigest, ContentDigestError } from './auth/content-digest.js';
import { frameClaim } from './auth/frame-signer.js';
import { ENDPOINT_AUDIENCES, type EndpointKey } from './endpoint-audiences.js';
import { mountEvents } from './events.js';
import { mountExplorerAssets } from './explorer-assets.js';
import { validateApiLimits, type ApiLimits } from './api-limits.js';
import { HttpError, readBody, responder, send, sendError, sendJson, streamJson, UploadBudget, type Responder } from './http.js';
import { mountIngest } from './ingest.js';
import { NODE_OPENAPI_JSON } from './openapi.js';
import { mountReconciliationRoutes } from './reconciliation-routes.js';
import type { NodeApi } from './node-api.js';
import { httpStatusFor } from './reject-status.js';

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

export interface ApiOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The node as the API sees it (src/api/node-api.ts). */
  readonly node: NodeApi;
  readonly metrics: NodeMetrics;
  readonly log: Logger;
  readonly version: string;
  /** JSON bodies are ~4× the binary frame; small submitters send small batches (the API limit maxJsonBytes). */
  readonly maxJsonBytes?: number;
  /** Connection, subscriber, upload and page limits; defaults in DEFAULT_API_LIMITS. */
  readonly limits?: Partial<ApiLimits>;
}

/** Records converted to JSON per piece of a streamed GET /batch response: a few ms of main thread at most. */
const RECORDS_PER_PIECE = 100;

const MAX_BLOCKS_PAGE = 100;

/** The node's HTTP and WebSocket API on uWebSockets.js. */
export class ApiServer {
  private listenSocket: us_listen_socket | undefined;
  private ingest: { closeAll(): void } | undefined;
  private readonly startedAt = Date.now();
  private readonly limits: ApiLimits;
  private readonly uploads: UploadBudget;
  /** Who may read what (src/api/endpoint-audiences.ts); no access configured: closed. */
  private readonly access: ApiAccess;
  port = 0;

  constructor(private readonly opts: ApiOptions) {
    this.limits = validateApiLimits({ ...(opts.maxJsonBytes !== undefined ? { maxJsonBytes: opts.maxJsonBytes } : {}), ...opts.limits });
    this.uploads = new UploadBudget(this.limits.maxConcurrentUploads, this.limits.maxUploadBytes, () => opts.metrics.apiRefusals.inc({ reason: 'upload_cap' }));
    this.access = opts.node.access ?? CLOSED_API;
  }

  /** The caller of endpoint `key` (throws HttpError 401 unless its audience admits it: src/api/auth/caller.ts). */
  private caller(key: EndpointKey, req: HttpRequest): Caller {
    return callerOf(this.access, ENDPOINT_AUDIENCES[key].audience, authRequestOf(req));
  }

  async listen(): Promise<number> {
    const app = uWS.App();
    this.routes(app);
    const { node, metrics, log } = this.opts;
    // The largest frame this node takes: a batch of its maxBatchRecords, or a contract transaction.
    const records = node.ingest.maxBatchRecords;
    const batchBytes = batchFrameBytes(records) + (node.ingest.sealedPayloads ? sealedSectionLimit(records) : 0);
    const maxFrameBytes = Math.max(batchBytes, MAX_CONTRACT_TX_FRAME_BYTES, node.ingest.maxBatchProofFrameBytes ?? 0);
    this.ingest = mountIngest(app, {
      ingest: node.ingest, events: node.events, metrics, log, maxFrameBytes,
      maxConnections: this.limits.maxIngestConnections, badSignaturesBeforeClose: this.limits.badSignaturesBeforeClose,
      authorize: (req) => {
        const caller = this.caller('GET /ingest', req);
        return caller.open ? undefined : caller.plmn;
      },
    });
    mountEvents(app, {
      events: node.events, metrics, maxSubscribers: this.limits.maxEventSubscribers, maxBackpressure: this.limits.eventsMaxBackpressure,
      access: this.access, senderOf: (id) => txMembers(node.queries.tx(id)?.view)[0],
    });
    mountExplorerAssets(app); // GET / and /explorer/*: the explorer page (dist/explorer)
    mountReconciliationRoutes(app, { reconciliation: node.reconciliation, verdicts: node.verdicts, access: node.access, log }); // GET /reconciliation/:pair/:period[/disputes|/verdict]
    app.any('/*', (res) => {
      sendJson(responder(res), 404, { error: 'not_found', message: 'no such endpoint' });
    });
    await new Promise<void>((resolve, reject) => {
      app.listen(this.opts.host, this.opts.port, (socket) => {
        if (!socket) {
          reject(new ListenError(`cannot listen on ${this.opts.host}:${this.opts.port}`));
          return;
        }
        this.listenSocket = socket;
        this.port = uWS.us_socket_local_port(socket as unknown as uWS.us_socket);
        resolve();
      });
    });
    return this.port;
  }

  close(): void {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    this.ingest?.closeAll();
  }

  /** POST /tx and POST /settle: a signed binary transaction frame, its kind named by `classify`. */
  private frameHandler(path: '/tx' | '/settle', endpoint: EndpointKey, classify: (frame: Uint8Array) => TxKind): (res: HttpResponse, req: HttpRequest) => void {
    const { ingest } = this.opts.node;
    return (res, req) => {
      const r = responder(res);
      let caller: Caller;
      try {
        caller = this.caller(endpoint, req);
      } catch (err) {
        sendError(r, err);
        return;
      }
      const digest = req.getHeader('content-digest');
      const contentType = req.getHeader('content-type');
      const length = req.getHeader('content-length');
      if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/octet-stream') {
        sendError(r, new HttpError(415, 'unsupported_media_type', `POST ${path} takes a binary transaction frame (application/octet-stream)`));
        return;
      }
      readBody(r, length, Math.max(MAX_CONTRACT_TX_FRAME_BYTES, ingest.maxBatchProofFrameBytes ?? 0), this.uploads)
        .then((body) => {
          const frame = new Uint8Array(body);
          checkSignedBody(caller, digest, frame, 'transactions');
          // A batch proof ("CDRZ"), a verdict ("CDRR"), a settlement transaction ("CDRX") or, as before, a contract transaction: any other frame is malformed as one.
          return ingest.submitTx(frame, ingest.httpSource, { kind: classify(frame) });
        })
        .then(({ id, sequence }) => sendJson(r, 202, { status: 'accepted', hash: toHex(id), sequence: sequence.toString() }))
        .catch((err: unknown) => {
          if (err instanceof BatchRejectedError) {
            sendJson(r, httpStatusFor(err.code), { error: err.reason, message: err.detail, sequence: err.sequence.toString() });
          } else {
            if (!(err instanceof HttpError)) this.opts.log.error({ err }, `POST ${path} failed`);
            sendError(r, err);
          }
        });
    };
  }

  private routes(app: TemplatedApp): void {
    const { node, metrics } = this.opts;
    const { queries, ingest } = node;
    const get = (pattern: string, handler: (r: Responder, req: HttpRequest) => void) => {
      app.get(pattern, (res: HttpResponse, req: HttpRequest) => {
        const r = responder(res);
        try {
          handler(r, req);
        } catch (err) {
          if (!(err instanceof HttpError)) this.opts.log.error({ err, url: req.getUrl() }, 'request failed');
          sendError(r, err);
        }
      });
    };

    get('/openapi.json', (r) => send(r, 200, NODE_OPENAPI_JSON)); // this API's contract (src/api/openapi.ts)

    get('/status', (r) => {
      // genesisHash is what clients sign for: every batch and contract transaction binds this chain's identity.
      const { chainId, ...status } = queries.status();
      sendJson(r, 200, {
        node: 'cdrchain', version: this.opts.version, chainId, ...status,
        // So a client (the explorer) knows whether to sign, or not to ask, before a 401 tells it.
        auth: { mode: authModeOf(this.access) },
        uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      });
    });

    // Orchestrator probes: live = the process answers (restart it if not); ready = send it work.
    get('/health/live', (r) => {
      sendJson(r, 200, { status: 'live' });
    });
    get('/health/ready', (r) => {
      const { ready, checks } = queries.readiness();
      const storage = queries.storageStatus();
      sendJson(r, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not_ready', checks,
        ...(storage.writable ? {} : { reason: `storage not writable: ${storage.reason ?? 'unknown'}` }),
      });
    });

    get('/operators/:plmn', (r, req) => {
      const caller = this.caller('GET /operators/{plmn}', req);
      const plmn = optionalUint(req.getParameter(0), 'plmn');
      // The operator list is public (/status): refusing says nothing new, and names only the caller.
      if (plmn !== undefined && !caller.open && caller.plmn !== plmn) throw new HttpError(403, 'forbidden', `a request signed by operator ${caller.plmn} may read /operators/${caller.plmn} only`);
      const operator = plmn === undefined ? undefined : queries.operator(plmn);
      if (!operator) throw new HttpError(404, 'not_found', `no operator ${req.getParameter(0)}`);
      sendJson(r, 200, {
        plmn: operator.plmn, name: operator.name, batchKey: operator.batchKey,
        lastSequence: operator.lastSequence.toString(),
        lastContractSequence: operator.lastContractSequence.toString(),
        lastProofSequence: operator.lastProofSequence.toString(),
        lastSettlementSequence: operator.lastSettlementSequence.toString(),
      });
    });

    get('/blocks', (r, req) => {
      const from = optionalUint(req.getQuery('from'), 'from');
      const limit = Math.min(optionalUint(req.getQuery('limit'), 'limit') ?? 20, MAX_BLOCKS_PAGE);
      sendJson(r, 200, { blocks: queries.blocks(from, limit) });
    });

    get('/blocks/:height', (r, req) => {
      const height = optionalUint(req.getParameter(0), 'height');
      const block = height === undefined ? undefined : queries.block(height);
      if (!block) throw new HttpError(404, 'not_found', `no block at height ${req.getParameter(0)}`);
      sendJson(r, 200, block);
    });

    /** A transaction without its records, or (kinds with records) with one page of them (?records=1&offset=&limit=), streamed. */
    const withRecords = (r: Responder, req: HttpRequest, view: Readonly<Record<string, unknown>>, id: string, stored: RecordPager | undefined): void => {
      if (req.getQuery('records') !== '1' || !stored) {
        sendJson(r, 200, view);
        return;
      }
      if (stored.pruned) {
        throw new HttpError(410, 'records_pruned', `the records of batch ${id} were pruned by the node's retention policy; its signed header (Merkle root, records digest) is kept: ask without ?records=1`);
      }
      const offset = optionalUint(req.getQuery('offset'), 'offset') ?? 0;
      const asked = optionalUint(req.getQuery('limit'), 'limit');
      if (asked === 0) throw new HttpError(400, 'bad_parameter', 'limit must be at least 1');
      const page: RecordsPage = { offset, limit: Math.min(asked ?? this.limits.maxRecordsPage, this.limits.maxRecordsPage), total: stored.total };
      const head = JSON.stringify({ ...view, recordsPage: page });
      const end = Math.min(page.offset + page.limit, page.total);
      const recordsJson = (from: number, to: number): unknown[] => stored.json(from, to);
      function* pieces(): Generator<string> {
        yield `${head.slice(0, -1)},"records":[`;
        for (let from = page.offset; from < end; from += RECORDS_PER_PIECE) {
          const json = JSON.stringify(recordsJson(from, Math.min(from + RECORDS_PER_PIECE, end)));
          yield `${from > page.offset ? ',' : ''}${json.slice(1, -1)}`;
        }
        yield ']}';
      }
      streamJson(r, 200, pieces()).catch((err: unknown) => {
        this.opts.log.error({ err }, 'streaming a batch failed');
        if (!r.aborted) r.res.close();
      });
    };
    get('/batch/:id', (r, req) => {
      const caller = this.caller('GET /batch/{id}', req);
      const stored = queries.batch(hashParam(req.getParameter(0)));
      // Another pair's batch answers as a missing one: the answer must not tell that it exists.
      if (!stored || !mayRead(caller, [stored.view.submitter, stored.view.counterparty])) throw new HttpError(404, 'not_found', `no batch ${req.getParameter(0)}`);
      withRecords(r, req, stored.view, stored.view.id, { total: stored.recordCount, pruned: stored.pruned, json: (from, to) => stored.recordsJson(from, to) });
    });
    // The sealed section (private store): the pair only. Another pair's batch, an unsealed batch and an
    // unknown id get the same answer, so a third operator learns nothing, not even that it exists. The
    // pair, which may read the header anyway, is told when retention removed the section (410).
    get('/batch/:id/sealed', (r, req) => {
      const caller = this.caller('GET /batch/{id}/sealed', req);
      const id = hashParam(req.getParameter(0));
      const stored = queries.batch(id);
      const pair = stored !== undefined && mayRead(caller, [stored.view.submitter, stored.view.counterparty]);
      const sealed = pair ? queries.sealedSection?.(id) : undefined;
      if (!sealed) {
        const prunedAtMs = pair ? queries.sealedSectionPrunedAtMs?.(id) : undefined;
        if (prunedAtMs !== undefined) {
          throw new HttpError(410, 'pruned', `the sealed section of batch ${stored!.view.id} was pruned by the node's retention policy at ${new Date(Number(prunedAtMs)).toISOString()}; its signed header is kept`);
        }
        throw new HttpError(404, 'not_found', `no sealed section for batch ${req.getParameter(0)}`);
      }
      send(r, 200, sealed, 'application/octet-stream');
    });
    get('/txns/:hash', (r, req) => {
      const caller = this.caller('GET /txns/{hash}', req);
      const stored = queries.tx(hashParam(req.getParameter(0)));
      if (!stored || !mayRead(caller, txMembers(stored.view))) throw new HttpError(404, 'not_found', `no transaction ${req.getParameter(0)}`);
      withRecords(r, req, stored.view, stored.view.hash, stored.records);
    });

    get('/settlement/:period', (r, req) => {
      this.caller('GET /settlement/{period}', req);
      let view;
      try {
        view = queries.settlement(req.getParameter(0) ?? '');
      } catch (err) {
        if (err instanceof PeriodFormatError) throw new HttpError(400, 'bad_parameter', err.message);
        throw err;
      }
      sendJson(r, 200, view);
    });

    // An involved operator's sealed transfer opening: the operator and the settlement bank read it; another operator gets 403.
    get('/settlement/:period/disclosures/:plmn', (r, req) => {
      const caller = this.caller('GET /settlement/{period}/disclosures/{plmn}', req);
      const raw = req.getParameter(1) ?? '';
      if (!/^[0-9]{1,10}$/.test(raw)) throw new HttpError(400, 'bad_parameter', `"${raw}" is not a PLMN id`);
      const plmn = Number(raw);
      const readers = queries.settlementBankId === undefined ? [plmn] : [plmn, queries.settlementBankId];
      if (!mayRead(caller, readers)) {
        // Names only the caller (endpoint-audiences.ts): an operator reads its own opening, the settlement bank every one.
        throw new HttpError(403, 'forbidden', `a request signed by ${caller.open ? 'anyone' : caller.plmn} may read its own transfer opening only (the settlement bank reads every one)`);
      }
      if (!queries.settlementDisclosure) throw new HttpError(404, 'not_found', 'this node keeps no settlement disclosures');
      let view;
      try {
        view = queries.settlementDisclosure(req.getParameter(0) ?? '', plmn);
      } catch (err) {
        if (err instanceof PeriodFormatError) throw new HttpError(400, 'bad_parameter', err.message);
        throw err;
      }
      if (!view) throw new HttpError(404, 'not_found', `operator ${plmn} has disclosed no transfer opening of the period's current proposal`);
      sendJson(r, 200, view);
    });

    get('/proofs/aggregate/:submitter/:counterparty/:period', (r, req) => {
      this.caller('GET /proofs/aggregate/{submitter}/{counterparty}/{period}', req);
      const submitter = optionalUint(req.getParameter(0), 'submitter');
      const counterparty = optionalUint(req.getParameter(1), 'counterparty');
      const period = req.getParameter(2) ?? '';
      if (!/^[0-9A-Za-z+-]{1,32}$/.test(period)) throw new HttpError(400, 'bad_parameter', 'period: a period id of the consortium\'s rule, e.g. 2026-11');
      const a = submitter === undefined || counterparty === undefined ? undefined : queries.chargeAggregate?.(submitter, counterparty, period);
      // The message names no operator (P4: errors name nobody but the caller).
      if (!a) throw new HttpError(404, 'not_found', `no charge aggregate for this pair and period: no batch of it is proven yet`);
      sendJson(r, 200, { submitter: a.submitter, counterparty: a.counterparty, period: a.period, commitment: { x: a.x, y: a.y }, batches: a.batches, chunks: a.chunks, height: a.height });
    });

    get('/receipts/:hash', (r, req) => {
      const caller = this.caller('GET /receipts/{hash}', req);
      const hash = hashParam(req.getParameter(0));
      const receipt = queries.receipt(hash);
      if (!receipt || !mayRead(caller, caller.open ? [] : txMembers(queries.tx(hash)?.view))) throw new HttpError(404, 'not_found', `no receipt for ${req.getParameter(0)}`);
      sendJson(r, 200, { hash: req.getParameter(0)?.toLowerCase(), ...receipt });
    });

    get('/settlement/:period/draft', (r, req) => {
      this.caller('GET /settlement/{period}/draft', req);
      if (!queries.settlementDraft) throw new HttpError(404, 'not_found', 'this node drafts no settlements');
      let view;
      try {
        view = queries.settlementDraft(req.getParameter(0) ?? '');
      } catch (err) {
        if (err instanceof PeriodFormatError) throw new HttpError(400, 'bad_parameter', err.message);
        if (err instanceof SettlementDraftRefusedError) throw new HttpError(err.refusal === 'already_settled' || err.refusal === 'proposal_pending' ? 409 : 422, err.refusal, err.message);
        throw err;
      }
      sendJson(r, 200, view);
    });

    // POST /settle: a signed settlement proposal, approval or disclosure (a settlement transaction frame), as POST /tx takes it.
    app.post('/settle', this.frameHandler('/settle', 'POST /settle', (frame) => {
      if (!isSettlementTxFrame(frame)) throw new HttpError(400, 'malformed', 'POST /settle takes a settlement transaction frame ("CDRX") carrying a proposal, an approval or a disclosure');
      let kind: string | undefined;
      try {
        kind = decodeSettlementTx(frame).action.kind;
      } catch {
        kind = undefined; // admission answers a malformed frame with its reject code
      }
      if (kind !== undefined && kind !== 'proposal' && kind !== 'approval' && kind !== 'disclosure') throw new HttpError(400, 'malformed', `POST /settle takes a proposal, an approval or a disclosure, not a ${kind} (POST /tx takes any settlement transaction)`);
      return TxKind.Settlement;
    }));
    app.post('/tx', this.frameHandler('/tx', 'POST /tx', (frame) => (isBatchProofTxFrame(frame) ? TxKind.BatchProof : isVerdictTxFrame(frame) ? TxKind.Verdict : isSettlementTxFrame(frame) ? TxKind.Settlement : TxKind.ContractTx)));


    get('/consensus', (r, req) => {
      this.caller('GET /consensus', req);
      if (!node.consensus) throw new HttpError(404, 'not_a_validator', 'this node runs alone (--solo): it has no consensus to show');
      sendJson(r, 200, node.consensus());
    });

    app.get('/metrics', (res) => {
      const r = responder(res);
      metrics.render().then(
        (text) => send(r, 200, text, metrics.contentType),
        (err: unknown) => sendError(r, err),
      );
    });

    app.post('/cdr', (res, req) => {
      const r = responder(res);
      let caller: Caller;
      try {
        caller = this.caller('POST /cdr', req);
      } catch (err) {
        sendError(r, err);
        return;
      }
      const digest = req.getHeader('content-digest');
      const contentType = req.getHeader('content-type');
      const length = req.getHeader('content-length');
      if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
        sendError(r, new HttpError(415, 'unsupported_media_type', 'POST /cdr takes application/json'));
        return;
      }
      readBody(r, length, this.limits.maxJsonBytes, this.uploads)
        .then((body) => {
          if (!caller.open && caller.coversContentDigest) bodyMatchesDigest(digest, body);
          let json: unknown;
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            throw new HttpError(400, 'malformed', 'body is not JSON');
          }
          const frame = batchFrameFromJson(json);
          checkSignedBody(caller, digest, frame, 'batches', false);
          return ingest.submitTx(frame, ingest.httpSource, { kind: TxKind.CdrBatch });
        })
        .then(({ id, sequence }) => sendJson(r, 202, { status: 'accepted', batchId: toHex(id), sequence: sequence.toString() }))
        .catch((err: unknown) => {
          if (err instanceof BatchRejectedError) {
            sendJson(r, httpStatusFor(err.code), { error: err.reason, message: err.detail, sequence: err.sequence.toString() });
          } else if (err instanceof MalformedFrameError) {
            sendJson(r, 400, { error: 'malformed', message: err.reason });
          } else {
            if (!(err instanceof HttpError)) this.opts.log.error({ err }, 'POST /cdr failed');
            sendError(r, err);
          }
        });
    });
  }
}

/** The operators a stored transaction's view names: a batch's submitter and counterparty, a contract transaction's sender. */
function txMembers(view: Readonly<Record<string, unknown>> | undefined): number[] {
  if (!view) return [];
  const out: number[] = [];
  // A settlement statement names its pair (first, second) besides its submitter.
  for (const k of ['sender', 'submitter', 'counterparty', 'first', 'second']) if (typeof view[k] === 'number') out.push(view[k]);
  // A verdict is its pair's (both operators signed it, either submitted it).
  if (view['type'] === 'verdict' && typeof view['pair'] === 'string') out.push(...view['pair'].split('-').map(Number));
  return out;
}

/** 401 bad_signature unless `body` is what the signed content-digest says. */
function bodyMatchesDigest(digest: string, body: Uint8Array): void {
  try {
    checkContentDigest(digest, body);
  } catch (err) {
    if (err instanceof ContentDigestError) throw new HttpError(401, 'bad_signature', err.message);
    throw err;
  }
}

/**
 * A signed submission: its body must match the signed content-digest, and it may carry only the
 * signer's own frames (403 naming only the signer). Admission checks a claimed submitter's sequence
 * before its signature, so without this another operator's sequence would leak through the answer.
 */
function checkSignedBody(caller: Caller, digest: string, frame: Uint8Array, what: string, checkDigest = true): void {
  if (caller.open) return;
  if (checkDigest && caller.coversContentDigest) bodyMatchesDigest(digest, frame);
  const claim = frameClaim(frame);
  if (claim && claim.signer !== caller.plmn) throw new HttpError(403, 'forbidden', `a request signed by operator ${caller.plmn} may submit its own ${what} only`);
}

function optionalUint(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]{1,10}$/.test(v) || Number(v) > 0xffff_ffff) throw new HttpError(400, 'bad_parameter', `${name} must be an integer in 0..4294967295`);
  return Number(v);
}

function hashParam(v: string | undefined): Uint8Array {
  try {
    return fromHex(v ?? '', 32);
  } catch (err) {
    if (err instanceof HexError) throw new HttpError(400, 'bad_parameter', 'expected a 32-byte hash in hex');
    throw err;
  }
}
