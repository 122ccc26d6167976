import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BuiltBatch } from '../../cdr/batch-builder.js';
import { devnetBatchSeed } from '../../chain/genesis.js';
import { batchToJson } from '../../codec/batch-json.js';
import { decodeBatch } from '../../codec/batch.js';
import { toHex } from '../../codec/bytes.js';
import { RejectCode } from '../../codec/ingest-reply.js';
import { signCall, signDeploy, type SignedContractTx } from '../../client/contract-tx.js';
import { BatchNackError, IngestClient } from '../../client/ingest-client.js';
import { Operator } from '../../client/operator.js';
import { OperatorRequestSigner } from '../../client/request-signer.js';
import type { CdrNode } from '../../node/node.js';
import { cdrchain } from '../../test-helpers/processes.js';
import { startTestNode, tempDataDir, traffic } from '../../test-helpers/devnet.js';
import { assemble } from '../../vm/asm/index.js';

/**
 * Issue 13, P4, with three operators on a node with `api.auth: signatures`: A (20801) and B (23415)
 * share traffic, C (26201) is a third party with traffic of its own (with D, 40445). Every endpoint
 * is called by anonymous, A, B, C and with a forged, an expired, a replayed signature and a wrong
 * content-digest; each answer is the documented one (src/api/endpoint-audiences.ts), and nothing C
 * (or anyone unsigned) receives — bodies, error messages, WS /events frames, ingest replies —
 * carries A–B data.
 */
const A = 20801;
const B = 23415;
const C = 26201;
const D = 40445;

type Who = 'anonymous' | 'A' | 'B' | 'C' | 'forged' | 'expired' | 'replayed';
const PLMN = { A, B, C } as const;

const signerOf = (plmn: number, skewMs = 0) => OperatorRequestSigner.devnet(plmn, () => Date.now() + skewMs);

/** Everything a third party (C, anonymous, a forger) was answered: scanned for A–B data at the end. */
const outsiderSaw: string[] = [];

