// Reading the benchmark results JSON for the plots: what each plot needs, checked, with errors that
// name the file and the field (a plot drawn from a half-read file would be silently wrong).
import { existsSync, readFileSync } from 'node:fs';

/** A results file is missing, not JSON, or lacks a field a plot needs. */
export class BenchResultFormatError extends Error {
  override readonly name = 'BenchResultFormatError';
}

export type Json = Readonly<Record<string, unknown>>;

const isRecord = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Reads and parses a results file; the error names the path. */
export function readBenchResult(path: string): Json {
  if (!existsSync(path)) throw new BenchResultFormatError(`${path}: no such results file (run the benchmark first)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new BenchResultFormatError(`${path}: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (!isRecord(json)) throw new BenchResultFormatError(`${path}: expected a JSON object`);
  return json;
}

/** Walks a dotted path from `root`; undefined when any step is missing. */
function at(root: Json, path: string): unknown {
  let x: unknown = root;
  for (const k of path.split('.')) x = isRecord(x) ? x[k] : undefined;
  return x;
}

/** A reader over one results document whose errors say which document and which field. */
export class ResultReader {
  constructor(
    readonly doc: Json,
    readonly source: string,
  ) {}

  has(path: string): boolean {
    return at(this.doc, path) !== undefined;
  }

  num(path: string): number {
    const v = at(this.doc, path);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BenchResultFormatError(`${this.source}: ${path}: expected a finite number, got ${JSON.stringify(v)}`);
    return v;
  }

  str(path: string): string {
    const v = at(this.doc, path);
    if (typeof v !== 'string') throw new BenchResultFormatError(`${this.source}: ${path}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A per-second series: a non-empty array of finite numbers ≥ 0. */
  series(path: string): number[] {
    const v = at(this.doc, path);
    if (!Array.isArray(v) || v.length === 0) throw new BenchResultFormatError(`${this.source}: ${path}: expected a non-empty array of numbers`);
    return v.map((x: unknown, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new BenchResultFormatError(`${this.source}: ${path}[${i}]: expected a finite number ≥ 0, got ${JSON.stringify(x)}`);
      return x;
    });
  }

  /** An array of objects, each wrapped in a reader whose errors carry its index. */
  rows(path: string): ResultReader[] {
    const v = at(this.doc, path);
    if (!Array.isArray(v) || v.length === 0) throw new BenchResultFormatError(`${this.source}: ${path}: expected a non-empty array of objects`);
    return v.map((x: unknown, i) => {
      if (!isRecord(x)) throw new BenchResultFormatError(`${this.source}: ${path}[${i}]: expected an object`);
      return new ResultReader(x, `${this.source}: ${path}[${i}]`);
    });
  }

  /**
   * A latency distribution as [percent, ms] points: the `cdf` table the benchmarks record now, or, in
   * results written before it, the quantiles of the summary (p50, p90, p99, p99.9, max).
   */
  distribution(path: string): { readonly points: readonly (readonly [number, number])[]; readonly fromCdf: boolean; readonly count: number } {
    const count = this.num(`${path}.count`);
    if (count === 0) throw new BenchResultFormatError(`${this.source}: ${path}: no samples (count 0)`);
    const cdf = at(this.doc, `${path}.cdf`);
    if (cdf !== undefined) {
      if (!Array.isArray(cdf) || cdf.length < 2) throw new BenchResultFormatError(`${this.source}: ${path}.cdf: expected [percent, ms] pairs`);
      const points = cdf.map((pair: unknown, i): readonly [number, number] => {
        const ok = Array.isArray(pair) && pair.length === 2 && pair.every((x: unknown) => typeof x === 'number' && Number.isFinite(x)) && pair[0] >= 0 && pair[0] <= 100;
        if (!ok) throw new BenchResultFormatError(`${this.source}: ${path}.cdf[${i}]: expected [percent 0..100, ms], got ${JSON.stringify(pair)}`);
        return [pair[0] as number, pair[1] as number];
      });
      return { points, fromCdf: true, count };
    }
    const q: [number, string][] = [[50, 'p50Ms'], [90, 'p90Ms'], [99, 'p99Ms'], [99.9, 'p999Ms'], [100, 'maxMs']];
    return { points: q.map(([p, k]) => [p, this.num(`${path}.${k}`)] as const), fromCdf: false, count };
  }
}

/** Reads a results file into a reader named after its file. */
export function resultReader(path: string): ResultReader {
  return new ResultReader(readBenchResult(path), path.split('/').at(-1) ?? path);
}
