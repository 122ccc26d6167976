// Where a devnet's macro rounds spend their time, from the validators' debug logs.
//
//   CDRCHAIN_BENCH_LOG_DIR=/tmp/dvlogs CDRCHAIN_LOG_LEVEL=debug node dist/bench/devnet/run.js --validators 4 --paced 4000
//   node dist/bench/devnet/round-timeline.js /tmp/dvlogs
//
// Reads every `node-<pid>.log` (pino JSON lines) and, per macro height, times each step from the
// moment the batch's last micro block was produced: the proposal sent, judged by the others, the
// prevotes and precommits cast, the decision on each validator, and the next micro block produced.
// Prints the steps' p50 / p90 / max over the run's macro heights.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LogLine {
  readonly time: number;
  readonly pid: number;
  readonly msg: string;
  readonly height?: number;
  readonly step?: string;
}

/** The step a log line marks, or undefined for lines this report does not read. */
function stepOf(l: LogLine): string | undefined {
  switch (l.msg) {
    case 'macro proposal sent':
      return 'proposal sent';
    case 'macro proposal judged':
      return 'proposal judged';
    case 'vote cast':
      return `${l.step ?? 'vote'} cast`;
    case 'macro block decided':
      return 'decided';
    default:
      return undefined;
  }
}

export interface RoundSteps {
  readonly height: number;
  /** Ms after the batch's last micro block was produced: the first and last validator to reach each step. */
  readonly steps: ReadonlyMap<string, { readonly first: number; readonly last: number }>;
  /** Ms from the first decision to the next batch's first micro block. */
  readonly nextMicroMs: number | undefined;
}

export function roundTimeline(lines: readonly LogLine[]): RoundSteps[] {
  const produced = new Map<number, number>();
  const byHeight = new Map<number, Map<string, number[]>>();
  for (const l of lines) {
    if (l.height === undefined) continue;
    if (l.msg === 'produced a micro block') {
      produced.set(l.height, l.time);
      continue;
    }
    const step = stepOf(l);
    if (step === undefined) continue;
    const steps = byHeight.get(l.height) ?? new Map<string, number[]>();
    byHeight.set(l.height, steps);
    steps.set(step, [...(steps.get(step) ?? []), l.time]);
  }
  const out: RoundSteps[] = [];
  for (const [height, steps] of [...byHeight].sort((a, b) => a[0] - b[0])) {
    const lastMicro = produced.get(height - 1);
    if (lastMicro === undefined) continue;
    const timed = new Map<string, { first: number; last: number }>();
    for (const [step, times] of steps) timed.set(step, { first: Math.min(...times) - lastMicro, last: Math.max(...times) - lastMicro });
    const decided = steps.get('decided');
    const next = produced.get(height + 1);
    out.push({ height, steps: timed, nextMicroMs: decided && next !== undefined ? next - Math.min(...decided) : undefined });
  }
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function readLogs(dir: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const f of readdirSync(dir).filter((n) => /^node-\d+\.log$/.test(n))) {
    for (const text of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (text === '') continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // a line cut by the process's end
      }
    }
  }
  return lines;
}

const ORDER = ['proposal sent', 'proposal judged', 'prevote cast', 'precommit cast', 'decided'];

if (process.argv[1]?.endsWith('round-timeline.js')) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node dist/bench/devnet/round-timeline.js <CDRCHAIN_BENCH_LOG_DIR of a debug run>\n');
    process.exit(2);
  }
  const rounds = roundTimeline(readLogs(dir));
  if (rounds.length === 0) {
    process.stderr.write(`no macro rounds in ${dir}: run the devnet benchmark with CDRCHAIN_LOG_LEVEL=debug\n`);
    process.exit(1);
  }
  const row = (name: string, xs: number[]): string => {
    const s = [...xs].sort((a, b) => a - b);
    return `${name.padEnd(36)} ${String(quantile(s, 0.5)).padStart(6)} ${String(quantile(s, 0.9)).padStart(6)} ${String(s.at(-1)).padStart(6)}`;
  };
  process.stdout.write(`${rounds.length} macro rounds; ms after the batch's last micro block was produced\n${'step'.padEnd(36)}    p50    p90    max\n`);
  for (const step of ORDER) {
    for (const edge of ['first', 'last'] as const) {
      const xs = rounds.flatMap((r) => (r.steps.get(step) ? [r.steps.get(step)![edge]] : []));
      if (xs.length > 0) process.stdout.write(`${row(`${step} (${edge} validator)`, xs)}\n`);
    }
  }
  const next = rounds.flatMap((r) => (r.nextMicroMs === undefined ? [] : [r.nextMicroMs]));
  if (next.length > 0) process.stdout.write(`${row('first decision → next micro block', next)}\n`);
}
