import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { IngestClient } from '../client/ingest-client.js';
import { batchId, canonicalBatchHeader, decodeBatch, type BatchHeaderFields } from '../codec/batch.js';
import { BlockKind, encodeBlock } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { encodeIngestReply, RejectCode, rejectCodeName, ReplyKind, type IngestReplyFields } from '../codec/ingest-reply.js';
import { MAX_CONTRACT_TX_FRAME_BYTES } from '../codec/contract-tx.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { ed25519Sign, generateEd25519KeyPair, privateKeyObject } from '../crypto/ed25519.js';
import type { CdrNode } from '../node/node.js';
import { devnetChain, devnetKey, forge, nowSec, type ForgedBatch as Built } from '../test-helpers/forge.js';
import { ORANGE_FR, startTestNode, tempDataDir, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { FIELD_MODULUS, fieldToBytes } from '../wasm/poseidon.js';
import { devnetOperator, freshRecords as freshRecordsOf } from '../test-helpers/records.js';
import { DEFAULT_SETTLEMENT_PERIOD_OPTIONS, isPeriodClosed, periodContaining } from '../settlement/settlement-period.js';

/**
 * WS /ingest under bad input. Every case sends one hostile frame through a real socket to a real
 * node (LMDB, WASM, worker pool) and then checks three things: the exact Nack code (or close
 * code), that the node still answers GET /status, and that nothing was lost or recorded: every
 * batch accepted so far is still served, the nullifier count equals the records accepted, the
 * rejected batch's id is unknown, and a valid batch with the rejected batch's sequence (and, where
 * the records were sound, the very same records) is then accepted and committed.
 */

const MAX_BATCH_RECORDS_CONFIGURED = 64;
/** The node's frame limit: a batch of MAX_BATCH_RECORDS_CONFIGURED records (+1 KiB), or a contract transaction if larger. */
const FRAME_LIMIT = Math.max(MAX_BATCH_RECORDS_CONFIGURED * PUBLIC_RECORD_BYTES + 1024, MAX_CONTRACT_TX_FRAME_BYTES);
const REPLY_TIMEOUT_MS = 10_000;

const operator = devnetOperator;





const freshRecords = (submitter: number, counterparty: number, count: number): Uint8Array => freshRecordsOf(submitter, counterparty, count, 'ws-bad-input');

/** Deterministic pseudo-random bytes (SHA-256 in counter mode), so failures reproduce. */
function garbage(seed: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, block = 0; i < length; block++) {
    const chunk = createHash('sha256').update(`${seed}:${block}`).digest();
    out.set(chunk.subarray(0, Math.min(32, length - i)), i);
    i += 32;
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, what: string, ms = REPLY_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const closeCodes = new WeakMap<IngestClient, Promise<number>>();
/** One close listener per client, however many exchanges wait on it. */
function closedOnce(c: IngestClient): Promise<number> {
  let p = closeCodes.get(c);
  if (!p) closeCodes.set(c, (p = c.closed()));
  return p;
}

/** Sends raw frames and collects the next `count` replies, in arrival order. */
async function exchange(c: IngestClient, frames: readonly (Uint8Array | string)[], count = frames.length): Promise<IngestReplyFields[]> {
  const replies = Array.from({ length: count }, () => c.nextReply());
  for (const f of frames) c.sendRaw(f);
  const closed = closedOnce(c).then((code) => {
    throw new Error(`ingest socket closed with ${code} before ${count} replies arrived`);
  });
  closed.catch(() => undefined);
  return withTimeout(Promise.race([Promise.all(replies), closed]), `${count} ingest replies`);
}

function describeReply(r: IngestReplyFields): { kind: string; code: string; sequence: bigint } {
  return { kind: ReplyKind[r.kind] ?? `kind_${r.kind}`, code: rejectCodeName(r.code), sequence: r.sequence };
}

describe('WS /ingest: bad input', () => {
  let data: { dir: string; cleanup(): void };
  let node: CdrNode;
  let client: IngestClient;
  const extraClients: IngestClient[] = [];
  /** Highest sequence the node accepted per submitter (mirrors the node's replay state). */
  const lastSeq = new Map<number, bigint>();
  /** Every batch the node acknowledged: nothing of it may ever go missing. */
  const accepted: { id: string; records: number }[] = [];
  const acceptedRecords = (): number => accepted.reduce((n, b) => n + b.records, 0);
  const nextSeq = (plmn: number): bigint => (lastSeq.get(plmn) ?? 0n) + 1n;
  const noteAccepted = (b: { id: Uint8Array; header: BatchHeaderFields }): void => {
    accepted.push({ id: toHex(b.id), records: b.header.recordCount });
    const last = lastSeq.get(b.header.submitter) ?? 0n;
    if (b.header.sequence > last) lastSeq.set(b.header.submitter, b.header.sequence);
  };

  /** Sends one frame; asserts the reply is a Nack with exactly `code` for `sequence`, with a message. */
  async function expectNack(c: IngestClient, frame: Uint8Array, code: RejectCode, sequence: bigint): Promise<void> {
    const [reply] = await exchange(c, [frame]);
    if (reply?.kind === ReplyKind.Ack) {
      // The node took what it should have refused. Account for it (and swallow its Committed
      // reply) so that this test fails alone instead of throwing every later count off.
      await exchange(c, [], 1).catch(() => undefined);
      const { header } = decodeBatch(frame);
      noteAccepted({ id: batchId(header, devnetChain()), header });
    }
    expect(reply).toBeDefined();
    expect(describeReply(reply!)).toEqual({ kind: 'Nack', code: rejectCodeName(code), sequence });
    expect(reply!.message.length).toBeGreaterThan(0);
  }

  async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${node.url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function connect(): Promise<IngestClient> {
    const c = await IngestClient.connect(node.ingestUrl);
    extraClients.push(c);
    return c;
  }

  /** Submits a valid batch through the client API and waits for its block. */
  async function submitValid(c: IngestClient, b: Built): Promise<number> {
    const result = await withTimeout(c.submit(b.frame, b.header.sequence), `the Ack of batch ${b.header.sequence}`);
    expect(toHex(result.batchId)).toBe(toHex(b.id));
    const { height } = await withTimeout(result.committed, `the commit of batch ${b.header.sequence}`);
    expect(height).toBeGreaterThan(0);
    noteAccepted(b);
    return height;
  }

  async function expectCommitted(idHex: string): Promise<void> {
    const { status, body } = await getJson(`/batch/${idHex}`);
    expect({ id: idHex, status, batchStatus: body['status'] }).toEqual({ id: idHex, status: 200, batchStatus: 'committed' });
  }

  /**
   * The after-check every bad input gets: the node serves /status; every accepted batch is still
   * committed; the rejected batch left no trace; and a valid batch from `submitter` with the next
   * sequence (the rejected one's, when it used the next) — built from `reuse` when the rejected
   * batch's records were sound — is accepted and committed.
   */
  async function expectUnharmed(opts: { c?: IngestClient; rejected?: readonly Built[]; submitter?: number; counterparty?: number; reuse?: Uint8Array } = {}): Promise<void> {
    const before = await getJson('/status');
    expect(before.status).toBe(200);
    expect(before.body['nullifiers']).toBe(acceptedRecords());
    for (const r of opts.rejected ?? []) {
      expect((await fetch(`${node.url}/batch/${toHex(r.id)}`)).status).toBe(404);
    }
    const submitter = opts.submitter ?? TELEKOM_DE;
    const counterparty = opts.counterparty ?? VODAFONE_UK;
    const good = forge(opts.reuse ?? freshRecords(submitter, counterparty, 5), { submitter, counterparty, sequence: nextSeq(submitter) });
    await submitValid(opts.c ?? client, good);
    await Promise.all(accepted.map((b) => expectCommitted(b.id)));
    const after = await getJson('/status');
    expect(after.status).toBe(200);
    expect(after.body['nullifiers']).toBe(acceptedRecords());
  }

  beforeAll(async () => {
    data = tempDataDir();
    node = await startTestNode(data.dir, { limits: { maxBatchRecords: MAX_BATCH_RECORDS_CONFIGURED } });
    client = await IngestClient.connect(node.ingestUrl);
    // A batch accepted before any abuse: it must survive everything below.
    await submitValid(client, forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 20), { sequence: nextSeq(TELEKOM_DE) }));
  });

  afterAll(async () => {
    for (const c of extraClients) await c.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await node?.stop();
    data?.cleanup();
  });

  describe('frames that are not batches', () => {
    it('a valid frame truncated at any point is malformed', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const b = forge(recs, { sequence: nextSeq(TELEKOM_DE) });
      // Seven cuts: one fewer than the malformed streak that closes the socket.
      const cuts = [0, 3, 8, 40, Math.floor(b.frame.length / 2), b.frame.length - 128, b.frame.length - 1];
      for (const cut of cuts) {
        await expectNack(client, b.frame.slice(0, cut), RejectCode.Malformed, 0n);
      }
      await expectUnharmed({ rejected: [b], reuse: recs });
    });

    it('random garbage of any size is malformed', async () => {
      const frames = [1, 7, 8, 100, 4_096, 70_000].map((n) => garbage(`garbage-${n}`, n));
      // Garbage that carries the batch file identifier gets past the first check.
      const labelled = garbage('garbage-labelled', 600);
      labelled.set(Buffer.from('CDRB'), 4);
      frames.push(labelled);
      for (const f of frames) await expectNack(client, f, RejectCode.Malformed, 0n);
      await expectUnharmed();
    });

    it('valid flatbuffers of other types are malformed: an ingest reply, a block, a block relabelled as a batch', async () => {
      const reply = encodeIngestReply({ kind: ReplyKind.Ack, sequence: nextSeq(TELEKOM_DE), batchId: new Uint8Array(32).fill(7) });
      const block = encodeBlock(
        { version: 1, kind: BlockKind.Micro, height: 1n, prevHash: new Uint8Array(32), timestampMs: 1n, producer: TELEKOM_DE, txRoot: new Uint8Array(32), txCount: 1, cdrCount: 5 },
        new Uint8Array(32).fill(9),
      );
      const relabelled = block.slice();
      relabelled.set(Buffer.from('CDRB'), 4);
      for (const f of [reply, block, relabelled]) await expectNack(client, f, RejectCode.Malformed, 0n);
      await expectUnharmed();
    });

    it("a header record_count that disagrees with the records is malformed (even when signed)", async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const more = forge(recs, { sequence: seq, recordCount: 6 });
      const fewer = forge(recs, { sequence: seq, recordCount: 4 });
      await expectNack(client, more.frame, RejectCode.Malformed, 0n);
      await expectNack(client, fewer.frame, RejectCode.Malformed, 0n);
      await expectUnharmed({ rejected: [more, fewer], reuse: recs });
    });

    it('a signature vector longer than 64 bytes is malformed', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const b = forge(recs, { sequence: nextSeq(TELEKOM_DE) });
      const sig = ed25519Sign(canonicalBatchHeader(b.header, devnetChain()), devnetKey(TELEKOM_DE));
      const long = forge(recs, { sequence: b.header.sequence, signature: Uint8Array.from([...sig, 0]) });
      await expectNack(client, long.frame, RejectCode.Malformed, 0n);
      await expectUnharmed({ rejected: [long], reuse: recs });
    });

    // The verifier reads vtable entries as uint16, the flatbuffers runtime as int16: a vtable of
    // 32 KiB or more passes verification, then every field reads as absent and decodeBatch
    // dereferences a null header (TypeError), which admission reports as Internal.
    it('a frame whose vtable claims 32 KiB or more is malformed, not an internal error', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const b = forge(recs, { sequence: nextSeq(TELEKOM_DE) });
      const hostile = new Uint8Array(b.frame.length + 0x8000);
      hostile.set(b.frame);
      const view = new DataView(hostile.buffer);
      const root = view.getUint32(0, true);
      view.setUint16(root - view.getInt32(root, true), 0x8000, true);
      await expectNack(client, hostile, RejectCode.Malformed, 0n);
      await expectUnharmed({ reuse: recs });
    });

    it('an unsupported version is refused as such (version 0 and 2)', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const v2 = forge(recs, { sequence: seq, version: 2 });
      const v0 = forge(recs, { sequence: seq, version: 0 });
      // The structure is verified before the version, so the Nack names the batch it answers.
      await expectNack(client, v2.frame, RejectCode.UnsupportedVersion, seq);
      await expectNack(client, v0.frame, RejectCode.UnsupportedVersion, seq);
      await expectUnharmed({ rejected: [v2, v0], reuse: recs });
    });
  });

  describe('size limits', () => {
    it(`a frame over the configured limit (${FRAME_LIMIT} bytes) is cut by uWS: no reply, the TCP connection drops (1006); the node carries on`, async () => {
      const c = await connect();
      const replies: IngestReplyFields[] = [];
      void c.nextReply().then((r) => replies.push(r));
      c.sendRaw(new Uint8Array(FRAME_LIMIT + 1));
      // uWS closes the socket as soon as the frame header announces the length, without a close
      // frame: the client sees an abnormal closure, never a Nack and never 1009.
      expect(await withTimeout(closedOnce(c), 'the oversize frame to close the socket')).toBe(1006);
      expect(replies).toEqual([]);
      await expectUnharmed({ c: await connect() });
    });

    it('a frame of exactly the configured limit is read and answered (malformed), not cut', async () => {
      const c = await connect();
      await expectNack(c, new Uint8Array(FRAME_LIMIT), RejectCode.Malformed, 0n);
      await expectUnharmed({ c });
    });

    it(`more records than the node's maxBatchRecords (${MAX_BATCH_RECORDS_CONFIGURED}) is too_large; exactly the limit is accepted`, async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, MAX_BATCH_RECORDS_CONFIGURED + 1);
      const seq = nextSeq(TELEKOM_DE);
      const tooMany = forge(recs, { sequence: seq });
      await expectNack(client, tooMany.frame, RejectCode.TooLarge, seq);
      await expectUnharmed({ rejected: [tooMany], reuse: recs.slice(0, MAX_BATCH_RECORDS_CONFIGURED * PUBLIC_RECORD_BYTES) });
    });

    it('an empty batch is out_of_range', async () => {
      const seq = nextSeq(TELEKOM_DE);
      const empty = forge(new Uint8Array(0), { sequence: seq, merkleRoot: new Uint8Array(32) });
      await expectNack(client, empty.frame, RejectCode.OutOfRange, seq);
      await expectUnharmed({ rejected: [empty] });
    });
  });

  describe('operators and signatures', () => {
    it('an unknown submitter (signing with its own fresh key) is unknown_operator', async () => {
      const stranger = 99_901;
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const key = privateKeyObject(generateEd25519KeyPair().seed);
      const b = forge(recs, { submitter: stranger, sequence: 1n, key });
      await expectNack(client, b.frame, RejectCode.UnknownOperator, 1n);
      await expectUnharmed({ rejected: [b] });
    });

    it('an unknown counterparty is unknown_operator', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const b = forge(recs, { counterparty: 99_902, sequence: seq });
      await expectNack(client, b.frame, RejectCode.UnknownOperator, seq);
      await expectUnharmed({ rejected: [b], reuse: recs });
    });

    // Bad signatures go on their own connections: a few of them close one (fair-admission.test.ts).
    it('a signature with one bit flipped is bad_signature, and does not advance the sequence', async () => {
      const c = await connect();
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const good = forge(recs, { sequence: seq });
      for (const bit of [0, 255, 511]) {
        const sig = ed25519Sign(canonicalBatchHeader(good.header, devnetChain()), devnetKey(TELEKOM_DE));
        sig[bit >> 3]! ^= 1 << (bit & 7);
        const bad = forge(recs, { sequence: seq, signature: sig });
        await expectNack(c, bad.frame, RejectCode.BadSignature, seq);
      }
      const before = await getJson('/status');
      expect(before.body['nullifiers']).toBe(acceptedRecords());
      await expectUnharmed({ rejected: [good], reuse: recs }); // same header, same id: 404 until now
    });

    it("a batch signed with another operator's key is bad_signature", async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const b = forge(recs, { sequence: seq, key: devnetKey(VODAFONE_UK) });
      await expectNack(await connect(), b.frame, RejectCode.BadSignature, seq);
      await expectUnharmed({ rejected: [b], reuse: recs });
    });

    it('a signature of the wrong length (63 bytes, empty) or all zeros is bad_signature', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const good = forge(recs, { sequence: seq });
      const sig = ed25519Sign(canonicalBatchHeader(good.header, devnetChain()), devnetKey(TELEKOM_DE));
      const c = await connect();
      for (const signature of [sig.slice(0, 63), new Uint8Array(0), new Uint8Array(64)]) {
        await expectNack(c, forge(recs, { sequence: seq, signature }).frame, RejectCode.BadSignature, seq);
      }
      await expectUnharmed({ rejected: [good], reuse: recs });
    });

    it('a header changed after signing (counterparty, sequence, period, root, digest) is bad_signature', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const signed = forge(recs, { sequence: seq });
      const sig = ed25519Sign(canonicalBatchHeader(signed.header, devnetChain()), devnetKey(TELEKOM_DE));
      const h = signed.header;
      const tampered: Built[] = [
        forge(recs, { sequence: seq, counterparty: ORANGE_FR, periodStart: h.periodStart, periodEnd: h.periodEnd, signature: sig }),
        forge(recs, { sequence: seq + 1n, periodStart: h.periodStart, periodEnd: h.periodEnd, signature: sig }),
        forge(recs, { sequence: seq, periodStart: h.periodStart - 1n, periodEnd: h.periodEnd, signature: sig }),
        forge(recs, { sequence: seq, periodStart: h.periodStart, periodEnd: h.periodEnd, merkleRoot: fieldToBytes(1n), signature: sig }),
        forge(recs, { sequence: seq, periodStart: h.periodStart, periodEnd: h.periodEnd, recordsDigest: new Uint8Array(32), signature: sig }),
      ];
      for (const t of tampered) await expectNack(await connect(), t.frame, RejectCode.BadSignature, t.header.sequence);
      // None of them moved the sequence: the untampered original with `seq` still goes through.
      await submitValid(client, forge(recs, { sequence: seq, periodStart: h.periodStart, periodEnd: h.periodEnd, signature: sig }));
      for (const t of tampered) expect((await fetch(`${node.url}/batch/${toHex(t.id)}`)).status).toBe(404);
      await expectUnharmed();
    });
  });

  describe('sequences', () => {
    it('the same frame sent twice is a replay', async () => {
      const b = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      await submitValid(client, b);
      await expectNack(client, b.frame, RejectCode.Replay, b.header.sequence);
      await expectUnharmed();
    });

    it('the same frame sent twice back to back (both in flight) is accepted once', async () => {
      const b = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      // Four replies: the copy's Nack may come before the first's Ack or after its Final (a solo node
      // sends Committed and Final at once), depending on when its verification finishes.
      const replies = await exchange(client, [b.frame, b.frame], 4);
      if (replies.some((r) => r.kind === ReplyKind.Ack)) noteAccepted(b);
      const seen = replies.map(describeReply).sort((x, y) => x.kind.localeCompare(y.kind));
      expect(seen).toEqual([
        { kind: 'Ack', code: 'none', sequence: b.header.sequence },
        { kind: 'Committed', code: 'none', sequence: b.header.sequence },
        { kind: 'Final', code: 'none', sequence: b.header.sequence },
        { kind: 'Nack', code: 'replay', sequence: b.header.sequence },
      ]);
      await expectUnharmed();
    });

    it('a lower sequence after a higher one is a replay (gaps are allowed)', async () => {
      const base = nextSeq(TELEKOM_DE);
      await submitValid(client, forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: base + 4n }));
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const lower = forge(recs, { sequence: base + 1n });
      await expectNack(client, lower.frame, RejectCode.Replay, base + 1n);
      await expectUnharmed({ rejected: [lower], reuse: recs });
    });

    it('sequence 0 is out_of_range', async () => {
      const recs = freshRecords(ORANGE_FR, TELEKOM_DE, 5);
      // A submitter that has sent nothing yet: 0 is refused as a value, not as a replay.
      expect(lastSeq.has(ORANGE_FR)).toBe(false);
      const zero = forge(recs, { submitter: ORANGE_FR, counterparty: TELEKOM_DE, sequence: 0n });
      await expectNack(client, zero.frame, RejectCode.OutOfRange, 0n);
      await expectUnharmed({ rejected: [zero], submitter: ORANGE_FR, counterparty: TELEKOM_DE, reuse: recs });
    });
  });

  describe('records', () => {
    it('a record repeated inside one batch is duplicate_record; the batch without the repeat then goes through', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 6);
      const withRepeat = new Uint8Array(recs.length + PUBLIC_RECORD_BYTES);
      withRepeat.set(recs);
      withRepeat.set(recs.subarray(2 * PUBLIC_RECORD_BYTES, 3 * PUBLIC_RECORD_BYTES), recs.length); // record 2 again, last
      const seq = nextSeq(TELEKOM_DE);
      const dup = forge(withRepeat, { sequence: seq });
      await expectNack(client, dup.frame, RejectCode.DuplicateRecord, seq);
      // All or nothing: none of the six distinct nullifiers was kept.
      await expectUnharmed({ rejected: [dup], reuse: recs });
    });

    it('a record already on the ledger, re-sent under a new sequence, is duplicate_record; the batch\'s new records stay usable', async () => {
      const first = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      await submitValid(client, first);
      const fresh = freshRecords(TELEKOM_DE, VODAFONE_UK, 4);
      const resent = new Uint8Array(fresh.length + PUBLIC_RECORD_BYTES);
      resent.set(fresh);
      resent.set(first.records.subarray(3 * PUBLIC_RECORD_BYTES, 4 * PUBLIC_RECORD_BYTES), fresh.length);
      const seq = nextSeq(TELEKOM_DE);
      const dup = forge(resent, { sequence: seq });
      await expectNack(client, dup.frame, RejectCode.DuplicateRecord, seq);
      await expectUnharmed({ rejected: [dup], reuse: fresh });
    });

    it('two batches in flight that share a record: the first is accepted, the second is duplicate_record', async () => {
      const recsA = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const freshB = freshRecords(TELEKOM_DE, VODAFONE_UK, 4);
      const recsB = new Uint8Array(freshB.length + PUBLIC_RECORD_BYTES);
      recsB.set(freshB);
      recsB.set(recsA.subarray(0, PUBLIC_RECORD_BYTES), freshB.length);
      const seq = nextSeq(TELEKOM_DE);
      const a = forge(recsA, { sequence: seq });
      const b = forge(recsB, { sequence: seq + 1n });
      // Four replies, in an order that depends on when the second's verification finishes (see above).
      const replies = (await exchange(client, [a.frame, b.frame], 4)).map(describeReply);
      if (replies.some((r) => r.kind === 'Ack' && r.sequence === seq)) noteAccepted(a);
      expect(replies).toContainEqual({ kind: 'Ack', code: 'none', sequence: seq });
      expect(replies).toContainEqual({ kind: 'Committed', code: 'none', sequence: seq });
      expect(replies).toContainEqual({ kind: 'Final', code: 'none', sequence: seq });
      expect(replies).toContainEqual({ kind: 'Nack', code: 'duplicate_record', sequence: seq + 1n });
      await expectUnharmed({ rejected: [b], reuse: freshB });
    });

    it('a wrong Merkle root (correctly signed) is bad_merkle_root', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const b = forge(recs, { sequence: seq, merkleRoot: fieldToBytes(12345n) });
      await expectNack(client, b.frame, RejectCode.BadMerkleRoot, seq);
      await expectUnharmed({ rejected: [b], reuse: recs });
    });

    it('record bytes changed after sealing (header re-signed, digest now stale) is bad_records_digest', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const sealed = forge(recs, { sequence: seq });
      // A payload hash is outside the Merkle tree: only the digest binds it.
      for (const offset of [RECORD_OFFSET.payloadHash, RECORD_OFFSET.eventKeyHash, RECORD_OFFSET.nullifier]) {
        const changed = recs.slice();
        changed[PUBLIC_RECORD_BYTES + offset]! ^= 0x01;
        const b = forge(changed, { sequence: seq, merkleRoot: sealed.header.merkleRoot, recordsDigest: sealed.header.recordsDigest, periodStart: sealed.header.periodStart, periodEnd: sealed.header.periodEnd });
        await expectNack(client, b.frame, RejectCode.BadRecordsDigest, seq);
      }
      await expectUnharmed({ rejected: [sealed], reuse: recs });
    });

    it('a commitment changed with the digest fixed but the root stale is bad_merkle_root', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const sealed = forge(recs, { sequence: seq });
      const changed = recs.slice();
      changed[3 * PUBLIC_RECORD_BYTES + RECORD_OFFSET.commitment + 31]! ^= 0x01;
      const b = forge(changed, { sequence: seq, merkleRoot: sealed.header.merkleRoot }); // digest recomputed, header re-signed
      await expectNack(client, b.frame, RejectCode.BadMerkleRoot, seq);
      await expectUnharmed({ rejected: [b], reuse: recs });
    });

    it('a commitment that is not a BN254 field element (r, 2^256 - 1) is out_of_range; r - 1 is accepted', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const rBytes = Buffer.from(FIELD_MODULUS.toString(16).padStart(64, '0'), 'hex');
      for (const leaf of [rBytes, new Uint8Array(32).fill(0xff)]) {
        const changed = recs.slice();
        changed.set(leaf, 4 * PUBLIC_RECORD_BYTES + RECORD_OFFSET.commitment);
        const b = forge(changed, { sequence: seq, merkleRoot: new Uint8Array(32) }); // no root exists; digest and signature are right
        await expectNack(client, b.frame, RejectCode.OutOfRange, seq);
      }
      const edge = recs.slice();
      edge.set(fieldToBytes(FIELD_MODULUS - 1n), 4 * PUBLIC_RECORD_BYTES + RECORD_OFFSET.commitment);
      await expectUnharmed({ reuse: edge });
    });
  });

  describe('header fields out of range', () => {
    const day = 86_400n;
    const cases: { name: string; period: () => { periodStart: bigint; periodEnd: bigint } }[] = [
      { name: 'a period that ends before it starts', period: () => ({ periodStart: nowSec() - 3_600n, periodEnd: nowSec() - 7_200n }) },
      { name: 'an empty period (end = start)', period: () => ({ periodStart: nowSec() - 3_600n, periodEnd: nowSec() - 3_600n }) },
      { name: 'a period ending more than a day in the future', period: () => ({ periodStart: nowSec() + day, periodEnd: nowSec() + 2n * day }) },
      { name: 'a period starting before 2000-01-01', period: () => ({ periodStart: 946_684_799n, periodEnd: 946_688_400n }) },
      { name: 'a period starting at 0', period: () => ({ periodStart: 0n, periodEnd: 3_600n }) },
      { name: 'a period longer than 31 days', period: () => ({ periodStart: nowSec() - 31n * day - 2n, periodEnd: nowSec() - 1n }) },
      { name: 'a period ending at 2^64 - 1', period: () => ({ periodStart: nowSec(), periodEnd: 0xffff_ffff_ffff_ffffn }) },
    ];
    for (const { name, period } of cases) {
      it(`${name} is out_of_range`, async () => {
        const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
        const seq = nextSeq(TELEKOM_DE);
        const b = forge(recs, { sequence: seq, ...period() });
        await expectNack(client, b.frame, RejectCode.OutOfRange, seq);
        await expectUnharmed({ rejected: [b], reuse: recs });
      });
    }

    it('a period of exactly 31 days passes the span check (then the settlement period decides)', async () => {
      const now = nowSec();
      const periodStart = now - 31n * day - 60n;
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const b = forge(recs, { sequence: seq, periodStart, periodEnd: now - 60n });
      // A batch belongs to the settlement period of its start (calendar months, closed 3 days after
      // their end): 31 days back lies in a closed month except on the first days of a month.
      if (isPeriodClosed(periodContaining(DEFAULT_SETTLEMENT_PERIOD_OPTIONS, Number(periodStart)), BigInt(Date.now()))) {
        await expectNack(client, b.frame, RejectCode.PeriodClosed, seq);
        await expectUnharmed({ rejected: [b], reuse: recs });
      } else {
        await submitValid(client, b);
        await expectUnharmed();
      }
    });

    it('submitter = counterparty is out_of_range', async () => {
      const recs = freshRecords(TELEKOM_DE, VODAFONE_UK, 5);
      const seq = nextSeq(TELEKOM_DE);
      const b = forge(recs, { sequence: seq, counterparty: TELEKOM_DE });
      await expectNack(client, b.frame, RejectCode.OutOfRange, seq);
      await expectUnharmed({ rejected: [b], reuse: recs });
    });
  });

  describe('protocol abuse closes the socket', () => {
    it('a text frame closes with 1003; what the connection had sent before is kept', async () => {
      const c = await connect();
      const b = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      await submitValid(c, b);
      c.sendRaw('{"header":{}}');
      expect(await withTimeout(closedOnce(c), 'the text frame to close the socket')).toBe(1003);
      await expectUnharmed();
    });

    it('8 malformed frames in a row close with 1008; 7 followed by a good batch do not', async () => {
      const c = await connect();
      const junk = (i: number) => garbage(`streak-${i}`, 64);
      const seven = await exchange(c, Array.from({ length: 7 }, (_, i) => junk(i)));
      expect(seven.map(describeReply)).toEqual(Array.from({ length: 7 }, () => ({ kind: 'Nack', code: 'malformed', sequence: 0n })));
      // An accepted batch resets the streak.
      await submitValid(c, forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) }));
      const eight = Array.from({ length: 8 }, () => c.nextReply());
      const closed = closedOnce(c);
      for (let i = 0; i < 8; i++) c.sendRaw(junk(100 + i));
      const replies = await withTimeout(Promise.all(eight), '8 malformed Nacks');
      expect(replies.map(describeReply)).toEqual(Array.from({ length: 8 }, () => ({ kind: 'Nack', code: 'malformed', sequence: 0n })));
      expect(await withTimeout(closed, 'the policy close')).toBe(1008);
      // The peer may reconnect; the node holds no grudge and lost nothing.
      await expectUnharmed({ c: await connect() });
    });

    it('the streak is judged in arrival order: 7 malformed, a good batch and 1 malformed sent back to back do not close', async () => {
      const c = await connect();
      const good = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      const replies = Array.from({ length: 9 }, () => c.nextReply());
      for (let i = 0; i < 7; i++) c.sendRaw(garbage(`order-${i}`, 64));
      c.sendRaw(good.frame);
      c.sendRaw(garbage('order-last', 64));
      const got = (await withTimeout(Promise.all(replies), '9 replies')).map(describeReply);
      // The good batch's Ack arrives last (it waits for a worker), yet it broke the run of malformed frames.
      expect(got.filter((r) => r.code === 'malformed')).toHaveLength(8);
      expect(got.filter((r) => r.kind === 'Ack')).toHaveLength(1);
      noteAccepted(good);
      await expectUnharmed({ c });
    });

    it('a client that vanishes with a batch in flight does not hurt the node; the batch is still admitted', async () => {
      const b = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 5), { sequence: nextSeq(TELEKOM_DE) });
      const ws = new WebSocket(node.ingestUrl, { perMessageDeflate: false });
      await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 'a raw connection');
      await new Promise<void>((resolve, reject) => ws.send(b.frame, { binary: true }, (err) => (err ? reject(err) : resolve())));
      ws.terminate();
      // Durable before acknowledged, so it is committed even though nobody hears the Ack.
      const deadline = Date.now() + REPLY_TIMEOUT_MS;
      let status = 0;
      while (Date.now() < deadline) {
        const res = await getJson(`/batch/${toHex(b.id)}`);
        status = res.status;
        if (status === 200 && res.body['status'] === 'committed') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(200);
      noteAccepted(b);
      await expectUnharmed();
    });
  });
});
