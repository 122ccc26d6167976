import uPlot from 'uplot';
import { h } from './dom.js';
import { WINDOW_S, type Series } from './live-metrics.js';

export interface ChartSeries {
  readonly label: string;
  /** Stroke colour: at least 3:1 against the white plot (WCAG non-text contrast). */
  readonly color: string;
  readonly dash?: number[];
}

export interface LiveChart {
  /** The <figure>: caption, plot, and a text summary that screen readers get instead of the canvas. */
  readonly element: HTMLElement;
  /** Redraws from `s` with the x range ending now. */
  update(s: Series): void;
  destroy(): void;
}

const AXIS = { stroke: '#4a5568', grid: { stroke: '#e6e9ef', width: 1 }, ticks: { stroke: '#e6e9ef', width: 1 }, font: '11px system-ui, sans-serif' };

/**
 * A uPlot time-series chart over the last WINDOW_S seconds. `format` writes a y value with its unit
 * (axis ticks, legend, summary). The summary under the plot names the latest and the largest value
 * of each series, and carries them as data-* attributes for tests.
 */
export function liveChart(opts: { id: string; title: string; description: string; series: readonly ChartSeries[]; format: (v: number) => string; empty: string }): LiveChart {
  const captionId = `${opts.id}-caption`;
  const plotBox = h('div', { class: 'plot', 'aria-hidden': 'true' });
  const summary = h('p', { class: 'chart-summary', id: `${opts.id}-summary` }, opts.empty);
  const element = h('figure', { class: 'chart card', id: opts.id, 'aria-labelledby': captionId, 'aria-describedby': `${opts.id}-summary` },
    h('figcaption', { id: captionId }, h('span', { class: 'chart-title' }, opts.title), h('span', { class: 'chart-sub' }, opts.description)),
    plotBox,
    summary,
  );

  let plot: uPlot | undefined;
  let last: Series | undefined;
  const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : opts.format(v));

  const make = (width: number) => {
    const o: uPlot.Options = {
      width,
      height: 150,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [
        { ...AXIS, space: 60 },
        { ...AXIS, size: 64, values: (_u, ticks) => ticks.map((t) => opts.format(t)) },
      ],
      series: [
        { label: 'time', value: (_u, v) => (v === null ? '–' : new Date(v * 1000).toLocaleTimeString()) },
        ...opts.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          ...(s.dash ? { dash: s.dash } : {}),
          // Dots only while sparse: they show isolated values between gaps; dense series read as a line.
          points: { show: (_u: uPlot, _s: number, i0: number, i1: number) => i1 - i0 < 60, size: 4, fill: s.color },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => fmt(v),
        })),
      ],
    };
    plot = new uPlot(o, [[], ...opts.series.map(() => [])], plotBox);
  };

  const draw = () => {
    if (!plot || !last) return;
    const now = Date.now() / 1000;
    plot.batch(() => {
      plot!.setData([last!.t, ...last!.ys] as uPlot.AlignedData, false);
      plot!.setScale('x', { min: now - WINDOW_S, max: now });
    });
  };

  // The figure is laid out by CSS; the plot follows its width.
  const resize = new ResizeObserver(() => {
    const width = Math.floor(plotBox.clientWidth);
    if (width <= 0) return;
    if (!plot) {
      make(width);
      draw();
    } else if (Math.abs(plot.width - width) > 1) plot.setSize({ width, height: 150 });
  });
  resize.observe(plotBox);

  return {
    element,
    update(s: Series) {
      last = s;
      draw();
      const parts: string[] = [];
      opts.series.forEach((cs, i) => {
        const ys = s.ys[i]!.filter((y): y is number => y !== null && Number.isFinite(y));
        if (ys.length === 0) return;
        const latest = [...s.ys[i]!].reverse().find((y) => y !== null);
        parts.push(`${cs.label}: latest ${fmt(latest)}, peak ${fmt(Math.max(...ys))}`);
        element.dataset[`peak${i}`] = String(Math.max(...ys));
      });
      summary.textContent = parts.length ? parts.join(' · ') : opts.empty;
    },
    destroy() {
      resize.disconnect();
      plot?.destroy();
    },
  };
}
