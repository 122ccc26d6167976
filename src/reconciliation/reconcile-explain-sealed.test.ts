import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdrNode } from '../node/node.js';
import { generateEncryptionKeyPair, writeEncryptionKeyFile } from '../privacy/encryption-key-file.js';
import { startTestNode, tempDataDir } from '../test-helpers/devnet.js';
import { cdrchain } from '../test-helpers/processes.js';
import type { Explanation } from './explain.js';
import type { CountsJson, DisputeJson } from './reconciliation-client.js';
import type { VerdictJson } from './verdict.js';

// Two days ago (UTC day start): its month is still open at the node's head.
const DAY_START = Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400;
const START = String(DAY_START);
const MONTH = new Date(DAY_START * 1000).toISOString().slice(0, 7);

interface ReconcileJson extends CountsJson {
  disputesTotal: number;
  disputes: (DisputeJson & { explanation?: { callRef: string | null; recordId: string | null; explanation: Explanation | null; unexplained?: string } | null })[];
  verdict?: VerdictJson & { hash: string; submitted?: { hash: string; status: string } };
}

/**
 * Issue 13, P5: `cdrchain reconcile --explain` with no files. Both operators submit sealed views of
 * the same calls (some altered, some missing) to a node that authenticates operators; each reads
 * both sides' records from the node's sealed payloads with its own encryption key, and gets the
 * explanations (and the verdict) its plaintext files give. A third operator reads nothing; a wrong
 * key is named; a plain batch's events say they have nothing to open.
 */
