import type { HttpRequest, TemplatedApp, WebSocket } from 'uWebSockets.js';
import { toHex } from '../codec/bytes.js';
import { encodeIngestReply, RejectCode, ReplyKind } from '../codec/ingest-reply.js';
import type { AdmissionSource } from '../chain/admission-budget.js';
import { BatchRejectedError } from '../chain/reject.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { frameClaim } from './auth/frame-signer.js';
import { refuseUpgradeWith } from './auth/upgrade-refusal.js';
import { refuseUpgrade } from './http.js';
import type { NodeEventSource, NodeIngest } from './node-api.js';

/** WebSocket close codes of WS /ingest (RFC 6455 §7.4). */
export const INGEST_CLOSE = {
  /** A text frame: ingest takes binary batch frames only. */
  unsupportedData: 1003,
  /** Too many malformed frames in a row, or too many batches with bad signatures. */
  policyViolation: 1008,
  /** The node is shutting down. */
  goingAway: 1001,
} as const;

/** Consecutive malformed frames tolerated before the connection is closed. */
const MAX_MALFORMED_STREAK = 8;

interface IngestSocket {
  open: boolean;
  /** Frames received so far: replies come back out of order, the streak is judged in arrival order. */
  arrivals: number;
  /** Arrival number of the latest structurally valid frame (known synchronously on receipt). */
  lastWellFormed: number;
  /** Malformed frames received after it. */
  malformedStreak: number;
  /** Accepted batches of this connection waiting for their block, by id (hex). */
  /** Accepted batches not final yet, by id: their sequence, and the height that confirmed them. */
  awaitingCommit: Map<string, { sequence: bigint; committedAt?: number }>;
  /** This connection's in-flight budget: charged by admission, so one connection cannot starve another. */
  source: AdmissionSource;
  /** BadSignature verdicts so far: a forger is closed after a few. */
  badSignatures: number;
  /** The operator that signed the upgrade (api.auth signatures): the only submitter this connection takes. */
  operator: number | undefined;
}

export interface IngestOptions {
  readonly ingest: NodeIngest;
  readonly events: NodeEventSource;
  readonly metrics: NodeMetrics;
  readonly log: Logger;
  /** Largest frame (uWS maxPayloadLength): what the node's maxBatchRecords needs, not what the wire allows. */
  readonly maxFrameBytes: number;
  /** Open connections; beyond it an upgrade is refused with 503. */
  readonly maxConnections: number;
  /** BadSignature verdicts after which the connection is closed with 1008 (only a forger collects them). */
  readonly badSignaturesBeforeClose: number;
  /**
   * Who may open a connection (src/api/endpoint-audiences.ts 'GET /ingest'): the operator that
   * signed the upgrade, undefined on an open node; throws HttpError to refuse it (401).
   */
  readonly authorize?: (req: HttpRequest) => number | undefined;
}

/**
 * WS /ingest: binary batch frames in; per batch an Ack (durable, and relayed to the validators) or
 * a Nack with a reason code out, then Committed (in a block on the head's branch) and Final (in a
 * final block), each with the block height. A malformed frame is answered, not fatal;
 * protocol abuse closes the socket with a code.
 */
