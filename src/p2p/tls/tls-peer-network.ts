import { once } from 'node:events';
import * as tls from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { CertificateIdentityError } from '../../pki/errors.js';
import { type NodeIdentity, readNodeIdentity } from '../../pki/node-identity.js';
import {
  MessageKind,
  type MessageHandler,
  type MessageVerdict,
  type PeerEvent,
  type PeerId,
  type PeerNetwork,
  type PeerRole,
} from '../peer-network.js';
import { encodeFrame, isMessageKind, kindLabel } from './frame.js';
import type { DropReason } from './observability.js';
import { PeerScores } from './peer-scores.js';
import { type ConnectionEvents, type PeerBudget, PeerConnection } from './peer-connection.js';
import { TokenBucket } from './token-bucket.js';
import {
  membersMap,
  type NetworkMember,
  type PeerAddress,
  resolveOptions,
  resolvePeers,
  type ResolvedOptions,
  TlsNetworkOptionsError,
  type TlsPeerNetworkOptions,
} from './tls-options.js';

/** Why an authenticated TLS connection was refused before it carried anything (a metrics label). */
export type RefusalReason = 'tls' | 'bad_identity' | 'self' | 'not_member' | 'wrong_peer' | 'banned';

export interface ConnectionInfo {
  readonly id: number;
  readonly peer: PeerId;
  readonly role: PeerRole;
  readonly outbound: boolean;
  /** The connection messages to this peer go through (false while a duplicate is retired). */
  readonly active: boolean;
  readonly remote: string;
  readonly local: string;
  readonly pendingOutboundBytes: number;
}

interface DialState {
  readonly address: PeerAddress;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  /** The socket being dialed, or the connection it became until that says hello. */
  pending: tls.TLSSocket | PeerConnection | undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function leastRole(a: PeerRole, b: PeerRole): PeerRole {
  return a === 'validator' && b === 'validator' ? 'validator' : 'observer';
}

/**
 * The validators' network over TLS 1.3 with mutual authentication (issue 12, item 5).
 *
 * Both ends present a certificate of the consortium CA (`src/pki`); OpenSSL checks the chain, the
 * dates and the key usages, then the network reads the PLMN id and role the certificate names and
 * accepts the peer only if the members list (genesis/state) has it: the peer's role is the lesser of
 * its certificate's and its registered one. Each side then sends a hello (version, network id), and
 * only after the other's hello is the peer connected. One connection per peer: when both sides dial
 * at once, the connection dialed by the lower PLMN id survives, on both sides alike. Framing,
 * budgets and the outbound queue are per connection (peer-connection.ts); scores per peer.
 */
export class TlsPeerNetwork implements PeerNetwork {
  readonly self: PeerId;
  private readonly o: ResolvedOptions;
  private members: ReadonlyMap<PeerId, PeerRole>;
  private readonly scores: PeerScores;
  private readonly server: tls.Server | undefined;
  private readonly secure: tls.SecureContext;
  private readonly live = new Set<PeerConnection>();
  private readonly dialSockets = new Set<tls.TLSSocket>();
  private readonly active = new Map<PeerId, PeerConnection>();
  private readonly dials = new Map<PeerId, DialState>();
  private readonly budgets = new Map<PeerId, PeerBudget>();
  private readonly expiryTimers = new Map<PeerConnection, NodeJS.Timeout>();
  private readonly inboundAddresses = new WeakMap<object, string>();
  private readonly messageHandlers = new Set<MessageHandler>();
  private readonly peerHandlers = new Set<(event: PeerEvent) => void>();
  private readonly connectionEvents: ConnectionEvents;
  private closing = false;
  private listeningPort: number | undefined;

  /** Validates the options, listens (if asked) and starts dialing the configured peers. */
  static async start(options: TlsPeerNetworkOptions): Promise<TlsPeerNetwork> {
    const net = new TlsPeerNetwork(options);
    await net.listen();
    net.dialAll();
    return net;
  }

