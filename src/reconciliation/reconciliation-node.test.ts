import { afterEach, describe, expect, it } from 'vitest';
import type { RequestAuthenticator } from '../api/audience.js';
import type { Cdr } from '../cdr/model.js';
import { generatePairTraffic, type PairedEvent } from '../cdr/synthetic.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { IngestClient } from '../client/ingest-client.js';
import type { CdrNode } from '../node/node.js';
import { startNodeProcess } from '../test-helpers/processes.js';
import { devnetOperator } from '../test-helpers/records.js';
import { ORANGE_FR, startTestNode, TELEKOM_DE, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { CountsJson, DisputesPageJson } from './reconciliation-client.js';

// Two days ago (UTC day start): one day of traffic in one month, whose settlement period is still
// open at the node's head (a closed one refuses records: docs/settlement.md, "Periods").
const DAY_START = Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400;
const MONTH = new Date(DAY_START * 1000).toISOString().slice(0, 7);
const PAIR = `${ORANGE_FR}-${VODAFONE_UK}`; // a = 20801 (Orange FR), b = 23415 (Vodafone UK)

interface Truth { matched: number; mismatched: number; onlyA: number; onlyB: number }

/** Both operators' views of `count` calls of 20801 → 23415 in one day of MONTH, with the ground truth. */
function pairTraffic(count: number, seed: string): { events: PairedEvent[]; mine: Cdr[]; theirs: Cdr[]; truth: Truth } {
  const events = [...generatePairTraffic({
    seed, submitter: ORANGE_FR, counterparty: VODAFONE_UK, count, startTime: DAY_START, periodSeconds: 86_400,
    missingRate: 0.04, mismatchRate: 0.05, mismatchKinds: ['duration', 'charge', 'tariff'],
  })];
  const truth: Truth = { matched: 0, mismatched: 0, onlyA: 0, onlyB: 0 };
  for (const e of events) {
    if (!e.counterpartyView) truth.onlyA++;
    else if (!e.submitterView) truth.onlyB++;
    else if (e.mismatch) truth.mismatched++;
    else truth.matched++;
  }
  return { events, mine: events.flatMap((e) => (e.submitterView ? [e.submitterView] : [])), theirs: events.flatMap((e) => (e.counterpartyView ? [e.counterpartyView] : [])), truth };
}

/** Submits `cdrs` as `plmn` through the real client, batches of `size` from `firstSequence`; resolves with the highest committed height. */
async function submitAs(node: { readonly ingestUrl: string }, plmn: number, cdrs: readonly Cdr[], size: number, firstSequence: bigint): Promise<number> {
  const op = devnetOperator(plmn);
  const client = await IngestClient.connect(node.ingestUrl);
  try {
    const results = await Promise.all([...op.batches(cdrs, size, firstSequence)].map((b) => client.submit(b.frame, b.header.sequence)));
    const heights = await Promise.all(results.map((r) => r.committed));
    return Math.max(...heights.map((h) => h.height));
  } finally {
    await client.close();
  }
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

describe('reconciliation on a node', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('classifies both operators\' views exactly as generated, and lists the disputes with the batch and index of each side\'s record', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const node = await startTestNode(data.dir);
    cleanups.push(() => node.stop());
    const { mine, theirs, truth, events } = pairTraffic(3000, 'node');
    expect(truth.mismatched).toBeGreaterThan(100);
    expect(truth.onlyA).toBeGreaterThan(30);
    expect(truth.onlyB).toBeGreaterThan(30);
    // Both operators at once, each with its own client.
    const heights = await Promise.all([submitAs(node, ORANGE_FR, mine, 250, 1n), submitAs(node, VODAFONE_UK, theirs, 300, 1n)]);
    await node.reconciliation!.whenIndexed(Math.max(...heights));

    const { status, body } = await getJson<CountsJson>(`${node.url}/reconciliation/${PAIR}/${MONTH}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      pair: PAIR, period: MONTH, a: ORANGE_FR, b: VODAFONE_UK, events: 3000, ...truth,
      records: { a: mine.length, b: theirs.length }, duplicates: { a: 0, b: 0 },
    });
    expect(body.matched).toBe(3000 - truth.onlyA - truth.onlyB - truth.mismatched);
    expect(body.matchRate).toBeCloseTo(truth.matched / 3000, 5);
    expect(body.indexedHeight).toBeGreaterThanOrEqual(Math.max(...heights));
    // Either order of the pair is the same pair.
    expect((await getJson<CountsJson>(`${node.url}/reconciliation/${VODAFONE_UK}-${ORANGE_FR}/${MONTH}`)).body).toEqual(body);

    // Disputes: exactly the altered and one-sided calls, each pointing at the record on the ledger.
    const all: DisputesPageJson['disputes'][number][] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await getJson<DisputesPageJson>(`${node.url}/reconciliation/${PAIR}/${MONTH}/disputes?offset=${offset}&limit=100`);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(truth.mismatched + truth.onlyA + truth.onlyB);
      all.push(...page.body.disputes);
      if (page.body.disputes.length < 100) break;
    }
    expect(all).toHaveLength(truth.mismatched + truth.onlyA + truth.onlyB);
    // The same list page by page after each page's cursor, the way `cdrchain reconcile` reads it.
    const byCursor: DisputesPageJson['disputes'][number][] = [];
    for (let after: string | null = ''; after !== null; ) {
      const page: { status: number; body: DisputesPageJson } = await getJson<DisputesPageJson>(`${node.url}/reconciliation/${PAIR}/${MONTH}/disputes?limit=37${after === '' ? '' : `&after=${after}`}`);
      expect(page.status).toBe(200);
      byCursor.push(...page.body.disputes);
      after = page.body.next;
    }
    expect(byCursor).toEqual(all);
    const hashOf = (c: Cdr): string => {
      const r = devnetOperator(ORANGE_FR).publicRecords([{ ...c, submitter: ORANGE_FR, counterparty: VODAFONE_UK }]);
      return Buffer.from(r.subarray(RECORD_OFFSET.eventKeyHash, RECORD_OFFSET.eventKeyHash + 32)).toString('hex');
    };
    const expected = new Map<string, string>();
    for (const e of events) {
      const cls = !e.counterpartyView ? 'only_a' : !e.submitterView ? 'only_b' : e.mismatch ? 'mismatched' : undefined;
      if (cls) expected.set(hashOf((e.submitterView ?? e.counterpartyView)!), cls);
    }
    expect(new Map(all.map((d) => [d.eventHash, d.class]))).toEqual(expected);
    expect(all.map((d) => d.class)).toEqual([...all.map((d) => d.class)].sort((x, y) => ['mismatched', 'only_a', 'only_b'].indexOf(x) - ['mismatched', 'only_a', 'only_b'].indexOf(y)));
    // A locator names the batch and index holding that very event hash.
    for (const d of [all[0]!, all.find((x) => x.class === 'only_b')!]) {
      for (const l of [d.a, d.b]) {
        if (!l) continue;
        const batch = await getJson<{ height: number; records: { eventKeyHash: string }[] }>(`${node.url}/batch/${l.batchId}?records=1&offset=${l.recordIndex}&limit=1`);
        expect(batch.body.height).toBe(l.height);
        expect(batch.body.records[0]!.eventKeyHash).toBe(d.eventHash);
      }
    }
    expect(PUBLIC_RECORD_BYTES).toBe(128);

    // /metrics: the index's progress and what it holds (one-sided events and both-sided ones, the open month).
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    const value = (line: string): number => Number(new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('cdrchain_reconciliation_indexed_records_total')).toBe(mine.length + theirs.length);
    // One-sided entries that a later run made matched or mismatched stay until a merge drops them.
    expect(value('cdrchain_reconciliation_index_entries{kind="one_sided"}')).toBeGreaterThanOrEqual(truth.onlyA + truth.onlyB);
    expect(value('cdrchain_reconciliation_index_entries{kind="one_sided"}')).toBeLessThanOrEqual(3000);
    expect(value('cdrchain_reconciliation_index_entries{kind="events"}')).toBe(3000 - truth.onlyA - truth.onlyB);
    expect(value('cdrchain_reconciliation_index_entries{kind="open_periods"}')).toBe(1);
    // 3,000 events in one (pair, month): a few small runs, no file yet.
    expect(value('cdrchain_reconciliation_index_runs{storage="lmdb"}')).toBeGreaterThanOrEqual(1);
    expect(value('cdrchain_reconciliation_index_runs{storage="file"}')).toBe(0);
    expect(value('cdrchain_reconciliation_index_lag_blocks')).toBe(Math.max(0, node.chain.queries.chainHead().height - node.reconciliation!.indexedHeight));
    expect(value('cdrchain_reconciliation_chunk_seconds_count')).toBeGreaterThan(0);
  });

  it('restarts mid-way without counting anything twice or missing anything, including blocks committed while the index was stopped', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const { mine, theirs, truth } = pairTraffic(2000, 'restart');
    const half = (xs: Cdr[]) => Math.floor(xs.length / 2);

    let node = await startTestNode(data.dir);
    const h1 = await Promise.all([submitAs(node, ORANGE_FR, mine.slice(0, half(mine)), 200, 1n), submitAs(node, VODAFONE_UK, theirs.slice(0, half(theirs)), 200, 1n)]);
    await node.reconciliation!.whenIndexed(Math.max(...h1));
    const midway = (await getJson<CountsJson>(`${node.url}/reconciliation/${PAIR}/${MONTH}`)).body;
    expect(midway.records).toEqual({ a: half(mine), b: half(theirs) });
    await node.stop();

    // Second run: the index is stopped first thing, so these blocks are committed with nobody indexing them.
    node = await startTestNode(data.dir);
    await node.reconciliation!.stop();
    const seqA = BigInt(Math.ceil(half(mine) / 200)) + 1n;
    const seqB = BigInt(Math.ceil(half(theirs) / 200)) + 1n;
    const h2 = await Promise.all([submitAs(node, ORANGE_FR, mine.slice(half(mine), half(mine) + 300), 100, seqA), submitAs(node, VODAFONE_UK, theirs.slice(half(theirs)), 200, seqB)]);
    await node.stop();

    // Third run: catches up from its watermark, then follows new blocks.
    node = await startTestNode(data.dir);
    cleanups.push(() => node.stop());
    const h3 = await submitAs(node, ORANGE_FR, mine.slice(half(mine) + 300), 250, seqA + 3n);
    await node.reconciliation!.whenIndexed(Math.max(h3, ...h2));
    const { body } = await getJson<CountsJson>(`${node.url}/reconciliation/${PAIR}/${MONTH}`);
    expect(body).toMatchObject({ ...truth, records: { a: mine.length, b: theirs.length }, duplicates: { a: 0, b: 0 } });
  });

  it('loses and repeats nothing when the node process is killed (SIGKILL) right after its blocks commit', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const { mine, theirs, truth } = pairTraffic(3000, 'sigkill');
    const proc = await startNodeProcess(data.dir);
    cleanups.push(() => proc.kill());
    const cut = (xs: Cdr[]) => Math.floor(xs.length * 0.6);
    await Promise.all([submitAs(proc, ORANGE_FR, mine.slice(0, cut(mine)), 150, 1n), submitAs(proc, VODAFONE_UK, theirs.slice(0, cut(theirs)), 150, 1n)]);
    await proc.kill(); // the index may be behind, or inside a transaction

    const node = await startTestNode(data.dir);
    cleanups.push(() => node.stop());
    const h = await Promise.all([
      submitAs(node, ORANGE_FR, mine.slice(cut(mine)), 150, BigInt(Math.ceil(cut(mine) / 150)) + 1n),
      submitAs(node, VODAFONE_UK, theirs.slice(cut(theirs)), 150, BigInt(Math.ceil(cut(theirs) / 150)) + 1n),
    ]);
    await node.reconciliation!.whenIndexed(Math.max(...h));
    const { body } = await getJson<CountsJson>(`${node.url}/reconciliation/${PAIR}/${MONTH}`);
    expect(body).toMatchObject({ ...truth, records: { a: mine.length, b: theirs.length }, duplicates: { a: 0, b: 0 } });
  });

  it('answers bad input with 400 and a JSON reason, a pair nobody has with zero counts, and keeps disputes to the pair', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const open = await startTestNode(data.dir);
    cleanups.push(() => open.stop());
    for (const [path, reason] of [
      [`/reconciliation/20801/${MONTH}`, /pair/],
      [`/reconciliation/20801-20801/${MONTH}`, /two different operators/],
      [`/reconciliation/12345-23415/${MONTH}`, /pair/],
      [`/reconciliation/${PAIR}/2026-13`, /month must be 01..12/],
      [`/reconciliation/${PAIR}/november`, /YYYY-MM/],
      [`/reconciliation/${PAIR}/1999-12/disputes`, /year/],
      [`/reconciliation/${PAIR}/${MONTH}/disputes?limit=0`, /limit/],
      [`/reconciliation/${PAIR}/${MONTH}/disputes?limit=5000`, /limit/],
      [`/reconciliation/${PAIR}/${MONTH}/disputes?offset=-1`, /offset/],
      [`/reconciliation/${PAIR}/${MONTH}/disputes?after=only_c:${'ab'.repeat(32)}`, /cursor/],
      [`/reconciliation/${PAIR}/${MONTH}/disputes?after=only_a:${'AB'.repeat(32)}`, /cursor/],
      [`/reconciliation/${PAIR}/${MONTH}/disputes?after=only_a:abcd`, /cursor/],
      [`/reconciliation/${PAIR}/${MONTH}/disputes?after=only_a:${'ab'.repeat(32)}&offset=3`, /not both/],
    ] as const) {
      const { status, body } = await getJson<{ error: string; message: string }>(`${open.url}${path}`);
      expect(status, path).toBe(400);
      expect(body.error, path).toBe('bad_parameter');
      expect(body.message, path).toMatch(reason);
    }
    const none = await getJson<CountsJson>(`${open.url}/reconciliation/${TELEKOM_DE}-${VODAFONE_UK}/2030-01`);
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ events: 0, matched: 0, mismatched: 0, onlyA: 0, onlyB: 0, matchRate: null });
    // The single-node (--solo) devnet default: the API declares itself open, disputes included.
    expect((await getJson<DisputesPageJson>(`${open.url}/reconciliation/${PAIR}/${MONTH}/disputes`)).body).toMatchObject({ total: 0, disputes: [] });

    // Closed, without an authenticator: 401 for the pair's endpoint; counts stay public.
    const closedDir = tempDataDir();
    cleanups.push(closedDir.cleanup);
    const closed = await startTestNode(closedDir.dir, { openApi: false });
    cleanups.push(() => closed.stop());
    const refused = await getJson<{ error: string }>(`${closed.url}/reconciliation/${PAIR}/${MONTH}/disputes`);
    expect(refused).toEqual({ status: 401, body: { error: 'authentication_required', message: expect.any(String) } });
    expect((await getJson(`${closed.url}/reconciliation/${PAIR}/${MONTH}`)).status).toBe(200);

    // With an authenticator (the interface operator authentication implements): members in, a third operator out.
    const authDir = tempDataDir();
    cleanups.push(authDir.cleanup);
    const byHeader: RequestAuthenticator = (req) => {
      const v = req.header('x-test-operator');
      return /^[0-9]{5,6}$/.test(v) ? { plmn: Number(v) } : undefined;
    };
    const authed = await startTestNode(authDir.dir, { apiAuthenticator: byHeader });
    cleanups.push(() => authed.stop());
    const url = `${authed.url}/reconciliation/${PAIR}/${MONTH}/disputes`;
    expect((await getJson(url)).status).toBe(401);
    expect((await getJson(url, { 'x-test-operator': String(VODAFONE_UK) })).status).toBe(200);
    const third = await getJson<{ error: string; message: string }>(url, { 'x-test-operator': String(TELEKOM_DE) });
    expect(third.status).toBe(403);
    expect(third.body.error).toBe('forbidden');
    expect(third.body.message).not.toContain(String(ORANGE_FR));
    expect(third.body.message).not.toContain(String(VODAFONE_UK));
  });
});
