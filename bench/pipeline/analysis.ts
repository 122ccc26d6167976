// Pure arithmetic over what the processes report: steady windows, rates, percentiles, and the
// node's Prometheus histograms.
import { BatchOutcome, type ReplayResult } from './protocol.js';

/** Nearest-rank percentile of an ascending-sorted array (p in 0..1); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
}

export const round = (x: number, digits = 1): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /**
   * The distribution for plots, compactly: [percent, ms] at CDF_PERCENTS (0 = min, 100 = max),
   * nearest-rank; empty when there are no values. 28 pairs whatever the sample count.
   */
  readonly cdf: readonly (readonly [number, number])[];
}

/** Percent points of the `cdf` table: dense in the body, finer in the tail where the targets are. */
export const CDF_PERCENTS: readonly number[] = Object.freeze([
  0, 1, 2.5, 5, ...Array.from({ length: 18 }, (_, i) => 10 + i * 5), 97.5, 98, 99, 99.5, 99.9, 100,
]);

export function summarise(values: readonly number[]): LatencySummary {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const mean = v.reduce((s, x) => s + x, 0) / (v.length || 1);
  const cdf = v.length === 0 ? [] : CDF_PERCENTS.map((p) => [p, round(p === 0 ? v[0]! : percentile(v, Number((p / 100).toFixed(6))), 2)] as const);
  return {
    count: v.length,
    p50Ms: round(percentile(v, 0.5), 2),
    p90Ms: round(percentile(v, 0.9), 2),
    p99Ms: round(percentile(v, 0.99), 2),
    p999Ms: round(percentile(v, 0.999), 2),
    maxMs: round(v[v.length - 1] ?? Number.NaN, 2),
    meanMs: round(mean, 2),
    cdf,
  };
}

export interface SteadyWindow {
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  /** Offsets from the first send, seconds. */
  readonly startSec: number;
  readonly endSec: number;
  readonly seconds: number;
}

/**
 * The steady window. Paced: from `warmupSec` after the first send to the earliest last send of any
 * submitter (after it the offered load falls off). Flat out: to the earliest last Ack of any
 * submitter instead — every submitter keeps a full window in flight, so the node has a backlog
 * (is saturated) until its submitters' queues run dry, long after their last sends. The warm-up
 * is shortened to a fifth of the span on short runs.
 */
export function steadyWindow(r: ReplayResult, warmupSec: number): SteadyWindow {
  let end = Math.min(...r.lastSendAt);
  if (r.mode === 'flat') {
    const lastAck = r.submitters.map(() => r.startedAt);
    const rec = r.records;
    for (let i = 0; i < rec.sentAt.length; i++) {
      const at = rec.sentAt[i]! + rec.ackMs[i]!;
      const si = rec.submitterIndex[i]!;
      if (Number.isFinite(at) && at > lastAck[si]!) lastAck[si] = at;
    }
    end = Math.min(...lastAck);
  }
  const span = (end - r.startedAt) / 1000;
  const warm = Math.min(warmupSec, span / 5);
  const start = r.startedAt + warm * 1000;
  return { start, end, startSec: round(warm, 2), endSec: round(span, 2), seconds: round((end - start) / 1000, 2) };
}

export interface Rates {
  /** CDRs whose Ack arrived inside the window, per second of window. */
  readonly acceptedCdrPerSec: number;
  /** CDRs whose Committed reply arrived inside the window, per second of window. */
  readonly committedCdrPerSec: number;
  readonly acceptedCdrsInWindow: number;
  readonly committedCdrsInWindow: number;
  /** Whole run: committed CDRs / (last commit − first send). */
  readonly overallCommittedCdrPerSec: number;
  readonly committedCdrs: number;
  readonly sentCdrs: number;
}

export function rates(r: ReplayResult, w: SteadyWindow): Rates {
  const rec = r.records;
  let acc = 0;
  let com = 0;
  let total = 0;
  let sent = 0;
  let lastCommit = r.startedAt;
  for (let i = 0; i < rec.sentAt.length; i++) {
    const cdrs = rec.cdrs[i]!;
    const t = rec.sentAt[i]!;
    sent += cdrs;
    const ackAt = t + rec.ackMs[i]!;
    const comAt = t + rec.committedMs[i]!;
    if (ackAt >= w.start && ackAt <= w.end) acc += cdrs;
    if (rec.outcome[i] === BatchOutcome.Committed) {
      total += cdrs;
      if (comAt > lastCommit) lastCommit = comAt;
      if (comAt >= w.start && comAt <= w.end) com += cdrs;
    }
  }
  const secs = (w.end - w.start) / 1000;
  return {
    acceptedCdrPerSec: Math.round(acc / secs),
    committedCdrPerSec: Math.round(com / secs),
    acceptedCdrsInWindow: acc,
    committedCdrsInWindow: com,
    overallCommittedCdrPerSec: Math.round(total / ((lastCommit - r.startedAt) / 1000)),
    committedCdrs: total,
    sentCdrs: sent,
  };
}

/** Latencies of the committed batches sent inside [from, to] (epoch ms). */
export function latencies(r: ReplayResult, from: number, to: number): { committed: LatencySummary; ack: LatencySummary; lateness: LatencySummary } {
  const rec = r.records;
  const committed: number[] = [];
  const ack: number[] = [];
  const late: number[] = [];
  for (let i = 0; i < rec.sentAt.length; i++) {
    const t = rec.sentAt[i]!;
    if (t < from || t > to) continue;
    if (rec.outcome[i] === BatchOutcome.Committed) committed.push(rec.committedMs[i]!);
    if (Number.isFinite(rec.ackMs[i]!)) ack.push(rec.ackMs[i]!);
    const s = rec.scheduledAt[i]!;
    if (Number.isFinite(s)) late.push(t - s);
  }
  return { committed: summarise(committed), ack: summarise(ack), lateness: summarise(late) };
}

export function outcomeCounts(r: ReplayResult): Record<string, number> {
  const names = Object.fromEntries(Object.entries(BatchOutcome).map(([k, v]) => [v, k])) as Record<number, string>;
  const out: Record<string, number> = {};
  for (const o of r.records.outcome) {
    const k = names[o] ?? String(o);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

// ---- Prometheus text format ----

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const raw = m[4]!;
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

export function metricValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

export interface HistogramSummary {
  readonly count: number;
  readonly sumSeconds: number;
  readonly meanMs: number;
  /** Interpolated inside the bucket (Prometheus histogram_quantile style). */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export function histogram(samples: readonly Sample[], name: string): HistogramSummary | undefined {
  const count = metricValue(samples, `${name}_count`);
  const sum = metricValue(samples, `${name}_sum`);
  if (count === undefined || sum === undefined) return undefined;
  const buckets = samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => ({ le: s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels['le']), n: s.value }))
    .sort((a, b) => a.le - b.le);
  const q = (p: number): number => {
    if (count === 0) return Number.NaN;
    const target = p * count;
    let prevLe = 0;
    let prevN = 0;
    for (const b of buckets) {
      if (b.n >= target) {
        if (!Number.isFinite(b.le)) return prevLe * 1000;
        const frac = b.n === prevN ? 0 : (target - prevN) / (b.n - prevN);
        return (prevLe + (b.le - prevLe) * frac) * 1000;
      }
      prevLe = b.le;
      prevN = b.n;
    }
    return prevLe * 1000;
  };
  return { count, sumSeconds: round(sum, 3), meanMs: round((sum / (count || 1)) * 1000, 3), p50Ms: round(q(0.5), 2), p99Ms: round(q(0.99), 2) };
}
