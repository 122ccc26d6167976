import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConsortiumCa } from '../../pki/consortium-ca.js';
import { MessageKind } from '../../p2p/peer-network.js';
import { credsFor, type Creds, members, NETWORK_ID, startNode, testCa, type TestNode } from '../../p2p/tls/test-helpers/fixtures.js';
import { FaultProxy } from './fault-proxy.js';
import { ProxyMesh } from './proxy-mesh.js';
import { sleep, waitFor } from './test-sockets.js';

const A = 20801;
const B = 23415;
const C = 26201;

let ca: ConsortiumCa;
const creds = new Map<number, Creds>();
const open: Array<{ close(): Promise<void> }> = [];
const track = <T extends { close(): Promise<void> }>(x: T): T => {
  open.push(x);
  return x;
};

beforeAll(async () => {
  ca = await testCa();
  for (const id of [A, B, C]) creds.set(id, await credsFor(ca, { plmn: id }));
});

afterEach(async () => {
  await Promise.all(open.splice(0).reverse().map((x) => x.close()));
});

/** A TLS 1.3 echo server with mutual authentication (consortium certificates), counting what it saw. */
async function tlsEchoServer(): Promise<{ port: number; tcp: () => number; secure: () => number; refused: string[]; close(): Promise<void> }> {
  const own = creds.get(A)!;
  let tcp = 0;
  let secure = 0;
  const refused: string[] = [];
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: own.cert, key: own.key, ca: [own.ca], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (s) => {
    secure += 1;
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
    s.pipe(s);
  });
  server.on('connection', () => (tcp += 1));
  server.on('tlsClientError', (err) => refused.push(err.message));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    tcp: () => tcp,
    secure: () => secure,
    refused,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A TLS client of the consortium (B's certificate) connected to 127.0.0.1:port. */
async function tlsClient(port: number): Promise<{ socket: tls.TLSSocket; received: () => Buffer }> {
  const own = creds.get(B)!;
  const socket = tls.connect({ host: '127.0.0.1', port, cert: own.cert, key: own.key, ca: [own.ca], minVersion: 'TLSv1.3', checkServerIdentity: () => undefined });
  const data: Buffer[] = [];
  socket.on('data', (d: Buffer) => data.push(d));
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  return { socket, received: () => Buffer.concat(data) };
}

async function echoes(c: { socket: tls.TLSSocket; received: () => Buffer }, payload: Buffer): Promise<void> {
  const before = c.received().length;
  c.socket.write(payload);
  await waitFor('TLS echo', () => c.received().length >= before + payload.length, 20_000);
  expect(c.received().subarray(before).equals(payload)).toBe(true);
}

describe('FaultProxy: TLS 1.3 passes through untouched', () => {
  it('a mutually authenticated TLS 1.3 session works through a jittered proxy', async () => {
    const server = track(await tlsEchoServer());
    const proxy = track(await FaultProxy.start({ target: { host: '127.0.0.1', port: server.port }, seed: 3 }));
    proxy.delay(2, 10);
    const c = await tlsClient(proxy.port);
    expect(c.socket.getProtocol()).toBe('TLSv1.3');
    expect(c.socket.authorized).toBe(true);
    // The server's certificate came through the proxy: it names A, not anything of the proxy.
    expect(c.socket.getPeerX509Certificate()?.subject).toContain(`CN=${A}`);
    await echoes(c, randomBytes(2 * 2 ** 20));
    const s = proxy.stats();
    expect(s.bytes.toTarget).toBeGreaterThan(2 * 2 ** 20);
    expect(s.bytes.toClient).toBeGreaterThan(2 * 2 ** 20);
    expect(server.secure()).toBe(1);
    expect(server.refused).toEqual([]);
    c.socket.destroy();
  });

  it('a replayed client stream (duplicate) is refused by the TLS server, while the original session goes on', async () => {
    const server = track(await tlsEchoServer());
    const proxy = track(await FaultProxy.start({ target: { host: '127.0.0.1', port: server.port } }));
    proxy.duplicate(1);
    const c = await tlsClient(proxy.port);
    await echoes(c, Buffer.from('hello through a duplicated link'));
    await waitFor('replay over', () => proxy.stats().replays.finished === 1);
    const [outcome] = proxy.replayOutcomes();
    // The replay carried the client's handshake (ClientHello, then its encrypted flight) ...
    expect(outcome!.bytesSent).toBeGreaterThan(1_000);
    // ... got the server's first flight, and was closed by the server before the client was done.
    expect(outcome!.bytesReceived).toBeGreaterThan(0);
    expect(outcome!.closedByTarget).toBe(true);
    expect(server.tcp()).toBe(2);
    expect(server.secure()).toBe(1);
    expect(server.refused.length).toBe(1);
    // The replayed client flight was encrypted under the original session's keys: it cannot decrypt.
    expect(server.refused[0]).toMatch(/decryption failed or bad record mac/);
    await echoes(c, Buffer.from('still here'));
    c.socket.destroy();
  });

  it('a replay made after the session ended is refused as well', async () => {
    const server = track(await tlsEchoServer());
    const proxy = track(await FaultProxy.start({ target: { host: '127.0.0.1', port: server.port } }));
    proxy.duplicate(1, 300);
    const c = await tlsClient(proxy.port);
    await echoes(c, randomBytes(10_000));
    c.socket.end();
    await once(c.socket, 'close');
    expect(proxy.stats().replays.finished).toBe(0);
    await waitFor('replay over', () => proxy.stats().replays.finished === 1);
    expect(proxy.replayOutcomes()[0]!.closedByTarget).toBe(true);
    expect(server.secure()).toBe(1);
    expect(server.refused.length).toBe(1);
    // The replayed client flight was encrypted under the original session's keys: it cannot decrypt.
    expect(server.refused[0]).toMatch(/decryption failed or bad record mac/);
  });
});

describe('FaultProxy and ProxyMesh: the project TLS peer network through proxies', () => {
  const MEMBERS = members([A, 'validator'], [B, 'validator'], [C, 'validator']);
  const nodes: TestNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.net.close()));
  });

  it('three validators connect through a mesh; isolate() disconnects one, healAll() reconnects it', async () => {
    for (const id of [A, B, C]) {
      nodes.push(await startNode({ self: id, networkId: NETWORK_ID, tls: creds.get(id)!, members: MEMBERS, reconnect: { baseMs: 40, maxMs: 400 } }));
    }
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const mesh = track(await ProxyMesh.start({ nodes: nodes.map((n) => ({ id: n.net.self, port: n.net.port! })), seed: 'tls-mesh' }));
    // Each node dials every other at the address the mesh gives it (as a peers map would say).
    for (const n of nodes) for (const [id, at] of mesh.peersOf(n.net.self)) n.net.addPeer({ id, ...at });
    await waitFor('full mesh', () => nodes.every((n) => n.net.connectedPeers().length === 2));
    for (const n of nodes) for (const conn of n.net.connections()) expect(conn.remote.startsWith('127.0.0.1:')).toBe(true);

    mesh.isolate(C);
    await waitFor('C alone', () => c.net.connectedPeers().length === 0 && a.net.connectedPeers().join() === String(B));
    c.net.broadcast(MessageKind.Vote, Buffer.from('lost'));
    a.net.broadcast(MessageKind.Vote, Buffer.from('to B only'));
    await waitFor('B got it', () => b.received.some((m) => m.payload.toString() === 'to B only'));
    await sleep(200); // C's reconnects are refused meanwhile
    expect(c.received.length).toBe(0);
    const refused = mesh.stats().filter((l) => l.from === C || l.to === C).reduce((n, l) => n + l.stats.connections.refused, 0);
    expect(refused).toBeGreaterThan(0);

    mesh.healAll();
    await waitFor('full mesh again', () => nodes.every((n) => n.net.connectedPeers().length === 2));
    c.net.broadcast(MessageKind.Vote, Buffer.from('back'));
    await waitFor('A and B hear C', () => [a, b].every((n) => n.received.some((m) => m.from === C && m.payload.toString() === 'back')));
    // No TLS session was ever refused: the proxies never touched a record.
    for (const n of nodes) expect(n.metrics.refused).toEqual([]);
  });

  it('a validator refuses the replay of a peer connection as a TLS failure and keeps the real one', async () => {
    for (const id of [A, B]) {
      nodes.push(await startNode({ self: id, networkId: NETWORK_ID, tls: creds.get(id)!, members: MEMBERS, reconnect: { baseMs: 40, maxMs: 400 } }));
    }
    const [a, b] = nodes as [TestNode, TestNode];
    const mesh = track(await ProxyMesh.start({ nodes: nodes.map((n) => ({ id: n.net.self, port: n.net.port! })) }));
    mesh.link(B, A).duplicate(1);
    b.net.addPeer({ id: A, ...mesh.dialAddress(B, A) });
    await waitFor('connected', () => a.net.connectedPeers().length === 1 && b.net.connectedPeers().length === 1);
    await waitFor('replay refused', () => a.metrics.refused.includes('tls'));
    expect(mesh.link(B, A).stats().replays.started).toBe(1);
    b.net.broadcast(MessageKind.Vote, Buffer.from('after the replay'));
    await waitFor('A hears B', () => a.received.some((m) => m.from === B && m.payload.toString() === 'after the replay'));
    expect(a.net.connectedPeers()).toEqual([B]);
  });
});
