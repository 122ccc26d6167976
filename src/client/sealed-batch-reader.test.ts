import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { devnetPrivacy } from '../chain/genesis-privacy.js';
import { Pruner } from '../chain/retention/pruner.js';
import { NO_BATCH_STILL_READ } from '../chain/retention/records-still-read.js';
import { validateRetentionPolicy } from '../chain/retention/retention-policy.js';
import { toHex } from '../codec/bytes.js';
import type { CdrNode } from '../node/node.js';
import { devnetEncryptionKeyPair } from '../privacy/encryption-key-file.js';
import { openStores } from '../storage/index.js';
import { startTestNode, tempDataDir, traffic } from '../test-helpers/devnet.js';
import { IngestClient } from './ingest-client.js';
import { NodeApiClient } from './node-api-client.js';
import { Operator } from './operator.js';
import { BatchAnswerError, BatchRefusedError, readSealedBatch, type SealedBatchRead } from './sealed-batch-reader.js';
import { SealedOpenError } from './sealed-batches.js';

const A = 20801;
const B = 23415;
const C = 26201;

type Tamper = (path: string, body: Buffer) => { path?: string; body?: Buffer };

/**
 * readSealedBatch, the reader `cdrchain open` and `reconcile --explain` share, against a real node
 * (api.auth open, so a third operator is served the header and the reader's own party check is what
 * stops it) and through a proxy that plays a lying node: another header, altered records, another
 * batch's sealed section are each named; a plain batch is "not_sealed", a pruned section "pruned".
 */
describe('readSealedBatch (src/client/sealed-batch-reader.ts)', () => {
  const data = tempDataDir();
  let node: CdrNode;
  let proxy: Server;
  let proxyUrl: string;
  let tamper: Tamper | undefined;
  const ids: { sealed: string; other: string; plain: string } = { sealed: '', other: '', plain: '' };
  const cdrs = traffic(A, B, 30, 'reader-sealed');

  beforeAll(async () => {
    node = await startTestNode(data.dir, { apiAuth: 'open' });
    const client = await IngestClient.connect(node.ingestUrl);
    const op = Operator.devnet(A);
    const sealed = await op.sealedBatch(cdrs, 1n, devnetPrivacy());
    const other = await op.sealedBatch(traffic(A, B, 30, 'reader-other'), 2n, devnetPrivacy());
    const plain = op.batch(traffic(A, B, 5, 'reader-plain'), 3n);
    for (const [b, seq] of [[sealed, 1n], [other, 2n], [plain, 3n]] as const) await (await client.submit(b.frame, seq)).committed;
    await client.close();
    [ids.sealed, ids.other, ids.plain] = [toHex(sealed.id), toHex(other.id), toHex(plain.id)];
    // Forwards to the node; `tamper` may ask another path or change the answer's body.
    proxy = createServer((req, res) => {
      void (async () => {
        const t = tamper;
        const asked = req.url ?? '/';
        const path = t?.(asked, Buffer.alloc(0)).path ?? asked;
        const upstream = await fetch(`${node.url}${path}`);
        let body: Buffer = Buffer.from(await upstream.arrayBuffer());
        if (t && upstream.ok) body = t(asked, body).body ?? body;
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(body);
      })();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await node?.stop();
    data.cleanup();
  });

  const read = async (reader: number, id: string, url = node.url): Promise<SealedBatchRead> =>
    readSealedBatch({ api: new NodeApiClient(url), chain: devnetChainIdentity(), reader, privateKey: (await devnetEncryptionKeyPair(reader)).privateKey, recordsPage: 7 }, id);
  const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

  it('opens a sealed batch for either party, paging its records; a plain batch is not_sealed', async () => {
    for (const reader of [A, B]) {
      const r = await read(reader, ids.sealed);
      if (r.state !== 'opened') throw new Error(`not opened: ${r.reason}`);
      expect(r.payloads.map((p) => p.recordId)).toEqual(cdrs.map((c) => c.recordId));
      expect(r.header).toMatchObject({ submitter: A, counterparty: B, recordCount: cdrs.length });
    }
    expect(await read(B, ids.plain)).toEqual({ state: 'unreadable', reason: 'not_sealed' });
  });

  it('refuses what the reader may not open: an unknown batch (404), a batch of which it is not party', async () => {
    const unknown = await failure(read(B, 'ab'.repeat(32)));
    expect(unknown).toBeInstanceOf(BatchRefusedError);
    expect(unknown).toMatchObject({ status: 404, code: 'not_found' });
    const third = await failure(read(C, ids.sealed));
    expect(third).toBeInstanceOf(SealedOpenError);
    expect((third as Error).message).toContain(`operator ${C} is not party to batch ${ids.sealed}`);
  });

  it("names a lying node's answer: another header, altered records, another batch's sealed section", async () => {
    const cases: [BatchAnswerError['part'], Tamper][] = [
      ['header', (path) => ({ path: path.replace(ids.sealed, ids.other) })],
      ['records', (path, body) => {
        if (!path.includes('records=1') || body.length === 0) return {};
        const v = JSON.parse(body.toString()) as { records: { commitment: string }[] };
        if (v.records[0]) v.records[0].commitment = '00'.repeat(32);
        return { body: Buffer.from(JSON.stringify(v)) };
      }],
      ['section', (path) => (path.endsWith('/sealed') ? { path: path.replace(ids.sealed, ids.other) } : {})],
    ];
    for (const [part, t] of cases) {
      tamper = t;
      const err = await failure(read(B, ids.sealed, proxyUrl));
      expect(err, part).toBeInstanceOf(BatchAnswerError);
      expect(err, part).toMatchObject({ part, batchId: ids.sealed });
    }
    tamper = undefined;
    expect((await read(B, ids.sealed, proxyUrl)).state).toBe('opened');
  });

  it('a section pruned by retention is "pruned" (410 to the pair), not "not_sealed"', async () => {
    await node.stop();
    const stores = openStores(data.dir);
    try {
      const policy = validateRetentionPolicy({ payloads: { keep: 'days', days: 0 } });
      expect((await new Pruner(stores, policy, { now: () => Date.now() + 1000 }).run({ stillRead: NO_BATCH_STILL_READ })).pruned.sealedSections).toBe(2);
    } finally {
      await stores.env.close();
    }
    node = await startTestNode(data.dir, { apiAuth: 'open' });
    expect(await read(B, ids.sealed)).toEqual({ state: 'unreadable', reason: 'pruned' });
    expect(await read(A, ids.other)).toEqual({ state: 'unreadable', reason: 'pruned' });
    expect(await read(B, ids.plain)).toEqual({ state: 'unreadable', reason: 'not_sealed' });
  }, 60_000);
});
