import { Presets, SingleBar } from 'cli-progress';

/**
 * Progress of long CLI work, on stderr so stdout stays the command's output: a cli-progress bar on a
 * terminal (as `submit` draws), and off one (a pipe, a log file, CI) plain lines, one each time the
 * count crosses another `plainStep` of the total, then a last one — lines a log keeps readable,
 * instead of a bar's carriage returns or nothing at all.
 */
export interface ProgressOptions {
  /** Leads every line ("generate 26201"). */
  readonly label: string;
  /** What is counted ("CDRs"). */
  readonly unit: string;
  readonly total: number;
  /** Default process.stderr. */
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Off a terminal: a line per this share of the total (default 0.1: every 10 %). */
  readonly plainStep?: number;
}

export interface Progress {
  /** The count so far (never above the total). */
  update(value: number): void;
  /** Ends the bar, or writes the last line (the count reached). Idempotent. */
  stop(): void;
}

const count = (n: number) => n.toLocaleString('en-US');

export function startProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  const total = Math.max(0, o.total);
  if (stream.isTTY) {
    const bar = new SingleBar({
      format: `${o.label} |{bar}| {percentage}% | {done}/{all} ${o.unit}`,
      stream: stream as NodeJS.WriteStream,
      hideCursor: true,
    }, Presets.shades_classic);
    bar.start(total, 0, { done: count(0), all: count(total) });
    let stopped = false;
    return {
      update: (v) => bar.update(Math.min(v, total), { done: count(Math.min(v, total)) }),
      stop: () => {
        if (stopped) return;
        stopped = true;
        bar.stop();
      },
    };
  }
  const step = Math.max(1, Math.ceil(total * (o.plainStep ?? 0.1)));
  let next = step;
  let current = 0;
  let last = -1;
  const line = (v: number) => {
    last = v;
    const pct = total === 0 ? 100 : Math.floor((100 * v) / total);
    stream.write(`${o.label}: ${count(v)}/${count(total)} ${o.unit} (${pct}%)\n`);
  };
  let stopped = false;
  return {
    update(v) {
      const value = Math.min(v, total);
      current = value;
      if (value < next) return;
      // One line however many steps a single update crossed.
      next = (Math.floor(value / step) + 1) * step;
      line(value);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      // Where it got to: the total when the work finished, less when it failed.
      if (last !== current) line(current);
    },
  };
}

/** Counts what `items` yields into `progress`, every `every` items (cheap enough for millions). */
export function* counted<T>(items: Iterable<T>, progress: Progress, every = 1000): Generator<T> {
  let n = 0;
  for (const item of items) {
    yield item;
    if (++n % every === 0) progress.update(n);
  }
  progress.update(n);
}

export interface CountProgressOptions {
  /** Leads every line ("submit"). */
  readonly label: string;
  /** Default process.stderr. */
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Off a terminal: at most one line per this many ms (default 5 s), plus a last one on stop. */
  readonly plainIntervalMs?: number;
  /** Clock, ms (default Date.now). */
  readonly now?: () => number;
}

/** Progress of work whose total is not known up front (a streamed file): a count and a detail text. */
export interface CountProgress {
  /** `detail` says what the count is ("12,000 CDRs accepted, 12 batches, 0 rejected"). */
  update(value: number, detail: string): void;
  /** Ends the bar, or writes the last line if it differs from the one before. Idempotent. */
  stop(): void;
}

/**
 * Like startProgress for an open-ended count: a cli-progress bar on a terminal, and off one plain
 * timed lines ("submit: 12,000 CDRs accepted, 12 batches, 0 rejected"), so a log shows the work moving.
 */
export function startCountProgress(o: CountProgressOptions): CountProgress {
  const stream = o.stream ?? process.stderr;
  if (stream.isTTY) {
    const bar = new SingleBar({ format: `${o.label} |{bar}| {detail}`, stream: stream as NodeJS.WriteStream, hideCursor: true }, Presets.shades_classic);
    bar.start(0, 0, { detail: '' });
    let stopped = false;
    return {
      update: (v, detail) => bar.update(v, { detail }),
      stop: () => {
        if (stopped) return;
        stopped = true;
        bar.stop();
      },
    };
  }
  const now = o.now ?? Date.now;
  const interval = o.plainIntervalMs ?? 5000;
  let lastAt = now();
  let latest: string | undefined;
  let written: string | undefined;
  let stopped = false;
  const line = (detail: string) => {
    written = detail;
    stream.write(`${o.label}: ${detail}\n`);
  };
  return {
    update(_v, detail) {
      latest = detail;
      if (now() - lastAt < interval) return;
      lastAt = now();
      line(detail);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (latest !== undefined && latest !== written) line(latest);
    },
  };
}
