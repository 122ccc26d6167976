import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Operator } from '../client/operator.js';
import { canonicalBatchHeader } from '../codec/batch.js';
import { batchToJson, type BatchJson } from '../codec/batch-json.js';
import { toHex } from '../codec/bytes.js';
import { PUBLIC_RECORD_BYTES } from '../codec/limits.js';
import { ed25519Sign, generateEd25519KeyPair, privateKeyObject } from '../crypto/ed25519.js';
import type { CdrNode } from '../node/node.js';
import { devnetChain, devnetKey, forge, nowSec, type ForgedBatch as Built } from '../test-helpers/forge.js';
import { startTestNode, tempDataDir, TELEKOM_DE, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import { fieldToBytes } from '../wasm/poseidon.js';

/**
 * The HTTP API under bad input: POST /cdr (the JSON form of a batch) and the GET endpoints. Every
 * bad request must get its exact status and a JSON error, leave the node serving, and record
 * nothing: afterwards a valid batch with the same sequence and records is accepted and committed,
 * and every batch accepted before is still there.
 */

const MAX_JSON_BYTES = 4 * 1024 * 1024; // ApiServer's default maxJsonBytes
const MAX_BATCH_RECORDS_CONFIGURED = 64;
const TIMEOUT_MS = 10_000;

const op = Operator.devnet(TELEKOM_DE);




/** The POST /cdr form, built from the fields (not by decoding: some frames here do not decode). */
const json = (b: Built): BatchJson => batchToJson({ header: b.header, records: b.records, signature: b.signature, bytes: b.frame });

let seedCounter = 0;
function freshRecords(count: number): Uint8Array {
  return op.publicRecords(traffic(TELEKOM_DE, VODAFONE_UK, count, `http-bad-input-${++seedCounter}`));
}

interface RawResponse {
  /** Everything the server sent before the deadline or the close. */
  readonly text: string;
  readonly status: number | undefined;
  readonly closedByServer: boolean;
}

/**
 * Speaks HTTP/1.1 over a bare TCP socket, for what fetch will not send: no content-length, lying
 * or unparseable lengths, a body that never comes. Resolves on close or after `waitMs`.
 */
function rawHttp(port: number, request: string, opts: { waitMs?: number; onConnect?: (s: Socket) => void } = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : undefined, closedByServer });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 1_000);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      // A complete response (headers + content-length body) is all we wait for.
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text);
      if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(request);
    opts.onConnect?.(socket);
  });
}