  private constructor(options: TlsPeerNetworkOptions) {
    this.o = resolveOptions(options);
    this.self = this.o.self;
    this.members = this.o.members;
    const own = readNodeIdentity(this.o.tls.cert);
    if (own.plmn !== this.self) throw new CertificateIdentityError(`this node's certificate names ${own.plmn}, not ${this.self}`);
    this.scores = new PeerScores(this.o.scoring, this.o.clock);
    const common = { cert: this.o.tls.cert, key: this.o.tls.key, ca: [this.o.tls.ca], minVersion: 'TLSv1.3' as const, maxVersion: 'TLSv1.3' as const };
    this.secure = tls.createSecureContext(common);
    if (this.o.listen) {
      this.server = tls.createServer({
        ...common,
        requestCert: true,
        rejectUnauthorized: true,
        handshakeTimeout: this.o.handshakeTimeoutMs,
      });
      this.server.maxConnections = this.o.maxInboundConnections;
      this.server.on('secureConnection', (socket: tls.TLSSocket) => this.admit(socket, undefined));
      this.server.on('tlsClientError', (err, socket) => {
        // A certificate that does not verify is destroyed by node:tls after the handshake, so the
        // error is a bare "socket hang up": the reason is the socket's authorizationError
        // (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...). The address is gone with the
        // handle: it was noted when the TCP connection arrived (found through node:tls's reference
        // to that socket; best effort, for the log only).
        const tcp = (socket as unknown as { _parent?: object })._parent;
        const remote = (tcp && this.inboundAddresses.get(tcp)) ?? '?';
        this.refuse('tls', { remote, error: String(socket.authorizationError ?? err.message) }, 'TLS handshake refused');
      });
      this.server.on('connection', (tcp: Socket) => {
        this.inboundAddresses.set(tcp, `${tcp.remoteAddress ?? '?'}:${tcp.remotePort ?? '?'}`);
      });
      this.server.on('error', (err) => this.o.logger.error({ err: err.message }, 'p2p listener error'));
    }
    this.connectionEvents = {
      established: (conn) => this.onEstablished(conn),
      frame: (conn, kind, payload) => this.deliver(conn, kind, payload),
      violation: (conn, reason, detail) => this.onViolation(conn, reason, detail),
      bytesOut: (label, bytes) => this.o.metrics.bytesOut(label, bytes),
      closed: (conn, reason) => this.onClosed(conn, reason),
    };
  }

  /** The port it listens on (after start), if it listens. */
  get port(): number | undefined {
    return this.listeningPort;
  }

  connectedPeers(): readonly PeerId[] {
    return [...this.active.keys()].sort((a, b) => a - b);
  }

  /** The role a connected peer was admitted with. */
  peerRole(peer: PeerId): PeerRole | undefined {
    return this.active.get(peer)?.role;
  }

  peerScore(peer: PeerId): number {
    return this.scores.score(peer);
  }

  /** Every open connection, including one being retired (for GET /consensus and tests). */
  connections(): readonly ConnectionInfo[] {
    return [...this.live]
      .map((c) => ({ id: c.id, peer: c.peer, role: c.role, outbound: c.outbound, active: this.active.get(c.peer) === c, remote: c.remote, local: c.local, pendingOutboundBytes: c.pendingOutboundBytes }))
      .sort((a, b) => a.peer - b.peer || a.id - b.id);
  }

  send(to: PeerId, kind: MessageKind, payload: Uint8Array): boolean {
    if (!this.checkOutbound(kind, payload)) return false;
    return this.sendFrame(to, encodeFrame(kind, payload), kindLabel(kind));
  }

  broadcast(kind: MessageKind, payload: Uint8Array): void {
    if (!this.checkOutbound(kind, payload)) return;
    const frame = encodeFrame(kind, payload); // one copy shared by every peer's queue
    const label = kindLabel(kind);
    for (const peer of this.active.keys()) this.sendFrame(peer, frame, label);
  }

  onMessage(handler: MessageHandler): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  onPeer(handler: (event: PeerEvent) => void): () => void {
    this.peerHandlers.add(handler);
    return () => this.peerHandlers.delete(handler);
  }

  report(peer: PeerId, verdict: MessageVerdict, reason: string): void {
    const delta = this.scores.deltaFor(verdict);
    if (verdict === 'penalise') this.o.logger.warn({ peer, verdict, reason }, 'peer penalised');
    else if (verdict === 'reject') this.o.logger.info({ peer, verdict, reason }, 'peer message rejected');
    this.adjustScore(peer, delta, reason);
  }

