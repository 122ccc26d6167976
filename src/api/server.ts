import uWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { batchFrameFromJson } from '../codec/batch-json.js';
import { fromHex, HexError, toHex } from '../codec/bytes.js';
import { MalformedFrameError } from '../codec/errors.js';
import { MAX_CONTRACT_TX_FRAME_BYTES } from '../codec/contract-tx.js';
import { batchFrameBytes } from '../chain/admission-budget.js';
import { BatchRejectedError } from '../chain/reject.js';
import type { RecordsPage } from '../chain/queries.js';
import { TxKind, type RecordPager } from '../chain/tx-kinds/tx-kind.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { mountEvents } from './events.js';
import { mountExplorerAssets } from './explorer-assets.js';
import { validateApiLimits, type ApiLimits } from './api-limits.js';
import { HttpError, readBody, responder, send, sendError, sendJson, streamJson, UploadBudget, type Responder } from './http.js';
import { mountIngest } from './ingest.js';
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
  port = 0;

  constructor(private readonly opts: ApiOptions) {
    this.limits = validateApiLimits({ ...(opts.maxJsonBytes !== undefined ? { maxJsonBytes: opts.maxJsonBytes } : {}), ...opts.limits });
    this.uploads = new UploadBudget(this.limits.maxConcurrentUploads, this.limits.maxUploadBytes, () => opts.metrics.apiRefusals.inc({ reason: 'upload_cap' }));
  }

  async listen(): Promise<number> {
    const app = uWS.App();
    this.routes(app);
    const { node, metrics, log } = this.opts;
    // The largest frame this node takes: a batch of its maxBatchRecords, or a contract transaction.
    const maxFrameBytes = Math.max(batchFrameBytes(node.ingest.maxBatchRecords), MAX_CONTRACT_TX_FRAME_BYTES);
    this.ingest = mountIngest(app, {
      ingest: node.ingest, events: node.events, metrics, log, maxFrameBytes,
      maxConnections: this.limits.maxIngestConnections, badSignaturesBeforeClose: this.limits.badSignaturesBeforeClose,
    });
    mountEvents(app, { events: node.events, metrics, maxSubscribers: this.limits.maxEventSubscribers, maxBackpressure: this.limits.eventsMaxBackpressure });
    mountExplorerAssets(app); // GET / and /explorer/*: the explorer page (dist/explorer)
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

    get('/status', (r) => {
      // genesisHash is what clients sign for: every batch and contract transaction binds this chain's identity.
      const { chainId, ...status } = queries.status();
      sendJson(r, 200, {
        node: 'cdrchain', version: this.opts.version, chainId, ...status,
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
      const plmn = optionalUint(req.getParameter(0), 'plmn');
      const operator = plmn === undefined ? undefined : queries.operator(plmn);
      if (!operator) throw new HttpError(404, 'not_found', `no operator ${req.getParameter(0)}`);
      sendJson(r, 200, {
        plmn: operator.plmn, name: operator.name, batchKey: operator.batchKey,
        lastSequence: operator.lastSequence.toString(),
        lastContractSequence: operator.lastContractSequence.toString(),
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
      const stored = queries.batch(hashParam(req.getParameter(0)));
      if (!stored) throw new HttpError(404, 'not_found', `no batch ${req.getParameter(0)}`);
      withRecords(r, req, stored.view, stored.view.id, { total: stored.recordCount, pruned: stored.pruned, json: (from, to) => stored.recordsJson(from, to) });
    });
    get('/txns/:hash', (r, req) => {
      const stored = queries.tx(hashParam(req.getParameter(0)));
      if (!stored) throw new HttpError(404, 'not_found', `no transaction ${req.getParameter(0)}`);
      withRecords(r, req, stored.view, stored.view.hash, stored.records);
    });

    get('/receipts/:hash', (r, req) => {
      const receipt = queries.receipt(hashParam(req.getParameter(0)));
      if (!receipt) throw new HttpError(404, 'not_found', `no receipt for ${req.getParameter(0)}`);
      sendJson(r, 200, { hash: req.getParameter(0)?.toLowerCase(), ...receipt });
    });

    app.post('/tx', (res, req) => {
      const r = responder(res);
      const contentType = req.getHeader('content-type');
      const length = req.getHeader('content-length');
      if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/octet-stream') {
        sendError(r, new HttpError(415, 'unsupported_media_type', 'POST /tx takes a binary contract transaction frame (application/octet-stream)'));
        return;
      }
      readBody(r, length, MAX_CONTRACT_TX_FRAME_BYTES, this.uploads)
        .then((body) => ingest.submitTx(new Uint8Array(body), ingest.httpSource, { kind: TxKind.ContractTx }))
        .then(({ id, sequence }) => sendJson(r, 202, { status: 'accepted', hash: toHex(id), sequence: sequence.toString() }))
        .catch((err: unknown) => {
          if (err instanceof BatchRejectedError) {
            sendJson(r, httpStatusFor(err.code), { error: err.reason, message: err.detail, sequence: err.sequence.toString() });
          } else {
            if (!(err instanceof HttpError)) this.opts.log.error({ err }, 'POST /tx failed');
            sendError(r, err);
          }
        });
    });

    get('/consensus', (r) => {
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
      const contentType = req.getHeader('content-type');
      const length = req.getHeader('content-length');
      if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
        sendError(r, new HttpError(415, 'unsupported_media_type', 'POST /cdr takes application/json'));
        return;
      }
      readBody(r, length, this.limits.maxJsonBytes, this.uploads)
        .then((body) => {
          let json: unknown;
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            throw new HttpError(400, 'malformed', 'body is not JSON');
          }
          return ingest.submitTx(batchFrameFromJson(json), ingest.httpSource, { kind: TxKind.CdrBatch });
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
