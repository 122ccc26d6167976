// The explorer's first page on a node that holds 1 M CDRs (issue 15's target: interactive within
// 1 s; its JavaScript under 300 KB compressed). A fresh node is filled with the pipeline
// benchmark's signed batches replayed over WebSocket, then Debian's Chromium (CHROMIUM_PATH, no
// browser download) opens `/` several times: a cold load (empty cache) and warm ones. "Interactive"
// is what the browser test uses: the recent-blocks table rendered from the API, timed in the page
// from navigation start (performance.now()), so the harness' own overhead is not counted.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/explorer/first-page.js [--cdrs 1000000] [--loads 5]
//
// Writes bench/results/explorer.json.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { machineLine, repoRoot, resultEnvelope, writeResult } from '../machine.js';
import { prepareDataset } from '../pipeline/run.js';
import { killAllChildren, NodeChild, ReplayChild } from '../pipeline/processes.js';
import { BatchOutcome } from '../pipeline/protocol.js';

export const TARGETS = { firstPageInteractiveMs: 1000, jsCompressedBytes: 300 * 1024 } as const;

const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const cdrs = arg('--cdrs', 1_000_000);
  const loads = arg('--loads', 5);
  const log = (l: string): void => console.error(l);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  const build = JSON.parse(readFileSync(join(repoRoot(), 'dist', 'explorer', 'build.json'), 'utf8')) as { sizes: { js: { gz: number; br: number; raw: number } } };
  log(machineLine());
  const dataset = await prepareDataset('dataset', { cdrs, batchSize: 1000 }, false, log);
  const node = await NodeChild.start({ workers: 2, maxLifetimeSec: 3600 });
  try {
    const replay = await ReplayChild.start({ datasetDir: dataset.dir, ingestUrl: node.info.ingestUrl, mode: 'flat', window: 16, maxSendSeconds: 900, drainTimeoutSec: 120, maxLifetimeSec: 1800 });
    log(`filling node pid ${node.info.pid} with ${replay.planned.cdrs.toLocaleString('en-US')} CDRs`);
    let lastLog = 0;
    const result = await replay.run((p) => {
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  ${p.committedCdrs.toLocaleString('en-US')} committed`);
      }
    }, 1_200_000);
    let storedCdrs = 0;
    result.records.outcome.forEach((o, i) => {
      if (o === BatchOutcome.Committed) storedCdrs += result.records.cdrs[i]!;
    });
    const status = (await (await fetch(`${node.info.url}/status`)).json()) as { height?: number; head?: { height?: number } };
    const height = status.height ?? status.head?.height;
    log(`node holds ${storedCdrs.toLocaleString('en-US')} CDRs at height ${String(height)}; opening the explorer ${loads} times`);

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    const timings: number[] = [];
    let coldResources: { name: string; startMs: number; endMs: number; bytes: number }[] = [];
    let errors = 0;
    try {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      const page = await context.newPage();
      page.on('pageerror', () => errors++);
      page.on('console', (m) => {
        if (m.type() === 'error') errors++;
      });
      for (let i = 0; i < loads; i++) {
        // The first load is cold (a new context: empty HTTP cache); later ones reuse the cache.
        await page.goto(`${node.info.url}/`, { waitUntil: 'commit' });
        const ms = await page.waitForFunction(
          () => {
            // Runs in the page; this file is compiled without the DOM's types.
            const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document;
            return doc.querySelectorAll('#recent-blocks tbody tr').length >= 4 && performance.now();
          },
          undefined,
          { timeout: 60_000, polling: 'raf' },
        );
        timings.push(Math.round((await ms.jsonValue()) as number));
        if (i === 0) {
          // What the cold load waited for: each request's start and end, from the page's own timing.
          coldResources = await page.evaluate(() =>
            performance.getEntriesByType('resource').map((e) => {
              const r = e as unknown as { name: string; startTime: number; responseEnd: number; transferSize: number };
              return { name: r.name.replace(/^https?:\/\/[^/]+/, ''), startMs: Math.round(r.startTime), endMs: Math.round(r.responseEnd), bytes: r.transferSize };
            }),
          );
        }
        log(`  load ${i + 1}: interactive after ${timings.at(-1)} ms`);
      }
    } finally {
      await browser.close();
    }
    const out = {
      ...resultEnvelope(),
      storedCdrs,
      height,
      loads,
      interactiveMs: timings,
      firstPageInteractiveMs: timings[0],
      warmInteractiveMsMedian: timings.length > 1 ? median(timings.slice(1)) : undefined,
      consoleErrors: errors,
      coldResources,
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      jsBytes: build.sizes.js,
      targets: TARGETS,
    };
    log(`explorer first page on ${storedCdrs.toLocaleString('en-US')} CDRs: cold ${out.firstPageInteractiveMs} ms, warm median ${String(out.warmInteractiveMsMedian)} ms; JS ${(build.sizes.js.gz / 1024).toFixed(1)} KB gzip`);
    log(`wrote ${writeResult('explorer', out)}`);
  } finally {
    await node.stop().catch(() => node.kill());
  }
}

main().catch((err: unknown) => {
  console.error(err);
  killAllChildren();
  process.exit(1);
});
