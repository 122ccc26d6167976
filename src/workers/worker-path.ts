import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class WorkerScriptMissingError extends Error {
  override readonly name = 'WorkerScriptMissingError';
}

/**
 * Worker threads need JavaScript. Compiled, tasks sit beside this file in dist/src/workers; under
 * vitest this file is TypeScript in src/workers, so point at the build (`npm test` builds first).
 */
export function workerScript(name: string): string {
  const here = fileURLToPath(import.meta.url);
  const dir = here.endsWith('.js') ? dirname(here) : join(dirname(here), '..', '..', 'dist', 'src', 'workers');
  const file = join(dir, `${name}.js`);
  if (!existsSync(file)) throw new WorkerScriptMissingError(`${file} is missing: run \`npm run build\``);
  return file;
}
