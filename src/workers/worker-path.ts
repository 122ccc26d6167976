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

/**
 * The `execArgv` for piscina pools. piscina loads its task file with `require()` first and falls back to
 * `import()`. Node 20.19+ lets `require()` load ES modules, but on Node 20 a graph that fails to
 * instantiate there aborts the whole process (`FATAL ERROR: v8::Module::IsGraphAsync`, seen in CI)
 * instead of throwing. With require(esm) off, piscina's `require()` throws ERR_REQUIRE_ESM at once and
 * the task file is loaded by `import()`, where every error is a rejection.
 */
export function workerExecArgv(): string[] {
  const off = '--no-experimental-require-module';
  const supported = process.allowedNodeEnvironmentFlags.has('--experimental-require-module');
  return supported && !process.execArgv.includes(off) ? [...process.execArgv, off] : [...process.execArgv];
}
