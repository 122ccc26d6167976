import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarise } from '../pipeline/analysis.js';
import { BenchResultFormatError, ResultReader } from './bench-result.js';
import { devnetFinalitySpec } from './devnet-finality-plot.js';
import { devnetRateSpec } from './devnet-rate-plot.js';
import { pipelineLatencySpec } from './pipeline-latency-plot.js';
import { pipelineRateSpec } from './pipeline-rate-plot.js';
import { renderPlotPng, type PlotSpec } from './render-plot.js';
import { soakSpec } from './soak-plot.js';
import { BENCH_PLOTS, drawBenchPlot, writeBenchPlots } from './write-plots.js';

const dir = mkdtempSync(join(tmpdir(), 'write-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Small fixtures with the shape the benchmarks write (bench/pipeline/run.ts, bench/devnet/run.ts, bench/soak/run.ts).
const lat = (base: number) => summarise(Array.from({ length: 400 }, (_, i) => base + (i % 40) * base * 0.05 + (i === 399 ? base * 4 : 0)));
const { cdf: _dropped, ...oldLat } = lat(10); // a results file written before the cdf table
const pipeline = {
  name: 'pipeline', date: '2026-12-04T10:00:00.000Z', command: 'x', quick: true,
  targets: { committedCdrPerSec: { target: 40000 }, p99LatencyMs: { target: 50 } },
  throughput: { batchSize: 1000, rates: { committedCdrPerSec: 61000 }, committedPerSecond: [1000, 55000, 62000, 64000, 63000, 20000] },
  latency: {
    targetRateCdrPerSec: 30000, batchSize: 250, committedPerSecond: [8000, 30000, 30250, 29750, 0],
    latency: { sendToAck: lat(8), sendToCommitted: lat(10) },
  },
};
const devnet = {
  name: 'devnet', date: '2026-12-04T10:00:00.000Z', command: 'x', validators: 4,
  targets: { finalizedCdrPerSec: { target: 15000 }, macroFinalityP99Ms: { target: 2000 }, microConfirmP99Ms: { target: 300 } },
  singleNode: { rates: { committedCdrPerSec: 48000 }, committedPerSecond: [40000, 50000, 48000] },
  throughput: { rates: { finalizedCdrPerSec: 16000 }, finalizedPerSecond: [0, 0, 0, 600000, 0, 0, 400000] },
  latency: { targetRateCdrPerSec: 8000, batchSize: 250, finalizedPerSecond: [0, 20000, 0, 18000], latency: { microConfirm: lat(200), macroFinality: lat(1300), sendToFinal: lat(1600) } },
};
const soak = {
  name: 'soak', date: '2026-12-04T10:00:00.000Z', command: 'x', soakCdrs: 30_000_000, wallSeconds: 600, targets: { soakRssMaxMiB: { target: 1024 } },
  series: [1, 2, 3].map((k) => ({ committedCdrs: k * 10_000_000, cdrPerSec: 60000 - k * 1000, rssMaxMiB: 780 + k * 10, rssEndMiB: 770 + k * 10 })),
};
const reader = (doc: object) => new ResultReader(doc as Record<string, unknown>, 'fixture.json');

type Datum = Record<string, unknown>;
/** The inline data of a spec's main view (the first layer that has its own data, else the top's). */
const dataOf = (spec: PlotSpec): Datum[] => {
  const s = spec as { data?: { values: Datum[] }; layer?: { data?: { values: Datum[] } }[] };
  return (s.data ?? s.layer!.find((l) => l.data)!.data)!.values;
};

async function expectPng(spec: PlotSpec): Promise<void> {
  const { png, width, height } = await renderPlotPng(spec, { scale: 1 });
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual({ width, height });
  expect(width).toBeGreaterThan(600);
  expect(width).toBeLessThan(1400);
  expect(height).toBeGreaterThan(300);
  expect(height).toBeLessThan(900);
  expect(png.length).toBeGreaterThan(20_000); // lines and text drawn, not a blank frame
}

describe('benchmark plots', () => {
  it('pipeline rate: every second of both phases is in the data, drawn as a valid PNG', async () => {
    const spec = pipelineRateSpec(reader(pipeline));
    const data = dataOf(spec);
    const flat = data.filter((d) => String(d['series']).startsWith('flat out')).map((d) => d['cdrs']);
    const paced = data.filter((d) => String(d['series']).startsWith('paced')).map((d) => d['cdrs']);
    expect(flat).toEqual(pipeline.throughput.committedPerSecond);
    expect(paced).toEqual(pipeline.latency.committedPerSecond);
    expect(JSON.stringify(spec)).toContain('target ≥ 40,000 CDR/s');
    await expectPng(spec);
  });

  it('pipeline latency: draws the recorded cdf table, or the quantiles of an older results file', async () => {
    const spec = pipelineLatencySpec(reader(pipeline));
    const committed = dataOf(spec).filter((d) => String(d['series']).includes('Committed'));
    expect(committed.map((d) => [d['percent'], d['ms']])).toEqual(pipeline.latency.latency.sendToCommitted.cdf);
    await expectPng(spec);
    const old = { ...pipeline, latency: { ...pipeline.latency, latency: { sendToAck: oldLat, sendToCommitted: oldLat } } };
    const oldSpec = pipelineLatencySpec(reader(old));
    expect(dataOf(oldSpec).filter((d) => String(d['series']).includes('Committed')).map((d) => d['percent'])).toEqual([50, 90, 99, 99.9, 100]);
    expect(JSON.stringify(oldSpec)).toContain('recorded quantiles only');
  });

  it('devnet rate: running totals of the finalized CDRs; devnet finality: micro and macro distributions', async () => {
    const rate = devnetRateSpec(reader(devnet));
    const flat = dataOf(rate).filter((d) => String(d['series']).includes('flat out')).map((d) => d['cdrs']);
    expect(flat).toEqual([0, 0, 0, 0, 600000, 600000, 600000, 1000000]);
    await expectPng(rate);
    const fin = devnetFinalitySpec(reader(devnet));
    const series = new Set(dataOf(fin).map((d) => d['series']));
    expect([...series]).toEqual(['micro-block confirmation: send → Committed', 'Committed → Final per CDR batch', 'send → Final (both)']);
    const macro = dataOf(fin).filter((d) => String(d['series']).startsWith('Committed → Final')).map((d) => [d['percent'], d['ms']]);
    expect(macro).toEqual(devnet.latency.latency.macroFinality.cdf);
    await expectPng(fin);
  });

  it('soak: CDR/s and RSS per 10 M', async () => {
    const spec = soakSpec(reader(soak));
    expect(dataOf(spec)).toEqual(soak.series.map((s) => ({ millions: s.committedCdrs / 1e6, cdrPerSec: s.cdrPerSec, rssMaxMiB: s.rssMaxMiB, rssEndMiB: s.rssEndMiB })));
    const { png, height } = await renderPlotPng(spec, { scale: 1 });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(height).toBeGreaterThan(400); // two panels
  });

  it('writes the PNGs of the files present, skips those absent, and fails a bad file naming the field', async () => {
    const d = mkdtempSync(join(dir, 'results-'));
    writeFileSync(join(d, 'pipeline.json'), JSON.stringify(pipeline));
    writeFileSync(join(d, 'devnet.json'), JSON.stringify({ ...devnet, throughput: { ...devnet.throughput, finalizedPerSecond: [0, 'many'] } }));
    const out = await writeBenchPlots(d);
    const by = new Map(out.map((o) => [o.png, o]));
    expect(out.map((o) => o.png)).toEqual(BENCH_PLOTS.map((p) => p.png));
    for (const png of ['pipeline-rate.png', 'pipeline-latency.png']) {
      const o = by.get(png)!;
      expect(o.status).toBe('written');
      const file = readFileSync(join(d, png));
      expect(file.readUInt32BE(16)).toBe(o.status === 'written' ? o.plot.width : -1);
    }
    const rate = by.get('devnet-rate.png')!;
    expect(rate.status).toBe('failed');
    expect(rate.status === 'failed' && rate.error).toBeInstanceOf(BenchResultFormatError);
    expect(rate.status === 'failed' && rate.error.message).toBe('devnet.json: throughput.finalizedPerSecond[1]: expected a finite number ≥ 0, got "many"');
    expect(by.get('devnet-finality.png')!.status).toBe('written'); // the same file's other plot still drawn
    expect(by.get('soak.png')).toEqual({ png: 'soak.png', status: 'skipped', reason: 'no soak.json' });
  });

  it('rejects a missing, non-JSON or incomplete results file with a clear error', async () => {
    const plot = BENCH_PLOTS.find((p) => p.png === 'pipeline-latency.png')!;
    await expect(drawBenchPlot(plot, join(dir, 'nope.json'), join(dir, 'x.png'))).rejects.toThrow(/nope\.json: no such results file/);
    writeFileSync(join(dir, 'broken.json'), '{"name": "pipeline",');
    await expect(drawBenchPlot(plot, join(dir, 'broken.json'), join(dir, 'x.png'))).rejects.toThrow(/broken\.json: not JSON/);
    writeFileSync(join(dir, 'array.json'), '[]');
    await expect(drawBenchPlot(plot, join(dir, 'array.json'), join(dir, 'x.png'))).rejects.toThrow(/array\.json: expected a JSON object/);
    writeFileSync(join(dir, 'partial.json'), JSON.stringify({ ...pipeline, latency: { ...pipeline.latency, latency: { sendToAck: lat(8) } } }));
    await expect(drawBenchPlot(plot, join(dir, 'partial.json'), join(dir, 'x.png'))).rejects.toThrow('partial.json: latency.latency.sendToCommitted.count: expected a finite number, got undefined');
    const badCdf = { ...pipeline, latency: { ...pipeline.latency, latency: { sendToAck: lat(8), sendToCommitted: { ...lat(10), cdf: [[0, 1], [150, 2]] } } } };
    expect(() => pipelineLatencySpec(reader(badCdf))).toThrow('fixture.json: latency.latency.sendToCommitted.cdf[1]: expected [percent 0..100, ms], got [150,2]');
    expect(() => soakSpec(reader({ ...soak, series: [] }))).toThrow(/series: expected a non-empty array of objects/);
  });
});
