import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Pruner, type PruneReport } from '../../chain/retention/pruner.js';
import { recordsStillReadOnDisk } from '../../chain/retention/records-still-read.js';
import { describeRetention, prunesAnything, RETENTION_KINDS } from '../../chain/retention/retention-policy.js';
import { openStores } from '../../storage/index.js';
import { otherProcessesUsing } from '../../storage/env-users.js';
import { CliError, EXIT, parseIntOption } from '../errors.js';
import { addRetentionFlags, retentionPolicyFromFlags, type RetentionFlags } from '../retention-options.js';

/** What `cdrchain prune` prints on stdout (JSON). */
export interface PruneSummary {
  readonly dataDir: string;
  readonly dryRun: boolean;
  readonly policy: Record<string, string>;
  /** This run; for a dry run, what it would prune. */
  readonly batches: number;
  readonly records: number;
  readonly bytes: number;
  readonly blockBodies: number;
  readonly txLocations: number;
  readonly recordsPrunedUpToHeight: number;
  readonly blockBodiesPrunedUpToHeight: number;
  readonly headHeight: number;
  readonly stoppedAt?: PruneReport['stoppedAt'];
  readonly chunks: number;
  /** Since the directory began (before a dry run's would-be figures). */
  readonly totals: PruneReport['totals'];
  /** LMDB keeps its file size: freed pages are reused by the next writes. */
  readonly dataFileBytes: number;
}

export function registerPrune(program: Command): void {
  addRetentionFlags(
    program
      .command('prune')
      .description("apply a retention policy to a stopped node's data directory (refuses while a process has it open)")
      .requiredOption('--data <dir>', 'data directory of a stopped node'),
    '',
  )
    .option('--dry-run', 'report what would be pruned; write nothing')
    .option('--chunk <n>', 'batches per LMDB transaction', parseIntOption('chunk', 1, 100_000), 256)
    .action(async (o: RetentionFlags & { data: string; dryRun?: boolean; chunk: number }) => {
      const policy = retentionPolicyFromFlags(o);
      if (!prunesAnything(policy)) throw new CliError('nothing to prune: give --records-days, --records-blocks, --blocks-days or --blocks-blocks', EXIT.usage);
      if (!existsSync(join(o.data, 'data.mdb'))) throw new CliError(`${o.data} is not a cdrchain data directory (no data.mdb)`, EXIT.usage);
      const stores = openStores(o.data);
      try {
        const head = stores.chain.head();
        if (stores.config.genesisId() === undefined || !head) throw new CliError(`${o.data} holds no chain (never started?)`, EXIT.usage);
        const users = otherProcessesUsing(stores.env);
        if (users.length > 0) {
          throw new CliError(
            `${o.data} is open in process ${users.join(', ')} (a running node?): stop it first, or give the node its policy (cdrchain node --retention-records-days N …)`,
            EXIT.dataInUse,
          );
        }
        // A stopped node: nothing waits on the writer, so only --chunk bounds a transaction.
        const pruner = new Pruner(stores, policy, { limits: { batchesPerChunk: o.chunk, bytesPerChunk: Number.MAX_SAFE_INTEGER } });
        const report = await pruner.run({ dryRun: o.dryRun ?? false, stillRead: await recordsStillReadOnDisk(stores) });
        const summary: PruneSummary = {
          dataDir: o.data,
          dryRun: report.dryRun,
          policy: Object.fromEntries(RETENTION_KINDS.map((k) => [k, describeRetention(policy[k])])),
          ...report.pruned,
          recordsPrunedUpToHeight: report.recordsHeight,
          blockBodiesPrunedUpToHeight: report.blocksHeight,
          headHeight: head.height,
          ...(report.stoppedAt ? { stoppedAt: report.stoppedAt } : {}),
          chunks: report.chunks,
          totals: report.totals,
          dataFileBytes: stores.env.sizeBytes(),
        };
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        const verb = report.dryRun ? 'would prune' : 'pruned';
        process.stderr.write(
          `cdrchain prune: ${verb} the records of ${report.pruned.batches} batches (${report.pruned.records} records, ${report.pruned.bytes} bytes) and ${report.pruned.blockBodies} block bodies; ` +
            `records pruned up to height ${report.recordsHeight} of ${head.height}` +
            (report.stoppedAt ? `; stopped at height ${report.stoppedAt.height}: ${report.stoppedAt.reason}` : '') +
            '\n',
        );
      } finally {
        await stores.env.close();
      }
    });
}
