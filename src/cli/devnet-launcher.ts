import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_WELL_KNOWN_VALIDATORS } from '../chain/genesis.js';
import { NodeApiClient } from '../client/node-api-client.js';
import { devnetInit, type DevnetPlan } from './commands/devnet.js';
import { CliError, EXIT } from './errors.js';

export interface DevnetRunOptions {
  readonly validators: number;
  /** Where the devnet lives (keys, certificates, genesis, each validator's data). */
  readonly dir: string;
  readonly basePort: number;
  /** Start from scratch: delete `dir` first. */
  readonly reset: boolean;
  readonly workers: number;
  readonly logLevel: string;
  /** Where progress goes (stderr). */
  readonly out: (line: string) => void;
}

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
/**
 * Each validator's nullifier filter, resident from its start: 64 MiB instead of 256 keeps a 4-validator
 * devnet ~770 MiB smaller; it stays under 1 % of lookups sent to disk up to ~5·10^7 records each.
 */
export const DEVNET_FILTER_MIB = 64;

/** One validator process of the devnet. */
interface Running {
  readonly v: DevnetPlan['validators'][number];
  readonly proc: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * `cdrchain devnet --validators N`: a local consortium of N validator processes on 127.0.0.1. The
 * first run writes keys, certificates and the genesis under `dir` (`devnet init`); later runs reuse
 * them and each validator resumes from its own data directory. Each process logs to
 * `dir/v<i>/node.log`. Resolves when every validator has stopped (Ctrl-C stops them all).
 */
export async function runDevnet(o: DevnetRunOptions): Promise<void> {
  if (o.reset) rmSync(o.dir, { recursive: true, force: true });
  const planPath = join(o.dir, 'devnet.json');
  let plan: DevnetPlan;
  if (existsSync(planPath)) {
    plan = JSON.parse(readFileSync(planPath, 'utf8')) as DevnetPlan;
    if (plan.validators.length !== o.validators) {
      throw new CliError(`${o.dir} holds a devnet of ${plan.validators.length} validators, not ${o.validators}: pass --reset to replace it (its data is deleted)`, EXIT.usage);
    }
    o.out(`reusing the devnet in ${o.dir} (${plan.validators.length} validators, chain ${plan.chainId})`);
  } else {
    // Up to six validators: the embedded devnet genesis and its well-known INSECURE keys (a stable chain identity).
    const wellKnownKeys = o.validators <= MAX_WELL_KNOWN_VALIDATORS;
    plan = await devnetInit({ validators: o.validators, out: o.dir, chainId: 'cdrchain-devnet-local', basePort: o.basePort, force: false, wellKnownKeys });
    o.out(`wrote a new devnet to ${o.dir}: CA, ${o.validators} validators' TLS certificates and ${wellKnownKeys ? 'well-known INSECURE' : 'fresh'} BLS keys, genesis`);
  }

  const running: Running[] = plan.validators.map((v) => {
    const log = createWriteStream(join(v.dir, 'node.log'), { flags: 'a' });
    const proc = spawn(process.execPath, [
      MAIN, 'node', '--validator', v.dir, '--genesis', plan.genesis, '--data', join(v.dir, 'data'),
      '--port', String(v.ports.ingest), '--workers', String(o.workers), '--nullifier-filter-mib', String(DEVNET_FILTER_MIB), '--log-level', o.logLevel,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.pipe(log, { end: false });
    proc.stderr!.pipe(log, { end: false });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => {
      log.end();
      resolve(code);
    }));
    return { v, proc, exited };
  });
  let stopping = false;
  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    o.out('stopping the validators ...');
    for (const r of running) if (r.proc.exitCode === null) r.proc.kill('SIGTERM');
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  for (const r of running) {
    void r.exited.then((code) => {
      if (!stopping) o.out(`validator ${r.v.plmn} (${r.v.name}) exited with code ${code}; its log: ${join(r.v.dir, 'node.log')}`);
    });
  }

  try {
    await Promise.all(running.map((r) => waitReady(r)));
  } catch (err) {
    stopAll();
    await Promise.all(running.map((r) => r.exited));
    throw err;
  }
  const first = plan.validators[0]!;
  o.out([
    '',
    `cdrchain devnet ready — ${plan.validators.length} validators of chain ${plan.chainId} on 127.0.0.1 (data and logs in ${o.dir})`,
    ...plan.validators.map((v) => `  ${String(v.plmn).padEnd(6)} ${v.name.padEnd(22)} http://127.0.0.1:${v.ports.ingest}   ingest ws://127.0.0.1:${v.ports.ingest}/ingest   P2P ${v.ports.p2p}`),
    '',
    `  watch:  curl -s http://127.0.0.1:${first.ports.ingest}/consensus   (validators, head, final block, peers)`,
    `          curl -s http://127.0.0.1:${first.ports.ingest}/metrics | grep cdrchain_consensus`,
    `  submit: npm run cdrchain -- generate --count 10000 --out /tmp/cdrs.csv`,
    `          npm run cdrchain -- submit /tmp/cdrs.csv --url ws://127.0.0.1:${first.ports.ingest} --wait final`,
    '  Ctrl-C stops every validator; the next `npm start` resumes from their data.',
    '',
  ].join('\n'));
  await Promise.all(running.map((r) => r.exited));
}

async function waitReady(r: Running): Promise<void> {
  const url = `http://127.0.0.1:${r.v.ports.ingest}/status`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void r.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new CliError(`validator ${r.v.plmn} exited before it was ready; see ${join(r.v.dir, 'node.log')}`, EXIT.startup);
    try {
      await new NodeApiClient(`http://127.0.0.1:${r.v.ports.ingest}`).status();
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new CliError(`validator ${r.v.plmn} did not answer ${url} within ${READY_TIMEOUT_MS / 1000} s; see ${join(r.v.dir, 'node.log')}`, EXIT.startup);
    await new Promise((res) => setTimeout(res, 200));
  }
}
