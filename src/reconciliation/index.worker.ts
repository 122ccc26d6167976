// The reconciliation index's writer thread: every LMDB write of the index happens here, off the
// main thread that admits batches. It owns the index's write transactions (synchronous: this
// thread does nothing else) and answers each request in order.
import { parentPort, workerData } from 'node:worker_threads';
import type { IndexReply, IndexRequest, IndexWorkerData } from './index-protocol.js';
import { ReconciliationStore } from './reconciliation-store.js';

const port = parentPort!;
const data = workerData as IndexWorkerData;
const send = (reply: IndexReply): void => port.postMessage(reply);

let store: ReconciliationStore | undefined;
try {
  store = ReconciliationStore.open(data.path);
  const { nextHeight, reset } = store.prepare(data.identity, data.chainHeight);
  send({ type: 'ready', nextHeight, reset });
} catch (err) {
  send({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
}

port.on('message', (req: IndexRequest) => {
  if (!store) return;
  switch (req.type) {
    case 'apply': {
      const started = performance.now();
      try {
        const r = store.applyChunk({ blocks: req.blocks, records: req.records, ...(req.closedBelowMonth === undefined ? {} : { closedBelowMonth: req.closedBelowMonth }) });
        send({ type: 'applied', epoch: req.epoch, nextHeight: r.nextHeight, blocks: r.blocks, records: r.records, ms: performance.now() - started });
      } catch (err) {
        send({ type: 'failed', epoch: req.epoch, message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    case 'sync':
      send({ type: 'synced', epoch: req.epoch, nextHeight: store.nextHeight() });
      return;
    case 'close': {
      const s = store;
      store = undefined;
      void s.close().finally(() => {
        send({ type: 'closed' });
        port.close();
      });
      return;
    }
  }
});
