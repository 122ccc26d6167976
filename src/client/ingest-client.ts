import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { toHex } from '../codec/bytes.js';
import { decodeIngestReply, RejectCode, rejectCodeName, ReplyKind, type IngestReplyFields } from '../codec/ingest-reply.js';

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
  /** Resolves with the block height once the batch is committed. */
  readonly committed: Promise<{ height: number; committedMs: number }>;
}

export interface IngestClientOptions {
  /** Batches sent but not yet answered; `submit` waits for a slot beyond it. */
  readonly window?: number;
  /** Retries of a batch the node answered Busy, with exponential back-off from 10 ms. */
  readonly busyRetries?: number;
}

interface Outstanding {
  readonly sequence: bigint;
  readonly frame: Uint8Array;
  readonly sentAt: number;
  attempts: number;
  resolve(r: SubmitResult): void;
  reject(e: Error): void;
}

/**
 * An operator's stream into WS /ingest: at most `window` batches in flight (the node's answers
 * are the backpressure), replies matched by sequence number, Busy answers retried, commits reported.
 * One client streams one submitter's batches.
 */
export class IngestClient {
  private readonly outstanding = new Map<bigint, Outstanding>();
  private readonly commits = new Map<string, { resolve(v: { height: number; committedMs: number }): void; reject(e: Error): void; sentAt: number }>();
  private readonly slotWaiters: (() => void)[] = [];
  private closedError: IngestConnectionError | undefined;
  private readonly window: number;
  private readonly busyRetries: number;

  private constructor(
    private readonly ws: WebSocket,
    opts: IngestClientOptions,
  ) {
    this.window = opts.window ?? 32;
    this.busyRetries = opts.busyRetries ?? 20;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      this.onReply(decodeIngestReply(new Uint8Array(data.buffer, data.byteOffset, data.length)));
    });
    ws.on('close', (code: number, reason: Buffer) => this.fail(new IngestConnectionError(`ingest connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`, code)));
    ws.on('error', (err: Error) => this.fail(new IngestConnectionError(`ingest connection failed: ${err.message}`)));
  }

  static connect(url: string, opts: IngestClientOptions = {}): Promise<IngestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 });
      ws.once('open', () => resolve(new IngestClient(ws, opts)));
      ws.once('error', (err) => reject(new IngestConnectionError(`cannot connect to ${url}: ${err.message}`)));
    });
  }

  get inflight(): number {
    return this.outstanding.size;
  }

  /** Sends a batch frame; resolves on the node's Ack, rejects with BatchNackError. */
  async submit(frame: Uint8Array, sequence: bigint): Promise<SubmitResult> {
    while (this.outstanding.size >= this.window) await new Promise<void>((r) => this.slotWaiters.push(r));
    if (this.closedError) throw this.closedError;
    if (this.outstanding.has(sequence)) throw new RangeError(`sequence ${sequence} is already in flight`);
    return new Promise<SubmitResult>((resolve, reject) => {
      const o: Outstanding = { sequence, frame, sentAt: performance.now(), attempts: 0, resolve, reject };
      this.outstanding.set(sequence, o);
      this.send(o);
    });
  }

  /** Sends raw bytes with no bookkeeping (tests of malformed input). */
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
    // A frame the node could not read has no sequence: it answers the oldest outstanding batch.
    const o = r.sequence === 0n && r.kind === ReplyKind.Nack ? this.outstanding.values().next().value : this.outstanding.get(r.sequence);
    if (!o) return;
    if (r.kind === ReplyKind.Nack && r.code === RejectCode.Busy && o.attempts <= this.busyRetries) {
      setTimeout(() => {
        if (!this.closedError) this.send(o);
      }, Math.min(10 * 2 ** (o.attempts - 1), 1000));
      return;
    }
    this.outstanding.delete(o.sequence);
    this.slotWaiters.shift()?.();
    if (r.kind === ReplyKind.Nack) {
      o.reject(new BatchNackError(r.code, r.message, o.sequence));
      return;
    }
    const batchId = r.batchId;
    const committed = new Promise<{ height: number; committedMs: number }>((resolve, reject) => {
      this.commits.set(toHex(batchId), { resolve, reject, sentAt: o.sentAt });
    });
    committed.catch(() => undefined); // callers that ignore commits must not see unhandled rejections
    o.resolve({ batchId, sequence: o.sequence, ackMs: performance.now() - o.sentAt, committed });
  }

  private fail(err: IngestConnectionError): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const o of this.outstanding.values()) o.reject(err);
    this.outstanding.clear();
    for (const c of this.commits.values()) c.reject(err);
    this.commits.clear();
    for (const w of this.slotWaiters.splice(0)) w();
  }
}
