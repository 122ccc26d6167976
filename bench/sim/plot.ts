// The simulator's finality-versus-validators plot for the README: reads bench/results/sim-finality.json
// (written by bench/sim/run.ts) and draws finality time against validator count, one colour per link
// latency, the median solid and the worst macro block dashed. Writes bench/results/sim-finality.png.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/sim/plot.js [--in <json>] [--out <png>]
//   (npm run sim:plot = from the existing JSON, without rerunning the simulator)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPlot, type PlotSpec, type RenderedPlot } from '../plot/render-plot.js';
import { resultsDir } from '../machine.js';

/** What the plot needs from one row of the simulator's table. */
export interface FinalityPoint {
  readonly validators: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly macroBlocks: number;
  readonly finalityAllMsMedian: number;
  readonly finalityAllMsMax: number;
}

export interface SimFinalityResult {
  readonly date: string;
  readonly command: string;
  readonly options: { readonly jitterRatio: number; readonly loss: number; readonly batches: number; readonly verifyMs: number };
  readonly rows: readonly FinalityPoint[];
}

/** The results file is not what bench/sim/run.ts writes. */
export class SimResultFormatError extends Error {
  override readonly name = 'SimResultFormatError';
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function num(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new SimResultFormatError(`${where}.${key}: expected a finite number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new SimResultFormatError(`${where}.${key}: expected a string`);
  return v;
}

/** Parses and checks a sim-finality results document. */
export function parseSimFinality(json: unknown): SimFinalityResult {
  if (!isRecord(json) || !isRecord(json.options) || !Array.isArray(json.rows)) throw new SimResultFormatError('expected an object with options and rows');
  if (json.rows.length === 0) throw new SimResultFormatError('rows is empty: nothing to plot');
  const rows = json.rows.map((r: unknown, i): FinalityPoint => {
    const where = `rows[${i}]`;
    if (!isRecord(r)) throw new SimResultFormatError(`${where}: expected an object`);
    return {
      validators: num(r, 'validators', where),
      latencyMs: num(r, 'latencyMs', where),
      jitterMs: num(r, 'jitterMs', where),
      macroBlocks: num(r, 'macroBlocks', where),
      finalityAllMsMedian: num(r, 'finalityAllMsMedian', where),
      finalityAllMsMax: num(r, 'finalityAllMsMax', where),
    };
  });
  const o = json.options;
  return {
    date: str(json, 'date', 'result'),
    command: str(json, 'command', 'result'),
    options: { jitterRatio: num(o, 'jitterRatio', 'options'), loss: num(o, 'loss', 'options'), batches: num(o, 'batches', 'options'), verifyMs: num(o, 'verifyMs', 'options') },
    rows,
  };
}

const sortedUnique = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** Ticks at 1, 2 and 5 times the powers of ten that fall inside [min, max], for a log axis. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let p = 10 ** Math.floor(Math.log10(min)); p <= max; p *= 10) {
    for (const m of [1, 2, 5]) if (m * p >= min && m * p <= max) ticks.push(m * p);
  }
  return ticks;
}

/** The nearest 1, 2 or 5 times a power of ten below (or above) x > 0. */
function niceStep(x: number, way: 'down' | 'up'): number {
  const p = 10 ** Math.floor(Math.log10(x));
  const steps = [1, 2, 5, 10].map((m) => m * p);
  return way === 'down' ? steps.filter((s) => s <= x).at(-1)! : steps.find((s) => s >= x)!;
}

/** A log axis when the values span a factor of ten or more, so the low-latency lines are not flattened. */
const wantsLog = (xs: readonly number[]) => Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 10;

/** The Vega-Lite spec of the plot, with the data inline. */
export function simFinalitySpec(result: SimFinalityResult): PlotSpec {
  const latencies = sortedUnique(result.rows.map((r) => r.latencyMs));
  const jitterOf = new Map(result.rows.map((r) => [r.latencyMs, r.jitterMs]));
  const label = (ms: number) => `${ms} ms ± ${jitterOf.get(ms) ?? 0}`;
  const blocks = sortedUnique(result.rows.map((r) => r.macroBlocks));
  const blocksText = blocks.length === 1 ? `${blocks[0]}` : `${blocks[0]}–${blocks[blocks.length - 1]}`;
  // With one macro block a point, median and worst are the same number: draw it once.
  const single = blocks.length === 1 && blocks[0] === 1;
  const median = single ? 'one macro block' : `median of ${blocksText} macro blocks`;
  const worst = `worst of ${blocksText}`;
  const values = result.rows.flatMap((r) => [
    { validators: r.validators, latency: label(r.latencyMs), statistic: median, ms: r.finalityAllMsMedian },
    ...(single ? [] : [{ validators: r.validators, latency: label(r.latencyMs), statistic: worst, ms: r.finalityAllMsMax }]),
  ]);
  const counts = sortedUnique(result.rows.map((r) => r.validators));
  const ms = values.map((v) => v.ms);
  const [logX, logY] = [wantsLog(counts), wantsLog(ms)];
  const yMin = logY ? niceStep(Math.min(...ms), 'down') : 0;
  const yMax = logY ? niceStep(Math.max(...ms), 'up') : Math.max(...ms);
  const o = result.options;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: 340,
    title: {
      text: 'Macro-block finality versus validator count',
      // Short lines: without a canvas Vega sizes text by an estimate (0.8 em a character) that overshoots.
      subtitle: [
        "from a batch's last micro block until every validator holds its macro block as final",
        'real consensus code and BLS over the in-process network, in virtual time',
        `jitter ±${Math.round(o.jitterRatio * 100)}% of latency, loss ${o.loss}, ${o.verifyMs} ms per signature check; run ${result.date.slice(0, 10)}`,
      ],
      anchor: 'start',
      subtitleColor: '#555',
    },
    data: { values },
    // Lines for both statistics (dashed: the worst), points on the medians only.
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          strokeDash: {
            field: 'statistic',
            type: 'nominal',
            title: 'finality per point',
            scale: single ? { domain: [median], range: [[1, 0]] } : { domain: [median, worst], range: [[1, 0], [5, 4]] },
            legend: { symbolType: 'stroke', symbolStrokeColor: '#333', symbolStrokeWidth: 2, symbolSize: 400, labelLimit: 400 },
          },
        },
      },
      { transform: [{ filter: { field: 'statistic', equal: median } }], mark: { type: 'point', filled: true, size: 40, opacity: 1 } },
    ],
    encoding: {
      x: {
        field: 'validators',
        type: 'quantitative',
        title: `validators (equal voting power${logX ? ', log scale' : ''})`,
        scale: logX ? { type: 'log', domain: [Math.min(...counts) * 0.85, Math.max(...counts) * 1.15], nice: false } : { zero: false },
        axis: { values: counts, format: 'd', grid: true },
      },
      y: {
        field: 'ms',
        type: 'quantitative',
        title: `finality (ms${logY ? ', log scale' : ''})`,
        scale: logY ? { type: 'log', domain: [yMin, yMax] } : { zero: true },
        axis: logY ? { values: logTicks(yMin, yMax), format: ',d' } : { format: ',d' },
      },
      color: {
        field: 'latency',
        type: 'nominal',
        title: 'one-way link latency',
        scale: { domain: latencies.map(label), scheme: 'category10' },
        legend: { labelLimit: 400 },
      },
    },
    config: { legend: { orient: 'right' }, axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 15 } },
  };
}

export function readSimFinality(path: string): SimFinalityResult {
  return parseSimFinality(JSON.parse(readFileSync(path, 'utf8')));
}

/** Reads the simulator's JSON at `jsonPath` and writes the plot at `pngPath`. */
export async function plotSimFinality(jsonPath: string, pngPath: string): Promise<RenderedPlot> {
  return renderPlot(simFinalitySpec(readSimFinality(jsonPath)), pngPath);
}

async function main(): Promise<void> {
  let input = join(resultsDir(), 'sim-finality.json');
  let output = join(resultsDir(), 'sim-finality.png');
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--in') input = v;
    else if (k === '--out') output = v;
    else throw new Error(`unknown argument ${k} (--in <json>, --out <png>)`);
  }
  const out = await plotSimFinality(input, output);
  console.log(`wrote ${out.path} (${out.width}×${out.height} px)`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
