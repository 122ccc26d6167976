import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_VERSION_CONSENSUS, BlockKind } from '../../codec/block.js';
import { decodeBlockRequest, encodeBlockRequest } from '../../codec/consensus-messages.js';
import { blockFromParts, withJustification } from '../../consensus/consensus-block.js';
import { MAX_PAYLOAD_BYTES, MessageKind } from '../../p2p/peer-network.js';
import { encodeFrame, FRAME_HEADER_BYTES, HELLO_KIND } from '../../p2p/tls/frame.js';
import { encodeHello } from '../../p2p/tls/hello.js';
import { createConsortiumCa, issueNodeCertificate, loadConsortiumCa } from '../../pki/consortium-ca.js';
import { readCaDir } from '../../pki/pki-files.js';
import type { RawPeer } from '../../p2p/tls/test-helpers/fixtures.js';
import { waitUntil } from '../../test-helpers/rogue-validator.js';
import { FinalChains } from '../faults/final-chains.js';
import { OperatorStream } from '../faults/operator-stream.js';
import { logLines, metricOf, startRogueCluster, waitLogged, waitMetricAbove, type RogueCluster } from './rogue-cluster.js';

const NOT_A_VALIDATOR = 52501;

/** Frames `[u32 len][u8 kind][payload]` a validator sent down a raw connection (after its hello). */
function framesOf(bytes: Buffer): { kind: number; payload: Buffer }[] {
  const out: { kind: number; payload: Buffer }[] = [];
  for (let at = 0; at + FRAME_HEADER_BYTES <= bytes.length; ) {
    const len = bytes.readUInt32BE(at);
    if (at + FRAME_HEADER_BYTES + len > bytes.length) break;
    out.push({ kind: bytes[at + 4]!, payload: bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + len) });
    at += FRAME_HEADER_BYTES + len;
  }
  return out;
}

/** A v2 micro block header at `height` on a parent nobody has (contents never checked: it is dropped or held first). */
function blockAt(height: number, prevHash = randomBytes(32)) {
  const unsigned = blockFromParts({
    header: {
      version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Micro, height: BigInt(height), prevHash, timestampMs: BigInt(Date.now()),
      producer: 20801, txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
      consensus: { round: 0, seed: randomBytes(96), stateRoot: randomBytes(32), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) },
    },
  });
  return withJustification(unsigned, { round: 0, signature: randomBytes(96), signers: new Uint8Array(0) });
}

/**
 * Bad input on the P2P port (issue 12 item 11) against three honest validator processes: malformed,
 * oversized and out-of-order frames, certificates of another CA, expired or naming a non-member,
 * blocks far ahead or whose parent nobody has. Each is dropped with a logged reason and counted (the
 * peer's score, the refusal or drop metrics), no process crashes, and every batch acknowledged
 * before, during and after is final exactly once. The rogue (a real validator's certificate) speaks
 * over hand-driven TLS connections only: its own network neither dials nor listens, so every raw
 * connection is the one connection the honest validator has with it.
 */
