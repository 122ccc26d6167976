import type { MessageKind, PeerId, PeerRole } from '../peer-network.js';
import { isNodeRole, isPlmnId } from '../../pki/node-identity.js';
import { frameLimits, type FrameLimits } from './frame.js';
import { NETWORK_ID_BYTES } from './hello.js';
import { noopP2pMetrics, type P2pLogger, type P2pMetrics, silentP2pLogger } from './observability.js';
import { DEFAULT_SCORING, type ScoringOptions } from './peer-scores.js';
import { monotonicClock, type MonotonicClock } from './token-bucket.js';

/** A member of the consortium network: a genesis/state validator or registered observer. */
export interface NetworkMember {
  readonly id: PeerId;
  readonly role: PeerRole;
}

/** A peer this node dials, and the PLMN id its certificate must name. */
export interface PeerAddress {
  readonly id: PeerId;
  readonly host: string;
  readonly port: number;
}

export interface BudgetOptions {
  /** Incoming frames per second per peer (token bucket); beyond, the peer's socket is not read. */
  readonly messagesPerSecond: number;
  readonly messagesBurst: number;
  /** Incoming payload bytes per second per peer. */
  readonly bytesPerSecond: number;
  readonly bytesBurst: number;
  /** Outbound frames waiting per connection, in bytes (socket buffer included) and in count: `send` returns false beyond. */
  readonly maxQueueBytes: number;
  readonly maxQueueFrames: number;
}

export interface ReconnectOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface TlsPeerNetworkOptions {
  /** This node's PLMN id: its certificate must name it. */
  readonly self: PeerId;
  /** Identifies the chain (its genesis hash, 32 bytes): peers with another are refused. */
  readonly networkId: Uint8Array;
  /** PEM: this node's certificate and key, and the consortium CA certificate. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Who may connect, with the role the genesis/state gives them (see also `setMembers`). */
  readonly members: readonly NetworkMember[];
  /** Where to listen; omit for a node that only dials. Port 0 picks an ephemeral port. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Peers to dial and keep connected. */
  readonly peers?: readonly PeerAddress[];
  readonly budgets?: Partial<BudgetOptions>;
  readonly scoring?: Partial<ScoringOptions>;
  readonly reconnect?: Partial<ReconnectOptions>;
  /** Lower per-kind payload limits than MAX_PAYLOAD_BYTES (never higher). */
  readonly maxPayloadBytes?: Partial<Record<MessageKind, number>>;
  /** TLS handshake, and then the peer's hello, must each complete within this. */
  readonly handshakeTimeoutMs?: number;
  /** Connections accepted at once (authenticated or not). */
  readonly maxInboundConnections?: number;
  readonly logger?: P2pLogger;
  readonly metrics?: P2pMetrics;
  readonly clock?: MonotonicClock;
  /** Jitter source in [0, 1) for reconnect delays (tests may fix it). */
  readonly random?: () => number;
}

export const DEFAULT_BUDGETS: BudgetOptions = Object.freeze({
  messagesPerSecond: 5_000,
  messagesBurst: 10_000,
  bytesPerSecond: 64 * 2 ** 20,
  bytesBurst: 64 * 2 ** 20,
  maxQueueBytes: 48 * 2 ** 20,
  maxQueueFrames: 8_192,
});

export const DEFAULT_RECONNECT: ReconnectOptions = Object.freeze({ baseMs: 250, maxMs: 30_000 });

export interface ResolvedOptions {
  readonly self: PeerId;
  readonly networkId: Uint8Array;
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly members: ReadonlyMap<PeerId, PeerRole>;
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  readonly peers: readonly PeerAddress[];
  readonly budgets: BudgetOptions;
  readonly scoring: ScoringOptions;
  readonly reconnect: ReconnectOptions;
  readonly limits: FrameLimits;
  readonly handshakeTimeoutMs: number;
  readonly maxInboundConnections: number;
  readonly logger: P2pLogger;
  readonly metrics: P2pMetrics;
  readonly clock: MonotonicClock;
  readonly random: () => number;
}

export class TlsNetworkOptionsError extends Error {
  override readonly name = 'TlsNetworkOptionsError';
}

function positive(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new TlsNetworkOptionsError(`${name} must be a positive integer, got ${v}`);
}

