// Child-process entry: a fresh CdrNode (every check on, defaults unless told otherwise) in a temp
// data directory, on 127.0.0.1 and a free port; alone (solo), or as one validator of a consortium
// when `validatorDir` and `genesisFile` name its files (read as `cdrchain node --validator DIR
// --genesis F` reads them). Talks to its parent over IPC:
//
//   child → parent  { type: 'ready', port, url, ingestUrl, dataDir, pid, workers }
//   parent → child  { type: 'stats', id }   → { type: 'stats', id, stats: NodeStats }
//   parent → child  { type: 'stop', id }    → { type: 'stopped', id, stats } after flush + stop; the
//                                              data directory is removed, then the process exits
//   child → parent  { type: 'error', message } on a start failure (then exits 1)
//
// It samples its own RSS every 100 ms (peak also read from /proc VmHWM), counts accepted and
// committed CDRs per second from chain events, and exits on its own if the parent goes away or
// its lifetime limit passes: no orphaned nodes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readGenesisFile } from '../../src/chain/genesis.js';
import { pino } from 'pino';
import { silentLogger, type Logger } from '../../src/log.js';
import { CdrNode } from '../../src/node/node.js';
import { readValidatorDir } from '../../src/node/validator-dir.js';
import type { NodeProcessOptions, NodeStats } from './protocol.js';

type Request = { type: 'stats'; id: number } | { type: 'stop'; id: number };

function send(msg: unknown): void {
  if (process.send && process.connected) process.send(msg);
}

/** Sends a last message and exits once it has left (disconnecting first could drop it). */
function sendAndExit(msg: unknown, code: number): void {
  const exit = (): void => process.exit(code);
  setTimeout(exit, 10_000).unref();
  if (msg !== undefined && process.send && process.connected) process.send(msg, undefined, {}, exit);
  else exit();
}

function vmHwm(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function procStatusBytes(field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  try {
    for (const name of readdirSync(dir)) {
      const st = statSync(join(dir, name));
      total += st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
    }
  } catch {
    // the directory is gone (after stop)
  }
  return total;
}

function entryBytes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const name of readdirSync(dir).sort()) {
      const st = statSync(join(dir, name));
      out[name] = st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
    }
  } catch {
    // the directory is gone (after stop)
  }
  return out;
}

function lmdbFile(dir: string): { size: number; allocated: number } {
  try {
    const st = statSync(join(dir, 'data.mdb'));
    return { size: st.size, allocated: st.blocks * 512 };
  } catch {
    return { size: 0, allocated: 0 };
  }
}

