import type { NodeClient } from './api.js';
import type { EventStream } from './event-stream.js';
import { bucketDelta, buckets, histogramQuantile, parseMetrics, total } from './prometheus.js';

/**
 * The home page's live series, all from the node's own data:
 * - ingest rate: GET /metrics scraped every SCRAPE_MS; CDR/s accepted
 *   (cdrchain_ingest_cdrs_accepted_total) and committed (cdrchain_cdrs_committed_total) between scrapes;
 * - admission latency: p50 and p99 of cdrchain_admission_seconds observed between scrapes;
 * - block interval: the gap between consecutive blocks' timestamps (WS /events block_committed,
 *   seeded from GET /blocks).
 * Every series keeps WINDOW_S seconds. Times are seconds since the epoch (uPlot's x scale).
 */

export const SCRAPE_MS = 2000;
export const WINDOW_S = 300;

const WANTED = new Set([
  'cdrchain_ingest_cdrs_accepted_total',
  'cdrchain_cdrs_committed_total',
  'cdrchain_admission_seconds_bucket',
]);

export interface Series {
  readonly t: number[];
  readonly ys: (number | null)[][];
}

function series(n: number): Series {
  return { t: [], ys: Array.from({ length: n }, () => []) };
}

function push(s: Series, t: number, ys: readonly (number | null)[], now: number): void {
  s.t.push(t);
  ys.forEach((y, i) => s.ys[i]!.push(y));
  let drop = 0;
  while (drop < s.t.length && s.t[drop]! < now - WINDOW_S) drop++;
  if (drop > 0) {
    s.t.splice(0, drop);
    for (const y of s.ys) y.splice(0, drop);
  }
}

interface Scrape {
  readonly atS: number;
  readonly accepted: number;
  readonly committed: number;
  readonly admission: { le: number; count: number }[];
}

export class LiveMetrics {
  /** [accepted CDR/s, committed CDR/s] */
  readonly ingest = series(2);
  /** [p50 ms, p99 ms] */
  readonly latency = series(2);
  /** [interval ms] */
  readonly blockInterval = series(1);
  /** Why the last scrape failed, if it did. */
  error: string | undefined;
  private last: Scrape | undefined;
  private lastBlock: { height: number; ms: number } | undefined;
  private readonly listeners = new Set<() => void>();
  private started = false;

  constructor(
    private readonly api: NodeClient,
    private readonly events: EventStream,
  ) {}

  /** Starts once (the first view that shows the charts); the series keep filling while the page is open. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const forever = new AbortController().signal;
    this.events.on('block_committed', (e) => this.addBlock(e.height, Number(e.timestampMs)), forever);
    void this.seedBlocks();
    void this.scrape();
    setInterval(() => void this.scrape(), SCRAPE_MS);
  }

  onUpdate(fn: () => void, signal: AbortSignal): void {
    this.listeners.add(fn);
    signal.addEventListener('abort', () => this.listeners.delete(fn), { once: true });
  }

  private notify(): void {
    for (const f of this.listeners) f();
  }

  private async seedBlocks(): Promise<void> {
    try {
      const blocks = await this.api.blocks(undefined, 100);
      for (const b of blocks.reverse()) this.addBlock(b.height, Number(b.timestampMs), false);
      this.notify();
    } catch {
      // The live events fill the series anyway.
    }
  }

  private addBlock(height: number, ms: number, notify = true): void {
    const prev = this.lastBlock;
    if (prev && height <= prev.height) return;
    this.lastBlock = { height, ms };
    // Genesis carries the consortium's agreed timestamp, not a production time: no interval to it.
    if (!prev || prev.height === 0 || height !== prev.height + 1) return;
    push(this.blockInterval, ms / 1000, [Math.max(0, ms - prev.ms)], Date.now() / 1000);
    if (notify) this.notify();
  }

  private async scrape(): Promise<void> {
    let text: string;
    try {
      text = await this.api.metricsText();
      this.error = undefined;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.last = undefined;
      this.notify();
      return;
    }
    const samples = parseMetrics(text, WANTED);
    const now: Scrape = {
      atS: Date.now() / 1000,
      accepted: total(samples, 'cdrchain_ingest_cdrs_accepted_total') ?? 0,
      committed: total(samples, 'cdrchain_cdrs_committed_total') ?? 0,
      admission: buckets(samples, 'cdrchain_admission_seconds'),
    };
    const prev = this.last;
    this.last = now;
    if (!prev) return;
    const dt = now.atS - prev.atS;
    if (dt <= 0) return;
    const rate = (a: number, b: number) => (a >= b ? (a - b) / dt : null); // a counter that went down: the node restarted
    push(this.ingest, now.atS, [rate(now.accepted, prev.accepted), rate(now.committed, prev.committed)], now.atS);
    const d = bucketDelta(now.admission, prev.admission);
    const ms = (q: number) => {
      const v = histogramQuantile(q, d);
      return v === undefined ? null : v * 1000;
    };
    push(this.latency, now.atS, [ms(0.5), ms(0.99)], now.atS);
    this.notify();
  }
}
