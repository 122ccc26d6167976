import { RogueValidator, waitUntil, type RogueOptions } from '../../test-helpers/rogue-validator.js';
import { startValidatorCluster, type ValidatorCluster, type ValidatorClusterOptions } from '../../test-helpers/validator-processes.js';

/**
 * Three honest validator processes and one byzantine validator (the rogue, the genesis validator the
 * cluster leaves out, played from the test process with its real keys). Four validators of power 1:
 * the honest three are a quorum (3 of 4), so the chain goes on whatever the rogue does.
 */
export interface RogueCluster {
  readonly c: ValidatorCluster;
  readonly rogue: RogueValidator;
  readonly honest: readonly number[];
  close(): Promise<void>;
}

export const ROGUE_INDEX = 3;
export const HONEST = [0, 1, 2] as const;

export interface RogueClusterOptions extends Pick<ValidatorClusterOptions, 'policy' | 'localPolicy'> {
  /** The rogue's own network: whom it dials and whether it listens (default: all honest, yes). */
  readonly rogue?: Pick<RogueOptions, 'dial' | 'listen'>;
}

export async function startRogueCluster(o: RogueClusterOptions = {}): Promise<RogueCluster> {
  // info: rejections ("peer message rejected") are logged at info, and the tests read the logs.
  const c = await startValidatorCluster({ validators: 4, start: HONEST, logLevel: 'info', policy: o.policy, localPolicy: o.localPolicy });
  let rogue: RogueValidator;
  try {
    rogue = await RogueValidator.start({ plan: c.plan, index: ROGUE_INDEX, ...o.rogue });
    const dial = o.rogue?.dial ?? HONEST;
    if (dial.length > 0) await rogue.connectedTo(dial);
  } catch (err) {
    await c.close();
    throw err;
  }
  return {
    c, rogue, honest: HONEST,
    close: async () => {
      await rogue.close();
      await c.close();
    },
  };
}

/** A pino JSON line of a validator's log. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [k: string]: unknown;
}

/** Validator i's log lines (the cluster keeps a tail) whose message is `msg` and that `pred` accepts. */
export function logLines(c: ValidatorCluster, i: number, msg: string, pred: (l: LogLine) => boolean = () => true): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of c.logs(i).split('\n')) {
    if (!raw.startsWith('{')) continue;
    let l: LogLine;
    try {
      l = JSON.parse(raw) as LogLine;
    } catch {
      continue; // a line cut by the tail
    }
    if (l.msg === msg && pred(l)) out.push(l);
  }
  return out;
}

/** Waits until every validator of `who` logged `msg` with `pred`. */
export async function waitLogged(c: ValidatorCluster, who: readonly number[], msg: string, pred: (l: LogLine) => boolean = () => true, timeoutMs = 20_000): Promise<void> {
  await waitUntil(`"${msg}" in the logs of validators ${who.join(',')}`, () => who.every((i) => logLines(c, i, msg, pred).length > 0), timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}\n${c.allLogs()}`);
  });
}

/** Samples of one series on each validator of `who`. */
export async function metricOf(c: ValidatorCluster, who: readonly number[], series: string): Promise<number[]> {
  return Promise.all(who.map((i) => c.metric(i, series)));
}

/** Waits until the series is above `before[k]` (by at least `by`) on each validator `who[k]`. */
export async function waitMetricAbove(c: ValidatorCluster, who: readonly number[], series: string, before: readonly number[], by = 1, timeoutMs = 20_000): Promise<number[]> {
  let now: number[] = [];
  try {
    await waitUntil(`${series} to grow by ${by} on validators ${who.join(',')}`, async () => {
      now = await metricOf(c, who, series);
      return now.every((v, k) => v >= before[k]! + by);
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}: before ${before.join(',')}, now ${now.join(',')}\n${c.allLogs()}`);
  }
  return now;
}

/** The rogue's score as each of `who` keeps it (GET /consensus). */
export async function rogueScores(r: RogueCluster, who: readonly number[] = r.honest): Promise<(number | undefined)[]> {
  const statuses = await Promise.all(who.map((i) => r.c.consensus(i)));
  return statuses.map((s) => s.validators.find((v) => v.plmn === r.rogue.plmn)?.score);
}

/** Each honest validator's final height now. */
export async function finalHeights(r: RogueCluster): Promise<number[]> {
  return (await Promise.all(r.honest.map((i) => r.c.consensus(i)))).map((s) => s.final.height);
}

/** Waits until every honest validator finalized `batches` more macro blocks than now (the chain goes on). */
export async function expectFinalizing(r: RogueCluster, batches = 1, timeoutMs = 30_000): Promise<void> {
  const now = Math.max(...(await finalHeights(r)));
  const target = now + batches * r.rogue.policy.blocksPerBatch;
  await Promise.all(r.honest.map((i) => r.c.waitFinal(i, target, timeoutMs)));
}
