import { createHash } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { batchToJson } from '../codec/batch-json.js';
import { toHex } from '../codec/bytes.js';
import { RejectCode, ReplyKind, type IngestReplyFields } from '../codec/ingest-reply.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { sealedSectionLimit } from '../codec/sealed-section.js';
import type { CdrNode } from '../node/node.js';
import { startTestNode, tempDataDir, TELEKOM_DE, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import { forge, type ForgedBatch } from '../test-helpers/forge.js';
import { expectLedgerExactlyOnce, getJson } from '../test-helpers/ledger.js';

/**
 * Bounded memory per request, against a real node on 127.0.0.1: WS /ingest frames are cut at the
 * size the configured maxBatchRecords needs, POST /cdr uploads are capped in number and bytes before
 * anything is allocated for them, and GET /batch/:id decodes records only when asked, a page at a time.
 */

const MAX_BATCH_RECORDS = 16_384;
/**
 * What a frame of MAX_BATCH_RECORDS records may take: the records plus 1 KiB of header and signature,
 * plus the sealed section's allowance, since the test node's genesis (the devnet's) allows one.
 */
const FRAME_LIMIT = MAX_BATCH_RECORDS * PUBLIC_RECORD_BYTES + 1024 + sealedSectionLimit(MAX_BATCH_RECORDS);
const MAX_UPLOADS = 4;
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_RECORDS_PAGE = 500;
const TIMEOUT_MS = 20_000;

const op = Operator.devnet(TELEKOM_DE);
let seedCounter = 0;
const freshRecords = (count: number): Uint8Array => op.publicRecords(traffic(TELEKOM_DE, VODAFONE_UK, count, `request-memory-${++seedCounter}`));

/** Many distinct records cheaply: hashes in counter mode, commitments kept below the field modulus. */
function syntheticRecords(count: number, seed: string): Uint8Array {
  const out = new Uint8Array(count * PUBLIC_RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    for (let part = 0; part < 4; part++) out.set(createHash('sha256').update(`${seed}:${i}:${part}`).digest(), i * PUBLIC_RECORD_BYTES + part * 32);
    out[i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.commitment] = 0;
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A POST /cdr that declares `declared` bytes, sends `sent` of them and then stalls; `response` is whatever the node answers. */
interface StalledUpload {
  readonly socket: Socket;
  readonly response: Promise<{ status: number | undefined; body: string }>;
}
function stalledUpload(port: number, declared: number, sent: number): Promise<StalledUpload> {
  return new Promise((resolveOpen) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let text = '';
    const response = new Promise<{ status: number | undefined; body: string }>((resolve) => {
      const finish = () => {
        const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
        const head = text.indexOf('\r\n\r\n');
        resolve({ status: m ? Number(m[1]) : undefined, body: head >= 0 ? text.slice(head + 4) : '' });
      };
      socket.on('data', (d) => {
        text += d.toString('latin1');
        const head = text.indexOf('\r\n\r\n');
        const len = /content-length: (\d+)/i.exec(text);
        if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) finish();
      });
      socket.on('close', finish);
      socket.on('error', () => undefined);
    });
    socket.once('connect', () => {
      socket.write(`POST /cdr HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`);
      socket.write('{' + ' '.repeat(Math.max(0, sent - 1)));
      resolveOpen({ socket, response });
    });
  });
}

describe('bounded memory per request', () => {
  let data: { dir: string; cleanup(): void };
  let node: CdrNode;
  const accepted: { id: string; records: number }[] = [];
  let lastSeq = 0n;
  const nextSeq = (): bigint => ++lastSeq;

  async function postValid(b: ForgedBatch): Promise<void> {
    const res = await fetch(`${node.url}/cdr`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batchToJson({ header: b.header, records: b.records, signature: b.signature, bytes: b.frame })),
    });
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 202, body: { batchId: toHex(b.id) } });
    accepted.push({ id: toHex(b.id), records: b.header.recordCount });
  }

  beforeAll(async () => {
    data = tempDataDir();
    node = await startTestNode(data.dir, {
      limits: { maxBatchRecords: MAX_BATCH_RECORDS },
      api: { maxConcurrentUploads: MAX_UPLOADS, maxUploadBytes: MAX_UPLOAD_BYTES, maxRecordsPage: MAX_RECORDS_PAGE },
    });
  });

  afterAll(async () => {
    await node?.stop();
    data?.cleanup();
  });

  describe('WS /ingest frame size follows maxBatchRecords', () => {
    const exchange = async (c: IngestClient, frame: Uint8Array): Promise<{ reply?: IngestReplyFields; closeCode?: number }> => {
      const closed = c.closed().then((closeCode) => ({ closeCode }));
      const reply = c.nextReply().then((r) => ({ reply: r }));
      c.sendRaw(frame);
      return withTimeout(Promise.race([reply, closed]), 'a reply or a close');
    };

    it(`a frame one byte above ${FRAME_LIMIT} (${MAX_BATCH_RECORDS} records) is cut; the node carries on`, async () => {
      const c = await IngestClient.connect(node.ingestUrl);
      expect(await exchange(c, new Uint8Array(FRAME_LIMIT + 1))).toEqual({ closeCode: 1006 });
      const good = forge(freshRecords(5), { sequence: nextSeq() });
      const c2 = await IngestClient.connect(node.ingestUrl);
      await withTimeout(c2.submit(good.frame, good.header.sequence), 'the Ack of a good batch');
      accepted.push({ id: toHex(good.id), records: 5 });
      await c2.close();
      await expectLedgerExactlyOnce(node.url, accepted);
    });

    it('a frame of exactly the limit is read and answered', async () => {
      const c = await IngestClient.connect(node.ingestUrl);
      const { reply } = await exchange(c, new Uint8Array(FRAME_LIMIT));
      expect({ kind: reply?.kind, code: reply?.code }).toEqual({ kind: ReplyKind.Nack, code: RejectCode.Malformed });
      await c.close();
      await expectLedgerExactlyOnce(node.url, accepted);
    });
  });

  describe('POST /cdr uploads are capped', () => {
    it(`uploads beyond ${MAX_UPLOADS} at once get 503 and nothing is allocated for them (nor for stalled ones)`, async () => {
      const before = process.memoryUsage().arrayBuffers;
      const stalled: StalledUpload[] = [];
      try {
        for (let i = 0; i < MAX_UPLOADS; i++) stalled.push(await stalledUpload(node.port, 1_000_000, 1_000));
        await new Promise((r) => setTimeout(r, 200));
        const refused: StalledUpload[] = [];
        for (let i = 0; i < 10; i++) refused.push(await stalledUpload(node.port, 4_000_000, 1_000));
        const answers = await withTimeout(Promise.all(refused.map((u) => u.response)), 'the refusals');
        for (const a of answers) {
          expect(a.status).toBe(503);
          expect(JSON.parse(a.body)).toMatchObject({ error: 'busy' });
        }
        for (const u of refused) u.socket.destroy();
        const grown = process.memoryUsage().arrayBuffers - before;
        // Declared: 4 × 1 MB admitted (1 KB arrived each) + 10 × 4 MB refused. Allocated up front, that is 44 MB.
        expect(grown).toBeLessThan(8 * 1024 * 1024);
      } finally {
        for (const u of stalled) u.socket.destroy();
      }
      // The stalled uploads went away: their slots are free again.
      await withTimeout((async () => {
        for (;;) {
          const b = forge(freshRecords(5), { sequence: lastSeq + 1n });
          const res = await fetch(`${node.url}/cdr`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify(batchToJson({ header: b.header, records: b.records, signature: b.signature, bytes: b.frame })),
          });
          if (res.status === 202) {
            nextSeq();
            accepted.push({ id: toHex(b.id), records: 5 });
            return;
          }
          expect(res.status).toBe(503);
          await new Promise((r) => setTimeout(r, 20));
        }
      })(), 'a free upload slot');
      await expectLedgerExactlyOnce(node.url, accepted);
    });

    it(`uploads whose declared bytes together pass ${MAX_UPLOAD_BYTES} get 503; a small one still goes through`, async () => {
      const stalled: StalledUpload[] = [];
      try {
        for (let i = 0; i < 2; i++) stalled.push(await stalledUpload(node.port, 4_000_000, 100));
        await new Promise((r) => setTimeout(r, 200));
        const third = await stalledUpload(node.port, 4_000_000, 100);
        stalled.push(third);
        const answer = await withTimeout(third.response, 'the refusal');
        expect(answer.status).toBe(503);
        expect(JSON.parse(answer.body)).toMatchObject({ error: 'busy' });
        await postValid(forge(freshRecords(5), { sequence: nextSeq() }));
      } finally {
        for (const u of stalled) u.socket.destroy();
      }
      await expectLedgerExactlyOnce(node.url, accepted);
    });
  });

  describe(`GET /batch/:id of a ${MAX_BATCH_RECORDS}-record batch`, () => {
    let big: ForgedBatch;
    beforeAll(async () => {
      big = forge(syntheticRecords(MAX_BATCH_RECORDS, 'big'), { sequence: nextSeq() });
      const c = await IngestClient.connect(node.ingestUrl);
      const r = await withTimeout(c.submit(big.frame, big.header.sequence), 'the Ack of the big batch');
      await withTimeout(r.committed, 'the commit of the big batch');
      accepted.push({ id: toHex(big.id), records: MAX_BATCH_RECORDS });
      await c.close();
    }, 60_000);

    const recordJson = (i: number) => {
      const r = big.records.subarray(i * PUBLIC_RECORD_BYTES, (i + 1) * PUBLIC_RECORD_BYTES);
      return { eventKeyHash: toHex(r.subarray(0, 32)), commitment: toHex(r.subarray(32, 64)), nullifier: toHex(r.subarray(64, 96)), payloadHash: toHex(r.subarray(96, 128)) };
    };

    it('without ?records=1 decodes no record: 40 such requests at once leave /status answering at once', async () => {
      const one = await getJson(node.url, `/batch/${toHex(big.id)}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: toHex(big.id), status: 'committed', recordCount: MAX_BATCH_RECORDS });
      expect(one.body).not.toHaveProperty('records');
      // /status polled while 40 header-only requests are served at once.
      let polling = true;
      let slowestStatusMs = 0;
      const poller = (async () => {
        while (polling) {
          const t = performance.now();
          const res = await fetch(`${node.url}/status`);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          slowestStatusMs = Math.max(slowestStatusMs, performance.now() - t);
        }
      })();
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 40 }, () => fetch(`${node.url}/batch/${toHex(big.id)}`).then((r) => r.arrayBuffer())));
      const burstMs = performance.now() - t0;
      polling = false;
      await poller;
      // Converting every record to hex costs ~160 ms a request: 40 of them took seconds and held /status as long.
      expect(burstMs).toBeLessThan(2_000);
      expect(slowestStatusMs).toBeLessThan(1_000);
      await expectLedgerExactlyOnce(node.url, accepted);
    });

    it(`pages records with ?records=1&offset=&limit= (at most ${MAX_RECORDS_PAGE} a page)`, async () => {
      const id = toHex(big.id);
      const tail = await getJson(node.url, `/batch/${id}?records=1&offset=16000&limit=450`);
      expect(tail.status).toBe(200);
      expect(tail.body['recordsPage']).toEqual({ offset: 16_000, limit: 450, total: MAX_BATCH_RECORDS });
      expect(tail.body['records']).toEqual(Array.from({ length: MAX_BATCH_RECORDS - 16_000 }, (_, i) => recordJson(16_000 + i)));

      const first = await getJson(node.url, `/batch/${id}?records=1`);
      expect(first.body['recordsPage']).toEqual({ offset: 0, limit: MAX_RECORDS_PAGE, total: MAX_BATCH_RECORDS });
      expect(first.body['records']).toEqual(Array.from({ length: MAX_RECORDS_PAGE }, (_, i) => recordJson(i)));

      const clamped = await getJson(node.url, `/txns/${id}?records=1&offset=1000&limit=100000`);
      expect(clamped.body).toMatchObject({ type: 'cdr_batch', hash: id, recordsPage: { offset: 1_000, limit: MAX_RECORDS_PAGE, total: MAX_BATCH_RECORDS } });
      expect((clamped.body['records'] as unknown[])[0]).toEqual(recordJson(1_000));

      const past = await getJson(node.url, `/batch/${id}?records=1&offset=20000`);
      expect(past.body['records']).toEqual([]);
      for (const q of ['offset=-1', 'offset=abc', 'limit=0', 'limit=x']) {
        const bad = await getJson(node.url, `/batch/${id}?records=1&${q}`);
        expect({ q, status: bad.status, error: bad.body['error'] }).toEqual({ q, status: 400, error: 'bad_parameter' });
      }
      await expectLedgerExactlyOnce(node.url, accepted);
    });
  });
});
