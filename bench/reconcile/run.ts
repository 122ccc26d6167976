// Reconciliation benchmark (issue 13, P5 target): both operators' views of N calls each through one
// node (solo, every check on, the index on), then: how long after a block's commit its events are
// classified (every block, and the last one), and how fast GET /reconciliation answers, idle and
// while ingest runs.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/reconcile/run.js [--per-side 1000000] [--batch-size 1000] [--window 16]
//
// Target: 1 M records per side classified within 1 s of the last batch's commit; GET in < 100 ms.
// Writes bench/results/reconcile-<per side>.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuiltBatch } from '../../src/cdr/batch-builder.js';
import type { Cdr } from '../../src/cdr/model.js';
import { generatePairTraffic } from '../../src/cdr/synthetic.js';
import { IngestClient } from '../../src/client/ingest-client.js';
import { Operator } from '../../src/client/operator.js';
import { silentLogger } from '../../src/log.js';
import { CdrNode } from '../../src/node/node.js';
import { resultEnvelope, writeResult } from '../machine.js';

const A = 20801;
const B = 23415;
// The month of two days ago (UTC) and up to 20 days of it, all in the past: its settlement period is
// still open at the node's head (a closed one refuses records: docs/settlement.md, "Periods").
const DAY = 86_400;
const LAST_DAY_START = Math.floor(Date.now() / 1000 / DAY) * DAY - 2 * DAY;
const MONTH_START = Date.UTC(new Date(LAST_DAY_START * 1000).getUTCFullYear(), new Date(LAST_DAY_START * 1000).getUTCMonth(), 1) / 1000;
const SPAN = Math.max(DAY, Math.min(20 * DAY, LAST_DAY_START + DAY - MONTH_START));
const PERIOD = new Date(MONTH_START * 1000).toISOString().slice(0, 7);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer`);
  return v;
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
const summary = (xs: readonly number[]) => ({ n: xs.length, p50: round(quantile(xs, 0.5)), p99: round(quantile(xs, 0.99)), max: round(Math.max(...xs)) });

async function main(): Promise<void> {
  const perSide = arg('per-side', 1_000_000);
  const batchSize = arg('batch-size', 1000);
  const window = arg('window', 16);
  const log = (s: string) => process.stderr.write(`${s}\n`);

  // 1. Both views of the same calls: 1% one-sided (half each side), 2% altered. Ground truth kept.
  log(`building both views of ${perSide} calls...`);
  const t0 = performance.now();
  // Batches are sealed as the calls stream by: only the frames are kept (~129 KiB per 1,000 records).
  const truth = { matched: 0, mismatched: 0, onlyA: 0, onlyB: 0 };
  const side = (plmn: number) => ({ op: Operator.devnet(plmn), pending: [] as Cdr[], batches: [] as BuiltBatch[], records: 0 });
  const sides = [side(A), side(B)] as const;
  const add = (s: (typeof sides)[number], c: Cdr): void => {
    s.pending.push(c);
    s.records++;
    if (s.pending.length >= batchSize) flush(s);
  };
  const flush = (s: (typeof sides)[number]): void => {
    if (s.pending.length === 0) return;
    s.batches.push(s.op.batch(s.pending, BigInt(s.batches.length + 1)));
    s.pending = [];
  };
  for (const e of generatePairTraffic({
    seed: 'bench-reconcile', submitter: A, counterparty: B, count: perSide, startTime: LAST_DAY_START + DAY - SPAN, periodSeconds: SPAN,
    missingRate: 0.01, mismatchRate: 0.02, mismatchKinds: ['duration', 'charge', 'tariff'],
  })) {
    if (e.submitterView) add(sides[0], e.submitterView);
    if (e.counterpartyView) add(sides[1], e.counterpartyView);
    if (!e.counterpartyView) truth.onlyA++;
    else if (!e.submitterView) truth.onlyB++;
    else if (e.mismatch) truth.mismatched++;
    else truth.matched++;
  }
  for (const s of sides) flush(s);
  const [batchesA, batchesB] = [sides[0].batches, sides[1].batches];
  const totalRecords = sides[0].records + sides[1].records;
  log(`built ${batchesA.length} + ${batchesB.length} batches in ${round((performance.now() - t0) / 1000, 1)} s`);

  // 2. A fresh solo node; commit and classification times per block.
  const dir = mkdtempSync(join(tmpdir(), 'cdrchain-bench-reconcile-'));
  const node = await CdrNode.start({ dataDir: dir, host: '127.0.0.1', port: 0, workers: availableParallelism(), log: silentLogger(), defaultMetrics: false });
  try {
    const indexer = node.reconciliation!;
    const committedAt = new Map<number, number>();
    const lags: number[] = [];
    const chunkMs: number[] = [];
    let indexedRecords = 0;
    let indexedNext = indexer.indexedHeight + 1;
    node.chain.events.on('blockCommitted', (e) => {
      if (e.cdrCount > 0) committedAt.set(e.height, performance.now());
    });
    indexer.onIndexed((e) => {
      const now = performance.now();
      for (let h = indexedNext; h < e.nextHeight; h++) {
        const at = committedAt.get(h);
        if (at !== undefined) lags.push(now - at);
      }
      indexedNext = e.nextHeight;
      indexedRecords += e.records;
      chunkMs.push(e.ms);
    });
    const countsUrl = `${node.url}/reconciliation/${A}-${B}/${PERIOD}`;
    const timedGet = async (url: string): Promise<number> => {
      const s = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
      return performance.now() - s;
    };

    // 3. Both operators at once, `window` batches in flight each; GETs sampled every 100 ms meanwhile.
    const underLoad: number[] = [];
    let sending = true;
    const sampler = (async () => {
      while (sending) {
        underLoad.push(await timedGet(countsUrl));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const send = async (batches: BuiltBatch[]): Promise<number> => {
      const client = await IngestClient.connect(node.ingestUrl, { window });
      let top = 0;
      const pending: Promise<void>[] = [];
      // The client holds `window` batches on the wire and queues the rest in order.
      for (const b of batches) {
        pending.push(client.submit(b.frame, b.header.sequence).then((r) => r.committed).then(({ height }) => void (top = Math.max(top, height))));
      }
      await Promise.all(pending);
      await client.close();
      return top;
    };
    const sendStart = performance.now();
    const [hA, hB] = await Promise.all([send(batchesA), send(batchesB)]);
    const lastHeight = Math.max(hA, hB);
    const committedMs = performance.now() - sendStart;
    await indexer.whenIndexed(lastHeight);
    const lastLag = performance.now() - (committedAt.get(lastHeight) ?? NaN);
    sending = false;
    await sampler;

    // 4. The answer, checked against the ground truth; idle GET latencies.
    const counts = (await (await fetch(countsUrl)).json()) as Record<string, unknown>;
    const exact = ['matched', 'mismatched', 'onlyA', 'onlyB'].every((k) => counts[k] === truth[k as keyof typeof truth]);
    const idle: number[] = [];
    for (let i = 0; i < 200; i++) idle.push(await timedGet(countsUrl));
    const disputesTotal = truth.mismatched + truth.onlyA + truth.onlyB;
    const disputes: number[] = [];
    for (let i = 0; i < 50; i++) disputes.push(await timedGet(`${countsUrl}/disputes?offset=${Math.floor((i / 50) * disputesTotal)}&limit=100`));
    // Every page of 100 in turn, each after the previous page's cursor (what `cdrchain reconcile` does).
    const cursorPages: number[] = [];
    let paged = 0;
    for (let next: string | null = null; ; ) {
      const s = performance.now();
      const res = await fetch(`${countsUrl}/disputes?limit=100${next === null ? '' : `&after=${next}`}`);
      const page = (await res.json()) as { disputes: unknown[]; next: string | null };
      if (res.status !== 200) throw new Error(`disputes page: ${res.status}`);
      cursorPages.push(performance.now() - s);
      paged += page.disputes.length;
      if (page.next === null) break;
      next = page.next;
    }
    if (paged !== disputesTotal) throw new Error(`cursor paging listed ${paged} disputes, the truth has ${disputesTotal}`);
    const lastBlockLag = lags.at(-1);

    const result = {
      ...resultEnvelope(),
      perSide, batchSize, window, batches: batchesA.length + batchesB.length,
      truth, counts, exact,
      committedCdrPerSec: Math.round(totalRecords / (committedMs / 1000)),
      /** From the last batch's block commit to its classification being readable (GET shows it). */
      reconcileLatencyMs: round(lastLag),
      lastBlockIndexLagMs: lastBlockLag === undefined ? null : round(lastBlockLag),
      blockIndexLagMs: summary(lags),
      indexChunkMs: summary(chunkMs),
      indexRecordsPerSec: Math.round(indexedRecords / (chunkMs.reduce((s, x) => s + x, 0) / 1000)),
      getCountsMs: { idle: summary(idle), underLoad: summary(underLoad) },
      /** 50 pages of 100 at offsets spread over the list (a deep offset walks every dispute before it). */
      getDisputesPageMs: summary(disputes),
      /** Every page of 100 after the previous page's cursor (each a seek). */
      getDisputesCursorPageMs: { pages: cursorPages.length, ...summary(cursorPages) },
      targets: { reconcileLatencyMs: 1000, getMs: 100 },
    };
    const path = writeResult(`reconcile-${perSide}`, result);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${path}`);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
