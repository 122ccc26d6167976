import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainIdentity, readGenesisFile, type Genesis } from '../chain/genesis.js';
import type { BlockView } from '../chain/queries.js';
import { fromHex } from '../codec/bytes.js';
import { devnetInit, DEVNET_FILES, type DevnetInitOptions, type DevnetPlan } from '../cli/commands/devnet.js';
import type { ConsensusStatus } from '../node/validator-role.js';
import { VALIDATOR_FILES, type ValidatorFile } from '../node/validator-dir.js';
import { loadSystemContracts } from '../vm/system/contracts.js';
import { ProxyMesh } from './fault-proxy/index.js';
import { CDRCHAIN_MAIN } from './processes.js';

/**
 * Real validator processes for the multi-process fault suite (issue 12 item 9): `cdrchain devnet
 * init` writes a consortium, each validator runs as `cdrchain node --validator DIR` from dist/
 * (build first: `npx tsc -p tsconfig.build.json`), with real TLS 1.3 between them and, with
 * `proxied`, one FaultProxy per ordered pair (`mesh`) to cut, blackhole or delay links.
 */
export interface ValidatorClusterOptions {
  readonly validators: number;
  /** Validators dial each other through a ProxyMesh (`cluster.mesh`). */
  readonly proxied?: boolean;
  /** Consensus-critical constants (genesis); default: short batches (8 blocks, 2 per epoch, 1 s producer timeout). */
  readonly policy?: DevnetInitOptions['policy'];
  /** Local timings every validator.json carries; default: 100 ms empty blocks, 500 ms Tendermint timeouts. */
  readonly localPolicy?: DevnetInitOptions['localPolicy'];
  /** Indices started by `startValidatorCluster` (default: all); the others wait for `start(i)`. */
  readonly start?: readonly number[];
  /** The processes' --log-level (default: CDRCHAIN_FAULT_LOG_LEVEL or warn). */
  readonly logLevel?: string;
  /** Verification threads per validator (default 1: the machine has 2 cores for everything). */
  readonly workers?: number;
}

/** GET /consensus of a validator. */
export type ConsensusJson = ConsensusStatus;

/** A final block as GET /blocks/:height shows it, with its transaction ids. */
export type FinalBlock = BlockView & { readonly txIds: readonly string[] };

export interface ValidatorCluster {
  /** What devnet init wrote, with the ports actually reserved for this cluster. */
  readonly plan: DevnetPlan;
  readonly genesis: Genesis;
  /** The chain identity (GET /status genesisHash): what operators sign for. */
  readonly chain: Uint8Array;
  readonly mesh: ProxyMesh | undefined;
  readonly size: number;
  /** Validator i's PLMN id (its mesh node id). */
  plmn(i: number): number;
  url(i: number): string;
  ingestUrl(i: number): string;
  /** The process of validator i is up (started and not exited). */
  running(i: number): boolean;
  /** Starts validator i (over its data directory, if it ran before) and waits until it serves HTTP. */
  start(i: number): Promise<void>;
  /** Sends `signal` (default SIGKILL: no clean shutdown) and waits for the exit. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, and waits for the clean exit. */
  stop(i: number): Promise<void>;
  consensus(i: number): Promise<ConsensusJson>;
  /** GET /metrics text. */
  metrics(i: number): Promise<string>;
  /** One sample of a metric (`name{labels}` exactly as Prometheus prints it), 0 when absent. */
  metric(i: number, series: string): Promise<number>;
  /** Waits until validator i's final height is at least `height`; its status then. */
  waitFinal(i: number, height: number, timeoutMs: number): Promise<ConsensusJson>;
  /** Hashes of the final blocks 0..final height (index = height). */
  finalHashes(i: number): Promise<string[]>;
  /** The final blocks `from`..final height with their transaction ids (index = height − from). */
  finalBlocks(i: number, from?: number): Promise<FinalBlock[]>;
  /** The tail of validator i's stdout and stderr, across its restarts (for failure messages). */
  logs(i: number): string;
  /** Every validator's log tail, labelled. */
  allLogs(): string;
  /** With CDRCHAIN_FAULT_TRACE=1: a line on stderr with the seconds since the cluster started (where a test spends its time). */
  trace(step: string): void;
  /** Kills every process, closes the mesh, frees the ports and deletes the directory (kept with CDRCHAIN_FAULT_KEEP=1). */
  close(): Promise<void>;
}