describe('HTTP API: bad input', () => {
  let data: { dir: string; cleanup(): void };
  let node: CdrNode;
  const lastSeq = new Map<number, bigint>();
  const accepted: { id: string; records: number }[] = [];
  const acceptedRecords = (): number => accepted.reduce((n, b) => n + b.records, 0);
  const nextSeq = (plmn = TELEKOM_DE): bigint => (lastSeq.get(plmn) ?? 0n) + 1n;

  async function request(method: string, path: string, body?: string | Uint8Array, contentType = 'application/json'): Promise<{ status: number; contentType: string | null; body: Record<string, unknown> }> {
    const init: RequestInit = { method, ...(body !== undefined ? { body, headers: { 'content-type': contentType } } : {}) };
    const res = await fetch(`${node.url}${path}`, init);
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: res.status, contentType: res.headers.get('content-type'), body: parsed };
  }
  const get = (path: string) => request('GET', path);
  const postCdr = (body: string | Uint8Array, contentType?: string) => request('POST', '/cdr', body, contentType);

  /** POSTs a batch that should be refused. Should the node take it, it is accounted for, so only this test fails. */
  async function postBad(b: Built): Promise<Awaited<ReturnType<typeof postCdr>>> {
    const r = await postCdr(JSON.stringify(json(b)));
    if (r.status === 202) {
      await waitCommitted(toHex(b.id));
      accepted.push({ id: toHex(b.id), records: b.header.recordCount });
      if (b.header.sequence > (lastSeq.get(b.header.submitter) ?? 0n)) lastSeq.set(b.header.submitter, b.header.sequence);
    }
    return r;
  }

  /** Asserts one JSON error: status, stable error name, a human message. */
  function expectError(r: { status: number; contentType: string | null; body: Record<string, unknown> }, status: number, error: string, messageIncludes?: string): void {
    expect({ status: r.status, error: r.body['error'] }).toEqual({ status, error });
    expect(r.contentType).toMatch(/^application\/json/);
    expect(typeof r.body['message']).toBe('string');
    expect((r.body['message'] as string).length).toBeGreaterThan(0);
    if (messageIncludes !== undefined) expect(r.body['message']).toContain(messageIncludes);
  }

  async function waitCommitted(idHex: string): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    let last: unknown;
    while (Date.now() < deadline) {
      const r = await get(`/batch/${idHex}`);
      last = { status: r.status, body: r.body['status'] };
      if (r.status === 200 && r.body['status'] === 'committed') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`batch ${idHex} not committed within ${TIMEOUT_MS} ms (last: ${JSON.stringify(last)})`);
  }

  async function submitValid(b: Built, contentType?: string): Promise<void> {
    const r = await postCdr(JSON.stringify(json(b)), contentType);
    expect({ status: r.status, body: r.body }).toEqual({ status: 202, body: { status: 'accepted', batchId: toHex(b.id), sequence: b.header.sequence.toString() } });
    await waitCommitted(toHex(b.id));
    accepted.push({ id: toHex(b.id), records: b.header.recordCount });
    lastSeq.set(b.header.submitter, b.header.sequence);
  }

  /** After any bad request: the node serves, lost nothing, recorded nothing, and takes the next valid batch. */
  async function expectUnharmed(opts: { rejected?: readonly Built[]; reuse?: Uint8Array } = {}): Promise<void> {
    const before = await get('/status');
    expect(before.status).toBe(200);
    expect(before.body['nullifiers']).toBe(acceptedRecords());
    for (const r of opts.rejected ?? []) expectError(await get(`/batch/${toHex(r.id)}`), 404, 'not_found');
    await submitValid(forge(opts.reuse ?? freshRecords(5), { sequence: nextSeq() }));
    for (const b of accepted) {
      const r = await get(`/batch/${b.id}`);
      expect({ id: b.id, status: r.status, batch: r.body['status'] }).toEqual({ id: b.id, status: 200, batch: 'committed' });
    }
    const after = await get('/status');
    expect(after.body['nullifiers']).toBe(acceptedRecords());
  }

  beforeAll(async () => {
    data = tempDataDir();
    node = await startTestNode(data.dir, { limits: { maxBatchRecords: MAX_BATCH_RECORDS_CONFIGURED } });
    await submitValid(forge(freshRecords(10), { sequence: nextSeq() }));
  });

  afterAll(async () => {
    await node?.stop();
    data?.cleanup();
  });

  describe('POST /cdr: bodies that are not batches', () => {
    it('a body that is not JSON is 400 malformed', async () => {
      const bodies: (string | Uint8Array)[] = ['', 'not json', '{"header":', Uint8Array.from([0xff, 0xfe, 0x00, 0x7b]), '['.repeat(1_000_000)];
      for (const body of bodies) expectError(await postCdr(body), 400, 'malformed', 'not JSON');
      await expectUnharmed();
    });

    it('JSON that is not a batch object is 400 malformed', async () => {
      for (const body of ['null', '42', '"batch"', '[]', '{}', '{"header":{}}', '{"header":[],"records":[],"signature":""}']) {
        expectError(await postCdr(body), 400, 'malformed');
      }
      await expectUnharmed();
    });

    /** Mutations of a valid batch's JSON, each labelled with the field the error must name. */
    function invalidJson(good: BatchJson): { typed: [string, unknown][]; hex: [string, unknown][] } {
      const r0 = good.records[0]!;
      const header = (patch: Record<string, unknown>) => ({ ...good, header: { ...good.header, ...patch } });
      const record0 = (patch: Record<string, unknown>) => ({ ...good, records: [{ ...r0, ...patch }, ...good.records.slice(1)] });
      return {
        typed: [
          ['header.submitter', header({ submitter: String(good.header.submitter) })],
          ['header.submitter', header({ submitter: -1 })],
          ['header.submitter', header({ submitter: 2 ** 32 })],
          ['header.version', header({ version: 1.5 })],
          ['header.sequence', header({ sequence: '-1' })],
          ['header.sequence', header({ sequence: '1e3' })],
          ['header.sequence', header({ sequence: '18446744073709551616' })],
          ['header.sequence', header({ sequence: null })],
          ['header.periodStart', header({ periodStart: 1.5 })],
          ['header.recordCount', header({ recordCount: '5' })],
          ['header.recordsDigest', header({ recordsDigest: undefined })],
          ['header.merkleRoot', header({ merkleRoot: 7 })],
          ['header', { records: good.records, signature: good.signature }],
          ['records', { ...good, records: undefined }],
          ['records', { ...good, records: { 0: r0 } }],
          ['records[0]', { ...good, records: [null, ...good.records.slice(1)] }],
          ['records[0].nullifier', record0({ nullifier: undefined })],
          ['signature', { ...good, signature: 12 }],
          ['signature', { ...good, signature: undefined }],
          ['signature', { ...good, signature: 'ab'.repeat(129) }],
        ],
        hex: [
          ['header.merkleRoot', header({ merkleRoot: 'zz'.repeat(32) })],
          ['header.merkleRoot', header({ merkleRoot: good.header.merkleRoot.slice(2) })],
          ['header.recordsDigest', header({ recordsDigest: `${good.header.recordsDigest}00` })],
          ['records[0].commitment', record0({ commitment: `0x${r0.commitment.slice(2)}` })],
          ['records[0].payloadHash', record0({ payloadHash: r0.payloadHash.slice(0, 63) })],
          ['signature', { ...good, signature: `${good.signature}0` }],
          ['signature', { ...good, signature: `zz${good.signature.slice(2)}` }],
        ],
      };
    }

    it('wrong types and missing fields are 400 malformed, naming the field', async () => {
      const recs = freshRecords(5);
      const b = forge(recs, { sequence: nextSeq() });
      for (const [field, body] of invalidJson(json(b)).typed) {
        const r = await postCdr(JSON.stringify(body));
        expect({ field, status: r.status, error: r.body['error'] }).toEqual({ field, status: 400, error: 'malformed' });
        expect(r.body['message']).toContain(field);
      }
      // record_count disagreeing with the records is malformed too (the frame's own check)
      const good = json(b);
      expectError(await postCdr(JSON.stringify({ ...good, header: { ...good.header, recordCount: 6 } })), 400, 'malformed', 'records');
      await expectUnharmed({ rejected: [b], reuse: recs });
    });

    it('bad hex (non-hex digits, wrong length, 0x prefix, odd length) is 400 malformed', async () => {
      const recs = freshRecords(5);
      const b = forge(recs, { sequence: nextSeq() });
      for (const [field, body] of invalidJson(json(b)).hex) {
        const r = await postCdr(JSON.stringify(body));
        expect({ field, status: r.status, error: r.body['error'] }).toEqual({ field, status: 400, error: 'malformed' });
      }
      await expectUnharmed({ rejected: [b], reuse: recs });
    });

    // batch-json.ts turns a HexError into MalformedFrameError(err.message), dropping `what`: the
    // client reads "not a hex string" without learning which of the 4n + 3 hex fields it was.
    it('bad hex errors name the field', async () => {
      const b = forge(freshRecords(5), { sequence: nextSeq() });
      for (const [field, body] of invalidJson(json(b)).hex) {
        const r = await postCdr(JSON.stringify(body));
        expect({ field, message: r.body['message'] }).toEqual({ field, message: expect.stringContaining(field) });
      }
    });

    it('a content-type other than application/json is 415, whatever the body', async () => {
      const b = forge(freshRecords(5), { sequence: nextSeq() });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
        expectError(await postCdr(JSON.stringify(json(b)), type), 415, 'unsupported_media_type');
      }
      // ...and with no content-type at all
      const body = JSON.stringify(json(b));
      const r = await rawHttp(node.port, `POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      expect(r.status).toBe(415);
      await expectUnharmed({ rejected: [b], reuse: b.records });
    });

    it('application/json with a charset parameter is accepted', async () => {
      await submitValid(forge(freshRecords(5), { sequence: nextSeq() }), 'application/json; charset=utf-8');
      await expectUnharmed();
    });
  });

  describe('POST /cdr: body size', () => {
    it('no content-length (none, or chunked) is 411', async () => {
      const none = await rawHttp(node.port, 'POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n');
      expect(none.status).toBe(411);
      expect(none.text).toContain('"error":"length_required"');
      const chunked = await rawHttp(node.port, 'POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
      expect(chunked.status).toBe(411);
      await expectUnharmed();
    });

    it('a declared length over the limit is 413 at once, before a byte of the body is sent', async () => {
      for (const length of [MAX_JSON_BYTES + 1, 999_999_999]) {
        const started = Date.now();
        // The body is never sent: a node that buffered it first would never answer.
        const r = await rawHttp(node.port, `POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`, { waitMs: 3_000 });
        expect(r.status).toBe(413);
        expect(r.text).toContain('"error":"too_large"');
        expect(Date.now() - started).toBeLessThan(2_000);
      }
      await expectUnharmed();
    });

    it('a content-length uWS cannot parse (abc, -1, 10+ digits, with chunked) is dropped without a response', async () => {
      // uWS's own parser refuses these before any route runs: the client sees the connection
      // close, not a status. (uWS takes at most 9 digits: 999999999 reaches the route, 1e9 does not.)
      for (const header of ['Content-Length: abc', 'Content-Length: -1', 'Content-Length: 1000000000', 'Content-Length: 0000000001', 'Content-Length: 99999999999999999999', 'Content-Length: 5\r\nTransfer-Encoding: chunked']) {
        const r = await rawHttp(node.port, `POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${header}\r\n\r\n`);
        expect({ header, status: r.status, closed: r.closedByServer }).toEqual({ header, status: undefined, closed: true });
      }
      await expectUnharmed();
    });

    it('a client that goes away mid-body does not hurt the node', async () => {
      const b = forge(freshRecords(5), { sequence: nextSeq() });
      const body = JSON.stringify(json(b));
      const r = await rawHttp(node.port, `POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 100)}`, {
        waitMs: 500,
        onConnect: (s) => setTimeout(() => s.destroy(), 50),
      });
      expect(r.status).toBeUndefined();
      await expectUnharmed({ rejected: [b], reuse: b.records });
    });
  });

  describe('POST /cdr: batches the node refuses', () => {
    it('a bad signature is 401 bad_signature and does not advance the sequence', async () => {
      const recs = freshRecords(5);
      const seq = nextSeq();
      const good = forge(recs, { sequence: seq });
      const sig = ed25519Sign(canonicalBatchHeader(good.header, devnetChain()), devnetKey(TELEKOM_DE));
      sig[10]! ^= 0x40;
      const bad = forge(recs, { sequence: seq, signature: sig, periodStart: good.header.periodStart, periodEnd: good.header.periodEnd });
      const r = await postBad(bad);
      expectError(r, 401, 'bad_signature');
      expect(r.body['sequence']).toBe(seq.toString());
      const other = forge(recs, { sequence: seq, key: devnetKey(VODAFONE_UK) });
      expectError(await postBad(other), 401, 'bad_signature');
      await expectUnharmed({ rejected: [bad, other], reuse: recs });
    });

    it('an unknown submitter or counterparty is 403 unknown_operator', async () => {
      const recs = freshRecords(5);
      const stranger = forge(recs, { submitter: 99_903, sequence: 1n, key: privateKeyObject(generateEd25519KeyPair().seed) });
      expectError(await postBad(stranger), 403, 'unknown_operator', '99903');
      const noCounterparty = forge(recs, { counterparty: 99_904, sequence: nextSeq() });
      expectError(await postBad(noCounterparty), 403, 'unknown_operator', '99904');
      await expectUnharmed({ rejected: [stranger, noCounterparty], reuse: recs });
    });

    it('a replayed batch is 409 replay; a re-sent record under a new sequence is 409 duplicate_record', async () => {
      const first = forge(freshRecords(5), { sequence: nextSeq() });
      await submitValid(first);
      const replay = await postBad(first);
      expectError(replay, 409, 'replay');
      expect(replay.body['sequence']).toBe(first.header.sequence.toString());
      const fresh = freshRecords(4);
      const resent = new Uint8Array(fresh.length + PUBLIC_RECORD_BYTES);
      resent.set(fresh);
      resent.set(first.records.subarray(0, PUBLIC_RECORD_BYTES), fresh.length);
      const dup = forge(resent, { sequence: nextSeq() });
      expectError(await postBad(dup), 409, 'duplicate_record');
      await expectUnharmed({ rejected: [dup], reuse: fresh });
    });

    it('a wrong Merkle root or records digest, or a field out of range, is 422 with its reason', async () => {
      const recs = freshRecords(5);
      const seq = nextSeq();
      const badRoot = forge(recs, { sequence: seq, merkleRoot: fieldToBytes(99n) });
      expectError(await postBad(badRoot), 422, 'bad_merkle_root');
      const badDigest = forge(recs, { sequence: seq, recordsDigest: new Uint8Array(32).fill(1) });
      expectError(await postBad(badDigest), 422, 'bad_records_digest');
      const future = forge(recs, { sequence: seq, periodStart: nowSec() + 86_400n, periodEnd: nowSec() + 2n * 86_400n });
      expectError(await postBad(future), 422, 'out_of_range');
      const zeroSeq = forge(recs, { sequence: 0n });
      expectError(await postBad(zeroSeq), 422, 'out_of_range');
      const empty = forge(new Uint8Array(0), { sequence: seq, merkleRoot: new Uint8Array(32) });
      expectError(await postBad(empty), 422, 'out_of_range');
      await expectUnharmed({ rejected: [badRoot, badDigest, future, zeroSeq, empty], reuse: recs });
    });

    it(`more records than maxBatchRecords (${MAX_BATCH_RECORDS_CONFIGURED}) is 413 too_large`, async () => {
      const recs = freshRecords(MAX_BATCH_RECORDS_CONFIGURED + 1);
      const big = forge(recs, { sequence: nextSeq() });
      expectError(await postBad(big), 413, 'too_large');
      await expectUnharmed({ rejected: [big], reuse: recs.slice(PUBLIC_RECORD_BYTES) });
    });

    it('an unsupported version is 400 unsupported_version', async () => {
      const recs = freshRecords(5);
      const v2 = forge(recs, { sequence: nextSeq(), version: 2 });
      expectError(await postBad(v2), 400, 'unsupported_version');
      await expectUnharmed({ rejected: [v2], reuse: recs });
    });

    it('a valid JSON batch is 202, then committed and served by /batch, /txns and /blocks', async () => {
      const b = forge(freshRecords(7), { sequence: nextSeq() });
      await submitValid(b);
      const id = toHex(b.id);
      const batch = await get(`/batch/${id}?records=1`);
      expect(batch.status).toBe(200);
      expect(batch.body).toMatchObject({ id, status: 'committed', submitter: TELEKOM_DE, counterparty: VODAFONE_UK, sequence: b.header.sequence.toString(), recordCount: 7 });
      expect(batch.body['records']).toEqual(json(b).records);
      const txn = await get(`/txns/${id.toUpperCase()}`);
      expect(txn.status).toBe(200);
      expect(txn.body).toMatchObject({ type: 'cdr_batch', hash: id });
      const block = await get(`/blocks/${String(batch.body['height'])}`);
      expect(block.status).toBe(200);
      expect(block.body['txIds']).toContain(id);
      await expectUnharmed();
    });
  });

  describe('GET endpoints with bad parameters', () => {
    const cases: [path: string, status: number, error: string][] = [
      ['/blocks/abc', 400, 'bad_parameter'],
      ['/blocks/-1', 400, 'bad_parameter'],
      ['/blocks/1.5', 400, 'bad_parameter'],
      ['/blocks/0x10', 400, 'bad_parameter'],
      ['/blocks/12345678901', 400, 'bad_parameter'],
      ['/blocks/99999999', 404, 'not_found'],
      ['/blocks?limit=abc', 400, 'bad_parameter'],
      ['/blocks?from=-1', 400, 'bad_parameter'],
      ['/blocks?limit=99999999999', 400, 'bad_parameter'],
      ['/batch/zz', 400, 'bad_parameter'],
      ['/batch/' + 'ab'.repeat(31), 400, 'bad_parameter'],
      ['/batch/' + 'ab'.repeat(33), 400, 'bad_parameter'],
      ['/batch/' + 'g'.repeat(64), 400, 'bad_parameter'],
      ['/batch/' + 'ab'.repeat(32), 404, 'not_found'],
      ['/txns/zz', 400, 'bad_parameter'],
      ['/txns/' + 'cd'.repeat(32), 404, 'not_found'],
      ['/no/such/path', 404, 'not_found'],
      ['/batch/', 404, 'not_found'],
    ];
    for (const [path, status, error] of cases) {
      it(`GET ${path} is ${status} ${error}`, async () => {
        expectError(await get(path), status, error);
        expect((await get('/status')).status).toBe(200);
      });
    }

    // Heights are uint32 keys in LMDB; 2^32 wraps to 0 and serves the genesis block as "4294967296".
    it('GET /blocks/4294967296 (above any uint32 height) is not the genesis block', async () => {
      const r = await get('/blocks/4294967296');
      expect([400, 404]).toContain(r.status);
      expect(typeof r.body['error']).toBe('string');
    });

    it('methods and paths the API does not serve are 404 JSON', async () => {
      expectError(await request('POST', '/status', ''), 404, 'not_found');
      expectError(await request('DELETE', '/blocks'), 404, 'not_found');
      expectError(await request('PUT', '/cdr', '{}'), 404, 'not_found');
      await expectUnharmed();
    });
  });
});
