import type { TemplatedApp } from 'uWebSockets.js';
import { toHex } from '../codec/bytes.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { refuseUpgrade } from './http.js';
import type { NodeEventSource } from './node-api.js';

export const EVENT_TOPICS = ['batches', 'blocks', 'contracts'] as const;

/**
 * WS /events: JSON text frames for every accepted batch, confirmed block (consensus: on the head's
 * branch) and committed block (durable here; with consensus, final), accepted contract
 * transaction and contract receipt. Subscribers choose topics with `?topics=blocks,contracts`
 * (default: all); slow readers are dropped once `maxBackpressure` bytes wait for them, and at most
 * `maxSubscribers` are served at once (an upgrade beyond is refused with 503).
 */
export function mountEvents(app: TemplatedApp, deps: { events: NodeEventSource; metrics: NodeMetrics; maxSubscribers: number; maxBackpressure: number }): void {
  const { events, metrics } = deps;
  let subscribers = 0;
  events.on('batchAccepted', (e) => {
    if (app.numSubscribers('batches') === 0) return;
    app.publish('batches', JSON.stringify({
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
    if (app.numSubscribers('contracts') === 0) return;
    app.publish('contracts', JSON.stringify({ type: 'contract_tx_accepted', id: toHex(e.id), kind: e.kind, sender: e.sender, sequence: e.sequence.toString() }));
  });
  events.on('contractReceipt', (e) => {
    if (app.numSubscribers('contracts') === 0) return;
    app.publish('contracts', JSON.stringify({
      type: 'contract_receipt', id: toHex(e.id), height: e.height, index: e.index, status: e.status, statusName: e.statusName, gasUsed: e.gasUsed.toString(),
    }));
  });

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
      const asked = req.getQuery('topics');
      const topics = asked ? asked.split(',').filter((t) => (EVENT_TOPICS as readonly string[]).includes(t)) : [...EVENT_TOPICS];
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
