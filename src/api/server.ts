import uWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { batchFrameFromJson } from '../codec/batch-json.js';
import { fromHex, HexError, toHex } from '../codec/bytes.js';
import { MalformedFrameError } from '../codec/errors.js';
import { MAX_CONTRACT_TX_FRAME_BYTES } from '../codec/contract-tx.js';
import { batchFrameBytes } from '../chain/admission-budget.js';
import { BatchRejectedError } from '../chain/reject.js';
import type { Chain } from '../chain/chain.js';
import type { BatchView, RecordsPage } from '../chain/queries.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { mountEvents } from './events.js';
import { validateApiLimits, type ApiLimits } from './api-limits.js';
import { HttpError, readBody, responder, send, sendError, sendJson, streamJson, UploadBudget, type Responder } from './http.js';
import { mountIngest } from './ingest.js';
import { httpStatusFor } from './reject-status.js';

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

export interface ApiOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly chain: Chain;
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
    const { chain, metrics, log } = this.opts;
    // The largest frame this node takes: a batch of its maxBatchRecords, or a contract transaction.
    const maxFrameBytes = Math.max(batchFrameBytes(chain.limits.maxBatchRecords), MAX_CONTRACT_TX_FRAME_BYTES);
    this.ingest = mountIngest(app, {
      chain, metrics, log, maxFrameBytes,
      maxConnections: this.limits.maxIngestConnections, badSignaturesBeforeClose: this.limits.badSignaturesBeforeClose,
    });
    mountEvents(app, { chain, metrics, maxSubscribers: this.limits.maxEventSubscribers, maxBackpressure: this.limits.eventsMaxBackpressure });
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
    const { chain, metrics } = this.opts;
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
      const head = chain.queries.chainHead();
      sendJson(r, 200, {
        node: 'cdrchain', version: this.opts.version, chainId: chain.genesis.chainId,
        // What clients sign for: every batch and contract transaction binds this chain's identity.
        genesisHash: toHex(chain.identity),
        height: head.height, headHash: toHex(head.hash),
        mempool: chain.queries.mempoolSize(),
        nullifiers: chain.nullifiers.size,
        operators: chain.operators.list().map((o) => ({ plmn: o.plmn, name: o.name })),
        workers: chain.verifierThreads,
        diskBytes: chain.diskBytes(),
        storage: chain.storageStatus(),
        ready: chain.readiness(),
        uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      });
    });

    // Orchestrator probes: live = the process answers (restart it if not); ready = send it work.
    get('/health/live', (r) => {
      sendJson(r, 200, { status: 'live' });
    });
    get('/health/ready', (r) => {
      const { ready, checks } = chain.readiness();
      const storage = chain.storageStatus();
      sendJson(r, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not_ready', checks,
        ...(storage.writable ? {} : { reason: `storage not writable: ${storage.reason ?? 'unknown'}` }),
      });
    });

    get('/operators/:plmn', (r, req) => {
      const plmn = optionalUint(req.getParameter(0), 'plmn');
      const operator = plmn === undefined ? undefined : chain.operators.get(plmn);
      if (!operator) throw new HttpError(404, 'not_found', `no operator ${req.getParameter(0)}`);
      sendJson(r, 200, {
        plmn: operator.plmn, name: operator.name, batchKey: toHex(operator.batchKey),
        lastSequence: (chain.lastAcceptedSequence(operator.plmn) ?? 0n).toString(),
        lastContractSequence: (chain.lastAcceptedContractSequence(operator.plmn) ?? 0n).toString(),
      });
    });

    get('/blocks', (r, req) => {
      const from = optionalUint(req.getQuery('from'), 'from');
      const limit = Math.min(optionalUint(req.getQuery('limit'), 'limit') ?? 20, MAX_BLOCKS_PAGE);
      sendJson(r, 200, { blocks: chain.queries.blocks(from, limit) });
    });

    get('/blocks/:height', (r, req) => {
      const height = optionalUint(req.getParameter(0), 'height');
      const block = height === undefined ? undefined : chain.queries.block(height);
      if (!block) throw new HttpError(404, 'not_found', `no block at height ${req.getParameter(0)}`);
      sendJson(r, 200, block);
    });

    /** A batch without its records, or with one page of them (?records=1&offset=&limit=), streamed. */
    const batch = (r: Responder, req: HttpRequest, id: Uint8Array, extra: (view: BatchView) => Record<string, unknown>): boolean => {
      const stored = chain.queries.batch(id);
      if (!stored) return false;
      if (req.getQuery('records') !== '1') {
        sendJson(r, 200, { ...extra(stored.view), ...stored.view });
        return true;
      }
      if (stored.pruned) {
        throw new HttpError(410, 'records_pruned', `the records of batch ${stored.view.id} were pruned by the node's retention policy; its signed header (Merkle root, records digest) is kept: ask without ?records=1`);
      }
      const offset = optionalUint(req.getQuery('offset'), 'offset') ?? 0;
      const asked = optionalUint(req.getQuery('limit'), 'limit');
      if (asked === 0) throw new HttpError(400, 'bad_parameter', 'limit must be at least 1');
      const page: RecordsPage = { offset, limit: Math.min(asked ?? this.limits.maxRecordsPage, this.limits.maxRecordsPage), total: stored.recordCount };
      const head = JSON.stringify({ ...extra(stored.view), ...stored.view, recordsPage: page });
      const end = Math.min(page.offset + page.limit, page.total);
      const { recordsJson } = stored;
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
      return true;
    };
    get('/batch/:id', (r, req) => {
      if (!batch(r, req, hashParam(req.getParameter(0)), () => ({}))) throw new HttpError(404, 'not_found', `no batch ${req.getParameter(0)}`);
    });
    get('/txns/:hash', (r, req) => {
      const id = hashParam(req.getParameter(0));
      const contractTx = chain.queries.contractTx(id);
      if (contractTx) {
        sendJson(r, 200, contractTx);
        return;
      }
      if (!batch(r, req, id, (view) => ({ type: 'cdr_batch', hash: view.id }))) throw new HttpError(404, 'not_found', `no transaction ${req.getParameter(0)}`);
    });

    get('/receipts/:hash', (r, req) => {
      const receipt = chain.queries.receipt(hashParam(req.getParameter(0)));
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
        .then((body) => chain.submitContractTx(new Uint8Array(body), chain.httpSource))
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
          return chain.submit(batchFrameFromJson(json), chain.httpSource);
        })
        .then(({ id, header }) => sendJson(r, 202, { status: 'accepted', batchId: toHex(id), sequence: header.sequence.toString() }))
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
