import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { writeCdrCsv } from '../../cdr/csv.js';
import { writeCdrNdjson } from '../../cdr/json.js';
import type { Cdr } from '../../cdr/model.js';
import { generatePairTraffic, generateTraffic, type PairTrafficOptions } from '../../cdr/synthetic.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';
import { counted, startProgress } from '../progress.js';

interface GenerateOptions {
  submitter: number;
  counterparty: string;
  count: number;
  seed: string;
  start?: number;
  period: number;
  format?: string;
  out?: string;
  counterpartyView?: string;
  missingRate: number;
  alterRate: number;
}

/** What a counterparty's view alters (README: Reconciliation): the values a rating dispute is about. */
const ALTERED_KINDS = ['duration', 'charge', 'tariff'] as const;

function parseRate(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)$/.test(v) || !(n >= 0 && n <= 1)) throw new CliError(`--${name} must be a number in 0..1, got "${v}"`, EXIT.usage);
    return n;
  };
}

function formatOf(file: string | undefined, given: string | undefined): 'csv' | 'ndjson' {
  const format = given ?? (file?.endsWith('.ndjson') || file?.endsWith('.json') ? 'ndjson' : 'csv');
  if (format !== 'csv' && format !== 'ndjson') throw new CliError(`--format must be csv or ndjson, got "${format}"`, EXIT.usage);
  return format;
}

async function writeCdrs(cdrs: Iterable<Cdr>, file: string | undefined, format: 'csv' | 'ndjson'): Promise<number> {
  const out = file ? createWriteStream(file) : process.stdout;
  const n = format === 'csv' ? await writeCdrCsv(cdrs, out) : await writeCdrNdjson(cdrs, out);
  if (file) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
  return n;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate realistic synthetic roaming CDRs (deterministic for a seed) as CSV or NDJSON')
    .option('--submitter <plmn>', 'submitting (visited) operator', parsePlmnOption, 26201)
    .option('--counterparty <plmns>', 'home operator(s), comma-separated; the count is split between them', '23415')
    .option('--count <n>', 'number of CDRs (with --counterparty-view: of calls)', parseIntOption('count', 1, 100_000_000), 10_000)
    .option('--seed <seed>', 'seed', 'cdrchain')
    .option('--start <unix>', 'first start time, unix seconds (default: 2 days ago)', parseIntOption('start', 946_684_800))
    .option('--period <seconds>', 'span of start times', parseIntOption('period', 1, 31 * 86_400), 86_400)
    .option('--format <fmt>', 'csv | ndjson (default: from --out, else csv)')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--counterparty-view <file>', "also write the counterparty's records of the same calls (same event keys and call references, submitted by the counterparty); one --counterparty only")
    .option('--missing-rate <r>', 'with --counterparty-view: share of calls only one side recorded (half each side)', parseRate('missing-rate'), 0)
    .option('--alter-rate <r>', "with --counterparty-view: share of calls both recorded where the counterparty's view differs in duration (±1 s), charge (±1 minor unit) or tariff", parseRate('alter-rate'), 0)
    .action(async (o: GenerateOptions) => {
      const counterparties = o.counterparty.split(',').map((p) => parsePlmnOption(p.trim()));
      const format = formatOf(o.out, o.format);
      const startTime = o.start ?? Math.floor(Date.now() / 1000) - 2 * 86_400;
      if (!o.counterpartyView) {
        if (o.missingRate > 0 || o.alterRate > 0) throw new CliError('--missing-rate and --alter-rate need --counterparty-view FILE', EXIT.usage);
        function* all(): Generator<Cdr> {
          for (const [i, counterparty] of counterparties.entries()) {
            const count = Math.floor(o.count / counterparties.length) + (i < o.count % counterparties.length ? 1 : 0);
            yield* generateTraffic({ seed: `${o.seed}:${counterparty}`, submitter: o.submitter, counterparty, count, startTime, periodSeconds: o.period });
          }
        }
        const progress = startProgress({ label: `generate ${o.submitter}`, unit: 'CDRs', total: o.count });
        let n: number;
        try {
          n = await writeCdrs(counted(all(), progress), o.out, format);
        } finally {
          progress.stop();
        }
        process.stderr.write(`wrote ${n} CDRs${o.out ? ` to ${o.out}` : ''}\n`);
        return;
      }
      const [counterparty, ...more] = counterparties;
      if (counterparty === undefined || more.length > 0) throw new CliError('--counterparty-view takes exactly one --counterparty', EXIT.usage);
      // The same calls as without the view (same seed): the submitter's file is generateTraffic's, less its missing records.
      const pairOpts: PairTrafficOptions = {
        seed: `${o.seed}:${counterparty}`, submitter: o.submitter, counterparty, count: o.count, startTime, periodSeconds: o.period,
        missingRate: o.missingRate, mismatchRate: o.alterRate, mismatchKinds: ALTERED_KINDS,
      };
      const tally = { matched: 0, altered: 0, onlySubmitter: 0, onlyCounterparty: 0 };
      // `onCall` hears every call, written or not: progress counts calls, the files get their side's records.
      function* mine(onCall: () => void): Generator<Cdr> {
        for (const e of generatePairTraffic(pairOpts)) {
          onCall();
          if (e.submitterView) yield e.submitterView;
        }
      }
      function* theirs(onCall: () => void): Generator<Cdr> {
        for (const e of generatePairTraffic(pairOpts)) {
          onCall();
          if (!e.submitterView) tally.onlyCounterparty++;
          else if (!e.counterpartyView) tally.onlySubmitter++;
          else if (e.mismatch) tally.altered++;
          else tally.matched++;
          if (e.counterpartyView) yield e.counterpartyView;
        }
      }
      // Each file is one pass over the calls: a bar (or lines) per pass.
      const pass = async (label: string, cdrs: (onCall: () => void) => Generator<Cdr>, file: string | undefined, fmt: 'csv' | 'ndjson'): Promise<number> => {
        const progress = startProgress({ label, unit: 'calls', total: o.count });
        let calls = 0;
        try {
          return await writeCdrs(cdrs(() => {
            if (++calls % 1000 === 0) progress.update(calls);
          }), file, fmt);
        } finally {
          progress.update(calls);
          progress.stop();
        }
      };
      const n = await pass(`generate ${o.submitter}`, mine, o.out, format);
      const m = await pass(`generate ${counterparty}'s view`, theirs, o.counterpartyView, formatOf(o.counterpartyView, o.format));
      process.stderr.write(
        `wrote ${n} CDRs of ${o.submitter}${o.out ? ` to ${o.out}` : ''} and ${m} of ${counterparty} to ${o.counterpartyView}\n` +
          `expected reconciliation: matched ${tally.matched}, mismatched ${tally.altered}, only ${o.submitter} ${tally.onlySubmitter}, only ${counterparty} ${tally.onlyCounterparty}\n`,
      );
    });
}
