import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PlotSpecError, renderPlot, renderPlotPng, type PlotSpec } from './render-plot.js';

const dir = mkdtempSync(join(tmpdir(), 'render-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
}

/** Walks the chunks of a PNG, checking lengths stay inside the file. */
function pngChunks(png: Buffer): PngChunk[] {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const chunks: PngChunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    expect(at + 12 + length).toBeLessThanOrEqual(png.length);
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

function ihdr(png: Buffer): { width: number; height: number; bitDepth: number; colourType: number } {
  const first = pngChunks(png)[0]!;
  expect(first.type).toBe('IHDR');
  expect(first.data.length).toBe(13);
  return { width: first.data.readUInt32BE(0), height: first.data.readUInt32BE(4), bitDepth: first.data[8]!, colourType: first.data[9]! };
}

// autosize "fit" with "padding": the whole drawing, axes and title included, is exactly width × height.
const tiny: PlotSpec = {
  width: 160,
  height: 90,
  autosize: { type: 'fit', contains: 'padding' },
  title: 'tiny',
  data: { values: [{ n: 1, ms: 10 }, { n: 2, ms: 30 }, { n: 3, ms: 20 }] },
  mark: { type: 'line', point: true },
  encoding: {
    x: { field: 'n', type: 'quantitative', title: 'validators' },
    y: { field: 'ms', type: 'quantitative', title: 'finality (ms)' },
  },
};

describe('renderPlot', () => {
  it('writes a valid PNG of the spec size times the scale', async () => {
    const out = await renderPlot(tiny, join(dir, 'sub', 'tiny.png'), { scale: 2 });
    const png = readFileSync(out.path);
    expect(out.bytes).toBe(png.length);
    expect(ihdr(png)).toEqual({ width: 320, height: 180, bitDepth: 8, colourType: 6 });
    expect({ width: out.width, height: out.height }).toEqual({ width: 320, height: 180 });
    const chunks = pngChunks(png);
    expect(chunks.at(-1)!.type).toBe('IEND');
    // The image data inflates to height rows of (filter byte + width RGBA pixels).
    const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
    expect(inflateSync(idat).length).toBe(180 * (1 + 320 * 4));
  });

  it('draws text (a font was found), not just lines', async () => {
    // The same plot with and without its title and axis titles: the texts must change pixels.
    const bare: PlotSpec = { ...tiny, title: '', encoding: { x: { ...tiny.encoding!.x!, title: null }, y: { ...tiny.encoding!.y!, title: null } } } as PlotSpec;
    const withText = await renderPlotPng(tiny, { scale: 1 });
    const without = await renderPlotPng(bare, { scale: 1 });
    expect(withText.png.equals(without.png)).toBe(false);
  });

  it('rejects a bad spec with a PlotSpecError that names the problem and where it is', async () => {
    const badType = { ...tiny, encoding: { x: { field: 'n', type: 'quant' } } } as unknown as PlotSpec;
    await expect(renderPlotPng(badType)).rejects.toThrow(PlotSpecError);
    await expect(renderPlotPng(badType)).rejects.toThrow(/invalid Vega-Lite spec: encoding\.x\.type "quant" is not one of quantitative/);
    const badMark = { layer: [tiny, { ...tiny, mark: 'lines' }] } as unknown as PlotSpec;
    await expect(renderPlotPng(badMark)).rejects.toThrow(/invalid Vega-Lite spec: layer\[1\]\.mark "lines" is not one of arc, area/);
    // What only vega-lite knows: its own message, marked as a spec error.
    const noMark = { data: { values: [] } } as unknown as PlotSpec;
    await expect(renderPlotPng(noMark)).rejects.toThrow(PlotSpecError);
    await expect(renderPlotPng(noMark)).rejects.toThrow(/invalid Vega-Lite spec: .*at least one of the following properties: "mark"/s);
    await expect(renderPlotPng(null as unknown as PlotSpec)).rejects.toThrow(/the spec is not an object/);
  });

  it('treats vega-lite warnings as errors unless strict is off', async () => {
    const warned = { ...tiny, encoding: { ...tiny.encoding, x: { field: 'n', type: 'quantitative', aggregate: 'nope' } } } as unknown as PlotSpec;
    await expect(renderPlotPng(warned)).rejects.toThrow(/invalid Vega-Lite spec: Invalid aggregation operator "nope"/);
    const lenient = await renderPlotPng(warned, { strict: false, scale: 1 });
    expect(ihdr(lenient.png).width).toBe(160);
  });

  it('validates its options', async () => {
    await expect(renderPlotPng(tiny, { scale: 0 })).rejects.toThrow(RangeError);
    await expect(renderPlotPng(tiny, { fontFamilies: [] })).rejects.toThrow(RangeError);
  });
});
