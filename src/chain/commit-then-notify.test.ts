// Commit, then notify: listeners of chain events hear of work that is already durable, and nothing
// they do can undo it (issue 12). Real chains and a real node: LMDB, workers, the solo schedule, WS
// ingest. Each case fails if ChainEvents stops isolating listeners (src/chain/events.ts).
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Operator } from '../client/operator.js';
import { signDeploy } from '../client/contract-tx.js';
import { toHex } from '../codec/bytes.js';
import { decodeIngestReply, ReplyKind, type IngestReplyFields } from '../codec/ingest-reply.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import { openTestChain } from '../test-helpers/chain.js';
import { sumContract } from '../test-helpers/contracts.js';
import { ORANGE_FR, startTestNode, TELEKOM_DE, tempDataDir, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { Chain } from './chain.js';
import { devnetBatchSeed } from './genesis.js';

const op = Operator.devnet(TELEKOM_DE);
const batch = (seq: bigint, seed: string) => op.batch(traffic(TELEKOM_DE, VODAFONE_UK, 25, seed), seq);

describe('commit, then notify', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(): Promise<{ chain: Chain; metrics: NodeMetrics }> {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const chain = await openTestChain(data.dir, { metrics });
    cleanups.push(() => chain.close());
    return { chain, metrics };
  }

  it('a throwing blockCommitted listener neither fails the commit nor re-queues its transactions', async () => {
    const { chain, metrics } = await open();
    const seen: { height: number; pending: boolean }[] = [];
    chain.events.on('blockCommitted', (block) => {
      // Listeners run after the commit: the head has moved and the block's transactions left the mempool.
      seen.push({ height: chain.committed.head.height, pending: block.txIds.some((id) => chain.mempool.get(id) !== undefined) });
      throw new Error('listener bug (block)');
    });
    const first = batch(1n, 'cn-1');
    await chain.submit(first.frame.slice(), chain.httpSource);
    await chain.flush(); // rejects with BlockCommitFailedError if the listener's error reached the committer
    expect(chain.readiness().checks.blocks).toBe(true);
    await new Promise((r) => setTimeout(r, 150)); // several 10 ms timer ticks: nothing is committed again
    expect(chain.queries.chainHead().height).toBe(1);
    expect(chain.queries.mempoolSize()).toEqual({ txs: 0, cdrs: 0 });
    expect(seen).toEqual([{ height: 1, pending: false }]);

    const second = batch(2n, 'cn-2');
    await chain.submit(second.frame.slice(), chain.httpSource);
    await chain.flush();
    expect(chain.queries.block(2)?.txIds).toEqual([toHex(second.id)]); // the first batch was not put back
    expect(chain.queries.chainHead().height).toBe(2);
    expect(await metrics.render()).toMatch(/cdrchain_event_listener_errors_total\{event="blockCommitted"\} 2/);
  });

  it('a throwing batchAccepted or contractTxAccepted listener does not turn an accepted transaction into a rejection', async () => {
    const { chain, metrics } = await open();
    chain.events.on('batchAccepted', () => {
      throw new Error('listener bug (batch)');
    });
    chain.events.on('contractTxAccepted', () => {
      throw new Error('listener bug (contract)');
    });
    const b = batch(1n, 'cn-3');
    const accepted = await chain.submitTx(b.frame.slice(), chain.httpSource);
    expect(toHex(accepted.id)).toBe(toHex(b.id));
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1_000n, container: sumContract(), seed: devnetBatchSeed(ORANGE_FR) });
    expect(toHex((await chain.submitTx(deploy.frame.slice(), chain.httpSource)).id)).toBe(toHex(deploy.hash));
    // Both are durable and the node's own listeners still ran: the schedule was nudged and committed them.
    await chain.flush();
    expect(chain.queries.batch(b.id)?.view.status).toBe('committed');
    expect(chain.queries.tx(deploy.hash)?.view.status).toBe('committed');
    const text = await metrics.render();
    expect(text).toMatch(/cdrchain_event_listener_errors_total\{event="batchAccepted"\} 1/);
    expect(text).toMatch(/cdrchain_event_listener_errors_total\{event="contractTxAccepted"\} 1/);
  });

  it('over WS /ingest, listeners that throw before the API\'s own still let the client see Ack, then Committed', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const node = await startTestNode(data.dir);
    cleanups.push(() => node.stop());
    // prependListener: these run before the API's Ack and Committed listeners.
    node.chain.events.prependListener('batchAccepted', () => {
      throw new Error('listener bug (batch)');
    });
    node.chain.events.prependListener('blockCommitted', () => {
      throw new Error('listener bug (block)');
    });
    const ws = new WebSocket(node.ingestUrl);
    cleanups.push(() => ws.close());
    const replies: IngestReplyFields[] = [];
    ws.on('message', (m: Buffer) => replies.push(decodeIngestReply(new Uint8Array(m))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const b = batch(1n, 'cn-ws');
    ws.send(b.frame);
    const deadline = Date.now() + 10_000;
    while (replies.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Alone, a committed block is final: Committed and Final come together.
    expect(replies.map((r) => r.kind)).toEqual([ReplyKind.Ack, ReplyKind.Committed, ReplyKind.Final]);
    expect(toHex(replies[0]!.batchId)).toBe(toHex(b.id));
    expect(replies[1]!.height).toBe(1n);
    expect(replies[2]!.height).toBe(1n);
  });
});
