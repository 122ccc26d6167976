import type { TLSSocket } from 'node:tls';
import type { MessageKind, PeerId, PeerRole } from '../peer-network.js';
import { encodeFrame, FRAME_HEADER_BYTES, type FrameLimits, HELLO_KIND, isMessageKind, kindLabel } from './frame.js';
import { FrameDecoder, isViolation } from './frame-decoder.js';
import { encodeHello, helloMismatch } from './hello.js';
import type { DropReason } from './observability.js';
import type { TokenBucket } from './token-bucket.js';

/** Receive slack beyond the frame being assembled: about one socket read; the socket is paused while frames wait. */
const RECEIVE_SLACK_BYTES = 1 << 20;
/** Queued frames are written to TLS in pieces of about this size (fewer records and syscalls for small frames). */
const WRITE_COALESCE_BYTES = 256 * 1024;
/** A retired or closing connection gets this long to flush before it is destroyed. */
const FLUSH_GRACE_MS = 5_000;

export interface PeerBudget {
  readonly messages: TokenBucket;
  readonly bytes: TokenBucket;
}

export interface ConnectionSettings {
  readonly networkId: Uint8Array;
  readonly limits: FrameLimits;
  readonly helloTimeoutMs: number;
  readonly maxQueueBytes: number;
  readonly maxQueueFrames: number;
}

/** What a connection tells the network. */
export interface ConnectionEvents {
  established(conn: PeerConnection): void;
  frame(conn: PeerConnection, kind: MessageKind, payload: Buffer): void;
  /** A protocol violation by the peer: the connection is already being dropped. */
  violation(conn: PeerConnection, reason: DropReason, detail: Record<string, unknown>): void;
  bytesOut(label: string, bytes: number): void;
  closed(conn: PeerConnection, reason: string): void;
}

type State = 'hello' | 'open' | 'retired' | 'closed';

let nextConnectionId = 1;

/**
 * One authenticated TLS connection to a peer: framing in both directions, the hello exchange, the
 * peer's receive budget (reading stops while it is spent: TCP pushes back on the sender), and a
 * bounded outbound queue written as fast as the socket drains.
 */