export function mountIngest(app: TemplatedApp, deps: IngestOptions): { closeAll(): void } {
  const { ingest, events, metrics, log } = deps;
  const sockets = new Set<WebSocket<IngestSocket>>();
  let connectionNumber = 0;
  const awaiting = new Map<string, WebSocket<IngestSocket>>();

  // Committed when a block on the head's branch names the batch (consensus), Final once the block is
  // durable here (with consensus: final; alone: both at once).
  const reply = (kind: ReplyKind.Committed | ReplyKind.Final, block: { height: number; txIds: readonly Uint8Array[] }): void => {
    for (const id of block.txIds) {
      const key = toHex(id);
      const ws = awaiting.get(key);
      if (!ws) continue;
      const data = ws.getUserData();
      const wait = data.awaitingCommit.get(key);
      if (!wait) continue;
      if (kind === ReplyKind.Committed && wait.committedAt !== undefined) continue;
      if (data.open && (kind === ReplyKind.Final && wait.committedAt === undefined)) {
        ws.send(encodeIngestReply({ kind: ReplyKind.Committed, sequence: wait.sequence, batchId: id, height: BigInt(block.height) }), true);
      }
      if (data.open) ws.send(encodeIngestReply({ kind, sequence: wait.sequence, batchId: id, height: BigInt(block.height) }), true);
      if (kind === ReplyKind.Final) {
        awaiting.delete(key);
        data.awaitingCommit.delete(key);
      } else {
        wait.committedAt = block.height;
      }
    }
  };
  events.on('blockConfirmed', (block) => reply(ReplyKind.Committed, block));
  events.on('blockCommitted', (block) => reply(ReplyKind.Final, block));

  app.ws<IngestSocket>('/ingest', {
    maxPayloadLength: deps.maxFrameBytes,
    idleTimeout: 120,
    maxBackpressure: 4 * 1024 * 1024,
    closeOnBackpressureLimit: 1,
    upgrade: (res, req, context) => {
      // uWS opens the socket inside res.upgrade(), so `sockets` counts every connection admitted so far.
      if (sockets.size >= deps.maxConnections) {
        metrics.apiRefusals.inc({ reason: 'ingest_connection_cap' });
        refuseUpgrade(res, `WS /ingest has ${sockets.size} connections, the limit; retry later`);
        return;
      }
      let operator: number | undefined;
      try {
        operator = deps.authorize?.(req);
      } catch (err) {
        metrics.apiRefusals.inc({ reason: 'ingest_unauthenticated' });
        refuseUpgradeWith(res, err);
        return;
      }
      const source = ingest.connectionSource(`ingest connection ${++connectionNumber}`);
      res.upgrade<IngestSocket>(
        { open: true, arrivals: 0, lastWellFormed: 0, malformedStreak: 0, awaitingCommit: new Map(), source, badSignatures: 0, operator },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      sockets.add(ws);
      metrics.wsConnections.inc({ endpoint: 'ingest' });
    },
    message: (ws, message, isBinary) => {
      if (!isBinary) {
        ws.end(INGEST_CLOSE.unsupportedData, 'ingest takes binary batch frames');
        return;
      }
      // uWS reuses `message` after this callback: copy it into a buffer the worker can own.
      const frame = new Uint8Array(message.slice(0));
      const data = ws.getUserData();
      const arrival = ++data.arrivals;
      const wellFormed = (): void => {
        data.lastWellFormed = arrival;
        data.malformedStreak = 0;
      };
      // An authenticated connection carries its operator's frames only: refused before admission
      // reads them, whose sequence verdict would otherwise tell another operator's sequence.
      const claim = data.operator === undefined ? undefined : frameClaim(frame);
      let admitted: ReturnType<NodeIngest['submitTx']>;
      if (claim && claim.signer !== data.operator) {
        wellFormed();
        admitted = Promise.reject(new BatchRejectedError(RejectCode.UnknownOperator, `this connection is signed by operator ${data.operator}: it takes that operator's frames only`, claim.sequence));
      } else {
        // The frame's file identifier names its kind (a batch, a contract transaction): the node dispatches it.
        admitted = ingest.submitTx(frame, data.source, { onWellFormed: wellFormed });
      }
      admitted.then(
        ({ id, sequence }) => {
          if (!data.open) return;
          const key = toHex(id);
          data.awaitingCommit.set(key, { sequence });
          awaiting.set(key, ws);
          ws.send(encodeIngestReply({ kind: ReplyKind.Ack, sequence, batchId: id }), true);
        },
        (err: unknown) => {
          const rejected = err instanceof BatchRejectedError ? err : new BatchRejectedError(RejectCode.Internal, 'internal error');
          if (rejected.code === RejectCode.Malformed && arrival > data.lastWellFormed) data.malformedStreak++;
          if (rejected.code === RejectCode.BadSignature) data.badSignatures++;
          if (!data.open) return;
          ws.send(encodeIngestReply({ kind: ReplyKind.Nack, sequence: rejected.sequence, code: rejected.code, message: rejected.detail }), true);
          if (data.malformedStreak >= MAX_MALFORMED_STREAK) {
            metrics.apiRefusals.inc({ reason: 'malformed_close' });
            ws.end(INGEST_CLOSE.policyViolation, 'too many malformed frames in a row');
          } else if (data.badSignatures >= deps.badSignaturesBeforeClose) {
            metrics.apiRefusals.inc({ reason: 'bad_signature_close' });
            ws.end(INGEST_CLOSE.policyViolation, `${data.badSignatures} batches with bad signatures`);
          }
        },
      );
    },
    close: (ws) => {
      const data = ws.getUserData();
      data.open = false;
      for (const key of data.awaitingCommit.keys()) awaiting.delete(key);
      sockets.delete(ws);
      metrics.wsConnections.dec({ endpoint: 'ingest' });
    },
  });

  return {
    closeAll() {
      for (const ws of sockets) {
        try {
          ws.end(INGEST_CLOSE.goingAway, 'node shutting down');
        } catch (err) {
          log.debug({ err }, 'ingest socket already closed');
        }
      }
    },
  };
}
