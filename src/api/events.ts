import type { HttpRequest, TemplatedApp } from 'uWebSockets.js';
import { toHex } from '../codec/bytes.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { authRequestOf, type ApiAccess } from './audience.js';
import { refuseUpgradeWith } from './auth/upgrade-refusal.js';
import { HttpError, refuseUpgrade } from './http.js';
import type { NodeEventSource } from './node-api.js';

export const EVENT_TOPICS = ['batches', 'blocks', 'contracts'] as const;

/**
 * Who a subscriber is (ENDPOINT_AUDIENCES 'GET /events'): `all` on an open node; `public` when
 * the node authenticates operators and the upgrade is unsigned (block frames only); an operator
 * when the upgrade is signed (block frames, and the batch and contract frames that name it).
 */
type Subscriber = 'all' | 'public' | number;

/** The uWS topic a subscriber joins for `topic`: per operator for the frames that name operators. */
function topicFor(who: Subscriber, topic: (typeof EVENT_TOPICS)[number]): string | undefined {
  if (topic === 'blocks' || who === 'all') return topic;
  return who === 'public' ? undefined : `${topic}/${who}`;
}

/**
 * WS /events: JSON text frames for every accepted batch, confirmed block (consensus: on the head's
 * branch) and committed block (durable here; with consensus, final), accepted contract
 * transaction and contract receipt. Subscribers choose topics with `?topics=blocks,contracts`
 * (default: all); slow readers are dropped once `maxBackpressure` bytes wait for them, and at most
 * `maxSubscribers` are served at once (an upgrade beyond is refused with 503).
 */
export function mountEvents(
  app: TemplatedApp,
  deps: {
    events: NodeEventSource; metrics: NodeMetrics; maxSubscribers: number; maxBackpressure: number;
    /** Who may read what; without it the stream is open (every frame to everyone). */
    access?: ApiAccess;
    /** The sender of a contract transaction (contract_receipt frames name none). */
    senderOf?: (id: Uint8Array) => number | undefined;
  },
): void {
  const { events, metrics } = deps;
  let subscribers = 0;
  /** Publishes a frame to every subscriber of `topic` (open) and to those of the operators it names. */
  const publish = (topic: 'batches' | 'contracts', operators: readonly (number | undefined)[], frame: () => string): void => {
    const targets = [topic, ...new Set(operators.filter((p): p is number => p !== undefined).map((p) => `${topic}/${p}`))].filter((t) => app.numSubscribers(t) > 0);
    if (targets.length === 0) return;
    const text = frame();
    for (const t of targets) app.publish(t, text);
  };
  events.on('batchAccepted', (e) => {
    publish('batches', [e.submitter, e.counterparty], () => JSON.stringify({
      type: 'batch_accepted', id: toHex(e.id), submitter: e.submitter, counterparty: e.counterparty,
      sequence: e.sequence.toString(), cdrCount: e.cdrCount,
    }));
  });
  events.on('blockCommitted', (e) => {
    if (app.numSubscribers('blocks') === 0) return;
    app.publish('blocks', JSON.stringify({
      type: 'block_committed', height: e.height, hash: toHex(e.hash), timestampMs: e.timestampMs.toString(),
      txCount: e.txIds.length, cdrCount: e.cdrCount, commitMs: Math.round(e.commitMs * 1000) / 1000,
      txIds: e.txIds.map(toHex),
    }));
  });

  events.on('blockConfirmed', (e) => {
    // With consensus: a block on the head's branch, not final yet (block_committed follows when it is final).
    if (app.numSubscribers('blocks') === 0) return;
    app.publish('blocks', JSON.stringify({
      type: 'block_confirmed', height: e.height, hash: toHex(e.hash), txCount: e.txIds.length, cdrCount: e.cdrCount, txIds: e.txIds.map(toHex),
    }));
  });

  events.on('contractTxAccepted', (e) => {
    publish('contracts', [e.sender], () => JSON.stringify({ type: 'contract_tx_accepted', id: toHex(e.id), kind: e.kind, sender: e.sender, sequence: e.sequence.toString() }));
  });
  events.on('contractReceipt', (e) => {
    // The sender is looked up only when some operator's own stream may want it.
    const sender = deps.access?.authenticator ? deps.senderOf?.(e.id) : undefined;
    publish('contracts', [sender], () => JSON.stringify({
      type: 'contract_receipt', id: toHex(e.id), height: e.height, index: e.index, status: e.status, statusName: e.statusName, gasUsed: e.gasUsed.toString(),
    }));
  });

  /** Who the upgrade request is; throws HttpError 401 for a signature the node refuses (never downgraded to anonymous). */
  const subscriberOf = (req: HttpRequest): Subscriber => {
    const access = deps.access;
    if (!access) return 'all';
    if (!access.authenticator) return access.openApi ? 'all' : 'public';
    if (req.getHeader('signature-input') === '' && req.getHeader('signature') === '') return 'public';
    const who = access.authenticator(authRequestOf(req));
    if (!who) throw new HttpError(401, 'authentication_required', 'the upgrade is signed with a key this node does not know');
    return who.plmn;
  };

  app.ws<{ topics: string[] }>('/events', {
    maxPayloadLength: 1024,
    idleTimeout: 120,
    maxBackpressure: deps.maxBackpressure,
    closeOnBackpressureLimit: 1,
    upgrade: (res, req, context) => {
      // uWS opens the socket inside res.upgrade(), so `subscribers` counts every one admitted so far.
      if (subscribers >= deps.maxSubscribers) {
        metrics.apiRefusals.inc({ reason: 'events_subscriber_cap' });
        refuseUpgrade(res, `WS /events has ${subscribers} subscribers, the limit; retry later`);
        return;
      }
      let who: Subscriber;
      try {
        who = subscriberOf(req);
      } catch (err) {
        metrics.apiRefusals.inc({ reason: 'events_unauthenticated' });
        refuseUpgradeWith(res, err);
        return;
      }
      const asked = req.getQuery('topics');
      const chosen = asked ? EVENT_TOPICS.filter((t) => asked.split(',').includes(t)) : [...EVENT_TOPICS];
      const topics = chosen.map((t) => topicFor(who, t)).filter((t): t is string => t !== undefined);
      res.upgrade({ topics }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      subscribers++;
      for (const t of ws.getUserData().topics) ws.subscribe(t);
      metrics.wsConnections.inc({ endpoint: 'events' });
    },
    message: (ws) => {
      ws.end(1003, 'events is a one-way stream');
    },
    close: () => {
      subscribers--;
      metrics.wsConnections.dec({ endpoint: 'events' });
    },
  });
}