export class PeerConnection {
  readonly id = nextConnectionId++;
  /** Which side dialed: decides which of two simultaneous connections survives. */
  readonly dialer: PeerId;
  readonly remote: string;
  readonly local: string;
  private state: State = 'hello';
  private readonly decoder: FrameDecoder;
  private readonly queue: Array<{ frame: Buffer; label: string }> = [];
  private queuedBytes = 0;
  private held: { kind: number; payload: Buffer } | null = null;
  private resumeTimer: NodeJS.Timeout | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private closeReason = 'closed by peer';
  private closeHandled = false;
  private established = false;
  private draining = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly socket: TLSSocket,
    readonly peer: PeerId,
    readonly role: PeerRole,
    readonly outbound: boolean,
    self: PeerId,
    private readonly budget: PeerBudget,
    private readonly settings: ConnectionSettings,
    private readonly events: ConnectionEvents,
  ) {
    this.dialer = outbound ? self : peer;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.local = `${socket.localAddress ?? '?'}:${socket.localPort ?? '?'}`;
    this.decoder = new FrameDecoder(settings.limits);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Did the peer's hello arrive (was it ever connected)? */
  get wasEstablished(): boolean {
    return this.established;
  }

  /** Resolves once the socket is closed. */
  get whenClosed(): Promise<void> {
    return this.done;
  }

  /** Sends our hello and starts reading; the peer's hello must arrive within the timeout. */
  start(): void {
    const s = this.socket;
    s.setNoDelay(true);
    s.setKeepAlive(true, 10_000);
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('drain', () => this.flush());
    s.on('error', (err) => {
      if (this.state !== 'closed') this.closeReason = `socket error: ${err.message}`;
    });
    s.on('close', () => this.onSocketClose());
    this.helloTimer = setTimeout(() => this.fail('hello_timeout', { timeoutMs: this.settings.helloTimeoutMs }), this.settings.helloTimeoutMs);
    this.enqueue(encodeFrame(HELLO_KIND, encodeHello(this.settings.networkId)), 'hello');
    this.flush();
  }

  /** Queues one encoded frame; false if the connection is not open or its queue is full. */
  send(frame: Buffer, label: string): boolean {
    if (this.state !== 'open') return false;
    if (this.queue.length >= this.settings.maxQueueFrames) return false;
    if (this.queuedBytes + this.socket.writableLength + frame.length > this.settings.maxQueueBytes) return false;
    this.enqueue(frame, label);
    this.flush();
    return true;
  }

  /** Bytes waiting to be written (queue and socket buffer). */
  get pendingOutboundBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /** Stops sending new frames; what is queued is flushed, then the connection ends. Incoming frames are still read. */
  retire(reason: string): void {
    if (this.state === 'closed' || this.state === 'retired') return;
    this.state = 'retired';
    this.closeReason = reason;
    this.flush();
    this.graceTimer = setTimeout(() => this.destroy(reason), FLUSH_GRACE_MS);
    this.graceTimer.unref();
  }

  /** Drops the connection now. */
  destroy(reason: string): void {
    if (this.state === 'closed') return;
    this.closeReason = reason;
    this.state = 'closed';
    this.clearTimers();
    this.socket.destroy();
  }

  private enqueue(frame: Buffer, label: string): void {
    this.queue.push({ frame, label });
    this.queuedBytes += frame.length;
  }

  private flush(): void {
    const s = this.socket;
    while (this.queue.length > 0 && !s.writableNeedDrain && !s.destroyed) {
      const parts: Buffer[] = [];
      let size = 0;
      while (this.queue.length > 0 && (parts.length === 0 || size + this.queue[0]!.frame.length <= WRITE_COALESCE_BYTES)) {
        const { frame, label } = this.queue.shift()!;
        parts.push(frame);
        size += frame.length;
        this.events.bytesOut(label, frame.length);
      }
      this.queuedBytes -= size;
      s.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    }
    if (this.state === 'retired' && this.queue.length === 0 && !s.writableEnded) s.end();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.decoder.push(chunk);
    const cap = FRAME_HEADER_BYTES + this.decoder.pendingPayloadBytes + RECEIVE_SLACK_BYTES;
    if (this.decoder.bufferedBytes > cap) {
      this.fail('receive_buffer_overflow', { buffered: this.decoder.bufferedBytes });
      return;
    }
    this.pump();
  }

  /** Delivers complete frames while the peer's budget lasts; pauses the socket when it runs out. */
  private pump(): void {
    while (this.state !== 'closed') {
      let frame = this.held;
      this.held = null;
      if (frame === null) {
        const r = this.decoder.next();
        if (r === null) return;
        if (isViolation(r)) {
          this.fail(r.violation, { kind: r.kind, length: r.length });
          return;
        }
        frame = r;
      }
      if (this.state === 'hello') {
        this.onHello(frame);
        continue;
      }
      if (frame.kind === HELLO_KIND) {
        this.fail('bad_hello', { detail: 'a second hello' });
        return;
      }
      if (!this.draining && !this.takeBudget(frame.payload.length)) {
        // Over budget: hold the frame, stop reading (TCP backpressure), try again once tokens are back.
        this.held = frame;
        this.socket.pause();
        const wait = Math.max(1, this.budget.messages.msUntilAvailable(), this.budget.bytes.msUntilAvailable());
        this.resumeTimer = setTimeout(() => {
          this.resumeTimer = undefined;
          this.socket.resume();
          this.pump();
        }, wait);
        return;
      }
      if (isMessageKind(frame.kind)) this.events.frame(this, frame.kind, frame.payload);
    }
  }

  /** Takes one message and `bytes` from the peer's budget, or nothing if either is spent. */
  private takeBudget(bytes: number): boolean {
    if (this.budget.messages.msUntilAvailable() > 0 || this.budget.bytes.msUntilAvailable() > 0) return false;
    return this.budget.messages.take(1) && this.budget.bytes.take(bytes);
  }

  private onHello(frame: { kind: number; payload: Buffer }): void {
    if (frame.kind !== HELLO_KIND) {
      this.fail('expected_hello', { kind: kindLabel(frame.kind) });
      return;
    }
    const wrong = helloMismatch(frame.payload, this.settings.networkId);
    if (wrong !== null) {
      this.fail('bad_hello', { detail: wrong });
      return;
    }
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    this.state = 'open';
    this.established = true;
    this.events.established(this);
  }

  private fail(reason: DropReason, detail: Record<string, unknown>): void {
    if (this.state === 'closed') return;
    this.destroy(reason);
    this.events.violation(this, reason, detail);
  }

  private onSocketClose(): void {
    if (this.closeHandled) return;
    this.closeHandled = true;
    if (this.state !== 'closed') {
      if (this.state !== 'hello') {
        // The peer closed: what it sent in full is delivered (the budget no longer matters), then a
        // frame cut short is a violation.
        this.draining = true;
        clearTimeout(this.resumeTimer);
        this.pump();
      }
      const truncated = (this.state as State) !== 'closed' && this.decoder.midFrame; // the drain may have failed it
      this.state = 'closed';
      this.clearTimers();
      if (truncated) this.events.violation(this, 'truncated', { buffered: this.decoder.bufferedBytes });
    }
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.events.closed(this, this.closeReason);
    this.resolveDone();
  }

  private clearTimers(): void {
    clearTimeout(this.helloTimer);
    clearTimeout(this.resumeTimer);
    clearTimeout(this.graceTimer);
    this.helloTimer = this.resumeTimer = this.graceTimer = undefined;
  }
}
