import { createReadStream } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { readCdrCsv } from '../../cdr/csv.js';
import { readCdrJson } from '../../cdr/json.js';
import type { Cdr } from '../../cdr/model.js';
import type { CdrParseError } from '../../cdr/errors.js';
import { BatchNackError, IngestClient, IngestConnectionError, type SubmitResult } from '../../client/ingest-client.js';
import { operatorFromKeyFile, readKeyFile } from '../../client/key-file.js';
import { Operator } from '../../client/operator.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';

interface SubmitOptions {
  operator?: number;
  key?: string;
  url: string;
  batchSize: number;
  window: number;
  format?: string;
  wait: boolean;
  skipInvalid?: boolean;
}

/**
 * cdrchain submit FILE: reads CDRs (CSV, JSON array or NDJSON), validates them, cuts them into
 * signed batches per counterparty, streams them over WS /ingest within a window of unanswered
 * batches, and waits until every accepted batch is committed.
 */
export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .argument('<file>', 'CDRs as .csv, .json or .ndjson')
    .description('submit a file of CDRs to a node')
    .option('--operator <plmn>', 'submitting operator (devnet keys); default: the key file\'s, else the first CDR\'s submitter', parsePlmnOption)
    .option('--key <file>', 'operator key file (default: the devnet keys of --operator)')
    .option('--url <url>', 'node address (ws:// or http://)', 'ws://127.0.0.1:7400')
    .option('--batch-size <n>', 'CDRs per batch', parseIntOption('batch-size', 1, 65_536), 1000)
    .option('--window <n>', 'batches in flight before waiting for answers', parseIntOption('window', 1, 1024), 16)
    .option('--format <fmt>', 'csv | json (default: from the file extension)')
    .option('--no-wait', 'do not wait for commits')
    .option('--skip-invalid', 'report and skip invalid CDRs instead of stopping at the first')
    .action(async (file: string, o: SubmitOptions) => {
      const summary = await submitFile(file, o);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (summary.rejectedBatches > 0) throw new CliError(`${summary.rejectedBatches} batch(es) rejected: ${JSON.stringify(summary.rejects)}`, EXIT.rejected);
    });
}

async function submitFile(file: string, o: SubmitOptions) {
  const format = o.format ?? (file.endsWith('.csv') ? 'csv' : file.endsWith('.json') || file.endsWith('.ndjson') ? 'json' : undefined);
  if (format !== 'csv' && format !== 'json') throw new CliError(`cannot tell the format of ${file}: pass --format csv|json`, EXIT.usage);
  const invalid: CdrParseError[] = [];
  const readOpts = o.skipInvalid ? { onError: (e: CdrParseError) => invalid.push(e) } : {};
  const source = createReadStream(file);
  const cdrs = format === 'csv' ? readCdrCsv(source, readOpts) : readCdrJson(source, readOpts);

  const keyFile = o.key ? readKeyFile(o.key) : undefined;
  let operator: Operator | undefined = keyFile ? operatorFromKeyFile(keyFile) : o.operator ? Operator.devnet(o.operator) : undefined;
  const base = o.url.replace(/^http/, 'ws').replace(/\/(ingest)?$/, '');
  const client = await IngestClient.connect(`${base}/ingest`, { window: o.window }).catch((err: unknown) => {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
  });

  const bar = new SingleBar({ format: 'submit |{bar}| {value} CDRs accepted | {batches} batches | {rejected} rejected', stream: process.stderr }, Presets.shades_classic);
  bar.start(0, 0, { batches: 0, rejected: 0 });
  const rejects: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  let accepted = 0;
  let acceptedBatches = 0;
  let rejectedBatches = 0;
  let sequence: bigint | undefined;
  const committedHeights: number[] = [];
  const buffers = new Map<number, Cdr[]>();

  const send = async (batchCdrs: Cdr[]) => {
    if (!operator) throw new CliError('no operator: pass --operator or --key', EXIT.usage);
    sequence ??= await nextSequence(base, operator.plmn);
    const built = operator.batch(batchCdrs, sequence++);
    const outcome = client.submit(built.frame, built.header.sequence).then(
      async (r: SubmitResult) => {
        accepted += batchCdrs.length;
        acceptedBatches++;
        bar.update(accepted, { batches: acceptedBatches, rejected: rejectedBatches });
        if (o.wait) committedHeights.push((await r.committed).height);
      },
      (err: unknown) => {
        if (err instanceof BatchNackError) {
          rejectedBatches++;
          rejects[err.reason] = (rejects[err.reason] ?? 0) + 1;
          bar.update(accepted, { batches: acceptedBatches, rejected: rejectedBatches });
          return;
        }
        throw err;
      },
    );
    pending.push(outcome);
    // Wait for the window: IngestClient.submit queues beyond it, so pace the reader too.
    if (client.inflight >= o.window) await Promise.race(pending.slice(-o.window));
  };

  let total = 0;
  try {
    for await (const c of cdrs) {
      total++;
      if (!operator) operator = Operator.devnet(c.submitter);
      if (c.submitter !== operator.plmn) throw new CliError(`CDR ${c.recordId} belongs to submitter ${c.submitter}, not ${operator.plmn}`, EXIT.usage);
      const buf = buffers.get(c.counterparty) ?? [];
      buffers.set(c.counterparty, buf);
      buf.push(c);
      if (buf.length >= o.batchSize) await send(buffers.get(c.counterparty)!.splice(0));
    }
    for (const counterparty of [...buffers.keys()].sort((a, b) => a - b)) {
      const rest = buffers.get(counterparty)!;
      if (rest.length > 0) await send(rest.splice(0));
    }
    await Promise.all(pending);
  } catch (err) {
    if (err instanceof IngestConnectionError) throw new CliError(err.message, EXIT.connection);
    if (err instanceof CliError) throw err;
    if (err instanceof Error && err.name === 'CdrParseError') throw new CliError(`${file}: ${err.message}`, EXIT.usage);
    throw err;
  } finally {
    bar.stop();
    await client.close();
  }
  return {
    file, submitter: operator?.plmn, cdrsRead: total, invalidCdrs: invalid.length, acceptedCdrs: accepted,
    acceptedBatches, rejectedBatches, rejects,
    ...(o.wait && committedHeights.length ? { committedUpToHeight: Math.max(...committedHeights) } : {}),
  };
}

/** Next sequence number for `plmn`: one above what the node last accepted from it. */
async function nextSequence(base: string, plmn: number): Promise<bigint> {
  const http = base.replace(/^ws/, 'http');
  const res = await fetch(`${http}/operators/${plmn}`).catch((err: unknown) => {
    throw new CliError(`cannot reach ${http}: ${err instanceof Error ? err.message : String(err)}`, EXIT.connection);
  });
  if (res.status === 404) throw new CliError(`operator ${plmn} is not a member of this consortium`, EXIT.rejected);
  const body = (await res.json()) as { lastSequence: string };
  return BigInt(body.lastSequence) + 1n;
}
