import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { writeCdrCsv } from '../../cdr/csv.js';
import { writeCdrNdjson } from '../../cdr/json.js';
import type { Cdr } from '../../cdr/model.js';
import { generateTraffic } from '../../cdr/synthetic.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate realistic synthetic roaming CDRs (deterministic for a seed) as CSV or NDJSON')
    .option('--submitter <plmn>', 'submitting (visited) operator', parsePlmnOption, 26201)
    .option('--counterparty <plmns>', 'home operator(s), comma-separated; the count is split between them', '23415')
    .option('--count <n>', 'number of CDRs', parseIntOption('count', 1, 100_000_000), 10_000)
    .option('--seed <seed>', 'seed', 'cdrchain')
    .option('--start <unix>', 'first start time, unix seconds (default: 2 days ago)', parseIntOption('start', 946_684_800))
    .option('--period <seconds>', 'span of start times', parseIntOption('period', 1, 31 * 86_400), 86_400)
    .option('--format <fmt>', 'csv | ndjson (default: from --out, else csv)')
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (o: { submitter: number; counterparty: string; count: number; seed: string; start?: number; period: number; format?: string; out?: string }) => {
      const counterparties = o.counterparty.split(',').map((p) => parsePlmnOption(p.trim()));
      const format = o.format ?? (o.out?.endsWith('.ndjson') || o.out?.endsWith('.json') ? 'ndjson' : 'csv');
      if (format !== 'csv' && format !== 'ndjson') throw new CliError(`--format must be csv or ndjson, got "${format}"`, EXIT.usage);
      const startTime = o.start ?? Math.floor(Date.now() / 1000) - 2 * 86_400;
      function* all(): Generator<Cdr> {
        for (const [i, counterparty] of counterparties.entries()) {
          const count = Math.floor(o.count / counterparties.length) + (i < o.count % counterparties.length ? 1 : 0);
          yield* generateTraffic({ seed: `${o.seed}:${counterparty}`, submitter: o.submitter, counterparty, count, startTime, periodSeconds: o.period });
        }
      }
      const out = o.out ? createWriteStream(o.out) : process.stdout;
      const n = format === 'csv' ? await writeCdrCsv(all(), out) : await writeCdrNdjson(all(), out);
      if (o.out) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
      process.stderr.write(`wrote ${n} CDRs${o.out ? ` to ${o.out}` : ''}\n`);
    });
}
