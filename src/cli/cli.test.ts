import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenesisFile } from '../chain/genesis.js';
import type { CdrNode } from '../node/node.js';
import { findPackageRoot } from '../wasm/load.js';
import { startTestNode, tempDataDir } from '../test-helpers/devnet.js';

const run = promisify(execFile);
const MAIN = join(findPackageRoot(), 'dist', 'src', 'cli', 'main.js');

/** Runs the built `cdrchain` command; resolves with its exit code and output, never rejects. */
async function cdrchain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('cdrchain command', () => {
  const data = tempDataDir();
  const files = tempDataDir();
  let node: CdrNode;
  beforeAll(async () => {
    node = await startTestNode(data.dir);
  });
  afterAll(async () => {
    await node.stop();
    data.cleanup();
    files.cleanup();
  });

  it('generates CDRs, submits them; the same file again finds its batches stored, and without its journal is refused with exit code 3', async () => {
    const csv = join(files.dir, 'cdrs.csv');
    const gen = await cdrchain('generate', '--submitter', '26201', '--counterparty', '23415,20801', '--count', '1500', '--seed', 'cli', '--out', csv);
    expect(gen.code).toBe(0);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/^record_id,submitter,counterparty/);

    const url = `ws://127.0.0.1:${node.port}`;
    const first = await cdrchain('submit', csv, '--url', url, '--batch-size', '500');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as { acceptedCdrs: number; acceptedBatches: number; committedUpToHeight: number };
    expect(summary.acceptedCdrs).toBe(1500);
    expect(summary.acceptedBatches).toBe(4); // 750 per counterparty → 500 + 250 each
    expect(summary.committedUpToHeight).toBeGreaterThan(0);
    // stderr is a pipe here: progress as plain lines, the last one the final count, no bar.
    expect(first.stderr).toContain('submit: 1,500 CDRs accepted, 4 batches, 0 rejected\n');
    expect(first.stderr).not.toMatch(/[\r\x1b]/);

    // The journal (cdrs.csv.journal) says these batches were sent: the node holds every one.
    const again = await cdrchain('submit', csv, '--url', url, '--batch-size', '500');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ acceptedBatches: 4, alreadyStoredBatches: 4, rejectedBatches: 0 });
    const blind = await cdrchain('submit', csv, '--url', url, '--batch-size', '500', '--no-journal');
    expect(blind.code).toBe(3);
    expect(blind.stderr).toContain('duplicate_record');

    const status = JSON.parse((await cdrchain('status', '--url', node.url)).stdout) as { nullifiers: number };
    expect(status.nullifiers).toBe(1500);
  });

  it('reads NDJSON, and reports a bad record with its line number and exit code 2', async () => {
    const ndjson = join(files.dir, 'cdrs.ndjson');
    expect((await cdrchain('generate', '--count', '20', '--seed', 'cli-json', '--out', ndjson)).code).toBe(0);
    const ok = await cdrchain('submit', ndjson, '--url', `ws://127.0.0.1:${node.port}`);
    expect(ok.code).toBe(0);

    const lines = readFileSync(ndjson, 'utf8').trim().split('\n');
    lines[2] = lines[2]!.replace(/"currency":"[A-Z]+"/, '"currency":"ZZZ"');
    const bad = join(files.dir, 'bad.ndjson');
    writeFileSync(bad, `${lines.join('\n')}\n`);
    const res = await cdrchain('submit', bad, '--url', `ws://127.0.0.1:${node.port}`);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/line 3/);
  });

  it('settlement PERIOD prints the period at the head (public counts); a period the rule does not name exits 2', async () => {
    const http = `http://127.0.0.1:${node.port}`;
    // 2025-11 closed before the devnet genesis (2026-01-01): closed at any head.
    const json = await cdrchain('settlement', '2025-11', '--url', http, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      period: '2025-11', start: '2025-11-01T00:00:00.000Z', end: '2025-12-01T00:00:00.000Z', closesAt: '2025-12-04T00:00:00.000Z', currency: 'XDR', conversionFee: '3/2000', mode: 'committed',
      ended: true, closed: true, operators: 6, pairs: 15, statements: 0, rateSet: false, netted: false, settlement: { status: 'none' },
      // The devnet names a settlement bank (its id and the key openings are sealed to; main's statement-status).
      bank: { id: 99990, encryptionKey: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const text = await cdrchain('settlement', '2025-11', '--url', http);
    expect(text.stdout).toContain('period 2025-11: 2025-11-01T00:00:00.000Z .. 2025-12-01T00:00:00.000Z, closes 2025-12-04T00:00:00.000Z: closed\nstatements: 0 of 15 pairs (6 operators, committed mode); rate set: no\nsettlement: not proposed\n');
    const bad = await cdrchain('settlement', '2025-13', '--url', http);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('bad_parameter: "2025-13" is not a month YYYY-MM')]);
  });

  it('exits 4 when the node cannot be reached and 2 on bad arguments', async () => {
    const csv = join(files.dir, 'few.csv');
    await cdrchain('generate', '--count', '5', '--out', csv);
    expect((await cdrchain('submit', csv, '--url', 'ws://127.0.0.1:1')).code).toBe(4);
    expect((await cdrchain('generate', '--count', 'many')).code).toBe(2);
    expect((await cdrchain('keys', 'create', '--plmn', '12')).code).toBe(2);
    expect((await cdrchain('no-such-command')).code).toBe(2);
  });

  it('writes key files and a genesis that a node accepts', async () => {
    const key = join(files.dir, 'op.json');
    const made = await cdrchain('keys', 'create', '--plmn', '26201', '--out', key);
    expect(made.code).toBe(0);
    expect(existsSync(key)).toBe(true);
    const genesis = join(files.dir, 'genesis.json');
    expect((await cdrchain('genesis', '--chain-id', 'test-consortium', '--operator', `Telekom=${key}`, '--out', genesis)).code).toBe(0);
    const g = JSON.parse(readFileSync(genesis, 'utf8')) as { chainId: string; operators: { plmn: number; batchKey: string }[] };
    expect(g.chainId).toBe('test-consortium');
    expect(g.operators[0]!.batchKey).toBe((JSON.parse(readFileSync(key, 'utf8')) as { batchKey: string }).batchKey);

    const chainData = tempDataDir();
    const consortium = await startTestNode(chainData.dir, { genesis: readGenesisFile(genesis) });
    try {
      const status = (await (await fetch(`${consortium.url}/status`)).json()) as { chainId: string; operators: { plmn: number; name: string }[] };
      expect(status.chainId).toBe('test-consortium');
      expect(status.operators).toEqual([{ plmn: 26201, name: 'Telekom' }]);
    } finally {
      await consortium.stop();
      chainData.cleanup();
    }
  });
});
