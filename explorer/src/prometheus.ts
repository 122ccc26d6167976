// The part of the Prometheus text format (0.0.4) the explorer reads from GET /metrics: samples with
// labels, and histogram quantiles the way Prometheus's histogram_quantile computes them.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v); // NaN stays NaN
}

/** Parses exposition text into samples (comments and malformed lines skipped), keeping only `wanted` names when given. */
export function parseMetrics(text: string, wanted?: ReadonlySet<string>): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const name = m[1]!;
    if (wanted && !wanted.has(name)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name, labels, value: parseValue(m[3]!) });
  }
  return out;
}

/** Sum of the samples named `name` (across label sets), or undefined when there is none. */
export function total(samples: readonly Sample[], name: string): number | undefined {
  let sum: number | undefined;
  for (const s of samples) if (s.name === name) sum = (sum ?? 0) + s.value;
  return sum;
}

/** A histogram's cumulative buckets (upper bound → count), sorted, summed across other labels. */
export function buckets(samples: readonly Sample[], histogram: string): { le: number; count: number }[] {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${histogram}_bucket` || s.labels['le'] === undefined) continue;
    const le = parseValue(s.labels['le']);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** Bucket counts of `now` minus `before` (the observations between two scrapes); negative (a restart) gives now. */
export function bucketDelta(now: readonly { le: number; count: number }[], before: readonly { le: number; count: number }[]): { le: number; count: number }[] {
  const prev = new Map(before.map((b) => [b.le, b.count]));
  const delta = now.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) }));
  return delta.some((b) => b.count < 0) ? [...now] : delta;
}

/**
 * The q-quantile (0 < q < 1) of cumulative buckets, interpolated linearly inside the bucket that
 * holds it, as Prometheus does; undefined without observations. A quantile in the +Inf bucket
 * answers the largest finite bound.
 */
export function histogramQuantile(q: number, cumulative: readonly { le: number; count: number }[]): number | undefined {
  const n = cumulative.at(-1)?.count ?? 0;
  if (n <= 0 || !(q > 0 && q < 1)) return undefined;
  const rank = q * n;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of cumulative) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound;
      const inBucket = b.count - lowerCount;
      return inBucket <= 0 ? b.le : lowerBound + (b.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}
