import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';
import { FaultProxyError } from './fault-proxy-error.js';
import { dial, roundTrip, sleep, startEchoServer, startServer, type TestServer, waitFor } from './test-sockets.js';

const open: Array<{ close(): Promise<void> }> = [];
const track = <T extends { close(): Promise<void> }>(x: T): T => {
  open.push(x);
  return x;
};
afterEach(async () => {
  await Promise.all(open.splice(0).reverse().map((x) => x.close()));
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function proxyTo(server: TestServer, extra: Partial<Parameters<typeof FaultProxy.start>[0]> = {}): Promise<FaultProxy> {
  return track(await FaultProxy.start({ target: { host: '127.0.0.1', port: server.port }, ...extra }));
}

/** A server that sends `down` at once, and after the client's FIN the SHA-256 of what it received, then FIN. */
async function digestServer(down: Buffer): Promise<{ server: TestServer; got: Promise<Buffer> }> {
  let deliver!: (b: Buffer) => void;
  const got = new Promise<Buffer>((r) => (deliver = r));
  const server = track(
    await startServer((s) => {
      const parts: Buffer[] = [];
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('end', () => {
        const all = Buffer.concat(parts);
        deliver(all);
        s.end(Buffer.from(sha(all), 'hex'));
      });
      s.write(down);
    }, true),
  );
  return { server, got };
}

describe('FaultProxy: a transparent link', () => {
  it('forwards large random streams both ways byte for byte, with FIN in order and half-close, even under jitter', async () => {
    const up = randomBytes(6 * 2 ** 20);
    const down = randomBytes(5 * 2 ** 20);
    const { server, got } = await digestServer(down);
    const proxy = await proxyTo(server, { seed: 7 });
    // Jitter far larger than the gap between chunks: only in-order release keeps the streams intact.
    proxy.delay(1, 15);
    const c = await dial(proxy.port);
    c.socket.end(up);
    await c.ended;
    expect(sha(await got)).toBe(sha(up));
    // The server wrote its digest after our FIN had reached it: half-close went through.
    expect(c.received().equals(Buffer.concat([down, Buffer.from(sha(up), 'hex')]))).toBe(true);
    await waitFor('connection gone', () => proxy.stats().connections.active === 0);
    const s = proxy.stats();
    expect(s.bytes).toEqual({ toTarget: up.length, toClient: down.length + 32 });
    expect(s.connections).toEqual({ accepted: 1, active: 0, refused: 0, upstreamFailed: 0 });
    expect(s.held).toEqual({ toTarget: 0, toClient: 0 });
  });

  it('listens on 127.0.0.1 on an ephemeral port, or the one asked', async () => {
    const echo = track(await startEchoServer());
    const p1 = await proxyTo(echo);
    expect(p1.port).toBeGreaterThan(0);
    expect(p1.address).toBe(`127.0.0.1:${p1.port}`);
    await p1.close();
    // The port just freed can be asked for again.
    const p2 = await proxyTo(echo, { port: p1.port });
    expect(p2.port).toBe(p1.port);
    const c = await dial(p2.port);
    await roundTrip(c, 'hello');
    c.socket.destroy();
  });

  it('resets the client when the target refuses the upstream connection', async () => {
    const gone = await startEchoServer();
    await gone.close(); // nothing listens on its port now
    const proxy = await proxyTo(gone);
    const c = await dial(proxy.port);
    const { error } = await c.closed;
    expect(error).toBe('ECONNRESET');
    await waitFor('counted', () => proxy.stats().connections.upstreamFailed === 1 && proxy.stats().connections.active === 0);
  });

  it('refuses connections beyond maxConnections', async () => {
    const echo = track(await startEchoServer());
    const proxy = await proxyTo(echo, { maxConnections: 2 });
    const a = await dial(proxy.port);
    const b = await dial(proxy.port);
    await roundTrip(a, 'a');
    await roundTrip(b, 'b');
    const c = await dial(proxy.port);
    expect((await c.closed).error).toBe('ECONNRESET');
    expect(proxy.stats().connections.refused).toBe(1);
    a.socket.destroy();
    await waitFor('a slot frees', () => proxy.stats().connections.active === 1);
    const d = await dial(proxy.port);
    await roundTrip(d, 'd');
    b.socket.destroy();
    d.socket.destroy();
  });

  it('validates its options and control arguments', async () => {
    const target = { host: '127.0.0.1', port: 9 };
    await expect(FaultProxy.start({ target: { host: '', port: 9 } })).rejects.toThrow(FaultProxyError);
    await expect(FaultProxy.start({ target: { host: '127.0.0.1', port: 0 } })).rejects.toThrow(/target.port/);
    await expect(FaultProxy.start({ target, port: 70_000 })).rejects.toThrow(/port/);
    await expect(FaultProxy.start({ target, windowBytes: 10 })).rejects.toThrow(/windowBytes/);
    await expect(FaultProxy.start({ target, maxConnections: 0 })).rejects.toThrow(/maxConnections/);
    await expect(FaultProxy.start({ target, seed: Number.NaN })).rejects.toThrow(/seed/);
    const proxy = track(await FaultProxy.start({ target }));
    expect(() => proxy.delay(-1)).toThrow(FaultProxyError);
    expect(() => proxy.delay(Number.POSITIVE_INFINITY)).toThrow(FaultProxyError);
    expect(() => proxy.delay(10, 5, 'sideways' as 'both')).toThrow(/direction/);
    expect(() => proxy.dropRate(1.5)).toThrow(/probability/);
    expect(() => proxy.dropRate(Number.NaN)).toThrow(/probability/);
    expect(() => proxy.duplicate(-0.1)).toThrow(/probability/);
    expect(() => proxy.blackhole('both', -5)).toThrow(/forMs/);
    expect(proxy.faultState()).toEqual({
      cut: false,
      toTarget: { delayMs: 0, jitterMs: 0, dropRate: 0, blackholed: false },
      toClient: { delayMs: 0, jitterMs: 0, dropRate: 0, blackholed: false },
      duplicate: { probability: 0, afterMs: 0 },
    });
  });
});

describe('FaultProxy: faults', () => {
  it('delays each direction by at least what was set, on a connection already open', async () => {
    const echo = track(await startEchoServer());
    const proxy = await proxyTo(echo);
    const c = await dial(proxy.port);
    await roundTrip(c, 'warm-up');
    proxy.delay(80, 0, 'toTarget');
    expect(await roundTrip(c, 'one-way')).toBeGreaterThanOrEqual(80);
    proxy.delay(0, 0, 'toTarget');
    proxy.delay(50, 30, 'toClient');
    expect(await roundTrip(c, 'other-way')).toBeGreaterThanOrEqual(50);
    proxy.delay(60);
    expect(await roundTrip(c, 'both-ways')).toBeGreaterThanOrEqual(120);
    c.socket.destroy();
  });

  it('cut() resets open connections and refuses new ones; heal() lets new ones through', async () => {
    const echo = track(await startEchoServer());
    const proxy = await proxyTo(echo);
    const a = await dial(proxy.port);
    await roundTrip(a, 'before');
    proxy.cut();
    expect((await a.closed).error).toBe('ECONNRESET');
    const b = await dial(proxy.port);
    b.socket.write('while cut');
    expect((await b.closed).error).toBe('ECONNRESET');
    expect(b.received().length).toBe(0);
    expect(proxy.faultState().cut).toBe(true);
    proxy.heal();
    const c = await dial(proxy.port);
    await roundTrip(c, 'after');
    const s = proxy.stats();
    expect(s.resets.cut).toBe(1);
    expect(s.connections.refused).toBe(1);
    expect(echo.accepted()).toBe(2); // the refused connection never reached the target
    c.socket.destroy();
  });

  it('a blackhole stalls the link with sockets open, then resumes where it stopped', async () => {
    const echo = track(await startEchoServer());
    const proxy = await proxyTo(echo);
    const c = await dial(proxy.port);
    await roundTrip(c, 'hello');
    proxy.blackhole();
    c.socket.write('ping-1');
    await sleep(300);
    expect(c.received().toString()).toBe('hello');
    expect(c.socket.destroyed).toBe(false);
    expect(proxy.stats().held.toTarget).toBe(6);
    proxy.heal();
    await waitFor('ping-1 echoed', () => c.received().toString() === 'helloping-1');

    // A timed blackhole of the way back: the echo reaches the server, and comes back only after it.
    const t0 = performance.now();
    proxy.blackhole('toClient', 200);
    c.socket.write('ping-2');
    await waitFor('echo of the server held', () => proxy.stats().held.toClient === 6);
    await waitFor('ping-2 echoed', () => c.received().toString().endsWith('ping-2'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195); // timers may be a millisecond early
    expect(proxy.stats().connections.accepted).toBe(1);
    c.socket.destroy();
  });

  it('holds at most a window while blackholed under a flood, loses nothing, and delivers it all on heal', async () => {
    const parts: Buffer[] = [];
    let ended = false;
    const sink = track(
      await startServer((s) => {
        s.on('data', (d: Buffer) => parts.push(d));
        s.on('end', () => {
          ended = true;
          s.end();
        });
      }),
    );
    const windowBytes = 256 * 1024;
    const proxy = await proxyTo(sink, { windowBytes });
    proxy.blackhole('toTarget');
    const c = await dial(proxy.port);
    const flood = randomBytes(16 * 2 ** 20);
    c.socket.write(flood);
    await sleep(400);
    const held = proxy.stats().held.toTarget;
    expect(held).toBeGreaterThan(0);
    // The window plus at most the chunk that crossed it; the rest waits in the sender's buffers.
    expect(held).toBeLessThanOrEqual(windowBytes + 128 * 1024);
    expect(c.socket.writableLength).toBeGreaterThan(8 * 2 ** 20);
    expect(parts.length).toBe(0);
    expect(c.socket.destroyed).toBe(false);
    proxy.heal();
    c.socket.end();
    await waitFor('sink got everything', () => ended, 30_000);
    expect(sha(Buffer.concat(parts))).toBe(sha(flood));
  });

  it('dropRate(1) resets the connection at its first chunk; the target sees nothing', async () => {
    const got: Buffer[] = [];
    const server = track(await startServer((s) => s.on('data', (d: Buffer) => got.push(d))));
    const proxy = await proxyTo(server);
    proxy.dropRate(1, 'toTarget');
    const c = await dial(proxy.port);
    c.socket.write('doomed');
    expect((await c.closed).error).toBe('ECONNRESET');
    await waitFor('counted', () => proxy.stats().resets.drop === 1 && proxy.stats().connections.active === 0);
    expect(got.length).toBe(0);
    expect(proxy.stats().bytes.toTarget).toBe(0);
  });

  it('makes the same drop decisions for the same seed', async () => {
    const echo = track(await startEchoServer());
    async function pattern(seed: string): Promise<string> {
      const proxy = await proxyTo(echo, { seed });
      proxy.dropRate(0.4);
      let out = '';
      // One small write and its echo per connection: one draw each way, in a fixed order.
      for (let i = 0; i < 24; i++) {
        const c = await dial(proxy.port);
        c.socket.write('0123456789abcdef');
        await Promise.race([waitFor('echo', () => c.received().length === 16, 5_000), c.closed]);
        out += c.received().length === 16 ? '.' : 'x';
        c.socket.destroy();
        await c.closed;
      }
      await proxy.close();
      return out;
    }
    const a = await pattern('seed-a');
    expect(a).toMatch(/x/);
    expect(a).toMatch(/\./);
    expect(await pattern('seed-a')).toBe(a);
    expect(await pattern('seed-b')).not.toBe(a);
  });

  it('duplicate(1) replays the client stream on a second connection (a plain echo target accepts it)', async () => {
    const echo = track(await startEchoServer());
    const proxy = await proxyTo(echo, { replayTimeoutMs: 100 });
    proxy.duplicate(1);
    const c = await dial(proxy.port);
    await roundTrip(c, 'first');
    await roundTrip(c, 'second');
    c.socket.end();
    await c.closed;
    await waitFor('replay finished', () => proxy.stats().replays.finished === 1);
    expect(echo.accepted()).toBe(2);
    expect(proxy.replayOutcomes()).toEqual([{ connection: 1, bytesSent: 11, bytesReceived: 11, closedByTarget: false, error: undefined }]);
  });

  it('bounds a replay at maxReplayBytes', async () => {
    const echo = track(await startEchoServer());
    const proxy = await proxyTo(echo, { maxReplayBytes: 4096, replayTimeoutMs: 100 });
    proxy.duplicate(1, 50);
    const c = await dial(proxy.port);
    c.socket.write(randomBytes(100_000));
    await waitFor('echo', () => c.received().length === 100_000);
    await waitFor('replay finished', () => proxy.stats().replays.finished === 1);
    expect(proxy.replayOutcomes()[0]).toMatchObject({ bytesSent: 4096, bytesReceived: 4096 });
    c.socket.destroy();
  });
});

describe('FaultProxy: close()', () => {
  const tcpAndTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout').sort();

  it('frees every socket, server and timer, with delayed bytes, a timed blackhole and a pending replay', async () => {
    await sleep(20); // handles closed by earlier tests go on the next turn of the loop
    const before = tcpAndTimers();
    const echo = await startEchoServer();
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echo.port } });
    proxy.duplicate(1, 60_000);
    const a = await dial(proxy.port);
    const b = await dial(proxy.port);
    await roundTrip(a, 'x');
    proxy.delay(60_000, 0, 'toTarget');
    a.socket.write('held by a delay');
    proxy.blackhole('toClient', 60_000);
    await waitFor('held', () => proxy.stats().held.toTarget > 0);
    await proxy.close();
    expect(proxy.stats().connections.active).toBe(0);
    expect(proxy.stats().replays.finished).toBe(2);
    await Promise.all([a.closed, b.closed]);
    const refused = await dial(proxy.port);
    expect((await refused.closed).error).toBe('ECONNREFUSED');
    await echo.close();
    await sleep(20);
    expect(tcpAndTimers()).toEqual(before);
    await proxy.close(); // twice is fine
  });
});

