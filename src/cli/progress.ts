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
