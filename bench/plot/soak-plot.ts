// Soak benchmark: committed CDR/s and node RSS per 10 M CDRs through one node process, from
// bench/results/soak.json (`series`, one row per 10 M), two panels over the same x axis.
import type { PlotSpec } from './render-plot.js';
import type { ResultReader } from './bench-result.js';
import { PLOT_WIDTH, plotFrame } from './plot-frame.js';

export function soakSpec(r: ResultReader): PlotSpec {
  const values = r.rows('series').map((row) => ({
    millions: row.num('committedCdrs') / 1e6,
    cdrPerSec: row.num('cdrPerSec'),
    rssMaxMiB: row.num('rssMaxMiB'),
    rssEndMiB: row.num('rssEndMiB'),
  }));
  const x = { field: 'millions', type: 'quantitative' as const, title: 'CDRs committed so far (millions)', scale: { zero: true } };
  const rssTarget = r.has('targets.soakRssMaxMiB.target') ? r.num('targets.soakRssMaxMiB.target') : undefined;
  return {
    ...plotFrame(
      `Soak: ${(r.num('soakCdrs') / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} M CDRs through one node process`,
      [`committed CDR/s and node RSS per 10 M CDRs, flat out; ${Math.round(r.num('wallSeconds') / 60)} min; run ${r.str('date').slice(0, 10)}`],
    ),
    data: { values },
    vconcat: [
      {
        width: PLOT_WIDTH,
        height: 170,
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: { x: { ...x, title: null }, y: { field: 'cdrPerSec', type: 'quantitative', title: 'committed CDR/s (per 10 M)', axis: { format: ',d' }, scale: { zero: true } } },
      },
      {
        width: PLOT_WIDTH,
        height: 170,
        layer: [
          {
            transform: [{ fold: ['rssMaxMiB', 'rssEndMiB'], as: ['measure', 'MiB'] }, { calculate: "datum.measure === 'rssMaxMiB' ? 'peak in the span' : 'at the end of the span'", as: 'RSS' }],
            mark: { type: 'line', point: true, strokeWidth: 2 },
            encoding: {
              x,
              y: { field: 'MiB', type: 'quantitative', title: 'node RSS (MiB)', scale: { zero: true } },
              color: { field: 'RSS', type: 'nominal', title: 'RSS', scale: { domain: ['peak in the span', 'at the end of the span'], range: ['#d62728', '#ff9896'] }, legend: { orient: 'bottom', labelLimit: 400 } },
            },
          },
          ...(rssTarget !== undefined
            ? [{ data: { values: [{ y: rssTarget }] }, mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#b00' }, encoding: { y: { field: 'y', type: 'quantitative' as const } } }]
            : []),
        ],
      },
    ],
    config: { axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 15 } },
  } as PlotSpec;
}
