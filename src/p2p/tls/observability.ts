import type { PeerId } from '../peer-network.js';

/** Why the network dropped a frame or a connection (a metrics label). */
export type DropReason =
  | 'unknown_kind'
  | 'oversized'
  | 'truncated'
  | 'expected_hello'
  | 'bad_hello'
  | 'hello_timeout'
  | 'receive_buffer_overflow'
  | 'send_queue_full'
  | 'not_connected'
  | 'oversized_outbound';

/**
 * What the network reports; the node adapts it to its Prometheus registry (the network does not
 * import the node's metrics). Kind labels are `MessageKind` names, or `hello`.
 */
export interface P2pMetrics {
  peersConnected(count: number): void;
  bytesIn(kind: string, bytes: number): void;
  bytesOut(kind: string, bytes: number): void;
  frameDropped(reason: DropReason): void;
  peerScore(peer: PeerId, score: number): void;
  /** An inbound or outbound connection refused at or right after the TLS handshake (see RefusalReason). */
  connectionRefused?(reason: string): void;
}

export const noopP2pMetrics: P2pMetrics = Object.freeze({
  peersConnected() {},
  bytesIn() {},
  bytesOut() {},
  frameDropped() {},
  peerScore() {},
});

/** The part of a pino logger the network uses: a structured object, then a message. */
export interface P2pLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentP2pLogger: P2pLogger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });
