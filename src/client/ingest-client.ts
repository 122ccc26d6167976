import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { toHex } from '../codec/bytes.js';
import { decodeIngestReply, RejectCode, rejectCodeName, ReplyKind, type IngestReplyFields } from '../codec/ingest-reply.js';
import type { RequestSigner } from './node-api-client.js';

/** The node refused a batch; `code` is the stable reason. */
export class BatchNackError extends Error {
  override readonly name = 'BatchNackError';
  constructor(
    readonly code: RejectCode,
    readonly detail: string,
    readonly sequence: bigint,
  ) {
    super(`batch ${sequence} rejected: ${rejectCodeName(code)}: ${detail}`);
  }
  get reason(): string {
    return rejectCodeName(this.code);
  }
}

export class IngestConnectionError extends Error {
  override readonly name = 'IngestConnectionError';
  constructor(
    message: string,
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

export interface SubmitResult {
  readonly batchId: Uint8Array;
  readonly sequence: bigint;
  /** ms from send to durable acceptance. */
  readonly ackMs: number;
  /** Resolves with the block height once the batch is in a block (consensus: on the head's branch). */
  readonly committed: Promise<{ height: number; committedMs: number }>;
  /** Resolves with the block height once that block is final (single node: with `committed`). */
  readonly final: Promise<{ height: number; finalMs: number }>;
}

export interface IngestClientOptions {
  /** Batches sent but not yet answered; `submit` waits for a slot beyond it. */
  readonly window?: number;
  /** Retries of a batch the node answered Busy, with exponential back-off from 10 ms. */
  readonly busyRetries?: number;
  /** Retries of a batch the node answered StorageFull, with exponential back-off from 250 ms to 10 s (default 40: ~6 minutes). */
  readonly storageRetries?: number;
  /** Signs the upgrade as the operator (a node with `api.auth: signatures` refuses unsigned ones with 401). */
  readonly signer?: RequestSigner;
}

interface Outstanding {
  readonly sequence: bigint;
  /** The batch id (hex) the caller computed, when it gave one. */
  readonly id: string | undefined;
  readonly frame: Uint8Array;
  readonly sentAt: number;
  attempts: number;
  /** A copy is on the wire and its reply has not come (false while a Busy retry waits). */
  awaiting: boolean;
  resolve(r: SubmitResult): void;
  reject(e: Error): void;
}

const ZERO_ID = toHex(new Uint8Array(32));

/**
 * An operator's stream into WS /ingest: at most `window` batches in flight (the node's answers
 * are the backpressure), Busy answers retried, commits reported. One client streams one
 * submitter's batches.
 *
 * Replies come back in any order (workers finish out of order), so each is matched to its batch
 * by the batch id when the reply carries one, else by sequence. A Nack with sequence 0 (the node
 * could not read the frame's sequence: Malformed, or an Internal fault) names no batch: it is
 * never pinned on whichever batch is oldest. The client sends nothing new until every frame on
 * the wire has had its one reply; the batches left without a matched reply are then exactly the
 * ones those Nacks answered.
 */
export class IngestClient {
  private readonly outstanding = new Map<bigint, Outstanding>();
  private readonly byId = new Map<string, Outstanding>();
  /** Nacks with sequence 0 and no batch id, waiting to be attributed by elimination. */
  private readonly unread: IngestReplyFields[] = [];
  private readonly commits = new Map<string, { resolve(v: { height: number; committedMs: number }): void; reject(e: Error): void; sentAt: number }>();
  private readonly finals = new Map<string, { resolve(v: { height: number; finalMs: number }): void; reject(e: Error): void; sentAt: number }>();
  private readonly slotWaiters: (() => void)[] = [];
  private closedError: IngestConnectionError | undefined;
  private readonly window: number;
  private readonly busyRetries: number;
  private readonly storageRetries: number;

  private constructor(
    private readonly ws: WebSocket,
    opts: IngestClientOptions,
  ) {
    this.window = opts.window ?? 32;
    this.busyRetries = opts.busyRetries ?? 20;
    this.storageRetries = opts.storageRetries ?? 40;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      this.onReply(decodeIngestReply(new Uint8Array(data.buffer, data.byteOffset, data.length)));
    });
    ws.on('close', (code: number, reason: Buffer) => this.fail(new IngestConnectionError(`ingest connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`, code)));
    ws.on('error', (err: Error) => this.fail(new IngestConnectionError(`ingest connection failed: ${err.message}`)));
  }

  static connect(url: string, opts: IngestClientOptions = {}): Promise<IngestClient> {
    return new Promise((resolve, reject) => {
      const headers = opts.signer?.sign({ method: 'GET', url });
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024, ...(headers ? { headers } : {}) });
      ws.once('open', () => resolve(new IngestClient(ws, opts)));
      // A refused upgrade (401 of operator authentication, 503 busy): say what the node said.
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString().slice(0, 1024)));
        res.on('end', () => {
          req.destroy();
          reject(new IngestConnectionError(`cannot connect to ${url}: the node answered ${res.statusCode ?? 0}${body ? ` ${body}` : ''}`));
        });
      });
      ws.once('error', (err) => reject(new IngestConnectionError(`cannot connect to ${url}: ${err.message}`)));
    });
  }

  get inflight(): number {
    return this.outstanding.size;
  }

  /**
   * Sends a batch frame with its `sequence` (≥ 1) and, when known, its batch `id`; resolves on the
   * node's Ack, rejects with BatchNackError (or IngestConnectionError if the connection fails).
   */
  async submit(frame: Uint8Array, sequence: bigint, id?: Uint8Array): Promise<SubmitResult> {
    if (sequence < 1n) throw new RangeError('sequence numbers start at 1');
    while (this.outstanding.size >= this.window || this.unread.length > 0) await new Promise<void>((r) => this.slotWaiters.push(r));
    if (this.closedError) throw this.closedError;
    if (this.outstanding.has(sequence)) throw new RangeError(`sequence ${sequence} is already in flight`);
    return new Promise<SubmitResult>((resolve, reject) => {
      const o: Outstanding = { sequence, id: id ? toHex(id) : undefined, frame, sentAt: performance.now(), attempts: 0, awaiting: false, resolve, reject };
      this.outstanding.set(sequence, o);
      if (o.id) this.byId.set(o.id, o);
      this.send(o);
    });
  }

  /** Sends raw bytes with no bookkeeping (tests of malformed input; not concurrently with submit). */
  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  /** The next reply of any kind (tests of malformed input). */
  nextReply(): Promise<IngestReplyFields> {
    return new Promise((resolve) => this.rawWaiters.push(resolve));
  }
  private readonly rawWaiters: ((r: IngestReplyFields) => void)[] = [];

  /** Resolves when the socket closes, with its close code. */
  closed(): Promise<number> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) resolve(this.closedError?.closeCode ?? 1006);
      else this.ws.once('close', (code: number) => resolve(code));
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = this.closed();
    this.ws.close(1000);
    await done;
  }

  private send(o: Outstanding): void {
    o.attempts++;
    o.awaiting = true;
    this.ws.send(o.frame, { binary: true }, (err) => {
      if (err) this.fail(new IngestConnectionError(`send failed: ${err.message}`));
    });
  }

  private onReply(r: IngestReplyFields): void {
    const raw = this.rawWaiters.shift();
    if (raw) raw(r);
    if (r.kind === ReplyKind.Committed) {
      const key = toHex(r.batchId);
      const c = this.commits.get(key);
      if (c) {
        this.commits.delete(key);
        c.resolve({ height: Number(r.height), committedMs: performance.now() - c.sentAt });
      }
      return;
    }
    if (r.kind === ReplyKind.Final) {
      const key = toHex(r.batchId);
      const f = this.finals.get(key);
      if (f) {
        this.finals.delete(key);
        f.resolve({ height: Number(r.height), finalMs: performance.now() - f.sentAt });
      }
      return;
    }
    const o = this.match(r);
    if (o) this.answer(o, r);
    // A reply a raw waiter took answers a raw frame: there is nothing of ours to attribute it to.
    else if (r.kind === ReplyKind.Nack && r.sequence === 0n && !raw) this.unread.push(r);
    this.attributeUnread();
  }

  /** The batch a reply names: by batch id when it carries one we know, else by sequence (0 names none). */
  private match(r: IngestReplyFields): Outstanding | undefined {
    const id = toHex(r.batchId);
    if (id !== ZERO_ID) {
      const o = this.byId.get(id);
      if (o?.awaiting) return o;
    }
    if (r.sequence === 0n) return undefined;
    const o = this.outstanding.get(r.sequence);
    return o?.awaiting ? o : undefined;
  }

  /**
   * Each frame on the wire gets exactly one reply. Once the batches still awaiting theirs are no
   * more than the unattributed Nacks, those Nacks answered exactly those batches.
   */
  private attributeUnread(): void {
    if (this.unread.length === 0) return;
    const awaiting = [...this.outstanding.values()].filter((o) => o.awaiting);
    if (awaiting.length > this.unread.length) return; // other replies are still on their way
    const nacks = this.unread.splice(0);
    const codes = [...new Set(nacks.map((n) => n.code))];
    const one = codes.length === 1 ? nacks[0]! : undefined;
    const why = one
      ? one.message
      : `the node refused ${nacks.length} frames without reading their sequence (${codes.map(rejectCodeName).join(', ')}); which refusal answered which of these ${awaiting.length} batches is unknown`;
    for (const o of awaiting) {
      this.answer(o, { kind: ReplyKind.Nack, sequence: o.sequence, batchId: new Uint8Array(32), code: one ? one.code : RejectCode.Internal, message: why, height: 0n });
    }
    this.wakeAll();
  }

  private answer(o: Outstanding, r: IngestReplyFields): void {
    o.awaiting = false;
    if (r.kind === ReplyKind.Nack && r.code === RejectCode.Busy && o.attempts <= this.busyRetries) {
      setTimeout(() => {
        if (!this.closedError) this.send(o);
      }, Math.min(10 * 2 ** (o.attempts - 1), 1000));
      return;
    }
    // The node's disk refused the write and nothing was recorded: the same frame is resent once the
    // node can write again (it probes by itself), waiting longer each time.
    if (r.kind === ReplyKind.Nack && r.code === RejectCode.StorageFull && o.attempts <= this.storageRetries) {
      setTimeout(() => {
        if (!this.closedError) this.send(o);
      }, Math.min(250 * 2 ** (o.attempts - 1), 10_000));
      return;
    }
    this.outstanding.delete(o.sequence);
    if (o.id) this.byId.delete(o.id);
    this.slotWaiters.shift()?.();
    if (r.kind === ReplyKind.Nack) {
      o.reject(new BatchNackError(r.code, r.message, o.sequence));
      return;
    }
    const batchId = r.batchId;
    const committed = new Promise<{ height: number; committedMs: number }>((resolve, reject) => {
      this.commits.set(toHex(batchId), { resolve, reject, sentAt: o.sentAt });
    });
    const final = new Promise<{ height: number; finalMs: number }>((resolve, reject) => {
      this.finals.set(toHex(batchId), { resolve, reject, sentAt: o.sentAt });
    });
    committed.catch(() => undefined); // callers that ignore commits must not see unhandled rejections
    final.catch(() => undefined);
    o.resolve({ batchId, sequence: o.sequence, ackMs: performance.now() - o.sentAt, committed, final });
  }

  private wakeAll(): void {
    for (const w of this.slotWaiters.splice(0)) w();
  }

  private fail(err: IngestConnectionError): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const o of this.outstanding.values()) o.reject(err);
    this.outstanding.clear();
    this.byId.clear();
    this.unread.length = 0;
    for (const c of this.commits.values()) c.reject(err);
    this.commits.clear();
    for (const f of this.finals.values()) f.reject(err);
    this.finals.clear();
    this.wakeAll();
  }
}
