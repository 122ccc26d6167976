import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerScriptMissingError } from '../workers/worker-path.js';

/** The index worker's JavaScript: beside this file when compiled; under vitest, in dist/ (`npx tsc -p tsconfig.build.json`). */
export function indexWorkerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = here.endsWith('.js') ? dirname(here) : join(dirname(here), '..', '..', 'dist', 'src', 'reconciliation');
  const file = join(dir, 'index.worker.js');
  if (!existsSync(file)) throw new WorkerScriptMissingError(`${file} is missing: run \`npm run build\``);
  return file;
}
