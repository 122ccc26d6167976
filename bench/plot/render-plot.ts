// Renders a Vega-Lite spec to a PNG file, headless: vega-lite compiles it to a Vega spec, a Vega view
// with no renderer draws it as SVG, and resvg rasterises the SVG with the system's fonts. No browser,
// no canvas package. For the README's benchmark plots (simulator finality, and later the pipeline's
// and the devnet's rates over time): give the data inline (`data: { values }`).
//
//   await renderPlot(spec, 'bench/results/x.png');   // → { path, width, height, bytes }
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { logger as vegaLogger, parse as parseVega, View, Warn, type LoggerInterface, type Spec as VegaSpec } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec as PlotSpec } from 'vega-lite';

/** The spec is not valid Vega-Lite (or, with `strict`, vega-lite warned about it). */
export class PlotSpecError extends Error {
  override readonly name = 'PlotSpecError';
}

/** The spec compiled but Vega failed (or logged an error) while drawing it. */
export class PlotRenderError extends Error {
  override readonly name = 'PlotRenderError';
}

/** No usable font: resvg would draw the plot without any text (axis titles, legend, title). */
export class PlotFontError extends Error {
  override readonly name = 'PlotFontError';
}

export interface RenderPlotOptions {
  /** Pixels per SVG unit (the spec's width/height are in SVG units). Default 2, for sharp README images. */
  readonly scale?: number;
  /** Background of the PNG (CSS colour); also the spec's background unless it sets one. Default white. */
  readonly background?: string;
  /**
   * Vega-Lite warnings (a dropped channel, an unknown aggregate, ...) are errors. Default true: in a
   * results plot a warning means a silently wrong figure.
   */
  readonly strict?: boolean;
  /**
   * Font families, most preferred first, for every text of the plot unless the spec's config sets
   * `font`. The defaults are on Debian (fonts-dejavu-core, fonts-liberation) and most Linux images.
   */
  readonly fontFamilies?: readonly string[];
  /** Extra font files to load besides the system's (e.g. a font shipped with a CI image). */
  readonly fontFiles?: readonly string[];
}

