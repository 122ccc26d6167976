import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Rng } from '../../cdr/synthetic.js';
import {
  checkMs,
  checkProbability,
  type FaultProxyOptions,
  type ProxyTarget,
  resolveFaultProxyOptions,
  type ResolvedFaultProxyOptions,
} from './fault-proxy-options.js';
import { FaultProxyError } from './fault-proxy-error.js';
import { type Direction, type DirectionFaults, DIRECTIONS, directionsOf, type FaultDirection, NO_FAULTS } from './link-faults.js';
import { hardClose, ProxiedConnection, type ResetCause } from './proxied-connection.js';
import { type ReplayOutcome, ReplayStream } from './replay-stream.js';

export interface FaultProxyStats {
  readonly connections: {
    /** Accepted by the listener, refused ones included. */
    readonly accepted: number;
    readonly active: number;
    /** Reset as they were accepted: the link was cut, or maxConnections were open. */
    readonly refused: number;
    /** The target refused or failed the upstream connection (the client was then reset). */
    readonly upstreamFailed: number;
  };
  /** Connections the proxy reset: by cut(), and by a drop draw. */
  readonly resets: { readonly cut: number; readonly drop: number };
  /** Bytes forwarded (written to the destination). */
  readonly bytes: { readonly toTarget: number; readonly toClient: number };
  /** Bytes held right now (delayed, blackholed, or in a destination socket's buffer). */
  readonly held: { readonly toTarget: number; readonly toClient: number };
  /** Replays started, and totals over the finished ones. */
  readonly replays: {
    readonly started: number;
    readonly finished: number;
    /** Finished replays the target closed or reset itself: refused. */
    readonly closedByTarget: number;
    readonly bytesSent: number;
    readonly bytesReceived: number;
  };
}

/** The controls in force (for logs and assertions). */
export interface FaultState {
  readonly cut: boolean;
  readonly toTarget: DirectionFaults;
  readonly toClient: DirectionFaults;
  readonly duplicate: { readonly probability: number; readonly afterMs: number };
}

const KEPT_REPLAY_OUTCOMES = 256;

/**
 * A TCP proxy of the fault tests (issue 12, item 9): listens on 127.0.0.1 and forwards each
 * accepted connection to one target, byte for byte (TLS passes through; it is never terminated).
 * Faults change at run time and apply to every open connection:
 *  - cut(): every connection is reset (RST both ways) and new ones are reset as accepted, until heal();
 *  - blackhole(): nothing is forwarded (bytes, FIN or reset) while sockets stay open; held bytes are
 *    bounded by the window (the source is then not read, as a full TCP window), and flow on heal();
 *  - delay(ms, jitter): each chunk waits, in order (no reordering: TCP never shows it);
 *  - dropRate(p): per chunk, the connection is reset with probability p. Inside a TCP stream a lost
 *    segment is retransmitted and only shows as delay (delay, blackhole); what an application ever
 *    sees of a lossy link is a connection that fails, and dropping bytes from a TLS stream would only
 *    corrupt its records. So "drop" resets;
 *  - duplicate(p): a new connection is, with probability p, replayed: a second connection to the
 *    target gets a copy of the client's stream (see ReplayStream); a TLS server must refuse it.
 * Random decisions come from one seeded generator, so a run's sequence of decisions repeats with its
 * seed (which chunk a decision lands on still depends on how TCP splits the stream).
 */
