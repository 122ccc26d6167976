import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { devnetBatchSeed } from '../chain/genesis.js';
import { readGenesisFile } from '../chain/genesis.js';
import { devnetInit } from '../cli/commands/devnet.js';
import { signBatchProof } from '../client/batch-proof-tx.js';
import { approvalAction, disclosureAction, proposalAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import { DEVNET_SETTLEMENT_BANK_ID, devnetSettlementBank } from '../chain/genesis.js';
import { devnetPrivacy } from '../chain/genesis-privacy.js';
import type { SettlementAction } from '../codec/settlement-tx.js';
import type { SettlementDraftView } from './settlement-draft.js';
import { proposalId, signAsOperator, type SettlementProposal } from '../settlement/approval/index.js';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { devnetBlsSeed } from '../chain/genesis.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { makeBilateralStatement, signBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { randomBlinding, scalar } from '../settlement/commitment/pedersen.js';
import { signCall, signDeploy } from '../client/contract-tx.js';
import { IngestClient } from '../client/ingest-client.js';
import { NodeApiClient, NodeApiError } from '../client/node-api-client.js';
import { Operator } from '../client/operator.js';
import { batchToJson } from '../codec/batch-json.js';
import { decodeBatch } from '../codec/batch.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { privateKeyObject } from '../crypto/ed25519.js';
import { operatorPair } from '../reconciliation/pair.js';
import { computeVerdict, signVerdict, verdictFrame, verdictTxHash } from '../reconciliation/verdict.js';
import { decodeIngestReply, RejectCode, ReplyKind, type IngestReplyFields } from '../codec/ingest-reply.js';
import { silentLogger } from '../log.js';
import { CdrNode } from '../node/node.js';
import { readValidatorDir } from '../node/validator-dir.js';
import { sumContract } from '../test-helpers/contracts.js';
import { startTestNode, tempDataDir, traffic, ORANGE_FR, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { forge, type ForgedBatch } from '../test-helpers/forge.js';
import { randomRecords, submitBatches } from '../test-helpers/retention.js';
import { assemble } from '../vm/asm/index.js';
import { findPackageRoot } from '../wasm/load.js';
import { OperatorRegistry } from '../chain/operators.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { signatureAuthenticator } from './auth/request-authenticator.js';
import { OperatorSignatureVerifier } from './auth/signature-verifier.js';
import { NODE_OPENAPI, NODE_OPENAPI_JSON } from './openapi.js';

/**
 * The OpenAPI document (src/api/openapi.ts) against real answers: a solo node and a pair of
 * validators, fed by the real clients (IngestClient, NodeApiClient, contract-tx signing). Every HTTP
 * answer goes through `check`, which finds the documented operation for its path, requires the
 * status to be documented and the body to be valid under the documented schema (ajv, JSON Schema
 * 2020-12), and marks (method, path, status) exercised. The last test requires every documented
 * status of every operation to have been seen, save the few listed in NOT_EXERCISED with where they
 * are tested. WS /events frames are validated against the document's event schemas, WS /ingest
 * replies against docs/websocket.md's order and codes.
 */

type Json = Readonly<Record<string, unknown>>;
type Responses = Readonly<Record<string, { readonly content?: Readonly<Record<string, { readonly schema: unknown }>> }>>;
const paths = JSON.parse(NODE_OPENAPI_JSON).paths as Readonly<Record<string, Readonly<Record<string, { readonly responses: Responses }>>>>;
const schemas = JSON.parse(NODE_OPENAPI_JSON).components.schemas as Readonly<Record<string, unknown>>;

/** Documented answers this file cannot provoke through the API, and the tests that do. */
const NOT_EXERCISED: Readonly<Record<string, string>> = {
  'get /health/ready 503': 'a full disk or dead workers: src/node/storage-faults.test.ts, src/chain/storage-failure.test.ts',
  'get / 503': 'dist/explorer missing: src/api/explorer-assets.test.ts',
  'get /explorer 503': 'dist/explorer missing: src/api/explorer-assets.test.ts',
  'get /explorer/{asset} 503': 'dist/explorer missing: src/api/explorer-assets.test.ts',
  'get /settlement/{period}/draft 404': 'a node API without drafts (every chain node drafts): src/api/server.ts',
  'get /proofs/aggregate/{submitter}/{counterparty}/{period} 200': 'needs a proven batch (the circuits): src/chain/batch-proof-admission.test.ts',
  'get /batch/{id}/sealed 410': 'a section pruned under the payloads policy: src/node/sealed-batches.test.ts, src/client/sealed-batch-reader.test.ts',
};
/*
 * Documented values answered here only in part: status `evicted` is exercised on GET /txns/{hash}
 * (verdict_overtaken, two validators below); GET /batch/{id} with status and stage `evicted`
 * (period_closed) in src/chain/period-close.test.ts (the view; its type is checked against the
 * document by openapi.test.ts), already_proven in src/node/batch-proof-validators.test.ts,
 * settlement_refused in src/chain/settlement-tx.test.ts.
 */
/** 500 `internal` is documented wherever a handler can fail unexpectedly; no request makes it fail. */
const isInternal = (key: string): boolean => key.endsWith(' 500');

const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addSchema({ $id: 'node', $defs: retarget(schemas) });
const validators = new Map<string, ValidateFunction>();

function retarget(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"node#/$defs/')) as Json;
}

/** Throws unless `value` is valid under the document's `schema`. */
function validate(schema: unknown, value: unknown, where: string): void {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) validators.set(key, (v = ajv.compile(retarget(schema))));
  if (!v(value)) {
    const why = (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('; ');
    throw new Error(`${where}: not what the document says: ${why}\n${JSON.stringify(value).slice(0, 600)}`);
  }
}

const templates = Object.keys(paths).map((p) => ({
  path: p,
  re: new RegExp(`^${p.replace(/[.]/g, '\\.').replace('{asset}', '(.+)').replace(/\{[a-z]+\}/gi, '([^/]+)')}$`, 'i'),
}));
const exercised = new Set<string>();

/** Checks one HTTP answer against the document and marks it exercised. */
function check(method: string, pathname: string, status: number, contentType: string | null, body: string): void {
  const m = method.toLowerCase();
  const template = templates.find((t) => t.re.test(pathname) && paths[t.path]![m])?.path;
  if (!template) throw new Error(`${method} ${pathname} answered ${status}: no such operation in the document`);
  const key = `${m} ${template} ${status}`;
  const documented = paths[template]![m]!.responses[String(status)];
  if (!documented) throw new Error(`${key}: the document lists no ${status} for ${method} ${template}; body: ${body.slice(0, 300)}`);
  const content = documented.content;
  if (content) {
    const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!content[essence]) throw new Error(`${key}: content-type ${contentType} is not one of ${Object.keys(content).join(', ')}`);
    if (essence === 'application/json') {
      const value = JSON.parse(body) as unknown;
      const routeMissing = (value as Json)['error'] === 'not_found' && (value as Json)['message'] === 'no such endpoint';
      // The catch-all 404 means the server does not route a documented path (a plain GET of a WebSocket path excepted).
      if (routeMissing && template !== '/ingest' && template !== '/events') throw new Error(`${method} ${pathname}: the server has no such route, the document has`);
      validate(content[essence]!.schema, value, key);
    } else if (essence.startsWith('text/')) {
      expect(body.length, key).toBeGreaterThan(0);
    }
  }
  exercised.add(key);
}

/** fetch, with every answer checked against the document (the typed client is built on it). */
const checkedFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  check(init?.method ?? 'GET', url.pathname, res.status, res.headers.get('content-type'), await res.clone().text());
  return res;
};

