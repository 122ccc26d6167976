// The shared shape of the "CDR/s over time" plots: one line per series of per-second counts, with a
// rolling mean over `smoothSeconds` drawn bold over the raw seconds (drawn thin), so a run's
// warm-up, steady state and tail read at a glance while the per-second jitter stays visible.
import type { PlotSpec } from './render-plot.js';
import { PLOT_WIDTH, plotFrame } from './plot-frame.js';

export interface RateSeries {
  /** Legend label. */
  readonly label: string;
  /** CDRs per second of the run, index = second since the first send. */
  readonly perSecond: readonly number[];
}

export interface RateOverTimeOptions {
  readonly title: string;
  readonly subtitle: readonly string[];
  readonly series: readonly RateSeries[];
  /** Width of the centred rolling mean, seconds (1 = no smoothing line). */
  readonly smoothSeconds: number;
  /** Horizontal reference, e.g. a target, drawn dashed with its label. */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly yTitle?: string;
  /**
   * Draw the running total instead (slope = CDR/s), with the reference as a slope: for bursty series
   * such as finality, one burst per macro block, whose per-second peaks would flatten everything else.
   */
  readonly cumulative?: boolean;
}

export function rateOverTimeSpec(o: RateOverTimeOptions): PlotSpec {
  if (o.cumulative) return cumulativeSpec(o);
  const values = o.series.flatMap((s) => s.perSecond.map((cdrs, second) => ({ series: s.label, second, cdrs })));
  const half = Math.floor(o.smoothSeconds / 2);
  const labels = o.series.map((s) => s.label);
  const ref = o.reference;
  return {
    ...plotFrame(o.title, o.subtitle),
    width: PLOT_WIDTH,
    height: 300,
    data: { values },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1, opacity: o.smoothSeconds > 1 ? 0.35 : 1, interpolate: 'step-after' },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'seconds since the first send' },
          y: { field: 'cdrs', type: 'quantitative', title: o.yTitle ?? 'CDRs per second', axis: { format: ',d' } },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: labels, scheme: 'category10' }, legend: { orient: 'bottom', labelLimit: 600, direction: 'vertical' } },
        },
      },
      ...(o.smoothSeconds > 1
        ? [
            {
              transform: [{ window: [{ op: 'mean' as const, field: 'cdrs', as: 'smoothed' }], frame: [-half, o.smoothSeconds - 1 - half], groupby: ['series'], sort: [{ field: 'second' }] }],
              mark: { type: 'line' as const, strokeWidth: 2.5 },
              encoding: {
                x: { field: 'second', type: 'quantitative' as const },
                y: { field: 'smoothed', type: 'quantitative' as const },
                color: { field: 'series', type: 'nominal' as const, scale: { domain: labels, scheme: 'category10' } },
              },
            },
          ]
        : []),
      ...(ref
        ? [
            {
              data: { values: [{ y: ref.value, label: ref.label }] },
              layer: [
                { mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#b00' }, encoding: { y: { field: 'y', type: 'quantitative' as const } } },
                {
                  mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: -7, color: '#b00', fontSize: 11 },
                  encoding: { y: { field: 'y', type: 'quantitative' as const }, x: { datum: 0 }, text: { field: 'label', type: 'nominal' as const } },
                },
              ],
            },
          ]
        : []),
    ],
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 15 }, legend: { labelFontSize: 11 } },
  } as PlotSpec;
}

function cumulativeSpec(o: RateOverTimeOptions): PlotSpec {
  const values = o.series.flatMap((s) => {
    let total = 0;
    return [{ series: s.label, second: 0, cdrs: 0 }, ...s.perSecond.map((n, i) => ({ series: s.label, second: i + 1, cdrs: (total += n) }))];
  });
  const labels = o.series.map((s) => s.label);
  const lastSecond = Math.max(...o.series.map((s) => s.perSecond.length));
  const ref = o.reference;
  return {
    ...plotFrame(o.title, o.subtitle),
    width: PLOT_WIDTH,
    height: 300,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2.5, interpolate: 'step-before' },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'seconds since the first send' },
          y: { field: 'cdrs', type: 'quantitative', title: o.yTitle ?? 'CDRs so far', axis: { format: '~s' } },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: labels, scheme: 'category10' }, legend: { orient: 'bottom', labelLimit: 600, direction: 'vertical', symbolType: 'stroke' } },
        },
      },
      ...(ref
        ? [
            {
              data: { values: [{ x: 0, y: 0, x2: lastSecond, y2: ref.value * lastSecond, label: ref.label }] },
              layer: [
                {
                  mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#b00' },
                  encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const }, x2: { field: 'x2' }, y2: { field: 'y2' } },
                },
                {
                  mark: { type: 'text' as const, align: 'right' as const, dx: -4, dy: -4, color: '#b00', fontSize: 11 },
                  encoding: { x: { field: 'x2', type: 'quantitative' as const }, y: { field: 'y2', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
                },
              ],
            },
          ]
        : []),
    ],
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 15 }, legend: { labelFontSize: 11 } },
  } as PlotSpec;
}