/** Silent, unless CDRCHAIN_BENCH_LOG_DIR names a directory: then JSON logs to `<dir>/node-<pid>.log` (level CDRCHAIN_LOG_LEVEL, default info). */
function benchLogger(): Logger {
  const dir = process.env['CDRCHAIN_BENCH_LOG_DIR'];
  if (dir === undefined || dir === '') return silentLogger();
  const level = process.env['CDRCHAIN_LOG_LEVEL'] ?? 'info';
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: join(dir, `node-${process.pid}.log`), mkdir: true, sync: false }));
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as NodeProcessOptions;
  const lifetime = setTimeout(() => {
    process.stderr.write(`node-process: lifetime limit of ${opts.maxLifetimeSec ?? 1800} s reached, exiting\n`);
    process.exit(3);
  }, (opts.maxLifetimeSec ?? 1800) * 1000);
  lifetime.unref();

  const dataDir = mkdtempSync(join(opts.tmpRoot ?? tmpdir(), 'cdrchain-bench-node-'));
  let node: CdrNode;
  try {
    node = await CdrNode.start({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      workers: opts.workers ?? 2,
      log: benchLogger(),
      defaultMetrics: true,
      ...(opts.genesisFile ? { genesis: readGenesisFile(opts.genesisFile) } : {}),
      ...(opts.validatorDir ? { validator: readValidatorDir(opts.validatorDir) } : {}),
      ...(opts.producer ? { producer: opts.producer } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.nullifiers ? { nullifiers: opts.nullifiers } : {}),
      ...(opts.reconciliation === false ? { reconciliation: false } : {}),
    });
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  }

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
  }, 100);

  const cpuStart = process.cpuUsage();
  const eluStart = performance.eventLoopUtilization();
  let acceptedBatches = 0;
  let acceptedCdrs = 0;
  let committedCdrs = 0;
  let confirmedCdrs = 0;
  let blocks = 0;
  let height = 0;
  const committedPerSecond = new Map<number, number>();
  const acceptedPerSecond = new Map<number, number>();
  const confirmedPerSecond = new Map<number, number>();
  const bump = (m: Map<number, number>, n: number): void => {
    const s = Math.floor(Date.now() / 1000);
    m.set(s, (m.get(s) ?? 0) + n);
  };
  node.chain.events.on('batchAccepted', (b) => {
    acceptedBatches++;
    acceptedCdrs += b.cdrCount;
    bump(acceptedPerSecond, b.cdrCount);
  });
  // Consensus only: a block joined the head's branch here (blockCommitted is then its finality).
  node.chain.events.on('blockConfirmed', (b) => {
    confirmedCdrs += b.cdrCount;
    bump(confirmedPerSecond, b.cdrCount);
  });
  node.chain.events.on('blockCommitted', (b) => {
    blocks++;
    height = b.height;
    committedCdrs += b.cdrCount;
    bump(committedPerSecond, b.cdrCount);
  });

  const stats = (): NodeStats => {
    const mem = process.memoryUsage();
    if (mem.rss > peakRss) peakRss = mem.rss;
    const cpu = process.cpuUsage(cpuStart);
    const lmdb = lmdbFile(dataDir);
    const elu = performance.eventLoopUtilization(eluStart);
    return {
      atMs: Date.now(),
      rssBytes: mem.rss,
      peakRssBytes: peakRss,
      vmHwmBytes: vmHwm(),
      rssAnonBytes: procStatusBytes('RssAnon'),
      rssFileBytes: procStatusBytes('RssFile'),
      heapUsedBytes: mem.heapUsed,
      externalBytes: mem.external,
      arrayBuffersBytes: mem.arrayBuffers,
      lmdbFileBytes: lmdb.size,
      lmdbAllocatedBytes: lmdb.allocated,
      dataDirBytes: dirBytes(dataDir),
      dataDirEntries: entryBytes(dataDir),
      acceptedBatches,
      acceptedCdrs,
      committedCdrs,
      blocks,
      height,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      eluActiveMs: elu.active,
      eluIdleMs: elu.idle,
      committedPerSecond: [...committedPerSecond].sort((a, b) => a[0] - b[0]),
      acceptedPerSecond: [...acceptedPerSecond].sort((a, b) => a[0] - b[0]),
      ...(opts.validatorDir ? { confirmedCdrs, confirmedPerSecond: [...confirmedPerSecond].sort((a, b) => a[0] - b[0]) } : {}),
    };
  };

  let stopping = false;
  const stop = async (id: number | undefined): Promise<void> => {
    if (stopping) return;
    stopping = true;
    try {
      await node.chain.flush();
      const final = stats();
      await node.stop();
      clearInterval(sampler);
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
      sendAndExit(id !== undefined ? { type: 'stopped', id, stats: final } : undefined, 0);
    } catch (err) {
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
      sendAndExit({ type: 'error', message: `stop failed: ${err instanceof Error ? err.message : String(err)}` }, 1);
    }
  };

  process.on('message', (m: Request) => {
    if (m.type === 'stats') send({ type: 'stats', id: m.id, stats: stats() });
    else if (m.type === 'stop') void stop(m.id);
  });
  // Parent gone (crash, kill): stop cleanly and leave nothing behind.
  process.on('disconnect', () => void stop(undefined));
  process.on('SIGTERM', () => void stop(undefined));

  send({ type: 'ready', port: node.port, url: node.url, ingestUrl: node.ingestUrl, dataDir, pid: process.pid, workers: node.chain.verifierThreads });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