export function membersMap(members: readonly NetworkMember[]): ReadonlyMap<PeerId, PeerRole> {
  const map = new Map<PeerId, PeerRole>();
  for (const m of members) {
    if (!isPlmnId(m.id)) throw new TlsNetworkOptionsError(`member ${m.id} is not a PLMN id`);
    if (!isNodeRole(m.role)) throw new TlsNetworkOptionsError(`member ${m.id} has role "${String(m.role)}"`);
    if (map.has(m.id)) throw new TlsNetworkOptionsError(`member ${m.id} listed twice`);
    map.set(m.id, m.role);
  }
  return map;
}

export function resolvePeers(list: readonly PeerAddress[], members: ReadonlyMap<PeerId, PeerRole>, self: PeerId): PeerAddress[] {
  const peers = list.map((p) => {
    if (!members.has(p.id)) throw new TlsNetworkOptionsError(`peer ${p.id} to dial is not a member`);
    if (p.id === self) throw new TlsNetworkOptionsError('a node does not dial itself');
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65_535) throw new TlsNetworkOptionsError(`peer ${p.id}: bad port ${p.port}`);
    if (typeof p.host !== 'string' || p.host.length === 0) throw new TlsNetworkOptionsError(`peer ${p.id}: bad host`);
    return Object.freeze({ id: p.id, host: p.host, port: p.port });
  });
  if (new Set(peers.map((p) => p.id)).size !== peers.length) throw new TlsNetworkOptionsError('a peer is listed twice');
  return peers;
}

export function resolveOptions(o: TlsPeerNetworkOptions): ResolvedOptions {
  if (!isPlmnId(o.self)) throw new TlsNetworkOptionsError(`self ${o.self} is not a PLMN id`);
  if (!(o.networkId instanceof Uint8Array) || o.networkId.length !== NETWORK_ID_BYTES) {
    throw new TlsNetworkOptionsError(`networkId must be ${NETWORK_ID_BYTES} bytes`);
  }
  for (const k of ['cert', 'key', 'ca'] as const) {
    if (typeof o.tls?.[k] !== 'string' || !o.tls[k].includes('-----BEGIN')) throw new TlsNetworkOptionsError(`tls.${k} must be PEM text`);
  }
  const members = membersMap(o.members);
  const peers = resolvePeers(o.peers ?? [], members, o.self);
  if (o.listen && (!Number.isInteger(o.listen.port) || o.listen.port < 0 || o.listen.port > 65_535)) {
    throw new TlsNetworkOptionsError(`bad listen port ${o.listen.port}`);
  }
  const limits = frameLimits(o.maxPayloadBytes);
  const budgets = { ...DEFAULT_BUDGETS, ...o.budgets };
  for (const [k, v] of Object.entries(budgets)) positive(`budgets.${k}`, v);
  const largestFrame = Math.max(...limits.values()) + 5;
  if (budgets.maxQueueBytes < largestFrame) {
    throw new TlsNetworkOptionsError(`budgets.maxQueueBytes ${budgets.maxQueueBytes} cannot hold the largest frame (${largestFrame})`);
  }
  const scoring = { ...DEFAULT_SCORING, ...o.scoring };
  for (const [k, v] of Object.entries(scoring)) {
    if (!Number.isSafeInteger(v)) throw new TlsNetworkOptionsError(`scoring.${k} must be an integer, got ${v}`);
  }
  if (scoring.disconnectBelow >= 0) throw new TlsNetworkOptionsError('scoring.disconnectBelow must be negative');
  const reconnect = { ...DEFAULT_RECONNECT, ...o.reconnect };
  positive('reconnect.baseMs', reconnect.baseMs);
  positive('reconnect.maxMs', reconnect.maxMs);
  const handshakeTimeoutMs = o.handshakeTimeoutMs ?? 10_000;
  positive('handshakeTimeoutMs', handshakeTimeoutMs);
  const maxInboundConnections = o.maxInboundConnections ?? 256;
  positive('maxInboundConnections', maxInboundConnections);
  return Object.freeze({
    self: o.self,
    networkId: Uint8Array.from(o.networkId),
    tls: Object.freeze({ cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca }),
    members,
    listen: o.listen ? Object.freeze({ host: o.listen.host, port: o.listen.port }) : undefined,
    peers: Object.freeze(peers),
    budgets: Object.freeze(budgets),
    scoring: Object.freeze(scoring),
    reconnect: Object.freeze(reconnect),
    limits,
    handshakeTimeoutMs,
    maxInboundConnections,
    logger: o.logger ?? silentP2pLogger,
    metrics: o.metrics ?? noopP2pMetrics,
    clock: o.clock ?? monotonicClock,
    random: o.random ?? Math.random,
  });
}
