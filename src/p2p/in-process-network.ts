import {
  MAX_PAYLOAD_BYTES, type MessageHandler, type MessageKind, type MessageVerdict, type PeerEvent, type PeerId, type PeerNetwork,
} from './peer-network.js';

/**
 * The validators' network inside one process, for deterministic tests and the simulator (issue 12
 * item 10): every send is delivered after latency + jitter on a virtual (or real) clock, may be lost,
 * and is dropped across partitions and to or from nodes that are down. A seeded RNG makes runs
 * repeatable. Same PeerNetwork interface as the TLS network; payloads are copied on delivery.
 */

/** Time as the network needs it (structurally the consensus and chain clocks). */
export interface NetworkClock {
  now(): number;
  after(ms: number, fn: () => void): { cancel(): void };
}

export interface InProcessNetworkOptions {
  readonly clock: NetworkClock;
  /** RNG seed (any 32-bit integer). */
  readonly seed: number;
  /** One-way delay of every message. */
  readonly latencyMs: number;
  /** Extra delay, uniform in [0, jitterMs). */
  readonly jitterMs: number;
  /** Probability in [0, 1) that a message is lost. */
  readonly lossRate: number;
}

export class InProcessNetworkOptionsError extends Error {
  override readonly name = 'InProcessNetworkOptionsError';
}

export interface VerdictReport {
  readonly reporter: PeerId;
  readonly peer: PeerId;
  readonly verdict: MessageVerdict;
  readonly reason: string;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  cut: number;
  oversized: number;
  bytes: number;
}

/** A small fast PRNG (sfc32); floats are fine here: this is the simulated world, not consensus logic. */
function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

export class InProcessNetwork {
  private readonly opts: InProcessNetworkOptions;
  private readonly random: () => number;
  private readonly endpoints = new Map<PeerId, Endpoint>();
  private readonly down = new Set<PeerId>();
  /** peer → group; peers in different groups cannot reach each other. Empty: no partition. */
  private groups = new Map<PeerId, number>();
  private readonly taps = new Set<(from: PeerId, to: PeerId, kind: MessageKind, payload: Uint8Array) => void>();
  readonly reports: VerdictReport[] = [];
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, cut: 0, oversized: 0, bytes: 0 };

  constructor(opts: InProcessNetworkOptions) {
    const o = { ...opts };
    if (!Number.isInteger(o.seed)) throw new InProcessNetworkOptionsError('seed must be an integer');
    if (!(o.latencyMs >= 0) || !(o.jitterMs >= 0)) throw new InProcessNetworkOptionsError('latency and jitter are ≥ 0');
    if (!(o.lossRate >= 0 && o.lossRate < 1)) throw new InProcessNetworkOptionsError('lossRate is in [0, 1)');
    this.opts = Object.freeze(o);
    this.random = sfc32(o.seed);
  }

  /** The endpoint of peer `id` (created once). */
  join(id: PeerId): PeerNetwork {
    let e = this.endpoints.get(id);
    if (e === undefined) {
      e = new Endpoint(id, this);
      this.endpoints.set(id, e);
      this.notifyAll();
    }
    return e;
  }

  /** Splits the peers into groups that cannot reach each other (peers not listed form one more group). */
  partition(groups: readonly (readonly PeerId[])[]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((p) => this.groups.set(p, i)));
    this.notifyAll();
  }

  heal(): void {
    this.groups = new Map();
    this.notifyAll();
  }

  /** A node that is down sends and receives nothing. */
  setDown(id: PeerId, isDown: boolean): void {
    if (isDown) this.down.add(id);
    else this.down.delete(id);
    this.notifyAll();
  }

  /** Sees every message as it is sent (tests: to act as a misbehaving node). */
  tap(fn: (from: PeerId, to: PeerId, kind: MessageKind, payload: Uint8Array) => void): () => void {
    this.taps.add(fn);
    return () => this.taps.delete(fn);
  }

  reachable(a: PeerId, b: PeerId): boolean {
    if (a === b || this.down.has(a) || this.down.has(b) || !this.endpoints.has(a) || !this.endpoints.has(b)) return false;
    if (this.groups.size === 0) return true;
    return (this.groups.get(a) ?? -1) === (this.groups.get(b) ?? -1);
  }

  peersOf(id: PeerId): PeerId[] {
    return [...this.endpoints.keys()].filter((p) => this.reachable(id, p)).sort((a, b) => a - b);
  }

  /** @internal */
  transmit(from: PeerId, to: PeerId, kind: MessageKind, payload: Uint8Array): boolean {
    this.stats.sent++;
    const limit = MAX_PAYLOAD_BYTES[kind];
    if (limit === undefined || payload.length > limit) {
      this.stats.oversized++;
      return false;
    }
    if (!this.reachable(from, to)) {
      this.stats.cut++;
      return false;
    }
    for (const t of this.taps) t(from, to, kind, payload);
    if (this.random() < this.opts.lossRate) {
      this.stats.lost++;
      return true; // lost on the way: the sender cannot tell
    }
    const copy = Uint8Array.from(payload);
    const delay = Math.round(this.opts.latencyMs + this.random() * this.opts.jitterMs);
    this.opts.clock.after(delay, () => {
      // A link cut while the message was in flight loses it.
      if (!this.reachable(from, to)) {
        this.stats.cut++;
        return;
      }
      this.stats.delivered++;
      this.stats.bytes += copy.length;
      this.endpoints.get(to)?.deliver(from, kind, copy);
    });
    return true;
  }

  /** @internal */
  record(report: VerdictReport): void {
    this.reports.push(report);
  }

  /** @internal */
  leave(id: PeerId): void {
    this.endpoints.delete(id);
    this.notifyAll();
  }

  private notifyAll(): void {
    for (const e of this.endpoints.values()) e.refreshPeers();
  }
}

class Endpoint implements PeerNetwork {
  private readonly handlers = new Set<MessageHandler>();
  private readonly peerHandlers = new Set<(event: PeerEvent) => void>();
  private connected = new Set<PeerId>();

  constructor(
    readonly self: PeerId,
    private readonly net: InProcessNetwork,
  ) {}

  connectedPeers(): readonly PeerId[] {
    return this.net.peersOf(this.self);
  }

  send(to: PeerId, kind: MessageKind, payload: Uint8Array): boolean {
    return this.net.transmit(this.self, to, kind, payload);
  }

  broadcast(kind: MessageKind, payload: Uint8Array): void {
    for (const p of this.net.peersOf(this.self)) this.net.transmit(this.self, p, kind, payload);
  }

  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onPeer(handler: (event: PeerEvent) => void): () => void {
    this.peerHandlers.add(handler);
    return () => this.peerHandlers.delete(handler);
  }

  report(peer: PeerId, verdict: MessageVerdict, reason: string): void {
    this.net.record({ reporter: this.self, peer, verdict, reason });
  }

  async close(): Promise<void> {
    this.net.leave(this.self);
  }

  /** @internal */
  deliver(from: PeerId, kind: MessageKind, payload: Uint8Array): void {
    for (const h of this.handlers) h({ from, kind, payload });
  }

  /** @internal */
  refreshPeers(): void {
    const now = new Set(this.net.peersOf(this.self));
    for (const p of now) if (!this.connected.has(p)) for (const h of this.peerHandlers) h({ peer: p, connected: true });
    for (const p of this.connected) if (!now.has(p)) for (const h of this.peerHandlers) h({ peer: p, connected: false });
    this.connected = now;
  }
}
