import { connect, type Socket } from 'node:net';
import type { ProxyTarget } from './fault-proxy-options.js';
import { LinkDirection, type LinkDirectionEvents, type WindowLimits } from './link-direction.js';
import type { Direction, DirectionFaults } from './link-faults.js';
import type { ReplayStream } from './replay-stream.js';

/** Why the proxy itself reset a connection. */
export type ResetCause = 'cut' | 'drop' | 'closing';

export interface ConnectionHooks {
  faults(direction: Direction): DirectionFaults;
  random(): number;
  forwarded(direction: Direction, bytes: number): void;
  /** The proxy reset the connection (not a reset passed through from an end). */
  reset(cause: ResetCause): void;
  upstreamFailed(): void;
  closed(conn: ProxiedConnection): void;
}

/** Sends an RST where the socket has a connected handle (a link that fails), else just destroys. */
export function hardClose(s: Socket): void {
  if (s.destroyed) return;
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

/**
 * One accepted client connection and its upstream connection to the target, byte-transparent in
 * both directions (half-close included: a FIN is forwarded, in order, as a FIN; an abrupt close as
 * a reset). TLS passes through untouched: the proxy never parses what it forwards.
 */
export class ProxiedConnection {
  readonly toTarget: LinkDirection;
  readonly toClient: LinkDirection;
  private readonly upstream: Socket;
  /** Resolves once both legs have closed. */
  readonly whenClosed: Promise<void>;
  private markClosed!: () => void;
  private openSockets = 2;
  private resetting = false;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    target: ProxyTarget,
    limits: WindowLimits,
    private readonly hooks: ConnectionHooks,
    private readonly replay: ReplayStream | undefined,
  ) {
    this.whenClosed = new Promise((resolve) => (this.markClosed = resolve));
    // No Nagle on either leg: the proxy must not add latency of its own to small frames.
    client.setNoDelay(true);
    this.upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    const events: LinkDirectionEvents = {
      forwarded: (d, n) => hooks.forwarded(d, n),
      dropped: () => this.reset('drop'),
      resetReached: () => this.passReset(),
    };
    this.toTarget = new LinkDirection('toTarget', client, this.upstream, () => hooks.faults('toTarget'), hooks.random, limits, events);
    this.toClient = new LinkDirection('toClient', this.upstream, client, () => hooks.faults('toClient'), hooks.random, limits, events);
    let connected = false;
    this.upstream.once('connect', () => (connected = true));
    this.wire(client, this.toTarget, () => replay?.finish(), (d) => replay?.record(d));
    this.wire(this.upstream, this.toClient, () => {
      if (!connected) hooks.upstreamFailed();
    });
  }

  /** Forwards what became due (faults changed). */
  pump(): void {
    this.toTarget.pump();
    this.toClient.pump();
  }

  /** Resets both legs now: the link failed (cut, drop, proxy closing). */
  reset(cause: ResetCause): void {
    if (this.resetting) return;
    this.resetting = true;
    this.hooks.reset(cause);
    this.toTarget.close();
    this.toClient.close();
    if (cause !== 'drop') this.replay?.destroy();
    else this.replay?.finish();
    hardClose(this.client);
    hardClose(this.upstream);
  }

  private passReset(): void {
    if (this.resetting) return;
    this.resetting = true;
    this.toTarget.close();
    this.toClient.close();
    this.replay?.finish();
    hardClose(this.client);
    hardClose(this.upstream);
  }

  private wire(s: Socket, out: LinkDirection, onSourceDone: () => void, onData?: (d: Buffer) => void): void {
    let readEnded = false;
    s.on('error', () => {}); // a reset or refused connect shows as 'close' below; never uncaught
    s.on('data', (d: Buffer) => {
      onData?.(d);
      out.push(d);
    });
    s.on('end', () => {
      readEnded = true;
      onSourceDone();
      out.pushEnd();
    });
    s.once('close', () => {
      if (!readEnded) {
        onSourceDone();
        // An abrupt close travels like bytes do (delayed, held by a blackhole) and resets the other leg.
        out.pushReset();
      }
      this.openSockets -= 1;
      if (this.openSockets === 0) {
        this.toTarget.close();
        this.toClient.close();
        this.hooks.closed(this);
        this.markClosed();
      }
    });
  }
}
