// Starting, talking to and always cleaning up the benchmark's child processes.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../machine.js';
import type { NodeProcessOptions, NodeStats, ReplayOptions, ReplayProgress, ReplayResult } from './protocol.js';

const children = new Set<ChildProcess>();
let hooksInstalled = false;

/** Kills every child this process started and has not seen exit (SIGKILL: used at exit and on failure). */
export function killAllChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllChildren);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping benchmark processes\n`);
      killAllChildren();
      process.exit(130);
    });
  }
}

function script(name: string): string {
  const here = fileURLToPath(import.meta.url);
  const dir = here.endsWith('.js') ? dirname(here) : join(repoRoot(), 'dist', 'bench', 'pipeline');
  const file = join(dir, `${name}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -p tsconfig.build.json\``);
  return file;
}

function start(name: string, arg: unknown, execArgv: readonly string[]): ChildProcess {
  installHooks();
  const child = fork(script(name), [JSON.stringify(arg)], {
    execArgv: [...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${(ms / 1000).toFixed(0)} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first message of `type` (or rejects on an 'error' message or exit). */
function nextMessage<T>(child: ChildProcess, type: string, id?: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: { type: string; id?: number; message?: string }): void => {
      if (m.type === 'error') {
        cleanup();
        reject(new Error(m.message ?? 'child reported an error'));
      } else if (m.type === type && (id === undefined || m.id === id)) {
        cleanup();
        resolve(m as T);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`child exited (${signal ?? code}) before sending '${type}'`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export interface NodeReady {
  readonly port: number;
  readonly url: string;
  readonly ingestUrl: string;
  readonly dataDir: string;
  readonly pid: number;
  readonly workers: number;
}

export class NodeChild {
  private nextId = 1;
  private constructor(
    private readonly child: ChildProcess,
    readonly info: NodeReady,
  ) {}

  static async start(opts: NodeProcessOptions, execArgv: readonly string[] = []): Promise<NodeChild> {
    const child = start('node-process', opts, execArgv);
    try {
      const ready = await withTimeout(nextMessage<NodeReady & { type: 'ready' }>(child, 'ready'), 60_000, 'node start');
      return new NodeChild(child, ready);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  async stats(): Promise<NodeStats> {
    const id = this.nextId++;
    const reply = nextMessage<{ stats: NodeStats }>(this.child, 'stats', id);
    this.child.send({ type: 'stats', id });
    return (await withTimeout(reply, 30_000, 'node stats')).stats;
  }

  /** Flushes, stops the node, removes its data; returns the stats taken after the flush. */
  async stop(timeoutMs = 120_000): Promise<NodeStats> {
    const id = this.nextId++;
    const reply = nextMessage<{ stats: NodeStats }>(this.child, 'stopped', id);
    const exited = new Promise<void>((r) => (this.child.exitCode !== null ? r() : this.child.once('exit', () => r())));
    this.child.send({ type: 'stop', id });
    try {
      const stats = (await withTimeout(reply, timeoutMs, 'node stop')).stats;
      await withTimeout(exited, 15_000, 'node exit');
      return stats;
    } finally {
      this.kill();
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export class ReplayChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly planned: { batches: number; cdrs: number },
  ) {}

  static async start(opts: ReplayOptions, execArgv: readonly string[] = []): Promise<ReplayChild> {
    const child = start('replay-process', opts, execArgv);
    try {
      const ready = await withTimeout(nextMessage<{ batches: number; cdrs: number }>(child, 'ready'), 120_000, 'replay load');
      return new ReplayChild(child, { batches: ready.batches, cdrs: ready.cdrs });
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  /** Starts sending; resolves with the replay's records. */
  async run(onProgress: (p: ReplayProgress) => void, timeoutMs: number): Promise<ReplayResult> {
    const listener = (m: { type: string } & ReplayProgress): void => {
      if (m.type === 'progress') onProgress(m);
    };
    this.child.on('message', listener);
    const done = nextMessage<{ result: ReplayResult }>(this.child, 'done');
    this.child.send({ type: 'go' });
    try {
      return (await withTimeout(done, timeoutMs, 'replay')).result;
    } finally {
      this.child.off('message', listener);
      // It exits by itself after 'done'; make sure.
      setTimeout(() => this.kill(), 3000).unref();
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