export interface RenderedPlot {
  readonly path: string;
  /** PNG size in pixels. */
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

interface ResolvedOptions {
  readonly scale: number;
  readonly background: string;
  readonly strict: boolean;
  readonly fontFamilies: readonly string[];
  readonly fontFiles: readonly string[];
}

const DEFAULT_FONTS = Object.freeze(['DejaVu Sans', 'Liberation Sans', 'Noto Sans', 'Arial']);

function resolveOptions(o: RenderPlotOptions): ResolvedOptions {
  const scale = o.scale ?? 2;
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 8)) throw new RangeError(`scale must be in (0, 8], got ${scale}`);
  const fontFamilies = o.fontFamilies ?? DEFAULT_FONTS;
  if (fontFamilies.length === 0 || fontFamilies.some((f) => f.trim() === '' || /[",;<>]/.test(f))) {
    throw new RangeError('fontFamilies: at least one family name, without quotes, commas, semicolons or angle brackets');
  }
  return Object.freeze({
    scale,
    background: o.background ?? 'white',
    strict: o.strict ?? true,
    fontFamilies: Object.freeze([...fontFamilies]),
    fontFiles: Object.freeze([...(o.fontFiles ?? [])]),
  });
}

/** A Vega logger that keeps what it is told, so warnings and errors become exceptions, not stderr noise. */
function collectingLogger(): { readonly logger: LoggerInterface; readonly warnings: string[]; readonly errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger = vegaLogger(Warn, undefined, (method, _level, args) => {
    const text = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
    (method === 'error' ? errors : warnings).push(text);
  });
  return { logger, warnings, errors };
}

const MARKS = new Set(['arc', 'area', 'bar', 'image', 'line', 'point', 'rect', 'rule', 'text', 'tick', 'trail', 'circle', 'square', 'geoshape', 'boxplot', 'errorbar', 'errorband']);
const FIELD_TYPES = new Set(['quantitative', 'ordinal', 'temporal', 'nominal', 'geojson']);

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Checks the marks and field types of every view in the spec. vega-lite itself lets an unknown field
 * type through in some marks and crashes on an unknown mark with a TypeError; this names the place.
 * Runtime guard for specs built from untyped data (JSON); the type already rules these out in code.
 */
function checkViews(spec: unknown, at: string): void {
  if (!isRecord(spec)) throw new PlotSpecError(`invalid Vega-Lite spec: ${at ? at.slice(0, -1) : 'the spec'} is not an object`);
  const mark = isRecord(spec.mark) ? spec.mark.type : spec.mark;
  if (mark !== undefined && !(typeof mark === 'string' && MARKS.has(mark))) {
    throw new PlotSpecError(`invalid Vega-Lite spec: ${at}mark ${JSON.stringify(mark)} is not one of ${[...MARKS].join(', ')}`);
  }
  if (isRecord(spec.encoding)) {
    for (const [channel, value] of Object.entries(spec.encoding)) {
      const defs = Array.isArray(value) ? value : [value];
      defs.forEach((def: unknown, i) => {
        if (!isRecord(def) || def.type === undefined) return;
        if (typeof def.type !== 'string' || !FIELD_TYPES.has(def.type)) {
          const where = `${at}encoding.${channel}${Array.isArray(value) ? `[${i}]` : ''}.type`;
          throw new PlotSpecError(`invalid Vega-Lite spec: ${where} ${JSON.stringify(def.type)} is not one of ${[...FIELD_TYPES].join(', ')}`);
        }
      });
    }
  }
  for (const key of ['layer', 'concat', 'hconcat', 'vconcat'] as const) {
    const views = spec[key];
    if (Array.isArray(views)) views.forEach((v: unknown, i) => checkViews(v, `${at}${key}[${i}].`));
  }
  if (spec.spec !== undefined) checkViews(spec.spec, `${at}spec.`); // facet and repeat
}

function compileSpec(spec: TopLevelSpec, o: ResolvedOptions): VegaSpec {
  checkViews(spec, '');
  const { logger, warnings, errors } = collectingLogger();
  const withDefaults: TopLevelSpec = {
    ...spec,
    background: spec.background ?? o.background,
    config: { ...spec.config, font: spec.config?.font ?? [...o.fontFamilies, 'sans-serif'].join(', ') },
  };
  let vg: VegaSpec;
  try {
    vg = compile(withDefaults, { logger }).spec;
  } catch (err) {
    // Say where the message comes from: some of vega-lite's are TypeErrors from deep inside it.
    const msg = err instanceof Error ? err.message : String(err);
    throw new PlotSpecError(`invalid Vega-Lite spec: ${msg}`, { cause: err });
  }
  const problems = [...new Set(o.strict ? [...errors, ...warnings] : errors)];
  if (problems.length > 0) throw new PlotSpecError(`invalid Vega-Lite spec: ${problems.join('; ')}`);
  return vg;
}

async function drawSvg(vg: VegaSpec): Promise<string> {
  const { logger, errors } = collectingLogger();
  let svg: string;
  try {
    const view = new View(parseVega(vg), { renderer: 'none', logger, logLevel: Warn });
    svg = await view.toSVG();
    view.finalize();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new PlotRenderError(`Vega could not draw the plot: ${msg}`, { cause: err });
  }
  if (errors.length > 0) throw new PlotRenderError(`Vega could not draw the plot: ${errors.join('; ')}`);
  return svg;
}

function fontOptions(o: ResolvedOptions): NonNullable<ResvgRenderOptions['font']> {
  const first = o.fontFamilies[0]!;
  return { loadSystemFonts: true, fontFiles: [...o.fontFiles], defaultFontFamily: first, sansSerifFamily: first };
}

// One probe per font set and process: rendering text and finding no ink means no font matched.
const fontProbes = new Map<string, boolean>();

function fontsDrawText(o: ResolvedOptions): boolean {
  const key = JSON.stringify([o.fontFamilies, o.fontFiles]);
  const known = fontProbes.get(key);
  if (known !== undefined) return known;
  const family = [...o.fontFamilies, 'sans-serif'].join(', ');
  const probe = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="16" font-size="14" font-family="${family}">Hg</text></svg>`;
  const pixels = new Resvg(probe, { font: fontOptions(o) }).render().pixels;
  let ink = false;
  for (let i = 3; i < pixels.length && !ink; i += 4) ink = pixels[i]! > 0;
  fontProbes.set(key, ink);
  return ink;
}

/** Renders a Vega-Lite spec to PNG bytes; see `renderPlot`. */
export async function renderPlotPng(spec: TopLevelSpec, options: RenderPlotOptions = {}): Promise<{ readonly png: Buffer; readonly width: number; readonly height: number }> {
  const o = resolveOptions(options);
  const svg = await drawSvg(compileSpec(spec, o));
  if (!fontsDrawText(o)) {
    throw new PlotFontError(
      `no font found for ${o.fontFamilies.join(', ')} or any sans-serif: the plot would have no text. ` +
        'Install one (Debian: apt-get install fonts-dejavu-core) or pass fontFiles.',
    );
  }
  const image = new Resvg(svg, { font: fontOptions(o), fitTo: { mode: 'zoom', value: o.scale }, background: o.background }).render();
  return { png: image.asPng(), width: image.width, height: image.height };
}

/** Renders a Vega-Lite spec and writes it as a PNG at `path` (parent directories created). */
export async function renderPlot(spec: TopLevelSpec, path: string, options: RenderPlotOptions = {}): Promise<RenderedPlot> {
  const { png, width, height } = await renderPlotPng(spec, options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png);
  return { path, width, height, bytes: png.length };
}
