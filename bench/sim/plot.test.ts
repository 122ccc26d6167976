import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsDir } from '../machine.js';
import { renderPlotPng } from '../plot/render-plot.js';
import { parseSimFinality, SimResultFormatError, simFinalitySpec, type SimFinalityResult } from './plot.js';

const row = (validators: number, latencyMs: number, ms: number) => ({
  validators, latencyMs, jitterMs: latencyMs / 2, lossRate: 0, macroBlocks: 2, finalityAllMsMedian: ms, finalityAllMsMax: ms + 5, finalityQuorumMsMedian: ms,
});
const doc = (rows: unknown[]) => ({ command: 'node dist/bench/sim/run.js', date: '2026-12-03T12:00:00.000Z', options: { jitterRatio: 0.5, loss: 0, batches: 2, verifyMs: 1 }, rows });

describe('sim finality plot', () => {
  it('draws the committed results file without a vega-lite warning', async () => {
    const result = parseSimFinality(JSON.parse(readFileSync(join(resultsDir(), 'sim-finality.json'), 'utf8')));
    const { png, width, height } = await renderPlotPng(simFinalitySpec(result), { scale: 1 });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(width).toBeGreaterThan(600);
    expect(height).toBeGreaterThan(340);
  });

  it('uses log axes only when the values span a factor of ten', () => {
    const axes = (r: SimFinalityResult) => {
      const enc = simFinalitySpec(r) as { encoding: { x: { scale: { type?: string } }; y: { scale: { type?: string } } } };
      return [enc.encoding.x.scale.type ?? 'linear', enc.encoding.y.scale.type ?? 'linear'];
    };
    expect(axes(parseSimFinality(doc([row(4, 5, 30), row(100, 150, 800)])))).toEqual(['log', 'log']);
    expect(axes(parseSimFinality(doc([row(4, 50, 300), row(8, 50, 400)])))).toEqual(['linear', 'linear']);
  });

  it('rejects a results file that is not the simulator table, naming the field', () => {
    expect(() => parseSimFinality(doc([]))).toThrow(/rows is empty/);
    expect(() => parseSimFinality(doc([{ ...row(4, 5, 30), finalityAllMsMedian: 'fast' }]))).toThrow(SimResultFormatError);
    expect(() => parseSimFinality(doc([row(4, 5, 30), { ...row(4, 5, 30), validators: -1 }]))).toThrow(/rows\[1\]\.validators/);
    expect(() => parseSimFinality({ rows: [] })).toThrow(/options and rows/);
  });
});
