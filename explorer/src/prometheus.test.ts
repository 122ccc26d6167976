// The explorer's reading of GET /metrics, checked against what the node's own registry (prom-client) writes.
import { describe, expect, it } from 'vitest';
import { NodeMetrics } from '../../src/metrics/node-metrics.js';
import { parseEvent } from './event-stream.js';
import { bucketDelta, buckets, histogramQuantile, parseMetrics, total } from './prometheus.js';

describe('Prometheus text as the explorer reads it', () => {
  it('reads counters and histogram quantiles from the node registry, between two scrapes', async () => {
    const m = new NodeMetrics({ defaultMetrics: false });
    m.ingestCdrs.inc(1000);
    for (let i = 0; i < 100; i++) m.admissionSeconds.observe(0.004); // bucket (0.0025, 0.005]
    const first = parseMetrics(await m.render());
    expect(total(first, 'cdrchain_ingest_cdrs_accepted_total')).toBe(1000);

    m.ingestCdrs.inc(500);
    for (let i = 0; i < 98; i++) m.admissionSeconds.observe(0.015); // (0.01, 0.02]
    for (let i = 0; i < 2; i++) m.admissionSeconds.observe(0.3); // (0.25, 0.5]
    const second = parseMetrics(await m.render());
    expect(total(second, 'cdrchain_ingest_cdrs_accepted_total')! - total(first, 'cdrchain_ingest_cdrs_accepted_total')!).toBe(500);

    const d = bucketDelta(buckets(second, 'cdrchain_admission_seconds'), buckets(first, 'cdrchain_admission_seconds'));
    expect(d.at(-1)).toEqual({ le: Infinity, count: 100 });
    // p50: rank 50 of the 98 in (0.01, 0.02]: 0.01 + 0.01 · 50/98. p99: rank 99, in (0.25, 0.5]: halfway.
    expect(histogramQuantile(0.5, d)).toBeCloseTo(0.01 + 0.01 * (50 / 98), 9);
    expect(histogramQuantile(0.99, d)).toBeCloseTo(0.375, 9);
    // Nothing observed: no quantile, not 0.
    expect(histogramQuantile(0.5, bucketDelta(d, d))).toBeUndefined();
  });

  it('keeps labels, skips comments and malformed lines, and reads +Inf and NaN', () => {
    const s = parseMetrics([
      '# HELP x_total a counter',
      '# TYPE x_total counter',
      'x_total{reason="a \\"quoted\\" one",kind="b"} 3',
      'x_total{reason="c"} 4 1700000000000',
      'garbage line without value',
      'h_bucket{le="+Inf"} 7',
      'y NaN',
    ].join('\n'));
    expect(total(s, 'x_total')).toBe(7);
    expect(s[0]!.labels).toEqual({ reason: 'a "quoted" one', kind: 'b' });
    expect(buckets(s, 'h')).toEqual([{ le: Infinity, count: 7 }]);
    expect(Number.isNaN(s.find((x) => x.name === 'y')!.value)).toBe(true);
    expect(s).toHaveLength(4);
  });

  it('takes only well-formed event frames', () => {
    const id = 'ab'.repeat(32);
    expect(parseEvent(JSON.stringify({ type: 'batch_accepted', id, submitter: 1, counterparty: 2, sequence: '1', cdrCount: 3 }))?.type).toBe('batch_accepted');
    expect(parseEvent(JSON.stringify({ type: 'block_committed', height: 1, hash: id, timestampMs: '1', txCount: 1, cdrCount: 1, commitMs: 1, txIds: [id] }))?.type).toBe('block_committed');
    for (const bad of ['{', 'null', '[]', JSON.stringify({ type: 'batch_accepted', id: 'xyz' }), JSON.stringify({ type: 'block_committed', height: 1, hash: id, timestampMs: '1', txIds: ['nope'] }), JSON.stringify({ type: 'other' }), 42]) {
      expect(parseEvent(bad)).toBeUndefined();
    }
  });
});