describe('operator-scoped API access: three operators, api.auth signatures', () => {
  const data = tempDataDir();
  let node: CdrNode;
  let base: string;
  let ab: BuiltBatch;
  let ba: BuiltBatch;
  let cd: BuiltBatch;
  let deploy: SignedContractTx;
  let call: SignedContractTx;
  let period: string;
  const events: Record<'anonymous' | 'A' | 'B' | 'C', string[]> = { anonymous: [], A: [], B: [], C: [] };
  const sockets: WebSocket[] = [];

  /** GET or POST as `who`; records what outsiders got. */
  async function call_(who: Who, method: 'GET' | 'POST', path: string, body?: { type: string; data: string | Uint8Array }): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
    const url = `${base}${path}`;
    const headers: Record<string, string> = body ? { 'content-type': body.type } : {};
    const signable = { method, url, ...(body ? { body: body.data } : {}) };
    if (who === 'A' || who === 'B' || who === 'C') Object.assign(headers, signerOf(PLMN[who]).sign(signable));
    if (who === 'forged') {
      // C's key under A's keyid.
      const h = signerOf(C).sign(signable);
      Object.assign(headers, h, { 'signature-input': h['signature-input']!.replace(`plmn:${C}`, `plmn:${A}`) });
    }
    if (who === 'expired') Object.assign(headers, signerOf(A, -600_000).sign(signable));
    if (who === 'replayed') {
      const h = signerOf(A).sign(signable);
      await fetch(url, { method, headers: { ...headers, ...h }, ...(body ? { body: Buffer.from(body.data) } : {}) });
      Object.assign(headers, h);
    }
    const res = await fetch(url, { method, headers, ...(body ? { body: Buffer.from(body.data) } : {}) });
    const text = await res.text();
    if (who !== 'A' && who !== 'B') outsiderSaw.push(`${method} ${path} → ${res.status} ${text}`);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // /metrics
    }
    return { status: res.status, body: parsed, text };
  }

  const statusOf = async (who: Who, method: 'GET' | 'POST', path: string, body?: { type: string; data: string | Uint8Array }) => {
    const r = await call_(who, method, path, body);
    return r.status === 200 || r.status === 202 ? r.status : `${r.status} ${String(r.body['error'])}`;
  };

  function subscribe(who: 'anonymous' | 'A' | 'B' | 'C'): Promise<void> {
    const url = `ws://127.0.0.1:${node.port}/events`;
    const headers = who === 'anonymous' ? {} : signerOf(PLMN[who]).sign({ method: 'GET', url });
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, headers });
      sockets.push(ws);
      ws.on('message', (d) => {
        events[who].push(String(d));
        if (who === 'anonymous' || who === 'C') outsiderSaw.push(`event → ${who}: ${String(d)}`);
      });
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  async function submit(plmn: number, frames: { frame: Uint8Array; sequence: bigint; id?: Uint8Array }[]): Promise<void> {
    const client = await IngestClient.connect(`ws://127.0.0.1:${node.port}/ingest`, { signer: signerOf(plmn) });
    try {
      for (const f of frames) await (await client.submit(f.frame, f.sequence, f.id)).final;
    } finally {
      await client.close();
    }
  }

  beforeAll(async () => {
    node = await startTestNode(data.dir, { apiAuth: 'signatures' });
    base = node.url;
    for (const who of ['anonymous', 'A', 'B', 'C'] as const) await subscribe(who);
    ab = Operator.devnet(A).batch(traffic(A, B, 20, 'p4-ab'), 1n);
    ba = Operator.devnet(B).batch(traffic(B, A, 20, 'p4-ba'), 1n);
    cd = Operator.devnet(C).batch(traffic(C, D, 20, 'p4-cd'), 1n);
    const seed = devnetBatchSeed(A);
    deploy = signDeploy({ sender: A, sequence: 2n, gasLimit: 1n, container: assemble('push 0x77\npush 0\npush 0\nlog1\nstop\n').container, seed });
    call = signCall({ sender: A, sequence: 3n, gasLimit: 100_000n, contract: deploy.contractId!, calldata: new Uint8Array([0xa5, 0xa5]), seed });
    await submit(A, [{ frame: ab.frame, sequence: 1n, id: ab.id }, { frame: deploy.frame, sequence: 2n }, { frame: call.frame, sequence: 3n }]);
    await submit(B, [{ frame: ba.frame, sequence: 1n, id: ba.id }]);
    await submit(C, [{ frame: cd.frame, sequence: 1n, id: cd.id }]);
    period = new Date(Number(ab.header.periodStart) * 1000).toISOString().slice(0, 7);
    // The reconciliation index catches up, and the receipt is written.
    const end = Date.now() + 20_000;
    for (;;) {
      const counts = (await (await fetch(`${base}/reconciliation/${A}-${B}/${period}`)).json()) as { indexedHeight: number; events: number };
      const status = (await (await fetch(`${base}/status`)).json()) as { height: number };
      const receipt = await fetch(`${base}/receipts/${toHex(call.hash)}`, { headers: signerOf(A).sign({ method: 'GET', url: `${base}/receipts/${toHex(call.hash)}` }) });
      if (counts.indexedHeight >= status.height && counts.events > 0 && receipt.status === 200) break;
      if (Date.now() > end) throw new Error('the index or the receipt did not catch up');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    for (const ws of sockets) ws.close();
    await node?.stop();
    data.cleanup();
  });

  it('answers every endpoint × caller exactly as src/api/endpoint-audiences.ts documents', async () => {
    const abId = toHex(ab.id);
    const callHash = toHex(call.hash);
    const pair = `${A}-${B}`;
    const nobody = 'ab'.repeat(32);
    const u = { auth: '401 authentication_required', bad: '401 bad_signature', old: '401 signature_expired', again: '401 signature_replayed' };
    const readers: [string, Partial<Record<Who, number | string>>][] = [
      ['/status', { anonymous: 200, A: 200, C: 200, forged: 200, expired: 200 }],
      ['/health/live', { anonymous: 200, C: 200, forged: 200 }],
      ['/blocks?limit=5', { anonymous: 200, C: 200, forged: 200 }],
      ['/blocks/1', { anonymous: 200, C: 200 }],
      ['/metrics', { anonymous: 200, C: 200 }],
      ['/openapi.json', { anonymous: 200, C: 200 }],
      [`/reconciliation/${pair}/${period}`, { anonymous: 200, C: 200, forged: 200 }],
      // Public: a hiding commitment and counts; none here before a proof (200: src/chain/batch-proof-admission.test.ts).
      [`/proofs/aggregate/${A}/${B}/${period}`, { anonymous: '404 not_found', A: '404 not_found', C: '404 not_found', forged: '404 not_found' }],
      [`/operators/${A}`, { anonymous: u.auth, A: 200, B: '403 forbidden', C: '403 forbidden', forged: u.bad, expired: u.old, replayed: u.again }],
      [`/operators/${C}`, { C: 200, A: '403 forbidden' }],
      [`/batch/${abId}`, { anonymous: u.auth, A: 200, B: 200, C: '404 not_found', forged: u.bad, expired: u.old, replayed: u.again }],
      [`/batch/${abId}?records=1&limit=2`, { A: 200, B: 200, C: '404 not_found' }],
      [`/batch/${nobody}`, { A: '404 not_found', C: '404 not_found' }],
      [`/batch/${toHex(cd.id)}`, { C: 200, A: '404 not_found', B: '404 not_found' }],
      [`/txns/${abId}`, { anonymous: u.auth, A: 200, B: 200, C: '404 not_found', forged: u.bad }],
      [`/txns/${callHash}`, { A: 200, B: '404 not_found', C: '404 not_found' }],
      [`/receipts/${callHash}`, { anonymous: u.auth, A: 200, B: '404 not_found', C: '404 not_found', forged: u.bad, expired: u.old }],
      ['/consensus', { anonymous: u.auth, A: '404 not_a_validator', C: '404 not_a_validator', forged: u.bad }],
      [`/reconciliation/${pair}/${period}/disputes?limit=3`, { anonymous: u.auth, A: 200, B: 200, C: '403 forbidden', forged: u.bad, expired: u.old, replayed: u.again }],
      [`/reconciliation/${pair}/${period}/verdict`, { anonymous: u.auth, A: 200, B: 200, C: '403 forbidden', forged: u.bad, expired: u.old, replayed: u.again }],
      // A transfer opening: its operator (nothing disclosed here: 404) and the settlement bank; any other operator 403.
      [`/settlement/${period}/disclosures/${A}`, { anonymous: u.auth, A: '404 not_found', B: '403 forbidden', C: '403 forbidden', forged: u.bad, expired: u.old }],
    ];
    const got: string[] = [];
    const want: string[] = [];
    for (const [path, expected] of readers) {
      for (const [who, answer] of Object.entries(expected) as [Who, number | string][]) {
        want.push(`${who} GET ${path} → ${answer}`);
        got.push(`${who} GET ${path} → ${await statusOf(who, 'GET', path)}`);
      }
    }
    expect(got).toEqual(want);
  }, 60_000);

  it("answers C's questions about A–B data as if there were none: the same bytes as for an id nobody used", async () => {
    const same = async (path: string, id: string, other: string) => {
      const real = await call_('C', 'GET', path.replace('{}', id));
      const none = await call_('C', 'GET', path.replace('{}', other));
      expect(real.status).toBe(404);
      expect(real.text.replace(id, '<id>')).toBe(none.text.replace(other, '<id>'));
    };
    const nobody = 'cd'.repeat(32);
    await same('/batch/{}', toHex(ab.id), nobody);
    await same('/batch/{}?records=1', toHex(ab.id), nobody);
    await same('/txns/{}', toHex(call.hash), nobody);
    await same('/receipts/{}', toHex(call.hash), nobody);
  });

  it('POST /cdr and /tx: signed by the submitter only, bound to the body by content-digest', async () => {
    const next = Operator.devnet(A).batch(traffic(A, B, 5, 'p4-ab-2'), 4n);
    const body = (b: BuiltBatch) => ({ type: 'application/json', data: JSON.stringify(batchToJson(decodeBatch(b.frame))) });
    // C replays A's signed batch: refused before admission, which would have answered with A's sequence.
    const byC = await call_('C', 'POST', '/cdr', body(next));
    expect({ status: byC.status, error: byC.body['error'] }).toEqual({ status: 403, error: 'forbidden' });
    expect(await statusOf('anonymous', 'POST', '/cdr', body(next))).toBe('401 authentication_required');
    expect(await statusOf('forged', 'POST', '/cdr', body(next))).toBe('401 bad_signature');
    expect(await statusOf('expired', 'POST', '/cdr', body(next))).toBe('401 signature_expired');
    // Signed for one body, sent with another (A's own older batch): the digest does not match.
    const url = `${base}/cdr`;
    const signed = signerOf(A).sign({ method: 'POST', url, body: body(next).data });
    const swapped = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body: body(ab).data });
    expect({ status: swapped.status, error: ((await swapped.json()) as { error: string }).error }).toEqual({ status: 401, error: 'bad_signature' });
    expect(await statusOf('A', 'POST', '/cdr', body(next))).toBe(202);
    // C's own replay of C's batch gets the ordinary answer about C's own sequence.
    const own = await call_('C', 'POST', '/cdr', body(cd));
    expect({ status: own.status, error: own.body['error'] }).toEqual({ status: 409, error: 'replay' });

    const call2 = signCall({ sender: A, sequence: 5n, gasLimit: 100_000n, contract: deploy.contractId!, calldata: new Uint8Array(0), seed: devnetBatchSeed(A) });
    const tx = { type: 'application/octet-stream', data: call2.frame };
    expect(await statusOf('C', 'POST', '/tx', tx)).toBe('403 forbidden');
    expect(await statusOf('anonymous', 'POST', '/tx', tx)).toBe('401 authentication_required');
    expect(await statusOf('A', 'POST', '/tx', tx)).toBe(202);
  }, 30_000);

  it("WS /ingest: unsigned upgrades are refused; C's connection takes C's frames only", async () => {
    await expect(IngestClient.connect(`ws://127.0.0.1:${node.port}/ingest`)).rejects.toThrow(/401.*authentication_required/);
    const url = `ws://127.0.0.1:${node.port}/ingest`;
    const forgedHeaders = signerOf(C).sign({ method: 'GET', url });
    forgedHeaders['signature-input'] = forgedHeaders['signature-input']!.replace(`plmn:${C}`, `plmn:${A}`);
    const forged = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers: forgedHeaders });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => undefined);
    });
    expect(forged).toBe(401);

    const client = await IngestClient.connect(url, { signer: signerOf(C) });
    try {
      // A's batch again, through C's connection: without the check, admission would answer
      // "Replay: sequence 1 is not above 4, the last accepted for 20801".
      const err = await client.submit(ab.frame, 1n, ab.id).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(BatchNackError);
      const nack = err as BatchNackError;
      expect(nack.code).toBe(RejectCode.UnknownOperator);
      outsiderSaw.push(`ingest → C: ${nack.message}`);
      expect(nack.detail).not.toMatch(new RegExp(`${A}|${B}`));
      const mine = Operator.devnet(C).batch(traffic(C, D, 5, 'p4-cd-2'), 2n);
      expect((await (await client.submit(mine.frame, 2n, mine.id)).final).height).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  }, 30_000);

  it('WS /events: batch and contract frames reach only the operators they name; unsigned subscribers get block frames', async () => {
    const abId = toHex(ab.id);
    const batchFrames = (who: keyof typeof events) => events[who].filter((f) => f.includes('"batch_accepted"'));
    expect(batchFrames('A').some((f) => f.includes(abId))).toBe(true);
    expect(batchFrames('B').some((f) => f.includes(abId))).toBe(true);
    expect(batchFrames('C').some((f) => f.includes(abId))).toBe(false);
    expect(batchFrames('C').some((f) => f.includes(toHex(cd.id)))).toBe(true);
    expect(batchFrames('anonymous')).toEqual([]);
    expect(events.A.some((f) => f.includes('"contract_tx_accepted"') && f.includes(toHex(call.hash)))).toBe(true);
    expect(events.A.some((f) => f.includes('"contract_receipt"') && f.includes(toHex(call.hash)))).toBe(true);
    expect(events.B.concat(events.C, events.anonymous).some((f) => f.includes('"contract_'))).toBe(false);
    expect(events.anonymous.some((f) => f.includes('"block_committed"'))).toBe(true);
    // A signature the node refuses is refused, not downgraded to anonymous.
    const url = `ws://127.0.0.1:${node.port}/events`;
    const old = signerOf(C, -600_000).sign({ method: 'GET', url });
    const refused = await new Promise<{ status: number; body: string }>((resolve) => {
      const ws = new WebSocket(url, { headers: old });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('open', () => resolve({ status: 101, body: '' }));
      ws.once('error', () => undefined);
    });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'signature_expired' });
  });

  it('the CLI signs: status, submit and reconcile work against the node as their operator', async () => {
    const keyFile = join(data.dir, 'c.key.json');
    expect((await cdrchain('keys', 'devnet', '--plmn', String(C), '--out', keyFile)).code).toBe(0);
    const status = await cdrchain('status', '--url', base, '--key', keyFile);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ operator: { plmn: C, lastSequence: '2' } });
    const csv = join(data.dir, 'c.csv');
    expect((await cdrchain('generate', '--submitter', String(C), '--counterparty', String(D), '--count', '300', '--seed', 'p4-cli', '--out', csv)).code).toBe(0);
    const submitted = await cdrchain('submit', csv, '--url', `ws://127.0.0.1:${node.port}`, '--key', keyFile, '--batch-size', '100', '--no-journal');
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(JSON.parse(submitted.stdout)).toMatchObject({ acceptedCdrs: 300, rejectedBatches: 0 });
    const asA = await cdrchain('reconcile', '--pair', `${A}-${B}`, '--period', period, '--url', base, '--operator', String(A), '--json');
    expect(asA.code, asA.stderr).toBe(0);
    expect((JSON.parse(asA.stdout) as { disputesTotal: number }).disputesTotal).toBeGreaterThan(0);
    const asC = await cdrchain('reconcile', '--pair', `${A}-${B}`, '--period', period, '--url', base, '--key', keyFile);
    expect(asC.code).toBe(3);
    expect(asC.stderr).toMatch(/403 forbidden/);
    outsiderSaw.push(`cli → C: ${asC.stdout}${asC.stderr}`);
    writeFileSync(join(data.dir, 'outsider.log'), outsiderSaw.join('\n'));
  }, 120_000);

  it('nothing C, anonymous callers or forgers received carries A–B data (records, header, signature, sequences, contract data)', () => {
    const abBatch = decodeBatch(ab.frame);
    const secrets: [string, string | RegExp][] = [
      ['A–B merkle root', toHex(abBatch.header.merkleRoot)],
      ['A–B records digest', toHex(abBatch.header.recordsDigest)],
      ['A–B signature', toHex(abBatch.signature)],
      ['A–B first record', toHex(abBatch.records.subarray(0, 32))],
      ['A–B last record', toHex(abBatch.records.subarray(abBatch.records.length - 32))],
      ['B–A merkle root', toHex(decodeBatch(ba.frame).header.merkleRoot)],
      ["A's calldata", 'a5a5'],
      ['a batch of A as submitter', `"submitter":${A}`],
      ['a batch with B as counterparty', `"counterparty":${B}`],
      ["A's or B's sequences", new RegExp(`"plmn":(${A}|${B}),[^}]*"lastSequence"`)],
      ["A's contract transactions", `"sender":${A}`],
    ];
    expect(outsiderSaw.length).toBeGreaterThan(40);
    const leaks = secrets.filter(([, s]) => outsiderSaw.some((t) => (typeof s === 'string' ? t.includes(s) : s.test(t))));
    expect(leaks.map(([what]) => what)).toEqual([]);
    // Error messages name nobody but the caller: no 4xx body to an outsider mentions A or B.
    const errors = outsiderSaw.filter((t) => / → 4\d\d /.test(t)).map((t) => t.slice(t.indexOf(' → ')).replace(/[0-9a-f]{64}/g, '<id>'));
    expect(errors.length).toBeGreaterThan(10);
    expect(errors.filter((t) => t.includes(String(A)) || t.includes(String(B)))).toEqual([]);
  });
});
