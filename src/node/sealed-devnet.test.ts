import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCdrCsv } from '../cdr/csv.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { cdrchain } from '../test-helpers/processes.js';
import { tempDataDir } from '../test-helpers/devnet.js';
import { startValidatorCluster, type ValidatorCluster } from '../test-helpers/validator-processes.js';

/**
 * Issue 13, P2 across real validator processes: a sealed batch submitted to one validator
 * (`cdrchain submit --seal`) is relayed with its sealed section, stored in every validator's private
 * store, and opened by the counterparty through another validator (`cdrchain open`).
 */
describe('sealed batches on a devnet of three validator processes', () => {
  let cluster: ValidatorCluster | undefined;
  const tmp = tempDataDir();
  afterAll(async () => {
    await cluster?.close();
    tmp.cleanup();
  });

  it('a sealed batch submitted to validator 0 is stored on all three and opened by the counterparty through validator 2', async () => {
    cluster = await startValidatorCluster({ validators: 3 });
    const c = cluster;
    const A = c.plmn(0);
    const B = c.plmn(1);
    const csv = join(tmp.dir, 'a.csv');
    const gen = await cdrchain('generate', '--submitter', String(A), '--counterparty', String(B), '--count', '40', '--seed', 'sealed-devnet', '--out', csv);
    expect(gen.code, gen.stderr).toBe(0);

    const submit = await cdrchain('submit', csv, '--seal', '--genesis', c.plan.genesis, '--operator', String(A), '--url', c.ingestUrl(0), '--batch-size', '25', '--wait', 'final');
    expect(submit.code, `${submit.stderr}\n${c.allLogs()}`).toBe(0);
    expect(JSON.parse(submit.stdout)).toMatchObject({ acceptedCdrs: 40, acceptedBatches: 2, rejectedBatches: 0 });

    // The batches are final on validator 2 (its blocks name them); every validator serves the same sealed bytes.
    const ids: string[] = [];
    const deadline = Date.now() + 60_000;
    while (ids.length < 2 && Date.now() < deadline) {
      ids.splice(0, ids.length, ...(await c.finalBlocks(2)).flatMap((b) => b.txIds));
      if (ids.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const copies = await Promise.all([0, 1, 2].map(async (i) => {
        const url = `${c.url(i)}/batch/${id}/sealed`;
        const res = await fetch(url, { headers: OperatorRequestSigner.devnet(B).sign({ method: 'GET', url }) });
        expect(res.status, `validator ${i}`).toBe(200);
        return Buffer.from(await res.arrayBuffer()).toString('hex');
      }));
      expect(new Set(copies).size).toBe(1);
      expect(copies[0]!.length).toBeGreaterThan(2 * 20 * 208);
    }

    // The counterparty reads them back through validator 2; the records are A's CDRs, in order.
    const expected: string[] = [];
    for await (const cdr of readCdrCsv(readFileSync(csv, 'utf8'))) expected.push(cdr.recordId);
    const opened: string[] = [];
    for (const id of ids) {
      const run = await cdrchain('open', id, '--operator', String(B), '--url', c.url(2), '--format', 'json');
      expect(run.code, run.stderr).toBe(0);
      const records = JSON.parse(run.stdout) as { recordId: string; submitter: number; counterparty: number }[];
      for (const r of records) expect([r.submitter, r.counterparty]).toEqual([A, B]);
      opened.push(...records.map((r) => r.recordId));
    }
    expect(opened.sort()).toEqual([...expected].sort());

    // A third operator's key opens nothing: the devnet key of validator 2's operator is not a recipient.
    const third = await cdrchain('open', ids[0]!, '--operator', String(c.plmn(2)), '--url', c.url(2));
    expect(third.code).toBe(2);
    expect(third.stdout).toBe('');
    // A batch the node does not have: exit 3, named.
    const unknown = await cdrchain('open', 'ab'.repeat(32), '--operator', String(B), '--url', c.url(2));
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(`no sealed batch ${'ab'.repeat(32)}`);
  }, 120_000);
});
