import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cdrchain, startNodeProcess } from '../test-helpers/processes.js';
import { envName, nodeConfigSchema, NODE_SETTINGS } from './node-settings.js';

describe('node configuration: file, environment, flags', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cdrchain-config-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const print = async (args: string[], env: Record<string, string> = {}) => {
    const r = await cdrchainWithEnv(env, 'config', 'print', ...args);
    return { ...r, json: r.code === 0 ? (JSON.parse(r.stdout) as { configFile: string | null; settings: Record<string, { value: unknown; source: string }> }) : undefined };
  };

  it('docs/config.schema.json is the schema of the settings table (regenerate: scripts/write-config-schema.mjs)', () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'config.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(nodeConfigSchema());
    // Every setting has a distinct key and environment variable.
    expect(new Set(NODE_SETTINGS.map((s) => s.key)).size).toBe(NODE_SETTINGS.length);
    expect(new Set(NODE_SETTINGS.map((s) => s.env)).size).toBe(NODE_SETTINGS.length);
    expect(envName('retention.recordsDays')).toBe('CDRCHAIN_RETENTION_RECORDS_DAYS');
  });

  it('a flag wins over the environment, which wins over the file, which wins over the default', async () => {
    const dir = tmp();
    const file = join(dir, 'cdrchain.json');
    writeFileSync(file, JSON.stringify({ port: 7500, host: '127.0.0.2', workers: 3, api: { maxConnections: 10 }, retention: { recordsDays: 30 } }));
    const r = await print(['--config', file, '--workers', '2'], { CDRCHAIN_PORT: '7600', CDRCHAIN_API_MAX_CONNECTIONS: '11' });
    expect(r.code, r.stderr).toBe(0);
    const s = r.json!.settings;
    expect(s['workers']).toMatchObject({ value: 2, source: 'flag' });
    expect(s['port']).toMatchObject({ value: 7600, source: 'env' });
    expect(s['api.maxConnections']).toMatchObject({ value: 11, source: 'env' });
    expect(s['host']).toMatchObject({ value: '127.0.0.2', source: 'file' });
    expect(s['retention.recordsDays']).toMatchObject({ value: 30, source: 'file' });
    expect(s['data']).toMatchObject({ value: './data', source: 'default' });
    expect(r.json!.configFile).toBe(file);
  });

  it('refuses a bad file, an unknown key, a bad value or a bad environment variable with exit 2 naming it', async () => {
    const dir = tmp();
    const bad = (name: string, content: string): string => {
      const f = join(dir, name);
      writeFileSync(f, content);
      return f;
    };
    let r = await print(['--config', bad('a.json', '{"port": 70000}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('port must be an integer in 0..65535');
    r = await print(['--config', bad('b.json', '{"api": {"maxConections": 5}}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown key api.maxConections');
    r = await print(['--config', bad('c.json', '{"logLevel": "loud"}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('logLevel must be one of trace, debug, info, warn, error');
    r = await print(['--config', bad('d.json', 'not json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read configuration file');
    r = await print([], { CDRCHAIN_WORKERS: 'many' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('environment variable CDRCHAIN_WORKERS (workers) must be an integer');
    r = await print(['--config', join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
    r = await print(['--api-auth', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--api-auth must be one of open, signatures');
    // Within bounds but not a power of two: the node refuses to start, exit 2.
    const node = await cdrchain('node', '--data', join(dir, 'data'), '--port', '0', '--nullifier-filter-mib', '48');
    expect(node.code).toBe(2);
    expect(node.stderr).toContain('--nullifier-filter-mib must be a power of two');
  });

  it('a node started from CDRCHAIN_CONFIG (no --data flag) keeps its data where the file says', async () => {
    const dir = tmp();
    const file = join(dir, 'node.json');
    writeFileSync(file, JSON.stringify({ $schema: '../docs/config.schema.json', data: join(dir, 'data'), workers: 1, limits: { maxBatchRecords: 500 }, nullifiers: { filterMiB: 16 } }));
    const node = await startNodeProcess(undefined, [], { CDRCHAIN_CONFIG: file });
    try {
      const status = (await (await fetch(`${node.url}/status`)).json()) as { height: number };
      expect(status.height).toBe(0);
      // The file's data directory, not the flag default of the helper's.
      expect(readFileSync(join(dir, 'data', 'data.mdb')).length).toBeGreaterThan(0);
      // And its nullifier filter size.
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      expect(/^cdrchain_nullifier_filter_bytes (\d+)$/m.exec(metrics)?.[1]).toBe(String(16 * 1024 * 1024));
    } finally {
      await node.stop();
    }
  });
});

/** `cdrchain` with extra environment variables. */
async function cdrchainWithEnv(env: Record<string, string>, ...args: string[]) {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    return await cdrchain(...args);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
