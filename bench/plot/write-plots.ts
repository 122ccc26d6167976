// Draws the benchmark plots next to bench/results/SUMMARY.md from the results JSON alone:
//
//   pipeline-rate.png     committed CDR/s over time            (pipeline.json)
//   pipeline-latency.png  send→Ack / send→Committed CDF        (pipeline.json, paced phase)
//   devnet-rate.png       finalized CDR/s over time            (devnet.json)
//   devnet-finality.png   micro / macro finality latency CDF   (devnet.json, paced phase)
//   soak.png              CDR/s and RSS per 10 M CDRs          (soak.json)
//
//   npx tsc -p tsconfig.build.json && node dist/bench/plot/write-plots.js [--dir <results dir>] [--quick]
//   (npm run bench:plot; also run by `node dist/bench/run-all.js`, with or without --summary)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '../machine.js';
import { renderPlot, type PlotSpec, type RenderedPlot } from './render-plot.js';
import { resultReader, type ResultReader } from './bench-result.js';
import { pipelineRateSpec } from './pipeline-rate-plot.js';
import { pipelineLatencySpec } from './pipeline-latency-plot.js';
import { devnetRateSpec } from './devnet-rate-plot.js';
import { devnetFinalitySpec } from './devnet-finality-plot.js';
import { soakSpec } from './soak-plot.js';

export interface BenchPlot {
  /** PNG file name in the results folder. */
  readonly png: string;
  /** Results files it can be drawn from, in order of preference (full run first unless quick). */
  readonly sources: (quick: boolean) => readonly string[];
  readonly spec: (r: ResultReader) => PlotSpec;
}

const fullOrQuick = (name: string) => (quick: boolean) => (quick ? [`${name}-quick.json`, `${name}.json`] : [`${name}.json`, `${name}-quick.json`]);

export const BENCH_PLOTS: readonly BenchPlot[] = Object.freeze([
  { png: 'pipeline-rate.png', sources: fullOrQuick('pipeline'), spec: pipelineRateSpec },
  { png: 'pipeline-latency.png', sources: fullOrQuick('pipeline'), spec: pipelineLatencySpec },
  { png: 'devnet-rate.png', sources: fullOrQuick('devnet'), spec: devnetRateSpec },
  { png: 'devnet-finality.png', sources: fullOrQuick('devnet'), spec: devnetFinalitySpec },
  { png: 'soak.png', sources: () => ['soak.json'], spec: soakSpec },
]);

/** Draws one plot from a results file; throws BenchResultFormatError naming the file and field. */
export async function drawBenchPlot(plot: BenchPlot, jsonPath: string, pngPath: string): Promise<RenderedPlot> {
  return renderPlot(plot.spec(resultReader(jsonPath)), pngPath);
}

export type PlotOutcome =
  | { readonly png: string; readonly status: 'written'; readonly source: string; readonly plot: RenderedPlot }
  | { readonly png: string; readonly status: 'skipped'; readonly reason: string }
  | { readonly png: string; readonly status: 'failed'; readonly source: string; readonly error: Error };

/**
 * Draws every plot whose results file is present in `dir`. A missing file skips its plot (a partial
 * run); a malformed one fails that plot only, with the error, so the others are still drawn.
 */
export async function writeBenchPlots(dir: string, opts: { readonly quick?: boolean } = {}): Promise<PlotOutcome[]> {
  const out: PlotOutcome[] = [];
  for (const plot of BENCH_PLOTS) {
    const candidates = plot.sources(opts.quick ?? false);
    const source = candidates.find((f) => existsSync(join(dir, f)));
    if (!source) {
      out.push({ png: plot.png, status: 'skipped', reason: `no ${candidates.join(' or ')}` });
      continue;
    }
    try {
      out.push({ png: plot.png, status: 'written', source, plot: await drawBenchPlot(plot, join(dir, source), join(dir, plot.png)) });
    } catch (err) {
      out.push({ png: plot.png, status: 'failed', source, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  return out;
}

/** One line per plot, for the runner's log. */
export function describeOutcome(o: PlotOutcome): string {
  if (o.status === 'written') return `wrote ${o.plot.path} (${o.plot.width}×${o.plot.height} px, from ${o.source})`;
  if (o.status === 'skipped') return `skipped ${o.png}: ${o.reason}`;
  return `FAILED ${o.png} from ${o.source}: ${o.error.message}`;
}

async function main(): Promise<void> {
  let dir = resultsDir();
  let quick = false;
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--dir' && argv[i + 1] !== undefined) dir = argv[++i]!;
    else throw new Error(`unknown argument ${a} (--dir <results dir>, --quick)`);
  }
  const outcomes = await writeBenchPlots(dir, { quick });
  for (const o of outcomes) (o.status === 'failed' ? console.error : console.log)(describeOutcome(o));
  if (outcomes.some((o) => o.status === 'failed')) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
