import { connect, type TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { createConsortiumCa, type ConsortiumCa, issueNodeCertificate, type IssueOptions } from '../../../pki/consortium-ca.js';
import type { PeerEvent, PeerId, PeerMessage } from '../../peer-network.js';
import { encodeFrame, HELLO_KIND } from '../frame.js';
import { encodeHello } from '../hello.js';
import type { DropReason, P2pLogger, P2pMetrics } from '../observability.js';
import { TlsPeerNetwork } from '../tls-peer-network.js';
import type { NetworkMember, TlsPeerNetworkOptions } from '../tls-options.js';

/** Test support for the TLS network: a CA, credentials, recording metrics and logs, waits. */

export const NETWORK_ID = new Uint8Array(32).fill(7);

export interface Creds {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export async function testCa(): Promise<ConsortiumCa> {
  return createConsortiumCa({ name: 'test consortium' });
}

export async function credsFor(ca: ConsortiumCa, o: IssueOptions): Promise<Creds> {
  const n = await issueNodeCertificate(ca, o);
  return { cert: n.certPem, key: n.keyPem, ca: n.caPem };
}

export class RecordingMetrics implements P2pMetrics {
  connected = 0;
  readonly dropped: DropReason[] = [];
  readonly refused: string[] = [];
  readonly bytesInByKind = new Map<string, number>();
  readonly bytesOutByKind = new Map<string, number>();
  readonly scores = new Map<PeerId, number>();
  peersConnected(count: number): void {
    this.connected = count;
  }
  bytesIn(kind: string, bytes: number): void {
    this.bytesInByKind.set(kind, (this.bytesInByKind.get(kind) ?? 0) + bytes);
  }
  bytesOut(kind: string, bytes: number): void {
    this.bytesOutByKind.set(kind, (this.bytesOutByKind.get(kind) ?? 0) + bytes);
  }
  frameDropped(reason: DropReason): void {
    this.dropped.push(reason);
  }
  peerScore(peer: PeerId, score: number): void {
    this.scores.set(peer, score);
  }
  connectionRefused(reason: string): void {
    this.refused.push(reason);
  }
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

export class RecordingLogger implements P2pLogger {
  readonly lines: LogLine[] = [];
  debug(obj: object, msg: string): void {
    this.lines.push({ level: 'debug', msg, obj: obj as Record<string, unknown> });
  }
  info(obj: object, msg: string): void {
    this.lines.push({ level: 'info', msg, obj: obj as Record<string, unknown> });
  }
  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', msg, obj: obj as Record<string, unknown> });
  }
  error(obj: object, msg: string): void {
    this.lines.push({ level: 'error', msg, obj: obj as Record<string, unknown> });
  }
  has(pred: (l: LogLine) => boolean): boolean {
    return this.lines.some(pred);
  }
}

/** A network with recording metrics/logs, and every message and peer event it saw. */
export interface TestNode {
  readonly net: TlsPeerNetwork;
  readonly metrics: RecordingMetrics;
  readonly log: RecordingLogger;
  readonly received: Array<{ from: PeerId; kind: number; payload: Buffer }>;
  readonly events: PeerEvent[];
}

export async function startNode(options: TlsPeerNetworkOptions): Promise<TestNode> {
  const metrics = new RecordingMetrics();
  const log = new RecordingLogger();
  const net = await TlsPeerNetwork.start({ ...options, metrics, logger: log, listen: options.listen ?? { host: '127.0.0.1', port: 0 } });
  const received: TestNode['received'] = [];
  const events: PeerEvent[] = [];
  net.onMessage((m: PeerMessage) => received.push({ from: m.from, kind: m.kind, payload: Buffer.from(m.payload) }));
  net.onPeer((e) => events.push(e));
  return { net, metrics, log, received, events };
}

export function members(...list: Array<[PeerId, NetworkMember['role']]>): NetworkMember[] {
  return list.map(([id, role]) => ({ id, role }));
}

/** Polls `cond` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A hand-driven TLS client with a certificate (or none): it can send a hello and then anything at
 * all, to play a faulty or hostile peer against a real listener.
 */
export interface RawPeer {
  readonly socket: TLSSocket;
  readonly data: Buffer[];
  /** Resolves once the socket closed. */
  readonly closed: Promise<void>;
  hello(networkId?: Uint8Array): void;
  received(): Buffer;
}

export async function rawPeer(port: number, creds: Partial<Creds> & { ca: string }): Promise<RawPeer> {
  const socket = connect({
    host: '127.0.0.1',
    port,
    ca: [creds.ca],
    ...(creds.cert ? { cert: creds.cert, key: creds.key } : {}),
    minVersion: 'TLSv1.3',
    checkServerIdentity: () => undefined,
  });
  const data: Buffer[] = [];
  socket.on('data', (d: Buffer) => data.push(d));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // events.once rejects on 'error': a refused handshake shows as the socket closing.
  await Promise.race([once(socket, 'secureConnect').catch(() => undefined), closed]);
  return {
    socket,
    data,
    closed,
    hello(networkId = NETWORK_ID) {
      socket.write(encodeFrame(HELLO_KIND, encodeHello(networkId)));
    },
    received: () => Buffer.concat(data),
  };
}