export class FaultProxy {
  readonly host = '127.0.0.1';
  readonly target: ProxyTarget;
  private readonly o: ResolvedFaultProxyOptions;
  private readonly server: Server;
  private readonly rng: Rng;
  private readonly conns = new Set<ProxiedConnection>();
  private readonly replays = new Set<ReplayStream>();
  private readonly outcomes: ReplayOutcome[] = [];
  private readonly faults: Record<Direction, DirectionFaults> = { toTarget: NO_FAULTS, toClient: NO_FAULTS };
  private readonly blackholeTimers: Record<Direction, NodeJS.Timeout | undefined> = { toTarget: undefined, toClient: undefined };
  private duplicateP = 0;
  private duplicateAfterMs = 0;
  private isCut = false;
  private closing = false;
  private boundPort = 0;
  private nextId = 0;
  private readonly counts = {
    accepted: 0, refused: 0, upstreamFailed: 0, cut: 0, drop: 0, toTarget: 0, toClient: 0,
    replaysStarted: 0, replaysFinished: 0, replaysClosedByTarget: 0, replayBytesSent: 0, replayBytesReceived: 0,
  };

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(resolveFaultProxyOptions(options));
    await proxy.listen();
    return proxy;
  }

  private constructor(o: ResolvedFaultProxyOptions) {
    this.o = o;
    this.target = o.target;
    this.rng = new Rng(o.seed);
    // allowHalfOpen: a client's FIN is forwarded as a FIN, and the answer still flows back.
    this.server = createServer({ allowHalfOpen: true }, (s) => this.accept(s));
    this.server.on('error', () => {}); // listen errors reject start(); nothing else is expected
  }

  /** The bound port (ephemeral if the options said 0). */
  get port(): number {
    return this.boundPort;
  }

  /** "127.0.0.1:port", the form a peers map takes. */
  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }

  // ---- controls

  /** Resets every connection now and every new one until heal(). */
  cut(): void {
    this.isCut = true;
    for (const c of [...this.conns]) c.reset('cut');
    for (const r of [...this.replays]) r.destroy();
  }

  /** Ends a cut and every blackhole; delay, drop rate and duplicate stay as set. */
  heal(): void {
    this.isCut = false;
    for (const d of DIRECTIONS) this.setBlackhole(d, false);
    this.pumpAll();
  }

  /** Holds everything in `direction` (sockets open) until heal(), or for `forMs` if given. */
  blackhole(direction: FaultDirection = 'both', forMs?: number): void {
    const ms = forMs === undefined ? undefined : checkMs('forMs', forMs);
    for (const d of directionsOf(checkDirection(direction))) {
      this.setBlackhole(d, true);
      if (ms !== undefined) {
        const t = setTimeout(() => {
          this.setBlackhole(d, false);
          this.pumpAll();
        }, ms);
        this.blackholeTimers[d] = t;
      }
    }
  }

  /** Chunks arriving from now on wait ms + U[0, jitterMs); order within a connection is kept. */
  delay(ms: number, jitterMs = 0, direction: FaultDirection = 'both'): void {
    const delayMs = checkMs('delay', ms);
    const jitter = checkMs('jitter', jitterMs);
    for (const d of directionsOf(checkDirection(direction))) this.faults[d] = Object.freeze({ ...this.faults[d], delayMs, jitterMs: jitter });
    this.pumpAll();
  }

  /** Per chunk read in `direction`, the connection is reset with probability p (see the class comment). */
  dropRate(p: number, direction: FaultDirection = 'both'): void {
    const dropRate = checkProbability('dropRate', p);
    for (const d of directionsOf(checkDirection(direction))) this.faults[d] = Object.freeze({ ...this.faults[d], dropRate });
  }

  /** Each new connection is replayed to the target with probability p, starting afterMs after it was accepted. */
  duplicate(p: number, afterMs = 0): void {
    this.duplicateP = checkProbability('duplicate', p);
    this.duplicateAfterMs = checkMs('afterMs', afterMs);
  }

  /** Back to a clean link: heal() and no delay, drop or duplicate. */
  clearFaults(): void {
    for (const d of DIRECTIONS) this.faults[d] = Object.freeze({ ...NO_FAULTS, blackholed: this.faults[d].blackholed });
    this.duplicateP = 0;
    this.duplicateAfterMs = 0;
    this.heal();
  }

  faultState(): FaultState {
    return Object.freeze({
      cut: this.isCut,
      toTarget: this.faults.toTarget,
      toClient: this.faults.toClient,
      duplicate: Object.freeze({ probability: this.duplicateP, afterMs: this.duplicateAfterMs }),
    });
  }

  stats(): FaultProxyStats {
    const c = this.counts;
    let heldUp = 0;
    let heldDown = 0;
    for (const conn of this.conns) {
      heldUp += conn.toTarget.heldBytes;
      heldDown += conn.toClient.heldBytes;
    }
    return {
      connections: { accepted: c.accepted, active: this.conns.size, refused: c.refused, upstreamFailed: c.upstreamFailed },
      resets: { cut: c.cut, drop: c.drop },
      bytes: { toTarget: c.toTarget, toClient: c.toClient },
      held: { toTarget: heldUp, toClient: heldDown },
      replays: {
        started: c.replaysStarted,
        finished: c.replaysFinished,
        closedByTarget: c.replaysClosedByTarget,
        bytesSent: c.replayBytesSent,
        bytesReceived: c.replayBytesReceived,
      },
    };
  }

  /** How the last (at most 256) replays ended, oldest first. */
  replayOutcomes(): readonly ReplayOutcome[] {
    return [...this.outcomes];
  }

  /** Stops listening, resets every connection and replay, clears every timer. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const d of DIRECTIONS) clearTimeout(this.blackholeTimers[d]);
    const closed: Promise<unknown>[] = [this.server.listening ? once(this.server, 'close') : Promise.resolve()];
    this.server.close();
    for (const c of [...this.conns]) {
      closed.push(c.whenClosed);
      c.reset('closing');
    }
    for (const r of [...this.replays]) {
      closed.push(r.whenDone);
      r.destroy();
    }
    await Promise.all(closed);
  }

  // ---- internals

  private async listen(): Promise<void> {
    this.server.listen(this.o.port, this.host);
    await Promise.race([
      once(this.server, 'listening'),
      once(this.server, 'error').then(([err]) => {
        throw err;
      }),
    ]);
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    this.counts.accepted += 1;
    if (this.closing || this.isCut || this.conns.size >= this.o.maxConnections) {
      this.counts.refused += 1;
      hardClose(socket);
      return;
    }
    const id = ++this.nextId;
    const replay = this.duplicateP > 0 && this.rng.float() < this.duplicateP ? this.startReplay(id) : undefined;
    const conn = new ProxiedConnection(id, socket, this.target, this.o, {
      faults: (d) => this.faults[d],
      random: () => this.rng.float(),
      forwarded: (d, n) => (this.counts[d] += n),
      reset: (cause: ResetCause) => {
        if (cause === 'cut') this.counts.cut += 1;
        else if (cause === 'drop') this.counts.drop += 1;
      },
      upstreamFailed: () => (this.counts.upstreamFailed += 1),
      closed: (c) => this.conns.delete(c),
    }, replay);
    this.conns.add(conn);
  }

  private startReplay(connection: number): ReplayStream {
    this.counts.replaysStarted += 1;
    const r: ReplayStream = new ReplayStream(
      { connection, target: this.target, afterMs: this.duplicateAfterMs, maxBytes: this.o.maxReplayBytes, timeoutMs: this.o.replayTimeoutMs },
      (outcome) => {
        this.replays.delete(r);
        this.counts.replaysFinished += 1;
        if (outcome.closedByTarget) this.counts.replaysClosedByTarget += 1;
        this.counts.replayBytesSent += outcome.bytesSent;
        this.counts.replayBytesReceived += outcome.bytesReceived;
        this.outcomes.push(outcome);
        if (this.outcomes.length > KEPT_REPLAY_OUTCOMES) this.outcomes.shift();
      },
    );
    this.replays.add(r);
    return r;
  }

  private setBlackhole(d: Direction, on: boolean): void {
    clearTimeout(this.blackholeTimers[d]);
    this.blackholeTimers[d] = undefined;
    if (this.faults[d].blackholed !== on) this.faults[d] = Object.freeze({ ...this.faults[d], blackholed: on });
  }

  private pumpAll(): void {
    for (const c of this.conns) c.pump();
  }
}

function checkDirection(d: FaultDirection): FaultDirection {
  if (d !== 'toTarget' && d !== 'toClient' && d !== 'both') throw new FaultProxyError(`direction must be toTarget, toClient or both, got ${String(d)}`);
  return d;
}
