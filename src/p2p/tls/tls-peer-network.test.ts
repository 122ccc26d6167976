import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConsortiumCa } from '../../pki/consortium-ca.js';
import { MAX_PAYLOAD_BYTES, MessageKind } from '../peer-network.js';
import { silentLogger } from '../../log.js';
import { encodeFrame } from './frame.js';
import { TlsPeerNetwork } from './tls-peer-network.js';
import { credsFor, type Creds, members, NETWORK_ID, rawPeer, sleep, startNode, testCa, type TestNode, waitFor } from './test-helpers/fixtures.js';

const A = 20801;
const B = 23415;
const C = 26201;
const D = 40445; // a member, played by hand-driven raw clients
const O = 52501; // a registered observer
const X = 310260; // not a member

const MEMBERS = members([A, 'validator'], [B, 'validator'], [C, 'validator'], [D, 'validator'], [O, 'observer']);
const ALL_KINDS = Object.values(MessageKind).filter((v): v is MessageKind => typeof v === 'number');
const FAST_RECONNECT = { baseMs: 40, maxMs: 400 };

let ca: ConsortiumCa;
const creds = new Map<number, Creds>();
const open: TestNode[] = [];

async function node(self: number, extra: Partial<Parameters<typeof startNode>[0]> = {}): Promise<TestNode> {
  const n = await startNode({ self, networkId: NETWORK_ID, tls: creds.get(self)!, members: MEMBERS, reconnect: FAST_RECONNECT, ...extra });
  open.push(n);
  return n;
}

const peerAt = (id: number, n: TestNode) => ({ id, host: '127.0.0.1', port: n.net.port! });

beforeAll(async () => {
  ca = await testCa();
  for (const id of [A, B, C, D, X]) creds.set(id, await credsFor(ca, { plmn: id }));
  creds.set(O, await credsFor(ca, { plmn: O, role: 'observer' }));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.net.close()));
});

