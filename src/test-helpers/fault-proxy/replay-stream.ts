import { connect, type Socket } from 'node:net';
import type { ProxyTarget } from './fault-proxy-options.js';

/** How a duplicate (replayed) connection ended. */
export interface ReplayOutcome {
  /** The proxied connection whose client stream was replayed. */
  readonly connection: number;
  readonly bytesSent: number;
  /** What the target answered on the replay connection (read and discarded). */
  readonly bytesReceived: number;
  /** The target closed or reset the replay connection itself (the proxy only gives up replayTimeoutMs after the client stream ended): it refused the replay. */
  readonly closedByTarget: boolean;
  /** The last socket error, if any (ECONNRESET when the target reset it). */
  readonly error: string | undefined;
}

export interface ReplayOptions {
  readonly connection: number;
  readonly target: ProxyTarget;
  /** Open the replay this long after the original connection was accepted (0: at once, alongside it). */
  readonly afterMs: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/**
 * A duplicate of a link, made meaningful for TLS: raw bytes duplicated inside one TLS stream only
 * break the record MAC, so the proxy instead opens a second connection to the target and sends it
 * a copy of everything the original client sends (a replay attack on the handshake). A TLS 1.3
 * server answers with fresh randoms and key shares, so the replayed client flight cannot decrypt
 * under them and the server must close the replay. Answers are counted and discarded; the recording
 * is bounded by maxBytes.
 */
export class ReplayStream {
  private socket: Socket | undefined;
  private pending: Buffer[] = [];
  private recorded = 0;
  private bytesSent = 0;
  private bytesReceived = 0;
  private closedByTarget = false;
  private error: string | undefined;
  private sourceDone = false;
  private proxyGaveUp = false;
  private reported = false;
  /** Resolves once the outcome is reported (the replay socket, if any, has closed). */
  readonly whenDone: Promise<void>;
  private markDone!: () => void;
  private readonly startTimer: NodeJS.Timeout;
  private endTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: ReplayOptions,
    private readonly onDone: (outcome: ReplayOutcome) => void,
  ) {
    this.whenDone = new Promise((resolve) => (this.markDone = resolve));
    this.startTimer = setTimeout(() => this.open(), o.afterMs);
  }

  /** A chunk the original client sent. */
  record(chunk: Buffer): void {
    if (this.sourceDone || this.reported) return;
    const room = this.o.maxBytes - this.recorded;
    const take = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.recorded += take.length;
    if (this.socket) this.send(take);
    else this.pending.push(take);
    if (this.recorded >= this.o.maxBytes) this.finish();
  }

  /** The original client stream ended (or the recording is full): the target has replayTimeoutMs more to answer. */
  finish(): void {
    this.sourceDone = true;
    if (this.socket) this.armTimeout();
  }

  /** Stops now (the link was cut or the proxy closes). */
  destroy(): void {
    clearTimeout(this.startTimer);
    clearTimeout(this.endTimer);
    this.pending = [];
    this.proxyGaveUp = true;
    if (this.socket) this.socket.destroy();
    else this.report();
  }

  private open(): void {
    const s = connect({ host: this.o.target.host, port: this.o.target.port, allowHalfOpen: true, noDelay: true });
    this.socket = s;
    s.on('data', (d: Buffer) => (this.bytesReceived += d.length));
    s.on('end', () => {
      if (!this.proxyGaveUp) this.closedByTarget = true;
      s.end();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code ?? err.message;
      if (!this.proxyGaveUp) this.closedByTarget = true;
    });
    s.once('close', () => {
      clearTimeout(this.endTimer);
      this.report();
    });
    for (const chunk of this.pending) this.send(chunk);
    this.pending = [];
    if (this.sourceDone) this.armTimeout();
  }

  private send(chunk: Buffer): void {
    const s = this.socket;
    if (!s || s.destroyed || s.writableEnded) return;
    s.write(chunk);
    this.bytesSent += chunk.length;
  }

  /**
   * No FIN is sent: like the client it copies, the replay waits for the server, which must close it
   * on its own (a TLS server does at the replayed client flight). Past the timeout the proxy gives up.
   */
  private armTimeout(): void {
    const s = this.socket;
    if (!s || s.destroyed || this.endTimer) return;
    this.endTimer = setTimeout(() => {
      this.proxyGaveUp = true;
      s.destroy();
    }, this.o.timeoutMs);
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    this.markDone();
    this.onDone({ connection: this.o.connection, bytesSent: this.bytesSent, bytesReceived: this.bytesReceived, closedByTarget: this.closedByTarget, error: this.error });
  }
}
