// The explorer's build refuses JavaScript over its compressed budget (issue 15: under 300 KB), so the
// budget is a build failure, not a number someone has to remember to look at.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findPackageRoot } from '../wasm/load.js';

const run = promisify(execFile);
const script = join(findPackageRoot(), 'scripts', 'build-explorer.mjs');

describe('explorer build budget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdrchain-explorer-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds within 300 KiB of gzip-compressed JavaScript', async () => {
    await run(process.execPath, [script, '--quiet', '--out', join(dir, 'ok')]);
    const build = JSON.parse(readFileSync(join(dir, 'ok', 'build.json'), 'utf8')) as { sizes: { js: { gz: number } } };
    expect(build.sizes.js.gz).toBeGreaterThan(10 * 1024);
    expect(build.sizes.js.gz).toBeLessThan(300 * 1024);
  }, 60_000);

  it('fails, naming the budget, when the JavaScript is over it', async () => {
    const failed = await run(process.execPath, [script, '--quiet', '--out', join(dir, 'over'), '--js-budget', '10240']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/over its budget of 10\.0 KB/);
  }, 60_000);
});
