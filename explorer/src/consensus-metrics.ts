import type { NodeClient } from './api.js';
import { WINDOW_S, type Series } from './live-metrics.js';
import { bucketDelta, buckets, histogramQuantile, parseMetrics, type Sample } from './prometheus.js';

/**
 * The consensus view's figures from a validator's GET /metrics (src/metrics/consensus-metrics.ts):
 * blocks by kind since the node started, fork proofs, and finality time (a block joining the head's
 * branch here to it becoming final) — overall and, between scrapes, as a live p50/p99 series.
 */
export interface ConsensusFigures {
  readonly blocks: { readonly micro: number; readonly skip: number; readonly macro: number };
  readonly forkProofs: number;
  /** Since the node started: finality p50 and p99 in seconds, and how many blocks were measured. */
  readonly finality: { readonly p50: number | undefined; readonly p99: number | undefined; readonly count: number };
}

const WANTED = new Set(['cdrchain_consensus_blocks_total', 'cdrchain_consensus_fork_proofs_total', 'cdrchain_consensus_finality_seconds_bucket']);

export function consensusFigures(samples: readonly Sample[]): ConsensusFigures {
  const kind = (k: string) => samples.filter((s) => s.name === 'cdrchain_consensus_blocks_total' && s.labels['kind'] === k).reduce((n, s) => n + s.value, 0);
  const finality = buckets(samples, 'cdrchain_consensus_finality_seconds');
  return {
    blocks: { micro: kind('micro'), skip: kind('skip'), macro: kind('macro') },
    forkProofs: samples.filter((s) => s.name === 'cdrchain_consensus_fork_proofs_total').reduce((n, s) => n + s.value, 0),
    finality: { p50: histogramQuantile(0.5, finality), p99: histogramQuantile(0.99, finality), count: finality.at(-1)?.count ?? 0 },
  };
}

/** Scrapes every `everyMs` until `signal` aborts; `onScrape` hears the figures and the live finality series [p50 s, p99 s]. */
export function followConsensusMetrics(api: NodeClient, everyMs: number, signal: AbortSignal, onScrape: (f: ConsensusFigures, finality: Series) => void, onError: (message: string) => void): void {
  const series: Series = { t: [], ys: [[], []] };
  let prev: { le: number; count: number }[] | undefined;
  const scrape = async () => {
    let samples: Sample[];
    try {
      samples = parseMetrics(await api.metricsText(signal), WANTED);
    } catch (err) {
      if (!signal.aborted) onError(err instanceof Error ? err.message : String(err));
      return;
    }
    if (signal.aborted) return;
    const now = Date.now() / 1000;
    const cumulative = buckets(samples, 'cdrchain_consensus_finality_seconds');
    if (prev) {
      const d = bucketDelta(cumulative, prev);
      series.t.push(now);
      series.ys[0]!.push(histogramQuantile(0.5, d) ?? null);
      series.ys[1]!.push(histogramQuantile(0.99, d) ?? null);
      while (series.t.length > 0 && series.t[0]! < now - WINDOW_S) {
        series.t.shift();
        for (const y of series.ys) y.shift();
      }
    }
    prev = cumulative;
    onScrape(consensusFigures(samples), series);
  };
  void scrape();
  const timer = setInterval(() => void scrape(), everyMs);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
