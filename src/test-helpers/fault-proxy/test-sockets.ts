import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Plain TCP ends for the proxy's tests: servers that close everything they accepted, and probing clients. */

export interface TestServer {
  readonly server: Server;
  readonly port: number;
  /** TCP connections the server accepted. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startServer(onSocket: (s: Socket) => void, allowHalfOpen = false): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer({ allowHalfOpen }, (s) => {
    accepted += 1;
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
    onSocket(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) {
        server.close();
        await once(server, 'close');
      }
    },
  };
}

/** Echoes every byte back, tagged by nothing: what goes in comes out. */
export function startEchoServer(): Promise<TestServer> {
  return startServer((s) => s.pipe(s));
}

export interface Probe {
  readonly socket: Socket;
  received(): Buffer;
  /** Resolves when the socket closes: with the error code that closed it, if any. */
  readonly closed: Promise<{ readonly error: string | undefined }>;
  /** Resolves once the server's FIN arrived. */
  readonly ended: Promise<void>;
}

/** A client connected (TCP) to 127.0.0.1:port; resolves after the connect, or once it failed. */
export async function dial(port: number): Promise<Probe> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const data: Buffer[] = [];
  let error: string | undefined;
  socket.on('data', (d: Buffer) => data.push(d));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  const closed = new Promise<{ error: string | undefined }>((resolve) => socket.once('close', () => resolve({ error })));
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  await Promise.race([once(socket, 'connect').catch(() => undefined), closed]);
  return { socket, received: () => Buffer.concat(data), closed, ended };
}

/** Polls `cond` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `text` and waits for `expected` to have arrived after what the probe had; the round trip in ms. */
export async function roundTrip(p: Probe, text: string, expected = text, timeoutMs = 10_000): Promise<number> {
  const before = p.received().length;
  const t0 = performance.now();
  p.socket.write(text);
  await waitFor(`echo of ${text}`, () => p.received().subarray(before).toString() === expected, timeoutMs);
  return performance.now() - t0;
}
