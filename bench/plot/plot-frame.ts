// What every benchmark plot of bench/results shares, so they read as one set: the Vega-Lite schema,
// one panel width, and a start-anchored title with grey subtitle lines.

export const PLOT_WIDTH = 620;

export function plotFrame(text: string, subtitle: readonly string[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text, subtitle: [...subtitle], anchor: 'start' as const, subtitleColor: '#555' },
  };
}