describe('bad P2P input: frames, certificates, blocks out of reach', () => {
  let r: RogueCluster;
  let streams: OperatorStream[];
  const raws: RawPeer[] = [];

  beforeAll(async () => {
    r = await startRogueCluster({ rogue: { dial: [], listen: false } });
    streams = r.honest.map((i) => new OperatorStream(r.c, r.c.plmn(i), r.c.plmn((i + 1) % 3)));
    await Promise.all(streams.map((s, k) => s.submit(r.honest[k]!, 3)));
  }, 90_000);

  afterAll(async () => {
    for (const p of raws) p.socket.destroy();
    await r?.close();
  });

  async function raw(i: number, o: Parameters<RogueCluster['rogue']['raw']>[1] = {}): Promise<RawPeer> {
    const p = await r.rogue.raw(i, o);
    raws.push(p);
    return p;
  }

  /** A raw connection the validator accepted (its hello came back). */
  async function accepted(i: number): Promise<RawPeer> {
    const p = await raw(i);
    await waitUntil(`validator ${i}'s hello`, () => framesOf(p.received()).some((f) => f.kind === HELLO_KIND), 10_000);
    return p;
  }

  it('malformed, oversized and truncated frames: the connection is dropped unread, the reason counted and logged, the peer scored', async () => {
    const { c, rogue } = r;
    const cases: { i: number; reason: string; send: (p: RawPeer) => void }[] = [
      { i: 0, reason: 'unknown_kind', send: (p) => p.socket.write(encodeFrame(200, randomBytes(10))) },
      // A Vote header announcing one byte over the kind's limit: refused from the 5-byte header alone.
      { i: 1, reason: 'oversized', send: (p) => p.socket.write(Buffer.from([0, 0, 0x10, 0x01, MessageKind.Vote])) },
      // A Block frame cut short: 10 of 1,000 payload bytes, then the end of the stream.
      { i: 2, reason: 'truncated', send: (p) => p.socket.end(Buffer.concat([Buffer.from([0, 0, 0x03, 0xe8, MessageKind.Block]), randomBytes(10)])) },
    ];
    expect(MAX_PAYLOAD_BYTES[MessageKind.Vote]).toBe(0x1000);
    for (const k of cases) {
      const series = `cdrchain_p2p_frames_dropped_total{reason="${k.reason}"}`;
      const before = await metricOf(c, [k.i], series);
      const p = await accepted(k.i);
      k.send(p);
      await waitMetricAbove(c, [k.i], series, before);
      await waitLogged(c, [k.i], 'peer connection dropped: protocol violation', (l) => l['peer'] === rogue.plmn && l['reason'] === k.reason);
      await p.closed; // the validator hung up
      expect(await c.metric(k.i, `cdrchain_p2p_peer_score{peer="${rogue.plmn}"}`)).toBeLessThan(0);
    }
  });

  it('out-of-order frames: data before the hello, a second hello, a hello of another network', async () => {
    const { c, rogue } = r;
    const cases: { i: number; reason: string; run: () => Promise<RawPeer> }[] = [
      { i: 0, reason: 'expected_hello', run: async () => {
        const p = await raw(0, { hello: false });
        p.socket.write(encodeFrame(MessageKind.Vote, randomBytes(100)));
        return p;
      } },
      { i: 1, reason: 'bad_hello', run: async () => {
        const p = await accepted(1);
        p.socket.write(encodeFrame(HELLO_KIND, encodeHello(rogue.chain)));
        return p;
      } },
      { i: 2, reason: 'bad_hello', run: () => raw(2, { networkId: randomBytes(32) }) },
    ];
    for (const k of cases) {
      const series = `cdrchain_p2p_frames_dropped_total{reason="${k.reason}"}`;
      const before = await metricOf(c, [k.i], series);
      const p = await k.run();
      await waitMetricAbove(c, [k.i], series, before);
      await waitLogged(c, [k.i], 'peer connection dropped: protocol violation', (l) => l['peer'] === rogue.plmn && l['reason'] === k.reason);
      await p.closed;
    }
    expect(logLines(c, 1, 'peer connection dropped: protocol violation', (l) => l['reason'] === 'bad_hello')[0]!['detail']).toBe('a second hello');
    expect(logLines(c, 2, 'peer connection dropped: protocol violation', (l) => l['reason'] === 'bad_hello')[0]!['detail']).toBe('another network id (genesis)');
  });

  it('well-framed garbage of every consensus kind is rejected with a reason, and the connection stays up', async () => {
    const { c, rogue, honest } = r;
    const plan: { i: number; kind: MessageKind; payload: Uint8Array; reason: RegExp; label: string }[] = [
      { i: 0, kind: MessageKind.Vote, payload: randomBytes(200), reason: /^malformed vote/, label: 'Vote' },
      { i: 0, kind: MessageKind.Block, payload: randomBytes(500), reason: /^malformed block/, label: 'Block' },
      { i: 1, kind: MessageKind.Proposal, payload: randomBytes(300), reason: /^malformed proposal/, label: 'Proposal' },
      { i: 1, kind: MessageKind.BlockRequest, payload: randomBytes(40), reason: /file identifier is not "CDRQ"/, label: 'BlockRequest' },
      { i: 2, kind: MessageKind.TxRequest, payload: randomBytes(33), reason: /^TxRequest of 33 bytes/, label: '' },
      { i: 2, kind: MessageKind.Batch, payload: randomBytes(400), reason: /^transaction refused: malformed/, label: '' },
    ];
    const peers = await Promise.all(honest.map((i) => accepted(i)));
    const series = (m: (typeof plan)[number]) => `cdrchain_consensus_messages_total{kind="${m.label}",verdict="reject"}`;
    const before = await Promise.all(plan.map((m) => (m.label ? c.metric(m.i, series(m)) : Promise.resolve(0))));
    for (const m of plan) peers[m.i]!.socket.write(encodeFrame(m.kind, m.payload));
    for (const [k, m] of plan.entries()) {
      await waitLogged(c, [m.i], 'peer message rejected', (l) => l['peer'] === rogue.plmn && m.reason.test(String(l['reason'])));
      if (m.label) await waitMetricAbove(c, [m.i], series(m), [before[k]!]);
    }
    // Rejected, not dropped: each connection is still open (a frame after them still arrives and is judged).
    for (const p of peers) expect(p.socket.destroyed).toBe(false);
    for (const i of honest) {
      expect(logLines(c, i, 'consensus task failed')).toEqual([]);
      expect(logLines(c, i, 'p2p message handler threw')).toEqual([]);
    }
    for (const p of peers) p.socket.destroy();
  });

  it('a block far beyond the last final block is not taken: the validator asks the sender for final blocks instead', async () => {
    const { c, rogue } = r;
    const p = await accepted(0);
    const status = await c.consensus(0);
    const far = blockAt(status.final.height + status.policy.maxBlocksAhead + 1_000);
    const ignores = await metricOf(c, [0], 'cdrchain_consensus_messages_total{kind="Block",verdict="ignore"}');
    const scoreBefore = (await c.consensus(0)).validators.find((v) => v.plmn === rogue.plmn)!.score!;
    p.socket.write(encodeFrame(MessageKind.Block, far.frame));
    await waitMetricAbove(c, [0], 'cdrchain_consensus_messages_total{kind="Block",verdict="ignore"}', ignores);
    // Range sync: a BlockRequest for the final blocks after its own, sent to us.
    await waitUntil('a range request', () => framesOf(p.received()).some((f) => {
      if (f.kind !== MessageKind.BlockRequest) return false;
      const q = decodeBlockRequest(f.payload);
      return 'fromHeight' in q && q.fromHeight >= BigInt(status.final.height + 1);
    }), 10_000);
    await waitLogged(c, [0], 'range sync: asking a peer for final blocks', (l) => l['peer'] === rogue.plmn);
    // Not penalised (an honest peer that is ahead sends the same), and the chain does not wait for it.
    expect((await c.consensus(0)).validators.find((v) => v.plmn === rogue.plmn)!.score!).toBeGreaterThanOrEqual(scoreBefore);
    await c.waitFinal(0, status.final.height + 2 * status.policy.blocksPerBatch, 30_000);
    p.socket.destroy();
  });

  it('a block whose parent nobody has (a child before its parent) is held and its parent asked for, then forgotten when its height is final', async () => {
    const { c } = r;
    const p = await accepted(1);
    const status = await c.consensus(1);
    const parentHash = randomBytes(32);
    const orphan = blockAt(status.final.height + 3, parentHash);
    p.socket.write(encodeFrame(MessageKind.Block, orphan.frame));
    await waitUntil('a request for the missing parent', () => framesOf(p.received()).some((f) => {
      if (f.kind !== MessageKind.BlockRequest) return false;
      const q = decodeBlockRequest(f.payload);
      return 'hash' in q && Buffer.from(q.hash).equals(parentHash);
    }), 10_000);
    // Requests answered by nobody do not stall the validator; the orphan never joins the chain.
    const final = await c.waitFinal(1, status.final.height + 2 * status.policy.blocksPerBatch, 30_000);
    expect((await c.finalHashes(1))[orphan.height]).not.toBe(orphan.hashHex);
    // An answer nobody asked for (a final block, sent back as a BlockResponse) is only ignored.
    p.socket.write(encodeFrame(MessageKind.BlockRequest, encodeBlockRequest({ fromHeight: BigInt(final.final.height), count: 1 })));
    let response: Buffer | undefined;
    await waitUntil('the final block asked for', () => (response = framesOf(p.received()).find((f) => f.kind === MessageKind.BlockResponse)?.payload) !== undefined, 10_000);
    const ignores = await metricOf(c, [1], 'cdrchain_consensus_messages_total{kind="BlockResponse",verdict="ignore"}');
    p.socket.write(encodeFrame(MessageKind.BlockResponse, response!));
    await waitMetricAbove(c, [1], 'cdrchain_consensus_messages_total{kind="BlockResponse",verdict="ignore"}', ignores);
    expect(p.socket.destroyed).toBe(false);
    p.socket.destroy();
  });

  it('certificates of another CA, expired, or naming a non-member are refused at the handshake and counted', async () => {
    const { c, rogue } = r;
    const devnetCa = readCaDir(rogue.plan.ca);
    const ca = await loadConsortiumCa(devnetCa.certPem, devnetCa.keyPem);
    const foreignCa = await createConsortiumCa({ name: 'not the consortium' });
    const foreign = await issueNodeCertificate(foreignCa, { plmn: rogue.plmn });
    const expired = await issueNodeCertificate(ca, { plmn: rogue.plmn, notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const outsider = await issueNodeCertificate(ca, { plmn: NOT_A_VALIDATOR });
    const cases = [
      { i: 0, creds: foreign, reason: 'tls', msg: 'TLS handshake refused', match: (l: Record<string, unknown>) => l['error'] === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      { i: 1, creds: expired, reason: 'tls', msg: 'TLS handshake refused', match: (l: Record<string, unknown>) => l['error'] === 'CERT_HAS_EXPIRED' },
      { i: 2, creds: outsider, reason: 'not_member', msg: 'peer refused', match: (l: Record<string, unknown>) => l['peer'] === NOT_A_VALIDATOR && l['reason'] === 'not_member' },
    ];
    for (const k of cases) {
      const series = `cdrchain_p2p_connections_refused_total{reason="${k.reason}"}`;
      const before = await metricOf(c, [k.i], series);
      const p = await raw(k.i, { creds: { cert: k.creds.certPem, key: k.creds.keyPem, ca: devnetCa.certPem } });
      await p.closed;
      await waitMetricAbove(c, [k.i], series, before);
      await waitLogged(c, [k.i], k.msg, k.match);
      // Nothing got through: the validator never sent its hello.
      expect(framesOf(p.received()).some((f) => f.kind === HELLO_KIND)).toBe(false);
    }
  });

  it('a certificate that expires while connected ends its connection then', async () => {
    const { c, rogue } = r;
    const devnetCa = readCaDir(rogue.plan.ca);
    const ca = await loadConsortiumCa(devnetCa.certPem, devnetCa.keyPem);
    // x509 validity has whole seconds: it expires 3 to 4 s from now.
    const shortLived = await issueNodeCertificate(ca, { plmn: rogue.plmn, notAfter: new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_000) });
    const p = await raw(0, { creds: { cert: shortLived.certPem, key: shortLived.keyPem, ca: devnetCa.certPem } });
    await waitUntil('validator 0\'s hello', () => framesOf(p.received()).some((f) => f.kind === HELLO_KIND), 5_000);
    await waitUntil('validator 0 shows the rogue connected', async () => (await c.consensus(0)).validators.find((v) => v.plmn === rogue.plmn)!.connected, 2_000);
    await p.closed;
    await waitLogged(c, [0], 'peer disconnected', (l) => l['peer'] === rogue.plmn && l['reason'] === 'certificate expired', 5_000);
    // And it cannot come back with it.
    const refused = await metricOf(c, [0], 'cdrchain_p2p_connections_refused_total{reason="tls"}');
    const again = await raw(0, { creds: { cert: shortLived.certPem, key: shortLived.keyPem, ca: devnetCa.certPem } });
    await again.closed;
    await waitMetricAbove(c, [0], 'cdrchain_p2p_connections_refused_total{reason="tls"}', refused);
  });

  it('none of it crashed a validator or lost an acknowledged batch', async () => {
    const { c, honest } = r;
    await Promise.all(streams.map((s, k) => s.submit(honest[k]!, 3)));
    for (const i of honest) {
      expect(c.running(i)).toBe(true);
      expect((await fetch(`${c.url(i)}/health/live`)).status).toBe(200);
    }
    await new FinalChains(c).expectAllFinal(honest, streams.flatMap((s) => s.acked.map((a) => a.id)), 40_000);
  });
});
