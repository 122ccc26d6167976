import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BatchNackError, IngestClient } from '../client/ingest-client.js';
import { toHex } from '../codec/bytes.js';
import { decodeIngestReply, RejectCode, ReplyKind } from '../codec/ingest-reply.js';
import type { CdrNode } from '../node/node.js';
import { startTestNode, tempDataDir, TELEKOM_DE, VODAFONE_UK, ORANGE_FR } from '../test-helpers/devnet.js';
import { devnetKey, forge } from '../test-helpers/forge.js';
import { expectLedgerExactlyOnce } from '../test-helpers/ledger.js';
import { devnetOperator, freshRecords as freshRecordsOf } from '../test-helpers/records.js';

/**
 * Hostile clients against a real node on 127.0.0.1: a connection flooding forged frames that name
 * a real operator, a connection that keeps sending bad signatures, and more connections and
 * subscribers than the node takes. Each test ends with the node answering GET /status and every
 * acknowledged batch present exactly once.
 */

const MAX_INGEST_CONNECTIONS = 6;
const MAX_EVENT_SUBSCRIBERS = 3;
const BAD_SIGNATURES_BEFORE_CLOSE = 4;
const TIMEOUT_MS = 15_000;

const operator = devnetOperator;
const freshRecords = (submitter: number, counterparty: number, count: number): Uint8Array => freshRecordsOf(submitter, counterparty, count, 'fair-admission');

function withTimeout<T>(p: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface Flood {
  readonly stats: { sent: number; busy: number; badSignature: number; connections: number; closeCodes: number[] };
  /** Resolves once the node has answered one of the flood's frames Busy: it is saturated. */
  readonly saturated: Promise<void>;
  stop(): Promise<void>;
}

/**
 * An anonymous client that floods copies of one forged frame: `burst` on connecting, a new copy for
 * every verdict, `burst / 10` more every 10 ms (about 10,000 frames a second, faster than two workers
 * reject them), and a fresh connection whenever the node closes the last one.
 */
function flood(url: string, frame: Uint8Array, burst: number): Flood {
  const stats = { sent: 0, busy: 0, badSignature: 0, connections: 0, closeCodes: [] as number[] };
  let stopped = false;
  let current: WebSocket | undefined;
  let onSaturated: () => void = () => undefined;
  const saturated = new Promise<void>((r) => (onSaturated = r));
  const send = (ws: WebSocket): void => {
    if (ws.readyState !== WebSocket.OPEN) return;
    stats.sent++;
    ws.send(frame, { binary: true });
  };
  const connect = (): void => {
    if (stopped) return;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    current = ws;
    ws.on('open', () => {
      stats.connections++;
      for (let i = 0; i < burst; i++) send(ws);
    });
    ws.on('message', (data: Buffer) => {
      const r = decodeIngestReply(new Uint8Array(data.buffer, data.byteOffset, data.length));
      if (r.kind === ReplyKind.Nack && r.code === RejectCode.Busy) {
        stats.busy++;
        onSaturated();
      }
      if (r.kind === ReplyKind.Nack && r.code === RejectCode.BadSignature) stats.badSignature++;
      if (!stopped && !(r.kind === ReplyKind.Nack && r.code === RejectCode.Busy)) send(ws);
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number) => {
      stats.closeCodes.push(code);
      setTimeout(connect, 5);
    });
  };
  const topUp = setInterval(() => {
    if (current) for (let i = 0; i < burst / 10; i++) send(current);
  }, 10);
  connect();
  return {
    stats,
    saturated,
    async stop() {
      stopped = true;
      clearInterval(topUp);
      const ws = current;
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.terminate();
        });
      }
    },
  };
}

/** Opens a WebSocket; resolves with the open socket or with the HTTP status and body of the refusal. */
function tryUpgrade(url: string): Promise<{ ws: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => reject(err));
  });
}

const closeWs = (ws: WebSocket): Promise<void> =>
  new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.close(1000);
  });