/** HTTP/1.1 over a bare socket, for what fetch will not send (no content-length, a lying one, a stalled body). */
function rawHttp(port: number, request: string, opts: { stall?: (s: Socket) => void } = {}): Promise<{ status: number; contentType: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => finish(), 3_000);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (!status) return reject(new Error(`no HTTP answer to ${request.split('\r\n')[0]}: ${text.slice(0, 200)}`));
      resolve({ status: Number(status[1]), contentType: /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1] ?? null, body: text.slice(head.length + 4) });
    };
    socket.on('data', (d) => {
      text += d.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text);
      if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) finish();
    });
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    socket.write(request);
    opts.stall?.(socket);
  });
}

async function rawChecked(port: number, method: string, path: string, request: string): Promise<{ status: number; body: Json }> {
  const r = await rawHttp(port, request);
  check(method, path, r.status, r.contentType, r.body);
  return { status: r.status, body: JSON.parse(r.body) as Json };
}

/** A WebSocket upgrade: the open socket, or the refusal's status and body (checked against the document). */
function upgrade(url: string, headers: Readonly<Record<string, string>> = {}): Promise<{ ws: WebSocket; frames: string[] } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, headers });
    const frames: string[] = [];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) frames.push(String(data));
    });
    ws.once('upgrade', (res) => check('GET', new URL(url).pathname, res.statusCode ?? 0, null, ''));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        req.destroy();
        check('GET', new URL(url).pathname, res.statusCode ?? 0, res.headers['content-type'] ?? null, body);
        resolve({ refused: res.statusCode ?? 0 });
      });
    });
    ws.once('error', (err) => reject(err));
  });
}

async function expectApiError(p: Promise<unknown>, status: number, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NodeApiError);
  expect({ status: (err as NodeApiError).status, code: (err as NodeApiError).code }).toEqual({ status, code });
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hex = (b: Uint8Array): string => toHex(b);
const ZERO = '00'.repeat(32);
/** Emits one event (LOG1, topic 0x77) and stops: a receipt with events. */
const LOGGING_CONTRACT = (): Uint8Array => assemble('push 0x77\npush 0\npush 0\nlog1\nstop\n').container;
const json = (b: ForgedBatch) => batchToJson({ header: b.header, records: b.records, signature: b.signature, bytes: b.frame });
const batchJsonOf = (b: { readonly frame: Uint8Array }) => batchToJson(decodeBatch(b.frame));
const postJson = (url: string, body: unknown, contentType = 'application/json') =>
  checkedFetch(`${url}/cdr`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const postTx = (url: string, frame: Uint8Array) =>
  checkedFetch(`${url}/tx`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(frame) });
const statusOf = async (res: Response): Promise<{ status: number; error: unknown }> => ({ status: res.status, error: ((await res.json()) as Json)['error'] });

