import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxyError } from './fault-proxy-error.js';
import { ProxyMesh } from './proxy-mesh.js';
import { dial, startServer, type TestServer, waitFor } from './test-sockets.js';

const IDS = [20801, 23415, 26201, 40445] as const;
const [N0, N1, N2, N3] = IDS;

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).reverse().map((x) => x.close()));
});

/** Node `id`'s stand-in: answers every line with "<id>:<line>". */
async function taggedServer(id: number): Promise<TestServer> {
  const s = await startServer((sock) => {
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        sock.write(`${id}:${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
  });
  open.push(s);
  return s;
}

async function fourNodeMesh(): Promise<{ mesh: ProxyMesh; servers: TestServer[] }> {
  const servers = await Promise.all(IDS.map((id) => taggedServer(id)));
  const mesh = await ProxyMesh.start({ nodes: IDS.map((id, i) => ({ id, port: servers[i]!.port })), seed: 42 });
  open.push(mesh);
  return { mesh, servers };
}

type Reach = 'ok' | 'reset' | 'silent';

/** Does `from`, dialing where the mesh says, reach `to` (the answer names `to`) within waitMs? */
async function reach(mesh: ProxyMesh, from: number, to: number, waitMs = 250): Promise<Reach> {
  const p = await dial(mesh.dialAddress(from, to).port);
  p.socket.write(`ping from ${from}\n`);
  const expected = `${to}:ping from ${from}\n`;
  const answered = waitFor('answer', () => p.received().toString() === expected, waitMs).then(() => 'ok' as const, () => 'silent' as const);
  const result = await Promise.race([answered, p.closed.then(() => 'reset' as const)]);
  p.socket.destroy();
  await p.closed;
  return result;
}

/** Every ordered pair's reachability, as "from->to": result. */
async function reachability(mesh: ProxyMesh): Promise<Record<string, Reach>> {
  const pairs = IDS.flatMap((a) => IDS.filter((b) => b !== a).map((b) => [a, b] as const));
  const results = await Promise.all(pairs.map(([a, b]) => reach(mesh, a, b)));
  return Object.fromEntries(pairs.map(([a, b], i) => [`${a}->${b}`, results[i]!]));
}

function expectAll(r: Record<string, Reach>, pred: (from: number, to: number) => Reach): void {
  const expected = Object.fromEntries(Object.keys(r).map((k) => {
    const [a, b] = k.split('->').map(Number) as [number, number];
    return [k, pred(a, b)];
  }));
  expect(r).toEqual(expected);
}

describe('ProxyMesh', () => {
  it('gives each node a distinct proxy address per peer, forwarding to that peer', async () => {
    const { mesh, servers } = await fourNodeMesh();
    expect(mesh.allLinks().length).toBe(12);
    const realPorts = new Set(servers.map((s) => s.port));
    const proxyPorts = new Set<number>();
    for (const id of IDS) {
      const peers = mesh.peersOf(id);
      expect([...peers.keys()]).toEqual(IDS.filter((x) => x !== id));
      for (const [to, at] of peers) {
        expect(at).toEqual(mesh.dialAddress(id, to));
        expect(at.host).toBe('127.0.0.1');
        expect(realPorts.has(at.port)).toBe(false);
        proxyPorts.add(at.port);
        expect(mesh.link(id, to).target.port).toBe(servers[IDS.indexOf(to as (typeof IDS)[number])]!.port);
      }
      expect(mesh.peersJson(id)).toEqual(Object.fromEntries([...peers].map(([to, at]) => [String(to), `127.0.0.1:${at.port}`])));
    }
    expect(proxyPorts.size).toBe(12);
    expectAll(await reachability(mesh), () => 'ok');
  });

  it('partition(2|2) cuts every link across and none within; healAll() restores them all', async () => {
    const { mesh } = await fourNodeMesh();
    const side = (id: number) => (id === N0 || id === N1 ? 0 : 1);
    mesh.partition([N0, N1], [N2, N3]);
    expectAll(await reachability(mesh), (a, b) => (side(a) === side(b) ? 'ok' : 'reset'));
    // Both proxies of every pair across were cut (each node dials its peers), none within.
    for (const l of mesh.allLinks()) expect(l.proxy.faultState().cut).toBe(side(l.from) !== side(l.to));
    mesh.healAll();
    expectAll(await reachability(mesh), () => 'ok');
  });

  it('isolate() as a blackhole freezes the links of one node; what was sent flows on heal', async () => {
    const { mesh } = await fourNodeMesh();
    mesh.isolate(N2, 'blackhole');
    expectAll(await reachability(mesh), (a, b) => (a === N2 || b === N2 ? 'silent' : 'ok'));
    // A connection open across the blackhole gets its answer once healed.
    const p = await dial(mesh.dialAddress(N0, N2).port);
    p.socket.write('held\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(p.received().length).toBe(0);
    mesh.healAll();
    await waitFor('answer after heal', () => p.received().toString() === `${N2}:held\n`);
    p.socket.destroy();
    expectAll(await reachability(mesh), () => 'ok');
  });

  it('delays set on every link stay through healAll(); clearAll() clears them', async () => {
    const { mesh } = await fourNodeMesh();
    for (const l of mesh.allLinks()) l.proxy.delay(40);
    mesh.healAll();
    const t0 = performance.now();
    expect(await reach(mesh, N3, N1, 2_000)).toBe('ok');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(80);
    mesh.clearAll();
    expect(mesh.allLinks().every((l) => l.proxy.faultState().toTarget.delayMs === 0)).toBe(true);
  });

  it('validates its nodes and groups', async () => {
    await expect(ProxyMesh.start({ nodes: [{ id: 1, port: 1000 }] })).rejects.toThrow(FaultProxyError);
    await expect(ProxyMesh.start({ nodes: [{ id: 1, port: 1000 }, { id: 1, port: 1001 }] })).rejects.toThrow(/twice/);
    await expect(ProxyMesh.start({ nodes: [{ id: 1, port: 0 }, { id: 2, port: 1001 }] })).rejects.toThrow(/port/);
    const { mesh } = await fourNodeMesh();
    expect(() => mesh.partition([N0, N1], [N1, N2])).toThrow(/overlap/);
    expect(() => mesh.partition([N0], [99])).toThrow(/not in the mesh/);
    expect(() => mesh.link(N0, N0)).toThrow(FaultProxyError);
    expect(() => mesh.isolate(N0, 'sideways' as 'cut')).toThrow(/mode/);
  });
});