describe('cdrchain reconcile --explain from the sealed payloads on the node', () => {
  const data = tempDataDir();
  const files = tempDataDir();
  let node: CdrNode;
  const mine = join(files.dir, 'orange.csv');
  const theirs = join(files.dir, 'vodafone.csv');
  const plainMine = join(files.dir, 'orange-de.csv');
  const plainTheirs = join(files.dir, 'telekom.csv');
  const pairArgs = (): string[] => ['--pair', '20801-23415', '--period', MONTH, '--url', node.url, '--explain', '--json'];

  beforeAll(async () => {
    node = await startTestNode(data.dir, { apiAuth: 'signatures' });
    const gen = await cdrchain('generate', '--submitter', '20801', '--counterparty', '23415', '--count', '400', '--seed', 'explain-sealed',
      '--start', START, '--period', '86400', '--out', mine, '--counterparty-view', theirs, '--missing-rate', '0.05', '--alter-rate', '0.1');
    expect(gen.code, gen.stderr).toBe(0);
    const plain = await cdrchain('generate', '--submitter', '20801', '--counterparty', '26201', '--count', '60', '--seed', 'explain-plain',
      '--start', START, '--period', '86400', '--out', plainMine, '--counterparty-view', plainTheirs, '--alter-rate', '0.2');
    expect(plain.code, plain.stderr).toBe(0);
    const url = `ws://127.0.0.1:${node.port}`;
    const runs = await Promise.all([
      cdrchain('submit', mine, '--seal', '--operator', '20801', '--url', url),
      cdrchain('submit', theirs, '--seal', '--operator', '23415', '--url', url),
      cdrchain('submit', plainMine, '--operator', '20801', '--url', url, '--no-journal'),
      cdrchain('submit', plainTheirs, '--operator', '26201', '--url', url, '--no-journal'),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const heights = runs.map((r) => (JSON.parse(r.stdout) as { committedUpToHeight: number }).committedUpToHeight);
    await node.reconciliation!.whenIndexed(Math.max(...heights));
  }, 240_000);
  afterAll(async () => {
    await node.stop();
    data.cleanup();
    files.cleanup();
  });

  it('with no files, names the differing fields of each disputed event exactly as the files do', async () => {
    const tol = ['--tolerance-duration', '1s', '--tolerance-charge', '0.5%'];
    const [fromNode, fromFiles, halfFile] = await Promise.all([
      cdrchain('reconcile', ...pairArgs(), '--operator', '20801', ...tol),
      cdrchain('reconcile', ...pairArgs(), '--operator', '20801', '--mine', mine, '--theirs', theirs, ...tol),
      cdrchain('reconcile', ...pairArgs(), '--operator', '23415', '--theirs', mine, ...tol),
    ]);
    for (const r of [fromNode, fromFiles, halfFile]) expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(fromNode.stdout) as ReconcileJson;
    const b = JSON.parse(fromFiles.stdout) as ReconcileJson;
    expect(a.disputes.length).toBe(a.disputesTotal);
    expect(a.disputes.length).toBeGreaterThan(20);
    expect(a.disputes.map((d) => d.explanation?.explanation)).toEqual(b.disputes.map((d) => d.explanation?.explanation));
    const fields = new Set<string>();
    for (const d of a.disputes) {
      const e = d.explanation!.explanation!;
      expect(e, d.eventHash).toBeTruthy();
      expect(d.explanation!.recordId).toBe(b.disputes.find((x) => x.eventHash === d.eventHash)!.explanation!.recordId);
      if (d.class === 'only_a') expect(e.verdict).toBe('only_mine');
      else if (d.class === 'only_b') expect(e.verdict).toBe('only_theirs');
      else for (const f of e.differences) fields.add(f.field);
    }
    expect([...fields].sort()).toEqual(['charge', 'duration', 'tariff']);
    // Vodafone, its side from the node and Orange's from a file: the same events, mine and theirs swapped.
    const c = JSON.parse(halfFile.stdout) as ReconcileJson;
    c.disputes.forEach((d, i) => {
      const e = d.explanation!.explanation!;
      const other = a.disputes[i]!.explanation!.explanation!;
      expect(e.differences.map((f) => [f.field, f.theirs, f.mine])).toEqual(other.differences.map((f) => [f.field, f.mine, f.theirs]));
    });

    const text = await cdrchain('reconcile', '--pair', '20801-23415', '--period', MONTH, '--url', node.url, '--explain', '--operator', '20801', '--tolerance-duration', '1s');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/record \S+: duration \d+ s vs \d+ s \(tolerated\) → within tolerance/);
    expect(text.stdout).toMatch(/record \S+: tariff \d+ vs \d+ → beyond tolerance/);
    expect(text.stdout).toMatch(/only in the counterparty's records/);
    expect(text.stdout).not.toMatch(/not in your files|not sealed/);
  }, 120_000);

  it('--verdict and --cosign from the node: the counterparty recomputes the same verdict from what it reads', async () => {
    const tol = ['--tolerance-duration', '1s', '--tolerance-charge', '0.5%'];
    const half = join(files.dir, 'half.json');
    const halfFromFiles = join(files.dir, 'half-files.json');
    const [a, f] = await Promise.all([
      cdrchain('reconcile', ...pairArgs(), '--operator', '20801', ...tol, '--verdict', half),
      cdrchain('reconcile', ...pairArgs(), '--operator', '20801', '--mine', mine, '--theirs', theirs, ...tol, '--verdict', halfFromFiles),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(f.code, f.stderr).toBe(0);
    const va = JSON.parse(readFileSync(half, 'utf8')) as VerdictJson;
    const vf = JSON.parse(readFileSync(halfFromFiles, 'utf8')) as VerdictJson;
    expect(va.counts).toEqual(vf.counts);
    expect(va.resolutionsDigest).toBe(vf.resolutionsDigest);
    expect(va.counts.accepted).toBeGreaterThan(0);
    const b = await cdrchain('reconcile', ...pairArgs(), '--operator', '23415', '--cosign', half);
    expect(b.code, b.stderr).toBe(0);
    const out = JSON.parse(b.stdout) as ReconcileJson;
    expect(out.verdict!.submitted).toEqual({ hash: (JSON.parse(a.stdout) as ReconcileJson).verdict!.hash, status: 'accepted' });
  }, 120_000);

  it('a third operator is refused and reads no record; a wrong encryption key is named', async () => {
    const third = await cdrchain('reconcile', ...pairArgs(), '--operator', '26201');
    expect(third.code).toBe(3);
    expect(third.stdout).toBe('');
    expect(third.stderr).toMatch(/^cdrchain: the node refused: 403/);

    const wrong = join(files.dir, 'wrong-key.json');
    writeEncryptionKeyFile(wrong, await generateEncryptionKeyPair(20801));
    const bad = await cdrchain('reconcile', ...pairArgs(), '--operator', '20801', '--encryption-key', wrong);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^cdrchain: operator 20801's encryption key does not open batch [0-9a-f]{64}/);
    const garbage = join(files.dir, 'garbage-key.json');
    writeFileSync(garbage, '{"kind":"nope"}');
    const unreadable = await cdrchain('reconcile', ...pairArgs(), '--operator', '20801', '--encryption-key', garbage);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stdout).toBe('');
  }, 60_000);

  it('a plain batch has nothing to open: its events say so, and a verdict needs the files', async () => {
    const args = ['--pair', '20801-26201', '--period', MONTH, '--url', node.url, '--explain', '--operator', '20801'];
    const r = await cdrchain('reconcile', ...args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\n {6}not sealed: pass --mine\/--theirs\n/);
    expect(r.stdout).toMatch(/in batches without payloads to open \(not sealed or pruned: pass --mine\/--theirs\)\n/);
    const v = await cdrchain('reconcile', ...args, '--verdict', join(files.dir, 'plain-half.json'));
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/cannot open for you \(not sealed, or pruned\): pass --mine and --theirs/);
    const withFiles = await cdrchain('reconcile', ...args, '--mine', plainMine, '--theirs', plainTheirs);
    expect(withFiles.code, withFiles.stderr).toBe(0);
    expect(withFiles.stdout).not.toMatch(/not sealed/);
  }, 60_000);
});