  /**
   * Replaces the members list (an election or governance changed it): peers no longer listed, or
   * whose registered role changed, are disconnected (they reconnect under their new role).
   */
  setMembers(members: readonly NetworkMember[]): void {
    const next = membersMap(members);
    const previous = this.members;
    this.members = next;
    for (const conn of [...this.live]) {
      const role = next.get(conn.peer);
      if (role === undefined) conn.destroy('no longer a member');
      // Demoted or promoted: it reconnects and is admitted afresh under its new registration.
      else if (role !== previous.get(conn.peer)) conn.destroy('registered role changed');
    }
  }

  /** Starts dialing (and keeping connected) one more peer; it must be a member. */
  addPeer(address: PeerAddress): void {
    const [checked] = resolvePeers([address], this.members, this.self);
    if (this.closing || !checked) return;
    if (this.dials.has(checked.id)) throw new TlsNetworkOptionsError(`peer ${checked.id} is already dialed`);
    this.dials.set(checked.id, { address: checked, attempt: 0, timer: undefined, pending: undefined });
    this.ensureDial(checked.id, true);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const d of this.dials.values()) clearTimeout(d.timer);
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    for (const s of this.dialSockets) s.destroy();
    const closed = [...this.live].map((c) => c.whenClosed);
    for (const c of [...this.live]) c.destroy('network closing');
    if (this.server?.listening) {
      const done = once(this.server, 'close');
      this.server.close();
      await done;
    }
    await Promise.all(closed);
  }

  // ---- listening and dialing

