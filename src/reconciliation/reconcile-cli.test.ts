import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdrNode } from '../node/node.js';
import { startTestNode, tempDataDir } from '../test-helpers/devnet.js';
import { cdrchain } from '../test-helpers/processes.js';
import type { Explanation } from './explain.js';
import type { CountsJson, DisputeJson } from './reconciliation-client.js';
import type { VerdictJson } from './verdict.js';

// Two days ago (UTC day start): one day of traffic, in a month whose settlement period is still open at
// the node's head (a closed one refuses records: docs/settlement.md, "Periods").
const DAY_START = Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400;
const START = String(DAY_START);
const MONTH = new Date(DAY_START * 1000).toISOString().slice(0, 7);

interface ReconcileJson extends CountsJson {
  disputesTotal: number;
  disputes: (DisputeJson & { explanation?: { callRef: string | null; explanation: Explanation | null } | null })[];
}

describe('cdrchain generate --counterparty-view, submit both, cdrchain reconcile', () => {
  const data = tempDataDir();
  const files = tempDataDir();
  let node: CdrNode;
  let expected: { matched: number; mismatched: number; onlyA: number; onlyB: number };
  const mine = join(files.dir, 'orange.csv');
  const theirs = join(files.dir, 'vodafone.csv');

  beforeAll(async () => {
    node = await startTestNode(data.dir);
    const gen = await cdrchain('generate', '--submitter', '20801', '--counterparty', '23415', '--count', '2000', '--seed', 'cli-recon',
      '--start', START, '--period', '86400', '--out', mine, '--counterparty-view', theirs, '--missing-rate', '0.03', '--alter-rate', '0.04');
    expect(gen.code, gen.stderr).toBe(0);
    const m = /expected reconciliation: matched (\d+), mismatched (\d+), only 20801 (\d+), only 23415 (\d+)/.exec(gen.stderr);
    expect(m, gen.stderr).not.toBeNull();
    expected = { matched: Number(m![1]), mismatched: Number(m![2]), onlyA: Number(m![3]), onlyB: Number(m![4]) };
    expect(expected.matched + expected.mismatched + expected.onlyA + expected.onlyB).toBe(2000);
    const url = `ws://127.0.0.1:${node.port}`;
    const [a, b] = await Promise.all([cdrchain('submit', mine, '--url', url, '--no-journal'), cdrchain('submit', theirs, '--url', url, '--no-journal')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const heights = [a, b].map((r) => (JSON.parse(r.stdout) as { committedUpToHeight: number }).committedUpToHeight);
    await node.reconciliation!.whenIndexed(Math.max(...heights));
  }, 180_000);
  afterAll(async () => {
    await node.stop();
    data.cleanup();
    files.cleanup();
  });

  it('prints the counts generate promised, the match rate and every disputed event', async () => {
    const r = await cdrchain('reconcile', '--pair', '23415-20801', '--period', MONTH, '--url', node.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`reconciliation 20801-23415 ${MONTH}`);
    expect(r.stdout).toMatch(new RegExp(`matched\\s+${expected.matched}\\s+match rate ${((expected.matched / 2000) * 100).toFixed(2)}%`));
    expect(r.stdout).toMatch(new RegExp(`mismatched\\s+${expected.mismatched}\\n`));
    expect(r.stdout).toMatch(new RegExp(`only 20801\\s+${expected.onlyA}\\n`));
    expect(r.stdout).toMatch(new RegExp(`only 23415\\s+${expected.onlyB}\\n`));
    const total = expected.mismatched + expected.onlyA + expected.onlyB;
    expect(r.stdout).toContain(`disputed events: ${total}\n`);
    expect(r.stdout.split('\n').filter((l) => /^ {2}(mismatched|only \d+) +[0-9a-f]{64}/.test(l))).toHaveLength(total);
  });

  it('--explain says which field differs for each disputed event, applying the tolerances', async () => {
    const r = await cdrchain('reconcile', '--pair', '20801-23415', '--period', MONTH, '--url', node.url, '--json',
      '--explain', '--mine', mine, '--theirs', theirs, '--tolerance-duration', '1s', '--tolerance-charge', '0.5%');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ReconcileJson;
    expect(out).toMatchObject({ ...expected, disputesTotal: expected.mismatched + expected.onlyA + expected.onlyB });
    const verdicts = { duration: 0, tariff: 0, charge: 0 };
    for (const d of out.disputes) {
      const e = d.explanation?.explanation;
      expect(e, d.eventHash).toBeTruthy();
      if (d.class === 'only_a') expect(e!.verdict).toBe('only_mine');
      else if (d.class === 'only_b') expect(e!.verdict).toBe('only_theirs');
      else {
        expect(e!.differences).toHaveLength(1);
        const [diff] = e!.differences;
        verdicts[diff!.field as keyof typeof verdicts]++;
        if (diff!.field === 'duration') expect(e!.verdict).toBe('within_tolerance');
        if (diff!.field === 'tariff') expect(e!.verdict).toBe('differs');
      }
    }
    expect(verdicts.duration + verdicts.tariff + verdicts.charge).toBe(expected.mismatched);
    for (const n of Object.values(verdicts)) expect(n).toBeGreaterThan(5);

    const text = await cdrchain('reconcile', '--pair', '20801-23415', '--period', MONTH, '--url', node.url,
      '--explain', '--mine', mine, '--theirs', theirs, '--tolerance-duration', '1s');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/call [VSD][0-9a-f]+: duration \d+ s vs \d+ s \(tolerated\) → within tolerance/);
    expect(text.stdout).toMatch(/call [VSD][0-9a-f]+: tariff \d+ vs \d+ → beyond tolerance/);
    expect(text.stdout).toMatch(/only in the counterparty's records/);
    expect(text.stdout).toMatch(new RegExp(`explained: ${verdicts.duration} within tolerance, ${verdicts.tariff + verdicts.charge} beyond tolerance, ${expected.onlyA + expected.onlyB} recorded by one side only\\n`));
  });

  it('--verdict and --cosign: each operator signs the verdict from its own files, the second submits it, a later one supersedes it', async () => {
    const pairArgs = ['--pair', '20801-23415', '--period', MONTH, '--url', node.url, '--explain', '--json'];
    const half = join(files.dir, 'verdict-half.json');
    const full = join(files.dir, 'verdict-full.json');
    // Orange (20801): its files, the tolerances, its half.
    const a = await cdrchain('reconcile', ...pairArgs, '--mine', mine, '--theirs', theirs, '--operator', '20801',
      '--tolerance-duration', '1s', '--tolerance-charge', '0.5%', '--verdict', half);
    expect(a.code, a.stderr).toBe(0);
    const outA = JSON.parse(a.stdout) as ReconcileJson & { verdict: VerdictJson & { hash: string } };
    const within = outA.disputes.filter((d) => d.explanation?.explanation?.verdict === 'within_tolerance').length;
    expect(within).toBeGreaterThan(5);
    expect(outA.verdict.counts).toEqual({ matched: expected.matched, accepted: within, disputed: expected.mismatched - within, onlyA: expected.onlyA, onlyB: expected.onlyB });
    expect(outA.verdict.signatures.a).toMatch(/^[0-9a-f]{128}$/);
    expect(outA.verdict.signatures.b).toBeNull();
    expect((JSON.parse(readFileSync(half, 'utf8')) as VerdictJson).resolutionsDigest).toBe(outA.verdict.resolutionsDigest);

    // A half whose counts Vodafone's own files do not give is not signed (exit 8), and nothing is submitted.
    const forged = join(files.dir, 'verdict-forged.json');
    const h = JSON.parse(readFileSync(half, 'utf8')) as VerdictJson;
    writeFileSync(forged, JSON.stringify({ ...h, counts: { ...h.counts, accepted: h.counts.accepted + 1, disputed: h.counts.disputed - 1 } }));
    const bArgs = [...pairArgs, '--mine', theirs, '--theirs', mine, '--operator', '23415'];
    const refused = await cdrchain('reconcile', ...bArgs, '--cosign', forged);
    expect(refused.code, refused.stderr).toBe(8);
    expect(refused.stderr).toMatch(/your records give another verdict .*counts/);

    // Vodafone (23415): its own files, under the tolerances Orange signed (its flags would not count), co-signs and submits.
    const b = await cdrchain('reconcile', ...bArgs, '--tolerance-duration', '0s', '--cosign', half, '--verdict', full);
    expect(b.code, b.stderr).toBe(0);
    const outB = JSON.parse(b.stdout) as ReconcileJson & { verdict: VerdictJson & { hash: string; submitted: { hash: string; status: string } } };
    expect(outB.verdict.submitted).toEqual({ hash: outA.verdict.hash, status: 'accepted' });
    expect(outB.verdict.signatures.a).toBe(outA.verdict.signatures.a);
    expect((JSON.parse(readFileSync(full, 'utf8')) as VerdictJson).signatures.b).toMatch(/^[0-9a-f]{128}$/);
    const committed = async (): Promise<{ verdict: { hash: string; revision: number; status: string; counts: unknown } }> =>
      (await (await fetch(`${node.url}/reconciliation/20801-23415/${MONTH}`)).json()) as { verdict: { hash: string; revision: number; status: string; counts: unknown } };
    for (let i = 0; i < 200 && (await committed()).verdict?.status !== 'committed'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await committed()).verdict).toMatchObject({ hash: outA.verdict.hash, revision: 1, status: 'committed', counts: outA.verdict.counts });

    // Submitting it again is a replay (exit 3); a new verdict supersedes it only with --supersede, both signing again.
    const again = await cdrchain('reconcile', ...bArgs, '--cosign', half);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stderr).toMatch(/replay/);
    const half2 = join(files.dir, 'verdict-half-2.json');
    const a2 = await cdrchain('reconcile', ...pairArgs, '--mine', mine, '--theirs', theirs, '--operator', '20801',
      '--tolerance-duration', '1s', '--tolerance-charge', '100%', '--supersede', '--verdict', half2);
    expect(a2.code, a2.stderr).toBe(0);
    const v2 = (JSON.parse(a2.stdout) as { verdict: VerdictJson & { hash: string } }).verdict;
    expect(v2).toMatchObject({ revision: 2, supersedes: outA.verdict.hash });
    expect(v2.counts.accepted).toBeGreaterThan(outA.verdict.counts.accepted);
    const b2 = await cdrchain('reconcile', ...bArgs.filter((x) => x !== '--json'), '--cosign', half2);
    expect(b2.code, b2.stderr).toBe(0);
    expect(b2.stdout).toContain(`verdict 20801-23415 ${MONTH} revision 2: matched ${expected.matched}, accepted within tolerance ${v2.counts.accepted}, disputed ${v2.counts.disputed}, only 20801 ${expected.onlyA}, only 23415 ${expected.onlyB}\n`);
    expect(b2.stdout).toContain(`signed by both operators and submitted: transaction ${v2.hash} (accepted)\n`);
    for (let i = 0; i < 200 && (await committed()).verdict?.revision !== 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await committed()).verdict).toMatchObject({ hash: v2.hash, revision: 2 });
  });

  it('refuses bad arguments with exit code 2 and an unreachable node with 4', async () => {
    for (const args of [['--pair', '20801-20801', '--period', MONTH], ['--pair', '20801-23415', '--period', '2026-13'], ['--pair', '20801-23415', '--period', MONTH, '--explain'],
      ['--pair', '20801-23415', '--period', MONTH, '--explain', '--mine', mine, '--theirs', theirs, '--tolerance-charge', 'lots'],
      ['--pair', '20801-23415', '--period', MONTH, '--verdict', join(files.dir, 'v.json')],
      ['--pair', '20801-23415', '--period', MONTH, '--explain', '--mine', mine, '--theirs', theirs, '--cosign', mine]]) {
      const r = await cdrchain('reconcile', ...args, '--url', node.url);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^cdrchain: /);
    }
    const gone = await cdrchain('reconcile', '--pair', '20801-23415', '--period', MONTH, '--url', 'http://127.0.0.1:1');
    expect(gone.code).toBe(4);
  });
});