describe('the OpenAPI document against a running solo node', () => {
  const data = tempDataDir();
  let node: CdrNode;
  let api: NodeApiClient;
  let events: { ws: WebSocket; frames: string[] };
  let contractEvents: { ws: WebSocket; frames: string[] };
  let ingest: IngestClient;
  const orange = Operator.devnet(ORANGE_FR);
  let pruned: string;
  let kept: string;

  beforeAll(async () => {
    node = await startTestNode(data.dir, {
      api: { maxIngestConnections: 2, maxEventSubscribers: 2, maxConcurrentUploads: 1 },
      // A small nullifier table, so a segment is written early and retention can prune records.
      nullifiers: { hotLog2: 10, filterLog2Bytes: 16 },
      retention: { policy: { records: { keep: 'blocks', blocks: 0 } }, intervalMs: 3_600_000 },
      // Open (the devnet default): operator authentication is exercised on the validators below.
      apiAuth: 'open',
    });
    api = new NodeApiClient(node.url, { fetch: checkedFetch });
    const all = await upgrade(`ws://127.0.0.1:${node.port}/events`);
    const contracts = await upgrade(`ws://127.0.0.1:${node.port}/events?topics=contracts`);
    if (!('ws' in all) || !('ws' in contracts)) throw new Error('events subscription refused');
    events = all;
    contractEvents = contracts;
    ingest = await IngestClient.connect(node.ingestUrl);
  });
  afterAll(async () => {
    events?.ws.close();
    contractEvents?.ws.close();
    await ingest?.close();
    await node?.stop();
    data.cleanup();
  });

  it('GET /status, /health/*, /metrics, /openapi.json through the typed client', async () => {
    const status = await api.status();
    expect(status.node).toBe('cdrchain');
    expect(status.auth).toEqual({ mode: 'open' });
    expect((await api.ready()).httpStatus).toBe(200);
    expect(await (await checkedFetch(`${node.url}/health/live`)).json()).toEqual({ status: 'live' });
    expect(await api.metricsText()).toContain('cdrchain_chain_height');
    expect(await api.openApi()).toEqual(JSON.parse(NODE_OPENAPI_JSON));
  });

  it('WS /ingest: a batch from the real client is Acked, Committed and Final; a raw socket sees the documented frames and close codes', async () => {
    const built = orange.batch(traffic(ORANGE_FR, VODAFONE_UK, 20, 'openapi-ingest'), 1n);
    const r = await ingest.submit(built.frame, 1n, built.id);
    expect((await r.final).height).toBeGreaterThanOrEqual((await r.committed).height);

    const raw = await upgrade(`ws://127.0.0.1:${node.port}/ingest`);
    if (!('ws' in raw)) throw new Error('ingest refused');
    // Both connections are in use: the next upgrade is refused with 503 busy.
    expect(await upgrade(`ws://127.0.0.1:${node.port}/ingest`)).toEqual({ refused: 503 });
    const replies: IngestReplyFields[] = [];
    raw.ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (isBinary) replies.push(decodeIngestReply(new Uint8Array(d)));
    });
    const second = orange.batch(traffic(ORANGE_FR, VODAFONE_UK, 5, 'openapi-raw'), 2n);
    raw.ws.send(second.frame);
    await until(() => replies.some((x) => x.kind === ReplyKind.Final), 'Final');
    expect(replies.map((x) => [ReplyKind[x.kind], hex(x.batchId), x.sequence])).toEqual(
      ['Ack', 'Committed', 'Final'].map((k) => [k, hex(second.id), 2n]),
    );
    expect(replies[1]!.height).toBe(replies[2]!.height);
    raw.ws.send(Buffer.from('not a flatbuffer at all'));
    await until(() => replies.length === 4, 'Nack');
    expect({ kind: ReplyKind[replies[3]!.kind], code: RejectCode[replies[3]!.code], sequence: replies[3]!.sequence }).toEqual({ kind: 'Nack', code: 'Malformed', sequence: 0n });
    const closed = new Promise<number>((resolve) => raw.ws.once('close', (code) => resolve(code)));
    raw.ws.send('text');
    expect(await closed).toBe(1003);
    // A plain GET of a WebSocket path.
    expect((await checkedFetch(`${node.url}/ingest`)).status).toBe(404);
  });

  it('GET /batch, /txns, /blocks, /operators through the typed client, with records and a pruned batch', async () => {
    // Ten batches of 100 records fill the small nullifier table: a segment, then retention prunes the first ones' records.
    const batches = await submitBatches(node.ingestUrl, { groups: 10, perGroup: 1, records: 100, submitter: TELEKOM_DE, counterparty: VODAFONE_UK });
    await node.chain.nullifiers.idle();
    await node.chain.retention.runNow();
    const views = await Promise.all(batches.map((b) => api.batch(hex(b.id))));
    pruned = views.find((v) => v.pruned === true)!.id;
    kept = views.at(-1)!.id;
    expect(views.at(-1)!.pruned).toBeUndefined();

    const page = await api.batch(kept, { records: { offset: 1, limit: 2 } });
    expect(page.records).toHaveLength(2);
    expect(page.recordsPage).toEqual({ offset: 1, limit: 2, total: 100 });
    const asTx = await api.tx(kept, { records: { limit: 3 } });
    expect(asTx.type).toBe('cdr_batch');
    const prunedView = await api.batch(pruned);
    expect(prunedView).toMatchObject({ pruned: true, stage: 'final' });
    expect(Array.isArray(prunedView.txPath)).toBe(true); // empty when the batch is alone in its block
    await expectApiError(api.batch(pruned, { records: {} }), 410, 'records_pruned');
    await expectApiError(api.tx(pruned, { records: {} }), 410, 'records_pruned');

    const { blocks } = await api.blocks({ limit: 5 });
    expect(blocks.length).toBe(5);
    const withTxs = await api.block(batches.at(-1)!.height);
    expect(withTxs.txIds).toContain(kept);
    expect((await api.blocks({ from: 0, limit: 100 })).blocks.map((b) => b.height)).toEqual([0]);
    expect((await api.operator(TELEKOM_DE)).lastSequence).toBe('10');
  });

  it('GET errors: 400 bad_parameter, 404 not_found, 404 not_a_validator', async () => {
    await expectApiError(api.operator(1), 404, 'not_found');
    await expectApiError(api.block(4_294_967_295), 404, 'not_found');
    await expectApiError(api.batch(ZERO), 404, 'not_found');
    await expectApiError(api.tx(ZERO), 404, 'not_found');
    await expectApiError(api.receipt(ZERO), 404, 'not_found');
    await expectApiError(api.consensus(), 404, 'not_a_validator');
    await expectApiError(api.batch(kept, { records: { limit: 0 } }), 400, 'bad_parameter');
    for (const path of ['/operators/abc', '/blocks?from=x', '/blocks/-1', '/batch/xyz', '/txns/12', `/receipts/${'g'.repeat(64)}`]) {
      const res = await checkedFetch(`${node.url}${path}`);
      expect(await statusOf(res), path).toEqual({ status: 400, error: 'bad_parameter' });
    }
  });

  it('GET /batch/{id}/sealed: a sealed batch\'s section (200), a bad id (400), an unknown batch and a batch without one (404)', async () => {
    const sealed = await orange.sealedBatch(traffic(ORANGE_FR, VODAFONE_UK, 4, 'openapi-sealed'), 3n, devnetPrivacy());
    await (await ingest.submit(sealed.frame, 3n, sealed.id)).committed;
    expect(await api.batchSealed(hex(sealed.id))).toEqual(decodeBatch(sealed.frame).sealed);
    await expectApiError(api.batchSealed('xyz'), 400, 'bad_parameter');
    await expectApiError(api.batchSealed(ZERO), 404, 'not_found');
    await expectApiError(api.batchSealed(kept), 404, 'not_found');
  });

  it('POST /cdr: 202 through the typed client, and each documented refusal', async () => {
    const records = (n: number) => randomRecords(n);
    const first = forge(records(3), { sequence: 11n, submitter: TELEKOM_DE, counterparty: VODAFONE_UK });
    const accepted = await api.submitBatchJson(json(first));
    expect(accepted).toEqual({ status: 'accepted', batchId: hex(first.id), sequence: '11' });

    const refusals: [string, ForgedBatch | string, number, string][] = [
      ['a replay', first, 409, 'replay'],
      ['a record seen before', forge(first.records, { sequence: 12n, submitter: TELEKOM_DE }), 409, 'duplicate_record'],
      ['a sequence jump', forge(records(2), { sequence: 2_000_000n, submitter: TELEKOM_DE }), 422, 'out_of_range'],
      ['a wrong records digest', forge(records(2), { sequence: 12n, submitter: TELEKOM_DE, recordsDigest: new Uint8Array(32) }), 422, 'bad_records_digest'],
      ['a wrong Merkle root', forge(records(2), { sequence: 12n, submitter: TELEKOM_DE, merkleRoot: new Uint8Array(32) }), 422, 'bad_merkle_root'],
      ['a signature that does not verify', forge(records(2), { sequence: 12n, submitter: TELEKOM_DE, signature: new Uint8Array(64).fill(7) }), 401, 'bad_signature'],
      ['an unknown submitter', forge(records(2), { sequence: 1n, submitter: 1 }), 403, 'unknown_operator'],
      ['a body that is not JSON', '{"header":', 400, 'malformed'],
    ];
    for (const [what, body, status, error] of refusals) {
      const res = await postJson(node.url, typeof body === 'string' ? body : json(body));
      const answer = (await res.json()) as Json;
      expect({ what, status: res.status, error: answer['error'] }).toEqual({ what, status, error });
    }
    expect(await statusOf(await postJson(node.url, json(first), 'text/plain'))).toEqual({ status: 415, error: 'unsupported_media_type' });
    const port = node.port;
    expect(await rawChecked(port, 'POST', '/cdr', 'POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n')).toMatchObject({ status: 411 });
    expect(await rawChecked(port, 'POST', '/cdr', 'POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n')).toMatchObject({ status: 413 });
    await expectBusyWhileAnUploadStalls(port, '/cdr', () => postJson(node.url, json(first)));
  });

  it('POST /tx: a deploy over WS /ingest (real client), a call through the typed client, receipts, events, refusals', async () => {
    const seed = devnetBatchSeed(ORANGE_FR);
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1n, container: LOGGING_CONTRACT(), seed });
    const deployed = await ingest.submit(deploy.frame, 1n);
    await deployed.final;
    const call = signCall({ sender: ORANGE_FR, sequence: 2n, gasLimit: 100_000n, contract: deploy.contractId!, calldata: new Uint8Array(0), seed });
    expect(await api.submitContractTx(call.frame)).toEqual({ status: 'accepted', hash: hex(call.hash), sequence: '2' });
    await until(async () => (await checkedFetch(`${node.url}/receipts/${hex(call.hash)}`)).status === 200, 'the receipt');
    const receipt = await api.receipt(hex(call.hash));
    expect(receipt.events).toEqual([{ topics: [`${'0'.repeat(62)}77`], data: '' }]);
    expect((await api.tx(hex(call.hash))).type).toBe('contract_call');
    expect((await api.tx(hex(deploy.hash))).type).toBe('contract_deploy');

    const sum = signDeploy({ sender: ORANGE_FR, sequence: 3n, gasLimit: 1n, container: sumContract(), seed });
    const refusals: [string, Uint8Array, number, string][] = [
      ['a replay', call.frame, 409, 'replay'],
      ['a gas limit over the node limit', signDeploy({ sender: ORANGE_FR, sequence: 3n, gasLimit: 10n ** 12n, container: sumContract(), seed }).frame, 422, 'out_of_range'],
      ['a signature by another key', signDeploy({ sender: ORANGE_FR, sequence: 3n, gasLimit: 1n, container: sumContract(), seed: devnetBatchSeed(TELEKOM_DE) }).frame, 401, 'bad_signature'],
      ['an unknown sender', signDeploy({ sender: 1, sequence: 1n, gasLimit: 1n, container: sumContract(), seed }).frame, 403, 'unknown_operator'],
      ['bytes that are no frame', new Uint8Array(64).fill(3), 400, 'malformed'],
      // A batch proof (cdrchain prove) of the registered test circuit for a batch this node does not have.
      ['a batch proof of an unknown batch', signBatchProof({ signer: ORANGE_FR, sequence: 1n, batchId: new Uint8Array(32).fill(9), proof: Uint8Array.of(1, 0, 0, 0, 4, 0, 0, 0, 1, ...new Uint8Array(320)), seed }).frame, 404, 'unknown_batch'],
    ];
    for (const [what, frame, status, error] of refusals) {
      const res = await postTx(node.url, frame);
      expect({ what, ...(await statusOf(res)) }).toEqual({ what, status, error });
    }

    // Settlement statements (docs/settlement.md): one accepted and shown, then the pair's second, a non-party's and an open period's refused.
    const recordedBlinding = randomBlinding();
    const signed = (first: number, second: number, periodId: string, blinding = randomBlinding()) => {
      const s = makeBilateralStatement({ chain: hex(devnetChainIdentity()), periodId, currency: 'XDR', first, second }, { firstOwesSecond: 10n, secondOwesFirst: 3n, blinding });
      const sign = (plmn: number): Uint8Array => signBilateralStatement(s, blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey);
      return statementAction({ statement: s, firstSignature: sign(first), secondSignature: sign(second) });
    };
    const statementTx = (submitter: number, sequence: bigint, action: ReturnType<typeof signed>, period: string) => signSettlementTx({ submitter, sequence, period, action, seed: devnetBatchSeed(submitter) });
    const recorded = statementTx(ORANGE_FR, 1n, signed(ORANGE_FR, VODAFONE_UK, '2025-12', recordedBlinding), '2025-12');
    expect(await statusOf(await postTx(node.url, recorded.frame))).toMatchObject({ status: 202 });
    expect(await api.tx(hex(recorded.hash))).toMatchObject({ type: 'settlement', action: 'statement', period: '2025-12', first: ORANGE_FR, second: VODAFONE_UK });
    const now = new Date();
    const open = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const settlementRefusals: [string, Uint8Array, number, string][] = [
      ["the pair's second statement", statementTx(VODAFONE_UK, 1n, signed(ORANGE_FR, VODAFONE_UK, '2025-12'), '2025-12').frame, 409, 'duplicate_statement'],
      ["a non-party's statement", statementTx(TELEKOM_DE, 1n, signed(ORANGE_FR, VODAFONE_UK, '2025-11'), '2025-11').frame, 403, 'not_party'],
      ["an open period's statement", statementTx(ORANGE_FR, 2n, signed(ORANGE_FR, TELEKOM_DE, open), open).frame, 422, 'period_not_ended'],
    ];
    for (const [what, frame, status, error] of settlementRefusals) {
      expect({ what, ...(await statusOf(await postTx(node.url, frame))) }).toEqual({ what, status, error });
    }
    // GET /settlement/{period}: counts only, once a block has recorded the statement.
    await until(async () => ((await (await checkedFetch(`${node.url}/settlement/2025-12`)).json()) as Json)['statements'] === 1, 'the statement recorded');
    expect(await (await checkedFetch(`${node.url}/settlement/2025-12`)).json()).toEqual({
      period: '2025-12', start: '2025-12-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z', closesAt: '2026-01-04T00:00:00.000Z', currency: 'XDR', conversionFee: '3/2000', mode: 'committed',
      ended: true, closed: true, operators: 6, pairs: 15, statements: 1, rateSet: false, netted: false, settlement: { status: 'none' },
      bank: { id: DEVNET_SETTLEMENT_BANK_ID, encryptionKey: hex(devnetSettlementBank().bank.encryptionKey) },
    });

    // The draft of the node's netting (public), a proposal on POST /settle, and POST /settle's refusals (docs/settlement.md, "Approval on chain").
    const draft = (await (await checkedFetch(`${node.url}/settlement/2025-12/draft`)).json()) as SettlementDraftView;
    expect(draft).toMatchObject({ period: '2025-12', operators: [ORANGE_FR, VODAFONE_UK], attempt: 1, mode: 'committed' });
    expect(await statusOf(await checkedFetch(`${node.url}/settlement/2025-13/draft`))).toEqual({ status: 400, error: 'bad_parameter' });
    // GET /proofs/aggregate: none before a batch of the pair is proven; a malformed period id.
    expect(await statusOf(await checkedFetch(`${node.url}/proofs/aggregate/${ORANGE_FR}/${VODAFONE_UK}/2025-12`))).toEqual({ status: 404, error: 'not_found' });
    expect(await statusOf(await checkedFetch(`${node.url}/proofs/aggregate/${ORANGE_FR}/${VODAFONE_UK}/2025_12`))).toEqual({ status: 400, error: 'bad_parameter' });
    expect(await statusOf(await checkedFetch(`${node.url}/settlement/${open}/draft`))).toEqual({ status: 422, error: 'period_open' });
    const proposalOf = (periodId: string, proposer: number): SettlementProposal => ({
      chain: draft.chain, periodId, currency: 'XDR', operators: draft.operators,
      outcome: { mode: 'committed', transfers: draft.transfers.map((t) => ({ x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) })) },
      settledVolume: 0n, clearingFee: 0n, deadlineHeight: draft.deadline + 100, attempt: 1, proposer,
    });
    const blsOf = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;
    const settleTx = (submitter: number, sequence: bigint, period: string, action: SettlementAction) => signSettlementTx({ submitter, sequence, period, action, seed: devnetBatchSeed(submitter) });
    const postSettle = (frame: Uint8Array) => checkedFetch(`${node.url}/settle`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(frame) });
    const proposal = proposalOf('2025-12', ORANGE_FR);
    expect(await statusOf(await postSettle(settleTx(ORANGE_FR, 2n, '2025-12', proposalAction(proposal, signAsOperator(proposal, ORANGE_FR, blsOf(ORANGE_FR)).signature)).frame))).toMatchObject({ status: 202 });
    const vodafone = proposalOf('2025-12', VODAFONE_UK);
    const second = settleTx(VODAFONE_UK, 1n, '2025-12', proposalAction(vodafone, signAsOperator(vodafone, VODAFONE_UK, blsOf(VODAFONE_UK)).signature));
    const openProposal = proposalOf(open, ORANGE_FR);
    const settleRefusals: [string, Uint8Array, number, string][] = [
      ['a second proposal while one is pending here', second.frame, 409, 'proposal_pending'],
      ['a proposal for an open period', settleTx(ORANGE_FR, 3n, open, proposalAction(openProposal, signAsOperator(openProposal, ORANGE_FR, blsOf(ORANGE_FR)).signature)).frame, 422, 'period_open'],
      ['a statement (POST /tx takes it)', statementTx(ORANGE_FR, 3n, signed(ORANGE_FR, TELEKOM_DE, '2025-12'), '2025-12').frame, 400, 'malformed'],
    ];
    for (const [what, frame, status, error] of settleRefusals) {
      expect({ what, ...(await statusOf(await postSettle(frame))) }).toEqual({ what, status, error });
    }
    await until(async () => ((await (await checkedFetch(`${node.url}/settlement/2025-12`)).json()) as { settlement: { status: string } }).settlement.status === 'proposed', 'the proposal committed');
    expect(await statusOf(await checkedFetch(`${node.url}/settlement/2025-12/draft`))).toEqual({ status: 409, error: 'proposal_pending' });
    // Once it is committed: an approval by an operator not involved (403), one whose aggregate does not verify (401).
    expect(await statusOf(await postSettle(settleTx(TELEKOM_DE, 1n, '2025-12', approvalAction(proposalId(proposal), signAsOperator(proposal, TELEKOM_DE, blsOf(TELEKOM_DE)))).frame))).toEqual({ status: 403, error: 'not_a_party' });
    expect(await statusOf(await postSettle(settleTx(VODAFONE_UK, 1n, '2025-12', approvalAction(proposalId(proposal), signAsOperator(proposal, VODAFONE_UK, blsOf(TELEKOM_DE)))).frame))).toEqual({ status: 401, error: 'bad_signature' });
    // Disclosures of the transfer openings (docs/settlement.md, "Disclosure of transfer openings"): Orange, first of the pair, opens
    // its T_k = −C as (−7, −r); an opening that does not open Vodafone's is refused; nothing disclosed reads 404.
    expect(await statusOf(await checkedFetch(`${node.url}/settlement/2025-12/disclosures/${ORANGE_FR}`))).toEqual({ status: 404, error: 'not_found' });
    expect(await statusOf(await checkedFetch(`${node.url}/settlement/2025-13/disclosures/${ORANGE_FR}`))).toEqual({ status: 400, error: 'bad_parameter' });
    const disclose = (operator: number, net: bigint, blinding: bigint) => disclosureAction({
      chain: devnetChainIdentity(), periodId: '2025-12', proposalId: proposalId(proposal), operator, transfer: proposal.outcome.mode === 'committed' ? proposal.outcome.transfers[draft.operators.indexOf(operator)]! : { x: 0n, y: 1n },
      opening: { net, blinding: scalar(blinding) }, operatorKey: devnetPrivacy().encryptionKeys.get(operator)!, bankKey: devnetSettlementBank().bank.encryptionKey,
    });
    expect(await statusOf(await postSettle(settleTx(VODAFONE_UK, 1n, '2025-12', await disclose(VODAFONE_UK, 8n, recordedBlinding)).frame))).toEqual({ status: 422, error: 'bad_opening' });
    expect(await statusOf(await postSettle(settleTx(ORANGE_FR, 3n, '2025-12', await disclose(ORANGE_FR, -7n, -recordedBlinding)).frame))).toMatchObject({ status: 202 });
    await until(async () => (await checkedFetch(`${node.url}/settlement/2025-12/disclosures/${ORANGE_FR}`)).status === 200, 'the disclosure recorded');
    expect(await (await checkedFetch(`${node.url}/settlement/2025-12/disclosures/${ORANGE_FR}`)).json()).toMatchObject({ period: '2025-12', operator: ORANGE_FR, proposalId: proposalId(proposal), attempt: 1, settlement: 'proposed' });
    expect(await statusOf(await postSettle(settleTx(ORANGE_FR, 4n, '2025-12', await disclose(ORANGE_FR, -7n, -recordedBlinding)).frame))).toEqual({ status: 409, error: 'duplicate_disclosure' });
    expect(await statusOf(await checkedFetch(`${node.url}/settle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))).toEqual({ status: 415, error: 'unsupported_media_type' });
    expect(await rawChecked(node.port, 'POST', '/settle', 'POST /settle HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n\r\n')).toMatchObject({ status: 411 });
    expect(await rawChecked(node.port, 'POST', '/settle', 'POST /settle HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 999999999\r\n\r\n')).toMatchObject({ status: 413 });
    await expectBusyWhileAnUploadStalls(node.port, '/settle', () => postSettle(second.frame));
    expect(await statusOf(await checkedFetch(`${node.url}/settlement/2025-13`))).toEqual({ status: 400, error: 'bad_parameter' });
    const wrongType = await checkedFetch(`${node.url}/tx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await statusOf(wrongType)).toEqual({ status: 415, error: 'unsupported_media_type' });
    const port = node.port;
    expect(await rawChecked(port, 'POST', '/tx', 'POST /tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n\r\n')).toMatchObject({ status: 411 });
    expect(await rawChecked(port, 'POST', '/tx', 'POST /tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 999999999\r\n\r\n')).toMatchObject({ status: 413 });
    // A replay while no upload stalls (409), so nothing is accepted whichever way the race goes.
    await expectBusyWhileAnUploadStalls(port, '/tx', () => postTx(node.url, call.frame));
    expect((await postTx(node.url, sum.frame)).status).toBe(202);
  });

  it('WS /events: every frame is one of the documented events; the subscriber limit answers 503', async () => {
    expect(await upgrade(`ws://127.0.0.1:${node.port}/events`)).toEqual({ refused: 503 });
    expect((await checkedFetch(`${node.url}/events`)).status).toBe(404);
    await until(() => contractEvents.frames.filter((f) => f.includes('contract_receipt')).length >= 3, 'three contract receipts');
    const seen = new Set<string>();
    for (const frame of [...events.frames, ...contractEvents.frames]) {
      const e = JSON.parse(frame) as Json;
      validate({ $ref: '#/components/schemas/Event' }, e, `event ${String(e['type'])}`);
      seen.add(String(e['type']));
    }
    expect([...seen].sort()).toEqual(['batch_accepted', 'block_committed', 'contract_receipt', 'contract_tx_accepted']);
    expect(contractEvents.frames.every((f) => /"type":"contract_/.test(f))).toBe(true);
  });

  it('GET /reconciliation: counts (public) and disputes (the pair only)', async () => {
    // The month of the batches above (their periods end an hour ago).
    const period = new Date(Date.now() - 2 * 3_600_000).toISOString().slice(0, 7);
    const pair = `${TELEKOM_DE}-${VODAFONE_UK}`;
    await until(async () => (await api.reconciliationCounts(pair, period)).indexedHeight >= (await api.status()).height, 'the index to catch up');
    const counts = await api.reconciliationCounts(pair, period);
    expect({ pair: counts.pair, a: counts.a, b: counts.b }).toEqual({ pair: `${VODAFONE_UK}-${TELEKOM_DE}`, a: VODAFONE_UK, b: TELEKOM_DE });
    expect(counts.onlyB).toBeGreaterThan(0);
    // An open node: the pair's disputes to anyone (401 and 403 on the validators below, which authenticate operators).
    const page = await api.reconciliationDisputes(pair, period, { limit: 5 });
    expect(page.disputes.length).toBe(5);
    expect(page.disputes.every((d) => d.a === null && d.b !== null)).toBe(true);
    await expectApiError(api.reconciliationCounts('1-2', period), 400, 'bad_parameter');
    await expectApiError(api.reconciliationDisputes(pair, '2026-13'), 400, 'bad_parameter');

    // The pair's verdict (none of its events explained here: every mismatched one stays disputed), both signing, over POST /tx.
    expect((await api.reconciliationVerdict(pair, period)).verdict).toBeNull();
    const disputes = [];
    for (let offset = 0; offset < page.total; offset += 1000) disputes.push(...(await api.reconciliationDisputes(pair, period, { offset, limit: 1000 })).disputes);
    const chain = fromHex((await api.status()).genesisHash, 32);
    const target = operatorPair(VODAFONE_UK, TELEKOM_DE);
    const month = { year: Number(period.slice(0, 4)), month: Number(period.slice(5, 7)) };
    const tolerances = { durationSec: 1, volumeBytes: 0n, chargePpm: 5000, chargeMinor: 0n };
    const unsigned = computeVerdict({ pair: target, period: month, counts, events: disputes.map((d) => ({ eventHash: d.eventHash, class: d.class, explanation: null })), tolerances });
    const sign = (v: typeof unsigned) => [VODAFONE_UK, TELEKOM_DE].reduce((w, plmn) => signVerdict(w, plmn, privateKeyObject(devnetBatchSeed(plmn)), chain), v);
    await expectApiError(api.submitContractTx(verdictFrame(sign({ ...unsigned, fields: { ...unsigned.fields, matched: unsigned.fields.matched + 1n } }), TELEKOM_DE)), 422, 'counts_mismatch');
    const accepted = await api.submitContractTx(verdictFrame(sign(unsigned), TELEKOM_DE));
    await expectApiError(api.submitContractTx(verdictFrame(sign({ ...unsigned, fields: { ...unsigned.fields, toleranceDurationSec: 2 } }), TELEKOM_DE)), 409, 'verdict_conflict');
    await until(async () => (await api.tx(accepted.hash)).status === 'committed', 'the verdict to commit');
    expect((await api.reconciliationCounts(pair, period)).verdict).toMatchObject({ hash: accepted.hash, revision: 1, status: 'committed' });
    expect((await api.reconciliationVerdict(pair, period)).verdict).toMatchObject({ txHash: accepted.hash, submitter: TELEKOM_DE });
    await expectApiError(api.reconciliationVerdict(pair, '2026-13'), 400, 'bad_parameter');
  });

  it('GET /, /explorer and /explorer/{asset}: the page, its assets, 304 and 404', async () => {
    const page = await checkedFetch(`${node.url}/`);
    expect(page.status).toBe(200);
    const etag = page.headers.get('etag')!;
    expect((await checkedFetch(`${node.url}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await checkedFetch(`${node.url}/explorer`)).status).toBe(200);
    expect((await checkedFetch(`${node.url}/explorer`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const build = JSON.parse(readFileSync(join(findPackageRoot(), 'dist', 'explorer', 'build.json'), 'utf8')) as { js: string };
    const asset = await checkedFetch(`${node.url}${build.js}`);
    expect(asset.status).toBe(200);
    expect((await checkedFetch(`${node.url}${build.js}`, { headers: { 'if-none-match': asset.headers.get('etag')! } })).status).toBe(304);
    expect((await checkedFetch(`${node.url}/explorer/no-such-file.js`)).status).toBe(404);
  });

  /** With maxConcurrentUploads 1: one upload whose body never comes, and `post` gets 503 busy. */
  async function expectBusyWhileAnUploadStalls(port: number, path: string, post: () => Promise<Response>): Promise<void> {
    const type = path === '/cdr' ? 'application/json' : 'application/octet-stream';
    let stalled: Socket | undefined;
    const pending = rawHttp(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 100\r\n\r\n{`, { stall: (s) => (stalled = s) });
    try {
      await until(async () => {
        const res = await post();
        const busy = res.status === 503;
        if (!busy) expect(res.status, `${path} before the stalled upload was reserved`).toBe(409);
        return busy;
      }, 'busy');
    } finally {
      stalled?.destroy();
      await pending.catch(() => undefined);
    }
  }
});

/** Signed requests one operator may make on the first validator within the window before 503 busy. */
const REPLAY_CAPACITY = 8;

describe('the OpenAPI document against two validators', () => {
  const tmp = tempDataDir();
  const nodes: CdrNode[] = [];

  beforeAll(async () => {
    const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    const plan = await devnetInit({ validators: 2, out: join(tmp.dir, 'devnet'), chainId: 'openapi-test', basePort, force: false });
    const genesis = readGenesisFile(plan.genesis);
    for (const [i, v] of plan.validators.entries()) {
      nodes.push(await CdrNode.start({
        dataDir: join(v.dir, 'data'), host: '127.0.0.1', port: 0, workers: 1, genesis,
        // The first authenticates operators (api.auth signatures) with a small replay set, so 503 busy is reachable;
        // the second runs without the reconciliation index, open to anyone: its routes answer 404 not_available.
        ...(i === 1
          ? { reconciliation: false, apiAuth: 'open' as const }
          : { apiAuthenticator: signatureAuthenticator(new OperatorSignatureVerifier({ operators: OperatorRegistry.fromGenesis(genesis), clock: { now: () => Date.now() }, replayCapacityPerOperator: REPLAY_CAPACITY })) }),
        validator: { ...readValidatorDir(v.dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
        log: silentLogger(), defaultMetrics: false,
      }));
    }
  });
  afterAll(async () => {
    for (const n of nodes.reverse()) await n.stop();
    tmp.cleanup();
  });

  it('GET /consensus and /status; WS /events adds block_confirmed; a batch is Committed then Final', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    const api = new NodeApiClient(b.url, { fetch: checkedFetch });
    await until(async () => (await api.consensus()).validators.every((v) => v.connected), 'both validators connected');
    const view = await api.consensus();
    expect(view.peers.length).toBe(1);
    expect(view.validators.find((v) => v.plmn !== view.self)?.score).toBeTypeOf('number');
    const status = await api.status();

    const sub = await upgrade(`ws://127.0.0.1:${b.port}/events?topics=blocks,batches`);
    if (!('ws' in sub)) throw new Error('events refused');
    const submitter = status.operators[0]!.plmn;
    const counterparty = status.operators[1]!.plmn;
    const op = Operator.devnet(submitter, a.chain.identity);
    const built = op.batch(traffic(submitter, counterparty, 10, 'openapi-validators'), 1n);
    const client = await IngestClient.connect(a.ingestUrl, { signer: OperatorRequestSigner.devnet(submitter) });
    try {
      const r = await client.submit(built.frame, 1n, built.id);
      const committed = await r.committed;
      const final = await r.final;
      expect(final.height).toBeGreaterThanOrEqual(committed.height);
    } finally {
      await client.close();
    }
    const id = hex(built.id);
    await until(() => sub.frames.some((f) => f.includes('"block_committed"') && f.includes(id)), 'block_committed on the other validator');
    const types = new Set<string>();
    for (const frame of sub.frames) {
      const e = JSON.parse(frame) as Json;
      validate({ $ref: '#/components/schemas/Event' }, e, `event ${String(e['type'])}`);
      types.add(String(e['type']));
    }
    expect([...types].sort()).toEqual(['batch_accepted', 'block_committed', 'block_confirmed']);
    sub.ws.close();
    expect((await api.consensus()).final.height).toBeGreaterThan(0);
    // Not a devnet chain and no operator authentication: the pair's disputes are closed (401); no index here (404).
    const period = new Date().toISOString().slice(0, 7);
    await expectApiError(api.reconciliationCounts(`${submitter}-${counterparty}`, period), 404, 'not_available');
    await expectApiError(api.reconciliationDisputes(`${submitter}-${counterparty}`, period), 404, 'not_available');
    await expectApiError(new NodeApiClient(a.url, { fetch: checkedFetch }).reconciliationDisputes(`${submitter}-${counterparty}`, period), 401, 'authentication_required');
  }, 60_000);

  it('GET /txns/{hash} of an evicted transaction: status evicted and why (two revision-1 verdicts of one pair, one per validator; the other reasons: period-close, settlement-tx, batch-proof-validators tests)', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    const operators = a.chain.genesis.operators.map((o) => o.plmn);
    const pair = operatorPair(operators[0]!, operators[1]!);
    // A past month without traffic: the first validator's index counts nothing there, as the verdicts say.
    const period = { year: 2025, month: 12 };
    const verdict = (durationSec: number, submitter: number) => {
      const v = computeVerdict({ pair, period, counts: { indexedHeight: 1, matched: 0, mismatched: 0, onlyA: 0, onlyB: 0 }, events: [], tolerances: { durationSec, volumeBytes: 0n, chargePpm: 5000, chargeMinor: 0n } });
      const signed = [pair.a, pair.b].reduce((w, plmn) => signVerdict(w, plmn, privateKeyObject(devnetBatchSeed(plmn)), a.chain.identity), v);
      return { frame: verdictFrame(signed, submitter), hash: hex(verdictTxHash(signed.fields, a.chain.identity)), submitter };
    };
    // The first validator authenticates operators: the submitter signs its request.
    const onA = verdict(1, pair.a);
    const onB = verdict(2, pair.b);
    await Promise.all([
      new NodeApiClient(a.url, { fetch: checkedFetch, signer: OperatorRequestSigner.devnet(onA.submitter) }).submitContractTx(onA.frame),
      new NodeApiClient(b.url, { fetch: checkedFetch }).submitContractTx(onB.frame),
    ]);
    // Polled on the chains (signed polling would spend the replay set); the answer itself goes through the API once.
    const stateOn = (n: CdrNode, h: string) => n.chain.queries.tx(fromHex(h, 32))?.view.status;
    await until(() => [onA, onB].some((v) => stateOn(a, v.hash) === 'committed' && stateOn(b, v.hash) === 'committed'), 'one verdict committed on both');
    const [loser, on] = stateOn(a, onA.hash) === 'committed' ? [onB, b] : [onA, a];
    await until(() => stateOn(on, loser.hash) === 'evicted', 'the other verdict evicted');
    const api = on === a ? new NodeApiClient(a.url, { fetch: checkedFetch, signer: OperatorRequestSigner.devnet(loser.submitter) }) : new NodeApiClient(b.url, { fetch: checkedFetch });
    expect(await api.tx(loser.hash)).toMatchObject({ type: 'verdict', status: 'evicted', eviction: { reason: 'verdict_overtaken' } });
  }, 60_000);

  it('operator authentication (api.auth signatures): 401 unsigned, 403 to another operator, 503 once an operator spends its replay set', async () => {
    const [a] = nodes as [CdrNode, CdrNode];
    const anonymous = new NodeApiClient(a.url, { fetch: checkedFetch });
    const anonymousStatus = await anonymous.status();
    // /status is public and says how the node authenticates, so a client need not learn it from a 401.
    expect(anonymousStatus.auth).toEqual({ mode: 'signatures' });
    const operators = anonymousStatus.operators.map((o) => o.plmn);
    // This consortium has two operators: p and q; q also spends its replay set at the end.
    const [p, q] = [operators[0]!, operators[1]!];
    const spender = q;
    const as = (plmn: number) => new NodeApiClient(a.url, { fetch: checkedFetch, signer: OperatorRequestSigner.devnet(plmn) });
    const period = new Date().toISOString().slice(0, 7);
    const pair = `${p}-${q}`;
    const calls = (api: NodeApiClient): [string, () => Promise<unknown>][] => [
      ['operator', () => api.operator(spender)],
      ['batch', () => api.batch(ZERO)],
      ['tx', () => api.tx(ZERO)],
      ['receipt', () => api.receipt(ZERO)],
      ['consensus', () => api.consensus()],
      ['disputes', () => api.reconciliationDisputes(pair, period)],
      ['verdict', () => api.reconciliationVerdict(pair, period)],
      ['sealed', () => api.batchSealed(ZERO)],
      ['disclosure', () => api.settlementDisclosure(period, spender)],
    ];
    for (const [what, f] of calls(anonymous)) await expectApiError(f(), 401, 'authentication_required').catch((e: unknown) => { throw new Error(`${what}: ${String(e)}`); });
    await expectApiError(as(p).operator(q), 403, 'forbidden');
    const outsider = [52501, 310260, 40445].find((x) => !operators.includes(x))!;
    await expectApiError(as(p).reconciliationDisputes(`${q}-${outsider}`, period), 403, 'forbidden');
    await expectApiError(as(p).reconciliationVerdict(`${q}-${outsider}`, period), 403, 'forbidden');
    await expectApiError(as(p).settlementDisclosure(period, q), 403, 'forbidden');
    expect((await as(p).operator(p)).plmn).toBe(p);
    // Submissions: unsigned 401; signed by another operator than the frame's, 403 forbidden.
    const built = Operator.devnet(p, a.chain.identity).batch(traffic(p, q, 3, 'openapi-auth'), 99n);
    await expectApiError(anonymous.submitBatchJson(batchJsonOf(built)), 401, 'authentication_required');
    await expectApiError(as(q).submitBatchJson(batchJsonOf(built)), 403, 'forbidden');
    const deploy = signDeploy({ sender: p, sequence: 1n, gasLimit: 1n, container: sumContract(), seed: devnetBatchSeed(p), chain: a.chain.identity });
    await expectApiError(anonymous.submitContractTx(deploy.frame), 401, 'authentication_required');
    await expectApiError(as(q).submitContractTx(deploy.frame), 403, 'forbidden');
    // WebSockets: an unsigned ingest upgrade, and an events upgrade with a signature the node refuses.
    expect(await upgrade(`ws://127.0.0.1:${a.port}/ingest`)).toEqual({ refused: 401 });
    const eventsUrl = `ws://127.0.0.1:${a.port}/events`;
    expect(await upgrade(eventsUrl, OperatorRequestSigner.devnet(p, () => Date.now() - 600_000).sign({ method: 'GET', url: eventsUrl }))).toEqual({ refused: 401 });
    // The spender fills its replay set (REPLAY_CAPACITY signatures in the window); then 503 busy, whatever the endpoint.
    const spending = as(spender);
    for (let i = 0; ; i++) {
      expect(i).toBeLessThanOrEqual(REPLAY_CAPACITY);
      const full = await spending.operator(spender).then(() => false, (e: unknown) => e instanceof NodeApiError && e.status === 503);
      if (full) break;
    }
    for (const [what, f] of calls(spending)) await expectApiError(f(), 503, 'busy').catch((e: unknown) => { throw new Error(`${what}: ${String(e)}`); });
  }, 30_000);

  it('exercised every documented status of every operation (save those tested elsewhere)', () => {
    const documented = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => Object.keys(op.responses).map((status) => `${method} ${path} ${status}`)),
    );
    const missing = documented.filter((k) => !exercised.has(k) && !NOT_EXERCISED[k] && !isInternal(k));
    expect(missing).toEqual([]);
    // Nothing listed as tested elsewhere was exercised here after all (the list would be stale).
    expect(Object.keys(NOT_EXERCISED).filter((k) => exercised.has(k))).toEqual([]);
    expect(Object.keys(NOT_EXERCISED).every((k) => documented.includes(k))).toBe(true);
    // Every path of the document was called.
    for (const path of Object.keys(NODE_OPENAPI.paths)) expect([...exercised].some((k) => k.split(' ')[1] === path), path).toBe(true);
  });
});