describe('TlsPeerNetwork: authentication', () => {
  it('three validators connect over TLS 1.3, exchange every kind, and a broadcast reaches all', async () => {
    const a = await node(A);
    const b = await node(B, { peers: [peerAt(A, a)] });
    const c = await node(C, { peers: [peerAt(A, a), peerAt(B, b)] });
    await waitFor('full mesh', () => [a, b, c].every((n) => n.net.connectedPeers().length === 2));
    expect(a.net.connectedPeers()).toEqual([B, C]);
    expect(a.events).toEqual(expect.arrayContaining([{ peer: B, connected: true, role: 'validator' }]));
    expect(a.net.peerRole(C)).toBe('validator');

    const sent = ALL_KINDS.map((kind) => ({ kind, payload: randomBytes(Math.min(MAX_PAYLOAD_BYTES[kind], 100 + kind * 997)) }));
    for (const m of sent) expect(a.net.send(B, m.kind, m.payload)).toBe(true);
    // The largest payload each kind allows passes as well (one of each, large ones included).
    const largest = ALL_KINDS.map((kind) => ({ kind, payload: randomBytes(MAX_PAYLOAD_BYTES[kind]) }));
    await waitFor('every kind at B', () => b.received.length === sent.length);
    for (const [i, m] of largest.entries()) {
      // One at a time: together they exceed the outbound queue (48 MiB), and send would say so.
      expect(b.net.send(C, m.kind, m.payload)).toBe(true);
      await waitFor(`largest ${MessageKind[m.kind]} at C`, () => c.received.length === i + 1, 30_000);
    }
    expect(b.received.map((r) => [r.from, r.kind, r.payload.toString('hex')])).toEqual(sent.map((m) => [A, m.kind, m.payload.toString('hex')]));
    expect(c.received.map((r) => r.payload.equals(largest.find((l) => l.kind === r.kind)!.payload))).toEqual(largest.map(() => true));

    const vote = randomBytes(200);
    c.net.broadcast(MessageKind.Vote, vote);
    await waitFor('broadcast at A and B', () => [a, b].every((n) => n.received.some((r) => r.from === C && r.kind === MessageKind.Vote && r.payload.equals(vote))));
    expect(a.metrics.bytesInByKind.get('Vote')).toBe(205);
    expect(c.metrics.bytesOutByKind.get('Vote')).toBe(2 * 205);
    // A payload over its kind's limit is not sent (it would get us dropped).
    expect(a.net.send(B, MessageKind.Vote, new Uint8Array(MAX_PAYLOAD_BYTES[MessageKind.Vote] + 1))).toBe(false);
    expect(a.metrics.dropped).toContain('oversized_outbound');
    expect(a.net.send(X, MessageKind.Vote, vote)).toBe(false);
  }, 60_000);

  it('refuses a certificate of another CA, in both directions', async () => {
    const a = await node(A);
    const foreignCa = await testCa();
    const foreign = await credsFor(foreignCa, { plmn: B });
    const b = await node(B, { tls: { ...foreign, ca: creds.get(B)!.ca }, peers: [peerAt(A, a)] });
    await waitFor('A refuses B', () => a.metrics.refused.includes('tls'));
    expect(a.log.has((l) => l.msg === 'TLS handshake refused' && l.obj['error'] === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' && /^127\.0\.0\.1:\d+$/.test(String(l.obj['remote'])))).toBe(true);
    // B's TLS 1.3 handshake completed before A checked its certificate: B sees A hang up before its hello.
    await waitFor('B logs the hang-up', () => b.log.has((l) => l.msg.startsWith('peer closed the connection before its hello')));
    // And a node that trusts another CA does not accept A as a server either.
    const c = await node(C, { tls: { ...creds.get(C)!, ca: foreignCa.certPem }, peers: [peerAt(A, a)] });
    await sleep(300);
    expect([a, b, c].map((n) => n.net.connectedPeers())).toEqual([[], [], []]);
  });

  it('refuses an expired certificate', async () => {
    const a = await node(A);
    const expired = await credsFor(ca, { plmn: B, notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const b = await node(B, { tls: expired, peers: [peerAt(A, a)] });
    await waitFor('A refuses the expired certificate', () => a.log.has((l) => l.msg === 'TLS handshake refused' && l.obj['error'] === 'CERT_HAS_EXPIRED'));
    expect(a.metrics.refused).toContain('tls');
    await sleep(200);
    expect(a.net.connectedPeers()).toEqual([]);
    expect(b.net.connectedPeers()).toEqual([]);
  });

  it('refuses a PLMN id that is neither a validator nor a registered observer, and a peer other than the one dialed', async () => {
    const a = await node(A);
    const x = await node(X, { members: [...MEMBERS, { id: X, role: 'validator' }], peers: [peerAt(A, a)] });
    await waitFor('A refuses X', () => a.metrics.refused.includes('not_member'));
    expect(a.log.has((l) => l.msg === 'peer refused' && l.obj['peer'] === X && l.obj['reason'] === 'not_member')).toBe(true);
    // C dials A's address expecting B: the certificate names A, so C hangs up.
    const c = await node(C, { peers: [{ ...peerAt(B, a) }] });
    await waitFor('C refuses the wrong peer', () => c.metrics.refused.includes('wrong_peer'));
    await sleep(100);
    expect(a.net.connectedPeers()).toEqual([]);
    expect(x.net.connectedPeers()).toEqual([]);
  });

  it('admits an observer and exposes its role; a validator-registered PLMN with an observer certificate is an observer', async () => {
    const a = await node(A);
    await node(O, { peers: [peerAt(A, a)] });
    await node(B, { tls: await credsFor(ca, { plmn: B, role: 'observer' }), peers: [peerAt(A, a)] });
    await waitFor('A sees O and B', () => a.net.connectedPeers().length === 2);
    expect(a.net.peerRole(O)).toBe('observer');
    expect(a.net.peerRole(B)).toBe('observer');
    expect(a.events.filter((e) => e.connected).map((e) => [e.peer, e.role]).sort()).toEqual([[B, 'observer'], [O, 'observer']]);
  });

  it('refuses a client without a certificate', async () => {
    const a = await node(A);
    const raw = await rawPeer(a.net.port!, { ca: creds.get(A)!.ca });
    raw.hello();
    await raw.closed;
    await waitFor('A logs the refusal', () => a.metrics.refused.includes('tls'));
    expect(a.log.has((l) => l.msg === 'TLS handshake refused' && /certificate/i.test(String(l.obj['error'])))).toBe(true);
    expect(a.net.connectedPeers()).toEqual([]);
    expect(raw.received().length).toBe(0);
  });

  it('refuses a peer of another network (genesis) at the hello', async () => {
    const a = await node(A);
    const b = await node(B, { networkId: new Uint8Array(32).fill(9), peers: [peerAt(A, a)] });
    // Whichever side reads the other's hello first drops the connection.
    await waitFor('bad hello', () => a.metrics.dropped.includes('bad_hello') || b.metrics.dropped.includes('bad_hello'));
    expect([...a.log.lines, ...b.log.lines].some((l) => l.obj['reason'] === 'bad_hello' && /network id/.test(String(l.obj['detail'])))).toBe(true);
    await sleep(200);
    expect(a.net.connectedPeers()).toEqual([]);
    expect(b.net.connectedPeers()).toEqual([]);
    expect(a.events).toEqual([]);
  });
});

describe('TlsPeerNetwork: bad input', () => {
  it('drops a connection on an oversized length, an unknown kind, a truncated frame, garbage or a frame before the hello — and keeps serving the others', async () => {
    const a = await node(A, { scoring: { violation: -10 } });
    const b = await node(B, { peers: [peerAt(A, a)] });
    await waitFor('A-B', () => a.net.connectedPeers().includes(B) && b.net.connectedPeers().includes(A));
    const before = randomBytes(1000);
    expect(b.net.send(A, MessageKind.Batch, before)).toBe(true);

    const bad: Array<[string, (s: import('node:tls').TLSSocket) => void, boolean]> = [
      ['oversized', (s) => s.write(Buffer.from([0x00, 0x00, 0x10, 0x01, MessageKind.Vote])), true], // a 4097-byte vote announced
      ['unknown_kind', (s) => s.write(Buffer.from([0, 0, 0, 1, 200, 0])), true],
      ['truncated', (s) => s.end(Buffer.concat([Buffer.from([0, 0, 0, 100, MessageKind.Vote]), Buffer.alloc(10)])), true],
      ['unknown_kind', (s) => s.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), true], // garbage: kind '/' (47)
      ['oversized', (s) => s.write(Buffer.from([0xff, 0xfe, 0xfd, 0xfc, MessageKind.Batch, ...randomBytes(64)])), true], // garbage: a 4 GiB batch
      ['expected_hello', (s) => s.write(encodeFrame(MessageKind.Vote, Buffer.alloc(8))), false],
      ['bad_hello', (s) => s.write(encodeFrame(0, Buffer.alloc(3))), false],
    ];
    let lastScore = 0;
    for (const [reason, misbehave, sendHello] of bad) {
      const droppedBefore = a.metrics.dropped.length;
      const raw = await rawPeer(a.net.port!, creds.get(D)!);
      if (sendHello) {
        raw.hello();
        await waitFor('A connects D', () => a.net.connectedPeers().includes(D));
      }
      misbehave(raw.socket);
      await raw.closed;
      await waitFor(`A drops ${reason}`, () => a.metrics.dropped.length === droppedBefore + 1 && !a.net.connectedPeers().includes(D));
      expect(a.metrics.dropped.at(-1)).toBe(reason);
      expect(a.log.has((l) => l.level === 'warn' && l.obj['reason'] === reason && l.obj['peer'] === D)).toBe(true);
      const score = a.net.peerScore(D);
      expect(score).toBeLessThan(lastScore);
      lastScore = score;
    }
    expect(a.metrics.scores.get(D)).toBeLessThan(0);
    // A still serves B, and what B sent before arrived once; what it sends now arrives too.
    const after = randomBytes(1000);
    expect(a.net.connectedPeers()).toEqual([B]);
    expect(b.net.send(A, MessageKind.Batch, after)).toBe(true);
    expect(a.net.send(B, MessageKind.Vote, after.subarray(0, 10))).toBe(true);
    await waitFor('after', () => a.received.length === 2 && b.received.length === 1);
    expect(a.received.map((r) => r.payload.toString('hex'))).toEqual([before.toString('hex'), after.toString('hex')]);
  });

  it('bans a peer whose score falls below the threshold, refuses it while banned, and takes it back after', async () => {
    const a = await node(A, { scoring: { banBaseMs: 600, reject: -30, penalise: -70 } });
    const b = await node(B, { peers: [peerAt(A, a)] });
    await waitFor('A-B', () => a.net.connectedPeers().includes(B) && b.net.connectedPeers().includes(A));
    a.net.report(B, 'reject', 'invalid batch');
    expect(a.net.peerScore(B)).toBe(-30);
    expect(a.net.connectedPeers()).toEqual([B]);
    a.net.report(B, 'penalise', 'bad aggregate signature');
    await waitFor('B disconnected', () => !a.net.connectedPeers().includes(B) && !b.net.connectedPeers().includes(A));
    expect(a.log.has((l) => l.msg.includes('banned') && l.obj['peer'] === B)).toBe(true);
    await waitFor('B redials and is refused as banned', () => a.metrics.refused.includes('banned'));
    await waitFor('B back after the ban', () => a.net.connectedPeers().includes(B), 5_000);
  });

  it('a slow reader does not grow the sender: send returns false once its queue is full, and what was accepted arrives in order', async () => {
    const maxQueueBytes = 2 * 2 ** 20;
    const low = { [MessageKind.Batch]: 64 * 1024, [MessageKind.Block]: 64 * 1024, [MessageKind.Proposal]: 64 * 1024, [MessageKind.BlockResponse]: 64 * 1024, [MessageKind.TxResponse]: 64 * 1024, [MessageKind.BatchProof]: 64 * 1024 };
    const a = await node(A, { budgets: { maxQueueBytes }, maxPayloadBytes: low });
    const raw = await rawPeer(a.net.port!, creds.get(D)!);
    raw.hello();
    await waitFor('A connects D', () => a.net.connectedPeers().includes(D));
    raw.socket.pause(); // D stops reading: TCP fills, then A's queue

    const payload = Buffer.alloc(60_000);
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    let accepted = 0;
    let refusedAt = -1;
    for (let i = 0; i < 20_000; i++) {
      payload.writeUInt32BE(i, 0);
      if (a.net.send(D, MessageKind.Batch, payload)) accepted++;
      else if (refusedAt < 0) refusedAt = i;
      if (i % 200 === 0) await sleep(1); // let the socket drain into the kernel as far as it will
    }
    const info = a.net.connections().find((c) => c.peer === D)!;
    const grown = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore;
    expect(refusedAt).toBeGreaterThan(0);
    expect(info.pendingOutboundBytes).toBeLessThanOrEqual(maxQueueBytes);
    expect(accepted * 60_005).toBeLessThan(64 * 2 ** 20); // 1.2 GB offered; what was taken is the queue plus kernel buffers
    expect(grown).toBeLessThan(48 * 2 ** 20);
    expect(a.metrics.dropped.filter((r) => r === 'send_queue_full').length).toBe(20_000 - accepted);

    // Reading again, D gets exactly the accepted frames, in order, after A's hello.
    raw.socket.resume();
    const expectedBytes = 38 + accepted * 60_005; // A's hello is 5 + 33 bytes
    await waitFor('D drains', () => raw.data.reduce((n, d) => n + d.length, 0) >= expectedBytes, 30_000);
    const all = raw.received();
    expect(all.length).toBe(expectedBytes);
    const seq: number[] = [];
    for (let off = 38; off < all.length; off += 60_005) seq.push(all.readUInt32BE(off + 5));
    expect(seq.length).toBe(accepted);
    expect(seq.every((v, i) => i === 0 || v > seq[i - 1]!)).toBe(true);
  }, 60_000);

  it('throttles a peer over its message budget by not reading, without dropping anything', async () => {
    const a = await node(A, { budgets: { messagesPerSecond: 100, messagesBurst: 10 } });
    const b = await node(B, { peers: [peerAt(A, a)] });
    await waitFor('A-B', () => a.net.connectedPeers().includes(B) && b.net.connectedPeers().includes(A));
    const t0 = Date.now();
    for (let i = 0; i < 60; i++) expect(b.net.send(A, MessageKind.Vote, Buffer.from([i]))).toBe(true);
    await waitFor('60 votes', () => a.received.length === 60);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400); // 50 beyond the burst at 100/s
    expect(a.received.map((r) => r.payload[0])).toEqual([...Array(60).keys()]);
  });
});

describe('TlsPeerNetwork: connections', () => {
  it("drops a peer that never says hello, and ends a connection when the peer's certificate expires", async () => {
    const a = await node(A, { handshakeTimeoutMs: 300 });
    const silent = await rawPeer(a.net.port!, creds.get(D)!);
    await silent.closed;
    expect(a.metrics.dropped).toContain('hello_timeout');
    expect(a.net.peerScore(D)).toBeLessThan(0);

    const shortLived = await credsFor(ca, { plmn: B, notAfter: new Date(Date.now() + 1500) });
    const b = await node(B, { tls: shortLived, peers: [peerAt(A, a)] });
    await waitFor('A-B', () => a.net.connectedPeers().includes(B));
    await waitFor('closed at expiry', () => a.log.has((l) => l.msg === 'peer disconnected' && l.obj['reason'] === 'certificate expired'), 5_000);
    // B keeps redialing with its expired certificate: refused at the handshake now.
    await waitFor('refused as expired', () => a.log.has((l) => l.obj['error'] === 'CERT_HAS_EXPIRED'), 5_000);
    expect(a.net.connectedPeers()).toEqual([]);
    expect(b.net.connectedPeers()).toEqual([]);
  });

  it("takes the node's pino logger", async () => {
    const logger = silentLogger();
    const net = await TlsPeerNetwork.start({ self: C, networkId: NETWORK_ID, tls: creds.get(C)!, members: MEMBERS, logger, listen: { host: '127.0.0.1', port: 0 } });
    expect(net.port).toBeGreaterThan(0);
    await net.close();
    await expect(TlsPeerNetwork.start({ self: A, networkId: NETWORK_ID, tls: creds.get(C)!, members: MEMBERS })).rejects.toThrow(/names 26201, not 20801/);
    await expect(TlsPeerNetwork.start({ self: C, networkId: new Uint8Array(8), tls: creds.get(C)!, members: MEMBERS })).rejects.toThrow(/networkId/);
  });

  it('reconnects with back-off after the peer restarts', async () => {
    const b = await node(B);
    const port = b.net.port!;
    const a = await node(A, { peers: [{ id: B, host: '127.0.0.1', port }] });
    await waitFor('A-B', () => a.net.connectedPeers().includes(B) && b.net.connectedPeers().includes(A));
    await b.net.close();
    open.splice(open.indexOf(b), 1);
    await waitFor('A sees B gone', () => a.events.some((e) => e.peer === B && !e.connected));
    await sleep(600); // several failed dials
    expect(a.log.has((l) => l.msg === 'p2p dial error')).toBe(true);
    const b2 = await node(B, { listen: { host: '127.0.0.1', port } });
    await waitFor('A reconnects', () => a.net.connectedPeers().includes(B) && b2.net.connectedPeers().includes(A));
    expect(a.net.send(B, MessageKind.Block, Buffer.from('after restart'))).toBe(true);
    await waitFor('message after restart', () => b2.received.some((r) => r.payload.toString() === 'after restart'));
  });

  it('two nodes dialing each other at once end with one connection, the same on both sides', async () => {
    let duplicates = 0;
    for (let round = 0; round < 5; round++) {
      const [x, y] = await Promise.all([node(A), node(B)]);
      // Both learn the other's address in the same tick and dial at once.
      x.net.addPeer(peerAt(B, y));
      y.net.addPeer(peerAt(A, x));
      await waitFor('connected', () => x.net.connectedPeers().includes(B) && y.net.connectedPeers().includes(A));
      await waitFor('one connection each', () => x.net.connections().length === 1 && y.net.connections().length === 1, 8_000);
      await sleep(200); // and it stays that way: no redial, no second connection
      const [cx, cy] = [x.net.connections(), y.net.connections()];
      expect(cx).toHaveLength(1);
      expect(cy).toHaveLength(1);
      expect(cx[0]!.local).toBe(cy[0]!.remote); // the same TCP connection
      duplicates += [...x.log.lines, ...y.log.lines].filter((l) => l.msg === 'duplicate connection retired').length;
      if (duplicates > 0) expect(cx[0]!.outbound).toBe(true); // the lower PLMN id's (A's) dial survives
      expect(x.events).toEqual([{ peer: B, connected: true, role: 'validator' }]);
      expect(x.net.send(B, MessageKind.Vote, Buffer.from([round]))).toBe(true);
      await waitFor('vote', () => y.received.some((r) => r.payload[0] === round));
      await Promise.all(open.splice(0).map((n) => n.net.close()));
    }
    expect(duplicates).toBeGreaterThan(0); // the race did happen
  }, 60_000);
});
