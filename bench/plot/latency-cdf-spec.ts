// The shared shape of the latency-distribution plots: a cumulative distribution per measure
// (x: latency, log scale when it spans a factor of ten; y: share of batches at or below it), from
// the benchmarks' compact quantile table, with p50 and p99 marked by points.
import type { PlotSpec } from './render-plot.js';
import { PLOT_WIDTH, plotFrame } from './plot-frame.js';

export interface LatencyDistribution {
  readonly label: string;
  /** [percent, ms], percent ascending; 100 = the maximum. */
  readonly points: readonly (readonly [number, number])[];
}

export interface LatencyCdfOptions {
  readonly title: string;
  readonly subtitle: readonly string[];
  readonly series: readonly LatencyDistribution[];
  /** Vertical reference, e.g. the p99 target, drawn dashed with its label. */
  readonly reference?: { readonly ms: number; readonly label: string };
}

/** Ticks at 1, 2 and 5 times the powers of ten inside [min, max]. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let p = 10 ** Math.floor(Math.log10(min)); p <= max; p *= 10) for (const m of [1, 2, 5]) if (m * p >= min && m * p <= max) ticks.push(m * p);
  return ticks;
}

export function latencyCdfSpec(o: LatencyCdfOptions): PlotSpec {
  const values = o.series.flatMap((s) => s.points.map(([percent, ms]) => ({ series: s.label, percent, ms })));
  const all = [...values.map((v) => v.ms), ...(o.reference ? [o.reference.ms] : [])];
  const positive = all.filter((x) => x > 0);
  const min = Math.min(...positive);
  const max = Math.max(...all);
  const log = positive.length === all.length && max / min >= 10;
  // A log domain from a 1-2-5 step below the minimum to one above the maximum.
  const lo = log ? 10 ** Math.floor(Math.log10(min)) : 0;
  const hi = log ? 10 ** Math.ceil(Math.log10(max)) : max;
  const labels = o.series.map((s) => s.label);
  const color = { field: 'series', type: 'nominal' as const, title: null, scale: { domain: labels, scheme: 'category10' }, legend: { orient: 'bottom' as const, labelLimit: 600, direction: 'vertical' as const } };
  const x = {
    field: 'ms',
    type: 'quantitative' as const,
    title: `latency (ms${log ? ', log scale' : ''})`,
    scale: log ? { type: 'log' as const, domain: [lo, hi] } : { zero: true },
    axis: log ? { values: logTicks(lo, hi), format: ',~r' } : { format: ',~r' },
  };
  const y = { field: 'percent', type: 'quantitative' as const, title: 'batches at or below (%)', scale: { domain: [0, 100] } };
  const ref = o.reference;
  return {
    ...plotFrame(o.title, o.subtitle),
    width: PLOT_WIDTH,
    height: 300,
    data: { values },
    layer: [
      { mark: { type: 'line', strokeWidth: 2, interpolate: 'monotone' }, encoding: { x, y, color } },
      {
        transform: [{ filter: { field: 'percent', oneOf: [50, 99] } }],
        mark: { type: 'point', filled: true, size: 45, opacity: 1 },
        encoding: { x, y, color },
      },
      ...(ref
        ? [
            {
              data: { values: [{ ms: ref.ms, label: ref.label }] },
              layer: [
                { mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#b00' }, encoding: { x: { field: 'ms', type: 'quantitative' as const } } },
                {
                  mark: { type: 'text' as const, align: 'right' as const, dx: -4, dy: -6, color: '#b00', fontSize: 11 },
                  encoding: { x: { field: 'ms', type: 'quantitative' as const }, y: { datum: 2 }, text: { field: 'label', type: 'nominal' as const } },
                },
              ],
            },
          ]
        : []),
    ],
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 15 }, legend: { labelFontSize: 11 } },
  } as PlotSpec;
}
