import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterpartyView, generateTraffic } from '../cdr/synthetic.js';
import type { Cdr } from '../cdr/model.js';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { devnetPrivacy } from '../chain/genesis-privacy.js';
import { IngestClient } from '../client/ingest-client.js';
import { NodeApiClient } from '../client/node-api-client.js';
import { Operator } from '../client/operator.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { SealedOpenError } from '../client/sealed-batches.js';
import type { CdrNode } from '../node/node.js';
import { devnetEncryptionKeyPair } from '../privacy/encryption-key-file.js';
import { startTestNode, tempDataDir } from '../test-helpers/devnet.js';
import { BatchRefusedError, comparedRecord, readDisputedRecords } from './disputed-records.js';
import { explainViews } from './explain.js';
import type { DisputeJson } from './reconciliation-client.js';

const A = 20801;
const B = 23415;
const C = 26201;
const DAY_START = Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400;
const MONTH = new Date(DAY_START * 1000).toISOString().slice(0, 7);

/**
 * readDisputedRecords against a node that authenticates operators: A's and B's sealed views of the
 * same calls (some altered, some missing on B's side) are read back, both sides, by either operator;
 * a plain batch is reported as such; a third operator is refused; a wrong key does not open.
 */
describe('readDisputedRecords (src/reconciliation/disputed-records.ts)', () => {
  const data = tempDataDir();
  let node: CdrNode;
  const mine = [...generateTraffic({ seed: 'disputed-records', submitter: A, counterparty: B, count: 80, startTime: DAY_START, periodSeconds: 86_400 })];
  const views = mine.map((c) => counterpartyView(c, { mismatchRate: 0.25, mismatchKinds: ['duration', 'tariff'], seed: 'dr' }));
  const theirs = views.map((v) => v.cdr).filter((_, i) => i % 20 !== 7); // 4 calls only A recorded
  const plainA = [...generateTraffic({ seed: 'disputed-plain', submitter: A, counterparty: C, count: 10, startTime: DAY_START, periodSeconds: 86_400 })];
  const plainC = plainA.map((c) => counterpartyView(c, { mismatchRate: 1, mismatchKinds: ['tariff'], seed: 'p' }).cdr);
  const disputes: Record<string, DisputeJson[]> = {};

  beforeAll(async () => {
    node = await startTestNode(data.dir, { apiAuth: 'signatures' });
    const submit = async (plmn: number, batches: readonly (readonly [readonly Cdr[], boolean])[]): Promise<number> => {
      const client = await IngestClient.connect(node.ingestUrl, { signer: OperatorRequestSigner.devnet(plmn) });
      const op = Operator.devnet(plmn);
      let height = 0;
      let seq = 1n;
      for (const [cdrs, sealed] of batches) {
        const built = sealed ? await op.sealedBatch(cdrs, seq, devnetPrivacy()) : op.batch(cdrs, seq);
        height = Math.max(height, (await (await client.submit(built.frame, seq)).committed).height);
        seq++;
      }
      await client.close();
      return height;
    };
    const heights = await Promise.all([
      submit(A, [[mine.slice(0, 40), true], [mine.slice(40), true], [plainA, false]]),
      submit(B, [[theirs, true]]),
      submit(C, [[plainC, false]]),
    ]);
    await node.reconciliation!.whenIndexed(Math.max(...heights));
    for (const [pair, as] of [[`${A}-${B}`, A], [`${A}-${C}`, A]] as const) {
      const api = new NodeApiClient(node.url, { signer: OperatorRequestSigner.devnet(as) });
      disputes[pair] = [...(await api.reconciliationDisputes(pair, MONTH, { limit: 1000 })).disputes];
    }
  }, 120_000);
  afterAll(async () => {
    await node?.stop();
    data.cleanup();
  });

  const read = async (reader: number, pair: string, o: { key?: Uint8Array; sides?: { a: boolean; b: boolean } } = {}) =>
    readDisputedRecords({
      api: new NodeApiClient(node.url, { signer: OperatorRequestSigner.devnet(reader) }), chain: devnetChainIdentity(), reader,
      privateKey: o.key ?? (await devnetEncryptionKeyPair(reader)).privateKey, disputes: disputes[pair]!, concurrency: 2, ...(o.sides ? { sides: o.sides } : {}),
    });

  it("reads both sides' records of every disputed event, as either operator, from three sealed batches", async () => {
    const list = disputes[`${A}-${B}`]!;
    const altered = views.filter((v, i) => v.mismatch && i % 20 !== 7).length;
    expect(altered).toBeGreaterThan(5);
    expect(list.filter((d) => d.class === 'mismatched')).toHaveLength(altered);
    expect(list.filter((d) => d.class === 'only_a')).toHaveLength(4);
    const byRecordId = new Map([...mine, ...theirs].map((c) => [c.recordId, c]));
    for (const reader of [A, B]) {
      const records = await read(reader, `${A}-${B}`);
      expect(records).toHaveLength(list.length);
      records.forEach((r, i) => {
        const d = list[i]!;
        if (d.class === 'only_a') expect(r.b).toEqual({ state: 'none' });
        for (const side of ['a', 'b'] as const) {
          const s = r[side];
          if (s.state !== 'read') continue;
          expect(s.batchId).toBe(d[side]!.batchId);
          const file = byRecordId.get(s.record.recordId)!;
          expect(comparedRecord(s.record)).toEqual({
            service: file.service, startTime: file.startTime, durationSec: file.durationSec, volumeBytes: file.volumeBytes, charge: file.charge, currency: file.currency, tariffId: file.tariffId,
          });
        }
        if (r.a.state === 'read' && r.b.state === 'read') {
          const e = explainViews(comparedRecord(r.a.record), comparedRecord(r.b.record));
          expect(e.verdict).toBe('differs');
          expect(e.differences.map((f) => f.field)).toEqual([views.find((v) => v.cdr.recordId === (r.b as { record: { recordId: string } }).record.recordId)!.mismatch!]);
        }
      });
    }
    // One side only: the other is not fetched.
    const onlyA = await read(A, `${A}-${B}`, { sides: { a: true, b: false } });
    for (const r of onlyA) expect(r.b).toEqual({ state: 'skipped' });
  });

  it('a plain batch is unreadable ("not_sealed"), not an error', async () => {
    const records = await read(A, `${A}-${C}`);
    expect(records.length).toBe(plainA.length);
    for (const r of records) {
      expect(r.a).toMatchObject({ state: 'unreadable', reason: 'not_sealed' });
      expect(r.b).toMatchObject({ state: 'unreadable', reason: 'not_sealed' });
    }
  });

  it("a third operator is refused the pair's batches; a key that is not the reader's does not open them", async () => {
    const refused = await read(C, `${A}-${B}`).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(BatchRefusedError);
    expect(refused).toMatchObject({ status: 404 });
    const wrong = await read(A, `${A}-${B}`, { key: (await devnetEncryptionKeyPair(B)).privateKey }).then(() => undefined, (e: unknown) => e);
    expect(wrong).toBeInstanceOf(SealedOpenError);
    expect((wrong as Error).message).toMatch(/encryption key does not open batch [0-9a-f]{64}/);
  });
});
