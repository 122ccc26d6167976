import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../consensus/virtual-clock.js';
import { InProcessNetwork, InProcessNetworkOptionsError } from './in-process-network.js';
import { MAX_PAYLOAD_BYTES, MessageKind, type PeerMessage } from './peer-network.js';

function world(over: Partial<ConstructorParameters<typeof InProcessNetwork>[0]> = {}) {
  const clock = new VirtualClock(0);
  const net = new InProcessNetwork({ clock, seed: 42, latencyMs: 10, jitterMs: 0, lossRate: 0, ...over });
  const got = new Map<number, { at: number; m: PeerMessage }[]>();
  const eps = [1, 2, 3, 4].map((id) => {
    const e = net.join(id);
    got.set(id, []);
    e.onMessage((m) => got.get(id)!.push({ at: clock.now(), m: { ...m, payload: Uint8Array.from(m.payload) } }));
    return e;
  });
  return { clock, net, got, eps };
}

describe('in-process network', () => {
  it('delivers after the latency, to every peer on broadcast, with a copy of the payload', async () => {
    const { clock, got, eps } = world();
    const payload = Uint8Array.of(1, 2, 3);
    eps[0]!.broadcast(MessageKind.Vote, payload);
    payload[0] = 9; // the sender's buffer is not shared
    await clock.advance(9);
    expect(got.get(2)).toEqual([]);
    await clock.advance(1);
    for (const id of [2, 3, 4]) expect(got.get(id)!.map((x) => [x.at, x.m.from, x.m.kind, [...x.m.payload]])).toEqual([[10, 1, MessageKind.Vote, [1, 2, 3]]]);
    expect(got.get(1)).toEqual([]);
    expect(eps[0]!.connectedPeers()).toEqual([2, 3, 4]);
  });

  it('drops across partitions and for nodes that are down, including messages in flight', async () => {
    const { clock, net, got, eps } = world();
    net.partition([[1, 2], [3, 4]]);
    expect(eps[0]!.send(3, MessageKind.Vote, Uint8Array.of(1))).toBe(false);
    expect(eps[0]!.connectedPeers()).toEqual([2]);
    eps[0]!.send(2, MessageKind.Vote, Uint8Array.of(1));
    net.heal();
    eps[0]!.send(3, MessageKind.Vote, Uint8Array.of(2));
    net.setDown(3, true); // in flight: lost
    await clock.advance(20);
    expect(got.get(2)!.length).toBe(1);
    expect(got.get(3)!.length).toBe(0);
    expect(net.stats.cut).toBe(2);
  });

  it('refuses payloads over the per-kind limit', () => {
    const { net, eps } = world();
    expect(eps[0]!.send(2, MessageKind.BlockRequest, new Uint8Array(MAX_PAYLOAD_BYTES[MessageKind.BlockRequest] + 1))).toBe(false);
    expect(net.stats.oversized).toBe(1);
  });

  it('loses about the configured share and jitters within bounds, identically for one seed', async () => {
    const run = async () => {
      const { clock, net, got, eps } = world({ lossRate: 0.2, jitterMs: 30 });
      for (let i = 0; i < 2000; i++) eps[0]!.send(2, MessageKind.Vote, Uint8Array.of(i & 0xff));
      await clock.advance(100);
      return { lost: net.stats.lost, times: got.get(2)!.map((x) => x.at) };
    };
    const a = await run();
    expect(a.lost).toBeGreaterThan(320);
    expect(a.lost).toBeLessThan(480);
    expect(Math.min(...a.times)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...a.times)).toBeLessThanOrEqual(40);
    expect(await run()).toEqual(a);
  });

  it('records verdicts and announces peers coming and going; validates its options', () => {
    const { net, eps } = world();
    const events: string[] = [];
    eps[0]!.onPeer((e) => events.push(`${e.peer}:${e.connected}`));
    net.setDown(4, true);
    net.setDown(4, false);
    expect(events).toEqual(['4:false', '4:true']);
    eps[0]!.report(2, 'penalise', 'bad signature');
    expect(net.reports).toEqual([{ reporter: 1, peer: 2, verdict: 'penalise', reason: 'bad signature' }]);
    expect(() => new InProcessNetwork({ clock: new VirtualClock(0), seed: 1, latencyMs: 0, jitterMs: 0, lossRate: 1 })).toThrow(InProcessNetworkOptionsError);
  });
});
