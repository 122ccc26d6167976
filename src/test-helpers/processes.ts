import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findPackageRoot } from '../wasm/load.js';

const run = promisify(execFile);
/** The built `cdrchain` command (`npx tsc -p tsconfig.build.json` makes it). */
export const CDRCHAIN_MAIN = join(findPackageRoot(), 'dist', 'src', 'cli', 'main.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `cdrchain` command; resolves with its exit code and output, never rejects. */
export async function cdrchain(...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CDRCHAIN_MAIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `cdrchain` started in the background: its exit, once it comes. */
export function cdrchainInBackground(...args: string[]): { readonly proc: ChildProcess; readonly done: Promise<CliRun> } {
  const proc = spawn(process.execPath, [CDRCHAIN_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) => proc.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { proc, done };
}

/** A `cdrchain node` process: a real node in its own process, so a test can SIGKILL it. */
export interface NodeProcess {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly ingestUrl: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGKILL: no clean shutdown, nothing flushed beyond what the node already wrote. */
  kill(): Promise<void>;
  /** SIGTERM: the node commits what is pending and stops. */
  stop(): Promise<void>;
}

/**
 * Starts `cdrchain node` on a free port of 127.0.0.1 over `dataDir` (undefined: no --data flag, as the
 * configuration says) and waits until it serves; `env` adds environment variables.
 */
export async function startNodeProcess(dataDir: string | undefined, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<NodeProcess> {
  const dataArgs = dataDir === undefined ? [] : ['--data', dataDir];
  const proc = spawn(process.execPath, [CDRCHAIN_MAIN, 'node', ...dataArgs, '--port', '0', '--workers', '2', '--log-level', 'warn', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start in 30 s: ${stderr}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /ingest\s+ws:\/\/127\.0\.0\.1:(\d+)\/ingest/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before it was ready: ${stderr}`));
    });
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await exited;
  };
  return {
    proc, port, exited,
    url: `http://127.0.0.1:${port}`,
    ingestUrl: `ws://127.0.0.1:${port}/ingest`,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}

/**
 * A TCP proxy to a node that passes everything except what the node sends on WS /ingest after the
 * upgrade: the client's batches reach the node, its Acks never reach the client (an ack lost in a
 * crash, made deterministic).
 */
export async function startAckDroppingProxy(targetPort: number): Promise<{ readonly port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let ingest: boolean | undefined;
    let head: Buffer | undefined = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      ingest ??= d.toString('latin1').startsWith('GET /ingest');
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!ingest) {
        client.write(d);
        return;
      }
      if (!head) return; // past the upgrade response: drop the node's replies
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.write(head.subarray(0, end + 4));
      head = undefined;
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