export const DEFAULT_FAULT_POLICY = Object.freeze({ blocksPerBatch: 8, batchesPerEpoch: 2, producerTimeoutMs: 1_000 });
export const DEFAULT_FAULT_LOCAL_POLICY = Object.freeze({
  emptyBlockIntervalMs: 100,
  minBlockSeparationMs: 5,
  tendermintTimeoutInitMs: 500,
  tendermintTimeoutDeltaMs: 250,
  rebroadcastIntervalMs: 500,
});

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const CLOSE_STEP_MS = 5_000;
const LOG_TAIL_BYTES = 64 * 1024;
const BLOCKS_PAGE = 100;

interface Slot {
  readonly index: number;
  readonly v: DevnetPlan['validators'][number];
  proc: ChildProcess | undefined;
  exited: Promise<void> | undefined;
  tail: string;
  log: WriteStream;
}

export async function startValidatorCluster(opts: ValidatorClusterOptions): Promise<ValidatorCluster> {
  if (!Number.isInteger(opts.validators) || opts.validators < 1 || opts.validators > 16) throw new RangeError('validators must be 1..16');
  const startNow = opts.start ?? Array.from({ length: opts.validators }, (_, i) => i);
  for (const i of startNow) if (!Number.isInteger(i) || i < 0 || i >= opts.validators) throw new RangeError(`start: no validator ${i}`);
  const root = mkdtempSync(join(tmpdir(), 'cdrchain-faults-'));
  const ports = await reservePorts(2 * opts.validators);
  let mesh: ProxyMesh | undefined;
  const slots: Slot[] = [];
  try {
    const initial = await devnetInit({
      validators: opts.validators,
      out: join(root, 'devnet'),
      chainId: `cdrchain-devnet-faults-${process.pid}-${ports.ports[0]}`,
      basePort: 10_000, // rewritten below with the reserved ports
      force: false,
      policy: { ...DEFAULT_FAULT_POLICY, ...opts.policy },
      localPolicy: { ...DEFAULT_FAULT_LOCAL_POLICY, ...opts.localPolicy },
    });
    const plan: DevnetPlan = {
      ...initial,
      validators: initial.validators.map((v, i) => ({ ...v, ports: { ingest: ports.ports[2 * i]!, p2p: ports.ports[2 * i + 1]! } })),
    };
    writeFileSync(join(root, 'devnet', DEVNET_FILES.plan), `${JSON.stringify(plan, null, 2)}\n`);
    if (opts.proxied && plan.validators.length >= 2) {
      mesh = await ProxyMesh.start({ nodes: plan.validators.map((v) => ({ id: v.plmn, port: v.ports.p2p })), seed: ports.ports[0]! });
    }
    for (const v of plan.validators) {
      const path = join(v.dir, VALIDATOR_FILES.settings);
      const file = JSON.parse(readFileSync(path, 'utf8')) as ValidatorFile;
      const peers = mesh
        ? [...mesh.peersOf(v.plmn)].map(([plmn, a]) => ({ plmn, host: a.host, port: a.port }))
        : plan.validators.filter((p) => p.plmn !== v.plmn).map((p) => ({ plmn: p.plmn, host: '127.0.0.1', port: p.ports.p2p }));
      writeFileSync(path, `${JSON.stringify({ ...file, p2p: { host: '127.0.0.1', port: v.ports.p2p }, peers }, null, 2)}\n`);
      writeFileSync(join(v.dir, DEVNET_FILES.ports), `${JSON.stringify({ host: '127.0.0.1', ...v.ports }, null, 2)}\n`);
      slots.push({ index: slots.length, v, proc: undefined, exited: undefined, tail: '', log: createWriteStream(join(v.dir, 'node.log'), { flags: 'a' }) });
    }
    const genesis = readGenesisFile(plan.genesis);
    const chain = fromHex(chainIdentity(genesis, loadSystemContracts().digest()), 32);
    const cluster = new Cluster(root, plan, genesis, chain, mesh, slots, ports, opts);
    try {
      await Promise.all(startNow.map((i) => cluster.start(i)));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  } catch (err) {
    if (slots.length === 0) {
      await mesh?.close();
      ports.release();
      rmSync(root, { recursive: true, force: true });
    }
    throw err;
  }
}

class Cluster implements ValidatorCluster {
  private closed = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly root: string,
    readonly plan: DevnetPlan,
    readonly genesis: Genesis,
    readonly chain: Uint8Array,
    readonly mesh: ProxyMesh | undefined,
    private readonly slots: readonly Slot[],
    private readonly ports: PortReservation,
    private readonly opts: ValidatorClusterOptions,
  ) {}

  get size(): number {
    return this.slots.length;
  }

  plmn(i: number): number {
    return this.slot(i).v.plmn;
  }

  url(i: number): string {
    return `http://127.0.0.1:${this.slot(i).v.ports.ingest}`;
  }

  ingestUrl(i: number): string {
    return `ws://127.0.0.1:${this.slot(i).v.ports.ingest}/ingest`;
  }

  running(i: number): boolean {
    const p = this.slot(i).proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  async start(i: number): Promise<void> {
    const s = this.slot(i);
    if (this.closed) throw new Error('the cluster is closed');
    if (this.running(i)) throw new Error(`validator ${i} is already running`);
    const level = this.opts.logLevel ?? process.env['CDRCHAIN_FAULT_LOG_LEVEL'] ?? 'warn';
    const proc = spawn(process.execPath, [
      CDRCHAIN_MAIN, 'node', '--validator', s.v.dir, '--genesis', this.plan.genesis, '--data', join(s.v.dir, 'data'),
      '--port', String(s.v.ports.ingest), '--workers', String(this.opts.workers ?? 1), '--log-level', level,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    s.proc = proc;
    const keep = (d: Buffer): void => {
      s.log.write(d);
      s.tail = (s.tail + d.toString()).slice(-LOG_TAIL_BYTES);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    keep(Buffer.from(`--- [test] validator ${i} (${s.v.plmn}) started, pid ${proc.pid}, at ${new Date().toISOString()}\n`));
    s.exited = new Promise<void>((resolve) => proc.once('exit', (code, signal) => {
      keep(Buffer.from(`--- [test] validator ${i} exited (code ${code}, signal ${signal}) at ${new Date().toISOString()}\n`));
      resolve();
    }));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!this.running(i)) throw new Error(`validator ${i} exited before it served HTTP:\n${s.tail}`);
      try {
        const res = await fetch(`${this.url(i)}/status`);
        if (res.ok) {
          const status = (await res.json()) as { genesisHash: string };
          if (status.genesisHash !== Buffer.from(this.chain).toString('hex')) throw new Error(`validator ${i} reports chain ${status.genesisHash}, the cluster computed ${Buffer.from(this.chain).toString('hex')}`);
          return;
        }
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('validator')) throw err;
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`validator ${i} did not serve ${this.url(i)} within ${READY_TIMEOUT_MS} ms:\n${s.tail}`);
      await sleep(100);
    }
  }

  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const s = this.slot(i);
    if (this.running(i)) s.proc!.kill(signal);
    await s.exited;
  }

  async stop(i: number): Promise<void> {
    const s = this.slot(i);
    if (!this.running(i)) {
      await s.exited;
      return;
    }
    s.proc!.kill('SIGTERM');
    const timer = setTimeout(() => s.proc?.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await s.exited;
    clearTimeout(timer);
  }

  async consensus(i: number): Promise<ConsensusJson> {
    return (await this.getJson(i, '/consensus')) as ConsensusJson;
  }

  async metrics(i: number): Promise<string> {
    const res = await fetch(`${this.url(i)}/metrics`);
    if (!res.ok) throw new Error(`validator ${i}: GET /metrics ${res.status}`);
    return res.text();
  }

  async metric(i: number, series: string): Promise<number> {
    const text = await this.metrics(i);
    for (const line of text.split('\n')) {
      if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
    }
    return 0;
  }

  async waitFinal(i: number, height: number, timeoutMs: number): Promise<ConsensusJson> {
    const deadline = Date.now() + timeoutMs;
    let last: ConsensusJson | undefined;
    for (;;) {
      try {
        last = await this.consensus(i);
        if (last.final.height >= height) return last;
      } catch {
        // restarting or busy: try again until the deadline
      }
      if (Date.now() > deadline) {
        throw new Error(`validator ${i} did not finalize height ${height} within ${timeoutMs} ms (final ${last?.final.height ?? '?'}, head ${last?.head.height ?? '?'}, round ${last?.macroRound ?? '?'}, peers ${last?.peers.map((p) => p.plmn).join(',') ?? '?'}):\n${this.slot(i).tail.slice(-8_000)}`);
      }
      await sleep(100);
    }
  }

  async finalHashes(i: number): Promise<string[]> {
    return (await this.blockPages(i)).map((b) => b.hash);
  }

  async finalBlocks(i: number, from = 0): Promise<FinalBlock[]> {
    const headers = await this.blockPages(i, from);
    const out: FinalBlock[] = [];
    for (const h of headers) {
      if (h.txCount === 0) {
        out.push({ ...h, txIds: [] });
        continue;
      }
      const b = (await this.getJson(i, `/blocks/${h.height}`)) as BlockView;
      if (b.hash !== h.hash) throw new Error(`validator ${i}: block ${h.height} changed from ${h.hash} to ${b.hash} (a final block replaced)`);
      if (!b.txIds) throw new Error(`validator ${i}: block ${h.height} has no transaction ids (pruned?)`);
      out.push({ ...b, txIds: b.txIds });
    }
    return out;
  }

  logs(i: number): string {
    return this.slot(i).tail;
  }

  allLogs(): string {
    return this.slots.map((s) => `===== validator ${s.index} (${s.v.plmn}) =====\n${s.tail.slice(-6_000)}`).join('\n');
  }

  trace(step: string): void {
    if (process.env['CDRCHAIN_FAULT_TRACE'] === '1') process.stderr.write(`[fault ${((Date.now() - this.startedAt) / 1000).toFixed(1)} s] ${step}\n`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The mesh first, while both ends of every link are alive: a proxied connection whose two ends
    // died first can keep FaultProxy.close waiting (seen: both sockets closed, one close never counted).
    if (this.mesh) await bounded(this.mesh.close(), CLOSE_STEP_MS, 'closing the proxy mesh');
    // SIGKILL: the directory is deleted next, and a clean stop of four validators costs seconds per test.
    await bounded(Promise.all(this.slots.map((s) => this.kill(s.index))), CLOSE_STEP_MS, 'killing the validators');
    for (const s of this.slots) s.log.end();
    this.ports.release();
    if (process.env['CDRCHAIN_FAULT_KEEP'] === '1') process.stderr.write(`fault cluster kept in ${this.root}\n`);
    else rmSync(this.root, { recursive: true, force: true });
  }

  /** Final block headers `from`..the store's head, oldest first (pages of GET /blocks, newest first). */
  private async blockPages(i: number, from = 0): Promise<BlockView[]> {
    const status = (await this.getJson(i, '/status')) as { head?: { height?: number }; height?: number };
    const top = status.head?.height ?? status.height;
    if (typeof top !== 'number') throw new Error(`validator ${i}: GET /status shows no head height: ${JSON.stringify(status).slice(0, 300)}`);
    const out: BlockView[] = [];
    for (let at = top; at >= from; at -= BLOCKS_PAGE) {
      const { blocks } = (await this.getJson(i, `/blocks?from=${at}&limit=${Math.min(BLOCKS_PAGE, at - from + 1)}`)) as { blocks: BlockView[] };
      for (const b of blocks) if (b.height <= top && b.height >= from) out[b.height - from] = b;
    }
    for (let h = from; h <= top; h++) if (!out[h - from]) throw new Error(`validator ${i}: final block ${h} is missing from GET /blocks`);
    return out;
  }

  private async getJson(i: number, path: string): Promise<unknown> {
    const res = await fetch(`${this.url(i)}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`validator ${i}: GET ${path} ${res.status}: ${await res.text()}`);
    return res.json();
  }

  private slot(i: number): Slot {
    const s = this.slots[i];
    if (!s) throw new RangeError(`no validator ${i} (cluster of ${this.slots.length})`);
    return s;
  }
}

// ---- ports: random ones below the ephemeral range, reserved across test processes by lock files

interface PortReservation {
  readonly ports: readonly number[];
  release(): void;
}

/** Below Linux's ephemeral range (32768+), so no outgoing connection takes a port a validator restarts on. */
const PORT_MIN = 12_000;
const PORT_MAX = 32_000;
const LOCK_DIR = join(tmpdir(), 'cdrchain-test-ports');

/**
 * `count` distinct free ports, each held by a lock file naming this process (`O_EXCL`), so test
 * files running in parallel never pick the same one; a lock whose process is gone is taken over.
 * Each port is checked free by listening on it once.
 */
export async function reservePorts(count: number): Promise<PortReservation> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const held: number[] = [];
  const release = (): void => {
    for (const p of held.splice(0)) {
      try {
        unlinkSync(join(LOCK_DIR, String(p)));
      } catch {
        // already gone
      }
    }
  };
  for (let attempt = 0; held.length < count; attempt++) {
    if (attempt > 2_000) {
      release();
      throw new Error(`could not reserve ${count} free ports in ${PORT_MIN}..${PORT_MAX}`);
    }
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    if (held.includes(port) || !lockPort(port)) continue;
    if (await canListen(port)) held.push(port);
    else unlinkSync(join(LOCK_DIR, String(port)));
  }
  return { ports: [...held], release };
}

function lockPort(port: number): boolean {
  const path = join(LOCK_DIR, String(port));
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
      try {
        unlinkSync(path); // its process is gone
      } catch {
        return false;
      }
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Waits for `p` at most `ms`; says on stderr what did not finish (a close must not hang a test file). */
async function bounded(p: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const outcome = await Promise.race([p.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') process.stderr.write(`validator cluster: ${what} took over ${ms} ms; going on\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
