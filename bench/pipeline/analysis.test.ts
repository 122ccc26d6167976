import { describe, expect, it } from 'vitest';
import { histogram, latencies, parsePrometheus, percentile, rates, steadyWindow } from './analysis.js';
import { BatchOutcome, type ReplayResult } from './protocol.js';

function replay(mode: 'flat' | 'paced', batches: { si: number; sent: number; ack: number; com: number; cdrs?: number }[]): ReplayResult {
  const t0 = 1_000_000;
  return {
    mode, rateCdrPerSec: undefined, window: 4, submitters: [1, 2], startedAt: t0,
    lastSendAt: [0, 1].map((si) => t0 + Math.max(...batches.filter((b) => b.si === si).map((b) => b.sent))),
    finishedAt: t0 + 100_000,
    records: {
      submitterIndex: batches.map((b) => b.si),
      cdrs: batches.map((b) => b.cdrs ?? 1000),
      sentAt: batches.map((b) => t0 + b.sent),
      scheduledAt: batches.map(() => Number.NaN),
      ackMs: batches.map((b) => b.ack),
      committedMs: batches.map((b) => b.com),
      finalMs: batches.map(() => Number.NaN),
      outcome: batches.map(() => BatchOutcome.Committed),
    },
    nacks: {}, errors: [], cpuUserMs: 0, cpuSystemMs: 0, peakRssBytes: 0, stoppedBy: 'dataset-end',
  };
}

describe('analysis', () => {
  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 0.5)).toBe(50);
    expect(percentile(v, 0.99)).toBe(99);
    expect(percentile(v, 1)).toBe(100);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('flat out: the steady window ends at the earliest last ack, rates count replies inside it', () => {
    // each submitter: a batch every 100 ms for 10 s, acked after 50 ms, committed after 60 ms
    const bs = [];
    for (let i = 0; i < 100; i++) for (const si of [0, 1]) bs.push({ si, sent: i * 100, ack: 50, com: 60 });
    const r = replay('flat', bs);
    const w = steadyWindow(r, 1);
    expect(w.startSec).toBe(1);
    expect(w.endSec).toBeCloseTo(9.95, 5);
    const rt = rates(r, w);
    expect(rt.acceptedCdrPerSec).toBeGreaterThan(19_000);
    expect(rt.acceptedCdrPerSec).toBeLessThan(21_000);
    expect(rt.committedCdrs).toBe(200_000);
    const lat = latencies(r, w.start, w.end);
    expect(lat.committed.p99Ms).toBe(60);
    expect(lat.ack.p50Ms).toBe(50);
  });

  it('parses Prometheus histograms and interpolates quantiles', () => {
    const text = [
      '# HELP x_seconds help', '# TYPE x_seconds histogram',
      'x_seconds_bucket{le="0.01"} 50', 'x_seconds_bucket{le="0.02"} 100', 'x_seconds_bucket{le="+Inf"} 100',
      'x_seconds_sum 1.2', 'x_seconds_count 100', 'y_total{reason="busy"} 3',
    ].join('\n');
    const s = parsePrometheus(text);
    expect(s.find((x) => x.name === 'y_total')?.labels['reason']).toBe('busy');
    const h = histogram(s, 'x_seconds')!;
    expect(h.count).toBe(100);
    expect(h.meanMs).toBe(12);
    expect(h.p50Ms).toBe(10);
    expect(h.p99Ms).toBeCloseTo(19.8, 5);
  });
});

describe('summarise cdf', () => {
  it('records the distribution as a fixed, small table of [percent, ms], min to max', async () => {
    const { summarise, CDF_PERCENTS } = await import('./analysis.js');
    const values = Array.from({ length: 10_000 }, (_, i) => (i + 1) / 10); // 0.1 .. 1000 ms
    const s = summarise(values);
    expect(s.cdf.map(([p]) => p)).toEqual(CDF_PERCENTS);
    expect(s.cdf[0]).toEqual([0, 0.1]);
    expect(s.cdf.at(-1)).toEqual([100, 1000]);
    expect(s.cdf.find(([p]) => p === 50)![1]).toBe(s.p50Ms);
    expect(s.cdf.find(([p]) => p === 99)![1]).toBe(s.p99Ms);
    expect(s.cdf.find(([p]) => p === 99.9)![1]).toBe(s.p999Ms);
    for (let i = 1; i < s.cdf.length; i++) expect(s.cdf[i]![1]).toBeGreaterThanOrEqual(s.cdf[i - 1]![1]);
    expect(JSON.stringify(s.cdf).length).toBeLessThan(600); // compact whatever the sample count
    expect(summarise([]).cdf).toEqual([]);
  });
});
