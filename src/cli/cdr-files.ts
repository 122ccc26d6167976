import { createReadStream } from 'node:fs';
import { readCdrCsv } from '../cdr/csv.js';
import type { CdrParseError } from '../cdr/errors.js';
import { readCdrJson } from '../cdr/json.js';
import type { Cdr } from '../cdr/model.js';
import { CliError, EXIT } from './errors.js';

/**
 * An operator's CDR file (CSV, or JSON / NDJSON by extension), read whole. Unreadable records are
 * skipped with one line on stderr naming the first (`tool`: the command that reads); an unreadable
 * file is a usage error.
 */
export async function readCdrFile(file: string, tool: string): Promise<Cdr[]> {
  const errors: CdrParseError[] = [];
  const source = createReadStream(file);
  const out: Cdr[] = [];
  try {
    const it = file.endsWith('.json') || file.endsWith('.ndjson') ? readCdrJson(source, { onError: (e) => errors.push(e) }) : readCdrCsv(source, { onError: (e) => errors.push(e) });
    for await (const c of it) out.push(c);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
  if (errors.length > 0) process.stderr.write(`${tool}: skipped ${errors.length} unreadable record(s) of ${file} (first: ${errors[0]!.message})\n`);
  return out;
}

/** Several files, in order. */
export async function readCdrFiles(files: readonly string[], tool: string): Promise<Cdr[]> {
  const out: Cdr[] = [];
  for (const f of files) out.push(...(await readCdrFile(f, tool)));
  return out;
}