  private async listen(): Promise<void> {
    const server = this.server;
    const at = this.o.listen;
    if (!server || !at) return;
    server.listen(at.port, at.host);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => {
        throw err;
      }),
    ]);
    this.listeningPort = (server.address() as AddressInfo).port;
    this.o.logger.info({ self: this.self, host: at.host, port: this.listeningPort }, 'p2p listening (TLS 1.3, mutual auth)');
  }

  private dialAll(): void {
    for (const address of this.o.peers) {
      this.dials.set(address.id, { address, attempt: 0, timer: undefined, pending: undefined });
      this.ensureDial(address.id, true);
    }
  }

  /** Schedules a dial to a configured peer unless it is connected, being dialed or waiting to be. */
  private ensureDial(peer: PeerId, now = false): void {
    const d = this.dials.get(peer);
    if (!d || this.closing || d.timer || d.pending || this.active.has(peer)) return;
    const base = Math.min(this.o.reconnect.maxMs, this.o.reconnect.baseMs * 2 ** Math.min(d.attempt, 30));
    const jittered = Math.floor(base / 2 + (this.o.random() * base) / 2);
    const delay = Math.min(MAX_TIMER_MS, Math.max(now ? 0 : jittered, this.scores.bannedForMs(peer)));
    d.attempt += 1;
    d.timer = setTimeout(() => {
      d.timer = undefined;
      this.dial(d);
    }, delay);
  }

  private dial(d: DialState): void {
    if (this.closing || this.active.has(d.address.id)) return;
    const { id, host, port } = d.address;
    const socket = tls.connect({
      host,
      port,
      secureContext: this.secure,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: true,
      // The peer is identified by the PLMN id its certificate names, checked in admit(), not by host name.
      checkServerIdentity: () => undefined,
    });
    d.pending = socket;
    this.dialSockets.add(socket);
    const timer = setTimeout(() => socket.destroy(new Error('TLS handshake timeout')), this.o.handshakeTimeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      this.dialSockets.delete(socket);
      const conn = this.admit(socket, id);
      d.pending = conn ?? undefined;
      if (!conn) this.ensureDial(id);
    });
    socket.on('error', (err) => this.o.logger.debug({ peer: id, host, port, error: err.message }, 'p2p dial error'));
    socket.once('close', () => {
      clearTimeout(timer);
      this.dialSockets.delete(socket);
      if (d.pending === socket) {
        d.pending = undefined;
        this.ensureDial(id);
      }
    });
  }

  // ---- admission of an authenticated socket

  /** Identity checks after the TLS handshake; a PeerConnection if the peer is admitted, else null (socket closed). */
  private admit(socket: tls.TLSSocket, expected: PeerId | undefined): PeerConnection | null {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.on('error', () => {}); // reported by the connection or the refusal below; never an uncaught error
    if (this.closing) {
      socket.destroy();
      return null;
    }
    if (!socket.authorized || socket.getProtocol() !== 'TLSv1.3') {
      this.refuse('tls', { remote, error: String(socket.authorizationError ?? socket.getProtocol()) }, 'TLS peer not authorized');
      socket.destroy();
      return null;
    }
    let identity: NodeIdentity;
    try {
      const cert = socket.getPeerX509Certificate();
      if (!cert) throw new CertificateIdentityError('no peer certificate');
      identity = readNodeIdentity(new Uint8Array(cert.raw));
    } catch (err) {
      this.refuse('bad_identity', { remote, error: err instanceof Error ? err.message : String(err) }, 'peer certificate names no consortium node');
      socket.destroy();
      return null;
    }
    const peer = identity.plmn;
    const registered = this.members.get(peer);
    const refusal: [RefusalReason, string] | null =
      peer === this.self
        ? ['self', 'a connection to ourselves']
        : registered === undefined
          ? ['not_member', 'PLMN id is neither a validator nor a registered observer']
          : expected !== undefined && peer !== expected
            ? ['wrong_peer', `dialed ${expected}, the certificate names ${peer}`]
            : this.scores.bannedForMs(peer) > 0
              ? ['banned', `banned for ${this.scores.bannedForMs(peer)} ms`]
              : null;
    if (refusal || registered === undefined) {
      const [reason, detail] = refusal ?? ['not_member', ''];
      this.refuse(reason, { remote, peer, serial: identity.serial, detail }, 'peer refused');
      socket.destroy();
      return null;
    }
    const role = leastRole(identity.role, registered);
    const conn = new PeerConnection(socket, peer, role, expected !== undefined, this.self, this.budgetOf(peer), {
      networkId: this.o.networkId,
      limits: this.o.limits,
      helloTimeoutMs: this.o.handshakeTimeoutMs,
      maxQueueBytes: this.o.budgets.maxQueueBytes,
      maxQueueFrames: this.o.budgets.maxQueueFrames,
    }, this.connectionEvents);
    this.live.add(conn);
    // A certificate that expires while connected ends the connection then.
    const untilExpiry = identity.notAfter.getTime() - Date.now();
    if (untilExpiry < MAX_TIMER_MS) {
      const t = setTimeout(() => conn.destroy('certificate expired'), Math.max(0, untilExpiry));
      t.unref();
      this.expiryTimers.set(conn, t);
    }
    this.o.logger.debug({ peer, role, remote, outbound: conn.outbound, connection: conn.id }, 'peer authenticated');
    conn.start();
    return conn;
  }

  private refuse(reason: RefusalReason, fields: Record<string, unknown>, msg: string): void {
    this.o.metrics.connectionRefused?.(reason);
    this.o.logger.warn({ self: this.self, reason, ...fields }, msg);
  }

  private budgetOf(peer: PeerId): PeerBudget {
    let b = this.budgets.get(peer);
    if (!b) {
      const { messagesPerSecond, messagesBurst, bytesPerSecond, bytesBurst } = this.o.budgets;
      b = { messages: new TokenBucket(messagesPerSecond, messagesBurst, this.o.clock), bytes: new TokenBucket(bytesPerSecond, bytesBurst, this.o.clock) };
      this.budgets.set(peer, b);
    }
    return b;
  }

  // ---- connection events

  private onEstablished(conn: PeerConnection): void {
    const d = this.dials.get(conn.peer);
    if (d) {
      d.attempt = 0;
      if (d.pending === conn) d.pending = undefined;
    }
    const existing = this.active.get(conn.peer);
    if (!existing) {
      this.active.set(conn.peer, conn);
      this.o.metrics.peersConnected(this.active.size);
      this.o.logger.info({ self: this.self, peer: conn.peer, role: conn.role, remote: conn.remote, outbound: conn.outbound }, 'peer connected');
      this.emitPeer({ peer: conn.peer, connected: true, role: conn.role });
      return;
    }
    // Two connections to one peer: both sides keep the one dialed by the lower PLMN id (or, if the
    // same side dialed both, the newer: the older one is a connection the dialer has given up on).
    const preferred = Math.min(this.self, conn.peer);
    const keepNew = conn.dialer === preferred || existing.dialer !== preferred;
    const [keep, drop] = keepNew ? [conn, existing] : [existing, conn];
    this.active.set(conn.peer, keep);
    this.o.logger.debug({ peer: conn.peer, kept: keep.id, dropped: drop.id, dialer: keep.dialer }, 'duplicate connection retired');
    drop.retire('duplicate connection');
  }

  private deliver(conn: PeerConnection, kind: MessageKind, payload: Buffer): void {
    this.o.metrics.bytesIn(kindLabel(kind), payload.length + 5);
    const msg = { from: conn.peer, kind, payload };
    for (const h of [...this.messageHandlers]) {
      try {
        h(msg);
      } catch (err) {
        // A fault above is not the peer's: log it, keep the connection.
        this.o.logger.error({ peer: conn.peer, kind: kindLabel(kind), err: err instanceof Error ? err.message : String(err) }, 'p2p message handler threw');
      }
    }
  }

  private onViolation(conn: PeerConnection, reason: DropReason, detail: Record<string, unknown>): void {
    this.o.metrics.frameDropped(reason);
    this.o.logger.warn({ self: this.self, peer: conn.peer, remote: conn.remote, reason, ...detail }, 'peer connection dropped: protocol violation');
    this.adjustScore(conn.peer, this.o.scoring.violation, reason);
  }

  private onClosed(conn: PeerConnection, reason: string): void {
    this.live.delete(conn);
    clearTimeout(this.expiryTimers.get(conn));
    this.expiryTimers.delete(conn);
    const d = this.dials.get(conn.peer);
    if (d?.pending === conn) d.pending = undefined;
    if (!conn.wasEstablished && conn.outbound && !this.closing) {
      // In TLS 1.3 the dialer's handshake completes before the listener checks its certificate:
      // a close before the peer's hello is most often the peer refusing us (it logs why).
      this.o.logger.warn({ self: this.self, peer: conn.peer, remote: conn.remote, reason }, 'peer closed the connection before its hello (it may refuse our certificate)');
    }
    if (this.active.get(conn.peer) === conn) {
      this.active.delete(conn.peer);
      this.o.metrics.peersConnected(this.active.size);
      this.o.logger.info({ self: this.self, peer: conn.peer, reason }, 'peer disconnected');
      this.emitPeer({ peer: conn.peer, connected: false, role: conn.role });
    }
    this.ensureDial(conn.peer);
  }

  private adjustScore(peer: PeerId, delta: number, reason: string): void {
    if (delta === 0) return;
    const { score, banMs } = this.scores.adjust(peer, delta);
    this.o.metrics.peerScore(peer, score);
    if (banMs > 0) {
      this.o.logger.warn({ self: this.self, peer, score, banMs, reason }, 'peer score below threshold: disconnected and banned');
      for (const c of [...this.live]) if (c.peer === peer) c.destroy(`banned for ${banMs} ms (${reason})`);
      for (const s of this.dialSockets) if (this.dials.get(peer)?.pending === s) s.destroy();
    }
  }

  private sendFrame(to: PeerId, frame: Buffer, label: string): boolean {
    const conn = this.active.get(to);
    if (!conn) {
      this.o.metrics.frameDropped('not_connected');
      return false;
    }
    if (conn.send(frame, label)) return true;
    this.o.metrics.frameDropped('send_queue_full');
    return false;
  }

  private checkOutbound(kind: MessageKind, payload: Uint8Array): boolean {
    const limit = isMessageKind(kind) ? this.o.limits.get(kind) : undefined;
    if (limit !== undefined && payload.byteLength <= limit) return true;
    // The layer above built something no peer would accept: a bug there, not a reason to send.
    this.o.metrics.frameDropped('oversized_outbound');
    this.o.logger.error({ kind, bytes: payload.byteLength, limit }, 'p2p refused to send an oversized or unknown message');
    return false;
  }

  private emitPeer(event: PeerEvent): void {
    for (const h of [...this.peerHandlers]) {
      try {
        h(event);
      } catch (err) {
        this.o.logger.error({ peer: event.peer, err: err instanceof Error ? err.message : String(err) }, 'p2p peer handler threw');
      }
    }
  }
}
