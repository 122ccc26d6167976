import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Service, type Cdr } from '../cdr/model.js';
import { generateCounterpartyView } from '../cdr/synthetic.js';
import { toHex } from '../codec/bytes.js';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { startRogueCluster, type RogueCluster } from '../node/byzantine/rogue-cluster.js';
import { calendarMonthOf, formatCalendarMonth } from '../reconciliation/period.js';
import { traffic } from '../test-helpers/devnet.js';
import { filesUnder, findLeaks, plaintextNeedles, type Leak, type Needle, type Part } from '../test-helpers/plaintext-needles.js';
import { waitUntil } from '../test-helpers/rogue-validator.js';

/**
 * P1 (issue 13): no CDR field appears in blocks, public state, the public API or P2P messages.
 * Three honest validator processes and a fourth validator played by the test (it takes part in
 * the P2P network and keeps every message it receives: the frame tap). Records with recognisable
 * values go through the real client; once they are final everywhere, every file of every
 * validator's directory, every API answer (the API is open: the widest surface) and the events
 * stream, and every captured P2P message are searched for those values in every encoding.
 */
describe('P1: no plaintext on the public ledger', () => {
  let r: RogueCluster;
  let marked: Cdr[];
  let needles: Needle[];
  const events: Buffer[] = [];
  let eventsSocket: WebSocket;
  const batchIds: string[] = [];

  beforeAll(async () => {
    r = await startRogueCluster();
    const { c } = r;
    eventsSocket = new WebSocket(`${c.url(1).replace(/^http/, 'ws')}/events`);
    eventsSocket.on('message', (data: Buffer) => events.push(Buffer.from(data)));
    await new Promise<void>((res, rej) => {
      eventsSocket.once('open', () => res());
      eventsSocket.once('error', rej);
    });

    const a = c.plmn(0);
    const b = c.plmn(1);
    const tag = randomBytes(4).toString('hex');
    const now = Math.floor(Date.now() / 1000);
    // Data records (duration, volume and charge all present), each field with values nothing else has.
    marked = traffic(a, b, 3, `p1-${tag}`).map((t, k) => ({
      ...t,
      service: Service.Data,
      imsi: `${t.imsi.slice(0, 6)}${987_654_320 + k}`,
      callRef: `P1-callref-${tag}-${k}`,
      recordId: `P1-record-${tag}-${k}`,
      startTime: now - 3 * 3_600 - 977 * (k + 1),
      durationSec: 71_234 + 111 * k,
      volumeBytes: 987_654_321_987n + BigInt(k),
      charge: 765_432_101_234n + 1_000n * BigInt(k),
      tariffId: 3_141_592_653 + k,
    }));
    needles = plaintextNeedles(marked);
    // The submitter's view to validator 0, a batch per record (what a batch header says of its records is then
    // said of one record), and the counterparty's view of the same calls to validator 2, in one batch.
    const views: [number, Operator, Cdr[], number][] = [
      [0, Operator.devnet(a, c.chain), marked, 1],
      [2, Operator.devnet(b, c.chain), marked.map((m) => generateCounterpartyView(m)), marked.length],
    ];
    for (const [validator, operator, cdrs, perBatch] of views) {
      const batches = [...operator.batches(cdrs, perBatch, 1n)];
      const client = await IngestClient.connect(c.ingestUrl(validator), { window: batches.length });
      try {
        await Promise.all(batches.map((batch) => client.submit(batch.frame, batch.header.sequence, batch.id)));
      } finally {
        await client.close();
      }
      batchIds.push(...batches.map((batch) => toHex(batch.id)));
    }
    await waitUntil('both batches final on the three validators', async () => {
      for (const i of r.honest) {
        for (const id of batchIds) {
          const res = await fetch(`${c.url(i)}/batch/${id}`);
          if (res.status !== 200 || ((await res.json()) as { stage?: string }).stage !== 'final') return false;
        }
      }
      return true;
    }, 60_000);
  }, 120_000);

  afterAll(async () => {
    eventsSocket?.close();
    await r?.close();
  });

  function expectNoLeaks(leaks: Leak[]): void {
    expect(leaks.map((l) => `${l.field} (${l.encoding}) in ${l.source}: ${l.parts.join(', ')}`)).toEqual([]);
  }

  it('the needles are live: the operator\'s own records file would be caught', () => {
    const csvLike = Buffer.from(marked.map((m) => [m.imsi, m.callRef, m.recordId, m.startTime, m.durationSec, m.volumeBytes, m.charge, m.tariffId].join(',')).join('\n'));
    const found = new Set(findLeaks('csv', [{ name: 'records.csv', bytes: csvLike }], needles).map((l) => l.field));
    expect([...found].sort()).toEqual(['callRef', 'charge', 'durationSec', 'imsi', 'recordId', 'startTime', 'tariffId', 'volumeBytes']);
  });

  it('no file in any validator\'s directory (LMDB databases, body files, logs) holds a CDR field', () => {
    const leaks: Leak[] = [];
    for (const i of r.honest) {
      const files = [...filesUnder(r.c.plan.validators[i]!.dir)];
      expect(files.length).toBeGreaterThan(3);
      leaks.push(...findLeaks(`validator ${i}'s files`, files, needles));
    }
    expectNoLeaks(leaks);
  });

  it('no API answer, on any validator, and no event on WS /events holds a CDR field', async () => {
    const { c } = r;
    const [a, b] = [c.plmn(0), c.plmn(1)];
    const month = formatCalendarMonth(calendarMonthOf(marked[0]!.startTime));
    const leaks: Leak[] = [];
    for (const i of r.honest) {
      const answers: Part[] = [];
      const head = ((await (await fetch(`${c.url(i)}/status`)).json()) as { height: number }).height;
      const paths = [
        '/status', '/health/live', '/health/ready', `/operators/${a}`, `/operators/${b}`, '/blocks?limit=100', '/consensus', '/metrics',
        `/reconciliation/${a}-${b}/${month}`, `/reconciliation/${a}-${b}/${month}/disputes`,
        ...batchIds.flatMap((id) => [`/batch/${id}`, `/txns/${id}`, `/txns/${id}?records=1`, `/receipts/${id}`]),
        ...Array.from({ length: head + 1 }, (_, h) => `/blocks/${h}`),
        `/batch/${'ab'.repeat(32)}`, '/blocks/4000000000', `/operators/99999`,
      ];
      for (const p of paths) {
        const res = await fetch(`${c.url(i)}${p}`);
        answers.push({ name: `GET ${p} (${res.status})`, bytes: Buffer.from(await res.arrayBuffer()) });
      }
      expect(answers.length).toBeGreaterThan(20);
      leaks.push(...findLeaks(`validator ${i}'s API`, answers, needles));
    }
    expect(events.length).toBeGreaterThan(0);
    leaks.push(...findLeaks('WS /events', events.map((e, k) => ({ name: `event ${k}`, bytes: e })), needles));
    expectNoLeaks(leaks);
  });

  it('no P2P message a validator received holds a CDR field (the relayed batches among them)', () => {
    const { rogue } = r;
    // The tap saw the batches themselves, relayed to it as to every validator.
    for (const id of batchIds) expect(rogue.batches.has(id)).toBe(true);
    expect(rogue.received.length).toBeGreaterThan(10);
    expectNoLeaks(findLeaks('P2P messages', rogue.received.map((m, k) => ({ name: `message ${k} (kind ${m.kind})`, bytes: m.payload })), needles));
  });
});