describe('fair admission: hostile connections', () => {
  let data: { dir: string; cleanup(): void };
  let node: CdrNode;
  const accepted: { id: string; records: number }[] = [];
  const lastSeq = new Map<number, bigint>();
  const nextSeq = (plmn: number): bigint => {
    const s = (lastSeq.get(plmn) ?? 0n) + 1n;
    lastSeq.set(plmn, s);
    return s;
  };

  beforeAll(async () => {
    data = tempDataDir();
    node = await startTestNode(data.dir, {
      api: { maxIngestConnections: MAX_INGEST_CONNECTIONS, maxEventSubscribers: MAX_EVENT_SUBSCRIBERS, badSignaturesBeforeClose: BAD_SIGNATURES_BEFORE_CLOSE },
    });
  });

  afterAll(async () => {
    await node?.stop();
    data?.cleanup();
  });

  it('an anonymous connection flooding forged frames that name a real operator cannot make that operator Busy', async () => {
    // Signed with another operator's key: it passes every check before the worker.
    const forged = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 8), { sequence: 500_000n, key: devnetKey(VODAFONE_UK) });
    const hostile = flood(node.ingestUrl, forged.frame, 1_000);
    try {
      await withTimeout(hostile.saturated, 'the flood to saturate what the node admits');
      const real = await IngestClient.connect(node.ingestUrl, { busyRetries: 0, window: 1 });
      const firstAttempts: string[] = [];
      try {
        for (let i = 0; i < 25; i++) {
          const b = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
          try {
            const r = await withTimeout(real.submit(b.frame, b.header.sequence), `the answer to batch ${b.header.sequence}`);
            expect(toHex(r.batchId)).toBe(toHex(b.id));
            accepted.push({ id: toHex(b.id), records: 5 });
            firstAttempts.push('ack');
          } catch (err) {
            if (!(err instanceof BatchNackError)) throw err;
            firstAttempts.push(err.reason);
            lastSeq.set(TELEKOM_DE, b.header.sequence - 1n);
          }
        }
      } finally {
        await real.close();
      }
      expect(firstAttempts).toEqual(Array.from({ length: 25 }, () => 'ack'));
      expect(hostile.stats.sent).toBeGreaterThan(1_000);
    } finally {
      await hostile.stop();
    }
    await expectLedgerExactlyOnce(node.url, accepted);
  });

  it(`a connection that sends batches with bad signatures is closed with 1008 after ${BAD_SIGNATURES_BEFORE_CLOSE}; what it sent before is kept`, async () => {
    const ws = new WebSocket(node.ingestUrl, { perMessageDeflate: false });
    await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 'a connection');
    const replies: { kind: ReplyKind; code: RejectCode }[] = [];
    ws.on('message', (d: Buffer) => replies.push(decodeIngestReply(new Uint8Array(d.buffer, d.byteOffset, d.length))));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
    const waitReplies = async (n: number): Promise<void> => {
      await withTimeout((async () => { while (replies.length < n) await new Promise((r) => setTimeout(r, 5)); })(), `${n} replies`);
    };

    // A good batch first: it must survive the close.
    const good = forge(freshRecords(ORANGE_FR, VODAFONE_UK, 6), { submitter: ORANGE_FR, sequence: nextSeq(ORANGE_FR) });
    ws.send(good.frame);
    await waitReplies(1);
    expect(replies[0]!.kind).toBe(ReplyKind.Ack);
    accepted.push({ id: toHex(good.id), records: 6 });

    const bad = (): Uint8Array => forge(freshRecords(ORANGE_FR, VODAFONE_UK, 3), { submitter: ORANGE_FR, sequence: lastSeq.get(ORANGE_FR)! + 1n, key: devnetKey(TELEKOM_DE) }).frame;
    for (let i = 0; i < BAD_SIGNATURES_BEFORE_CLOSE - 1; i++) ws.send(bad());
    await waitReplies(1 + BAD_SIGNATURES_BEFORE_CLOSE - 1);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.send(bad());
    const { code, reason } = await withTimeout(closed, 'the policy close');
    expect(code).toBe(1008);
    expect(reason).toMatch(/signature/);
    const nacks = replies.filter((r) => r.kind === ReplyKind.Nack).map((r) => r.code);
    expect(nacks).toEqual(Array.from({ length: BAD_SIGNATURES_BEFORE_CLOSE }, () => RejectCode.BadSignature));

    // The node holds no grudge: a new connection of the real operator is served.
    const c = await IngestClient.connect(node.ingestUrl);
    const next = forge(freshRecords(ORANGE_FR, VODAFONE_UK, 4), { submitter: ORANGE_FR, sequence: nextSeq(ORANGE_FR) });
    await withTimeout(c.submit(next.frame, next.header.sequence), 'the Ack after reconnecting');
    accepted.push({ id: toHex(next.id), records: 4 });
    await c.close();
    await expectLedgerExactlyOnce(node.url, accepted);
  });

  it(`WS /ingest beyond ${MAX_INGEST_CONNECTIONS} connections is refused with HTTP 503 JSON; a freed slot is reused`, async () => {
    const open: WebSocket[] = [];
    try {
      for (let i = 0; i < MAX_INGEST_CONNECTIONS; i++) {
        const r = await tryUpgrade(node.ingestUrl);
        expect('ws' in r ? 'open' : `refused ${r.status}`).toBe('open');
        if ('ws' in r) open.push(r.ws);
      }
      const refused = await tryUpgrade(node.ingestUrl);
      expect('status' in refused).toBe(true);
      if ('ws' in refused) {
        open.push(refused.ws);
        return;
      }
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'busy' });
      expect((JSON.parse(refused.body) as { message: string }).message).toMatch(/connections/);
      await closeWs(open.pop()!);
      const again = await withTimeout((async () => {
        for (;;) {
          const r = await tryUpgrade(node.ingestUrl);
          if ('ws' in r) return r.ws;
          await new Promise((res) => setTimeout(res, 20));
        }
      })(), 'a freed ingest slot');
      open.push(again);
      // The connections it admitted work.
      const b = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      const reply = new Promise<Buffer>((resolve) => again.once('message', resolve));
      again.send(b.frame);
      const r = decodeIngestReply(new Uint8Array(await withTimeout(reply, 'an Ack')));
      expect(r.kind).toBe(ReplyKind.Ack);
      accepted.push({ id: toHex(b.id), records: 5 });
    } finally {
      await Promise.all(open.map(closeWs));
    }
    await expectLedgerExactlyOnce(node.url, accepted);
  });

  it(`WS /events beyond ${MAX_EVENT_SUBSCRIBERS} subscribers is refused with HTTP 503 JSON; admitted subscribers get events`, async () => {
    const url = `ws://127.0.0.1:${node.port}/events?topics=batches`;
    const open: WebSocket[] = [];
    try {
      for (let i = 0; i < MAX_EVENT_SUBSCRIBERS; i++) {
        const r = await tryUpgrade(url);
        expect('ws' in r ? 'open' : `refused ${r.status}`).toBe('open');
        if ('ws' in r) open.push(r.ws);
      }
      const refused = await tryUpgrade(url);
      if ('ws' in refused) open.push(refused.ws);
      expect('status' in refused ? refused.status : 'upgraded').toBe(503);
      if (!('status' in refused)) return;
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'busy' });
      const event = new Promise<string>((resolve) => open[0]!.once('message', (d: Buffer) => resolve(d.toString())));
      const c = await IngestClient.connect(node.ingestUrl);
      const b = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      await withTimeout(c.submit(b.frame, b.header.sequence), 'an Ack');
      accepted.push({ id: toHex(b.id), records: 5 });
      await c.close();
      expect(JSON.parse(await withTimeout(event, 'a batch_accepted event'))).toMatchObject({ type: 'batch_accepted', id: toHex(b.id) });
    } finally {
      await Promise.all(open.map(closeWs));
    }
    await expectLedgerExactlyOnce(node.url, accepted);
  });
});
