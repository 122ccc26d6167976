import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../src/client/key-file.js';
import { fromHex } from '../src/codec/bytes.js';
import { privateKeyObject } from '../src/crypto/ed25519.js';
import { forge } from '../src/test-helpers/forge.js';
import { tempDataDir } from '../src/test-helpers/devnet.js';
import { randomRecords } from '../src/test-helpers/retention.js';
import { IngestClient } from '../src/client/ingest-client.js';

/**
 * docs/operating.md, "Separate machines", followed step by step with the commands it names (the
 * built `cdrchain` and ops/scripts/, as real processes), each "machine" a directory of its own and a
 * port pair on 127.0.0.1: operator keys, BLS keys with proofs of possession, the genesis, the
 * consortium CA and one certificate per validator, validator.json, then `cdrchain node --validator`
 * per validator. The four agree on one chain and finalize a batch signed with an operator's own key.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const OPERATORS = [
  { plmn: 20801, name: 'Orange France' },
  { plmn: 23415, name: 'Vodafone UK' },
  { plmn: 26201, name: 'Telekom Deutschland' },
  { plmn: 40445, name: 'Airtel India' },
];

function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
const cdrchain = (...args: string[]) => run(process.execPath, [MAIN, ...args]);
const script = (name: string, ...args: string[]) => run(process.execPath, [join(ROOT, 'ops', 'scripts', name), ...args]);

describe('a consortium on separate machines, set up as docs/operating.md says', () => {
  const tmp = tempDataDir();
  const procs: ChildProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    })));
    tmp.cleanup();
  });

  it('keys, genesis, CA and certificates, validator.json, `cdrchain node --validator`: four validators finalize one chain', async () => {
    const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    const machines = OPERATORS.map((op, i) => ({
      ...op,
      home: join(tmp.dir, `machine-${op.plmn}`),
      etc: join(tmp.dir, `machine-${op.plmn}`, 'etc', 'validator'),
      data: join(tmp.dir, `machine-${op.plmn}`, 'data'),
      http: basePort + 2 * i,
      p2p: basePort + 2 * i + 1,
    }));
    const coordinator = join(tmp.dir, 'coordinator');
    mkdirSync(coordinator, { recursive: true });

    // 1. Each operator, on its own machine: its batch key and its validator's BLS key. Public parts go to the coordinator.
    for (const m of machines) {
      mkdirSync(m.etc, { recursive: true, mode: 0o750 });
      cdrchain('keys', 'create', '--plmn', String(m.plmn), '--out', join(m.home, 'batch.key.json'));
      const entry = script('bls-key.mjs', '--plmn', String(m.plmn), '--out', join(m.etc, 'bls.key.json'));
      expect(statSync(join(m.etc, 'bls.key.json')).mode & 0o777).toBe(0o600);
      writeFileSync(join(coordinator, `validator-${m.plmn}.json`), entry);
      // Only the public half of the batch key travels (the guide: jq '{plmn, batchKey, batchSeed: ""}').
      const { plmn, batchKey } = readKeyFile(join(m.home, 'batch.key.json'));
      writeFileSync(join(coordinator, `operator-${m.plmn}.json`), JSON.stringify({ plmn, batchKey, batchSeed: '' }));
    }

    // 2. The coordinator: the genesis (operators, then validators with proofs of possession) and the consortium CA.
    cdrchain('genesis', '--chain-id', 'operating-guide', ...machines.flatMap((m) => ['--operator', `${m.name}=${join(coordinator, `operator-${m.plmn}.json`)}`]), '--out', join(coordinator, 'operators.json'));
    script('genesis-validators.mjs', '--genesis', join(coordinator, 'operators.json'), ...machines.flatMap((m) => ['--validator', join(coordinator, `validator-${m.plmn}.json`)]), '--out', join(coordinator, 'genesis.json'));
    cdrchain('ca', 'init', '--out', join(coordinator, 'ca'), '--name', 'operating guide consortium');
    for (const m of machines) cdrchain('ca', 'issue', '--ca', join(coordinator, 'ca'), '--plmn', String(m.plmn), '--out', join(coordinator, `node-${m.plmn}`));
    const genesisText = readFileSync(join(coordinator, 'genesis.json'), 'utf8');

    // 3. Each machine receives the genesis and its certificate files; writes validator.json; starts.
    for (const m of machines) {
      writeFileSync(join(m.home, 'genesis.json'), genesisText);
      for (const f of ['node.cert.pem', 'node.key.pem', 'ca.cert.pem']) writeFileSync(join(m.etc, f), readFileSync(join(coordinator, `node-${m.plmn}`, f)), { mode: f.endsWith('key.pem') ? 0o600 : 0o644 });
      writeFileSync(join(m.etc, 'validator.json'), `${JSON.stringify({
        plmn: m.plmn,
        p2p: { host: '127.0.0.1', port: m.p2p },
        peers: machines.filter((o) => o !== m).map((o) => ({ plmn: o.plmn, host: '127.0.0.1', port: o.p2p })),
        policy: { emptyBlockIntervalMs: 100 },
      }, null, 2)}\n`);
      const proc = spawn(process.execPath, [MAIN, 'node', '--validator', m.etc, '--genesis', join(m.home, 'genesis.json'), '--data', m.data, '--host', '127.0.0.1', '--port', String(m.http), '--workers', '1', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.once('exit', (code) => {
        if (code !== 0 && code !== null) console.error(`validator ${m.plmn} exited ${code}: ${stderr}`);
      });
      procs.push(proc);
    }

    // Every validator: the same chain identity, all peers connected, a final macro block.
    const url = (m: (typeof machines)[number]) => `http://127.0.0.1:${m.http}`;
    interface Consensus { validators: { plmn: number; connected: boolean }[]; final: { height: number; hash: string } }
    const consensusOf = async (m: (typeof machines)[number]): Promise<Consensus | undefined> => {
      try {
        const res = await fetch(`${url(m)}/consensus`);
        return res.ok ? ((await res.json()) as Consensus) : undefined;
      } catch {
        return undefined;
      }
    };
    // Alone this takes ~15 s; in the full suite on two cores it has needed over 90 s (CI, 2026-12-06).
    let lastViews: (Consensus | undefined)[] = [];
    await until(async () => {
      const views = (lastViews = await Promise.all(machines.map(consensusOf)));
      return views.every((v) => v !== undefined && v.validators.every((x) => x.connected) && v.final.height >= 32);
    }, 150_000, () => `four validators connected with a final macro block; last views: ${JSON.stringify(lastViews.map((v, i) => (
      v === undefined ? { plmn: machines[i]!.plmn, down: true } : { plmn: machines[i]!.plmn, final: v.final.height, disconnected: v.validators.filter((x) => !x.connected).map((x) => x.plmn) })))}`);
    const identities = await Promise.all(machines.map(async (m) => ((await (await fetch(`${url(m)}/status`)).json()) as { genesisHash: string }).genesisHash));
    expect(new Set(identities).size).toBe(1);

    // An operator submits a batch signed with its own key (not a devnet key) to its own validator: Final everywhere.
    const submitter = machines[2]!;
    const key = readKeyFile(join(submitter.home, 'batch.key.json'));
    const batch = forge(randomRecords(50), { sequence: 1n, submitter: submitter.plmn, counterparty: machines[1]!.plmn, key: privateKeyObject(fromHex(key.batchSeed, 32)), chain: fromHex(identities[0]!, 32) });
    const client = await IngestClient.connect(`ws://127.0.0.1:${submitter.http}/ingest`);
    try {
      const r = await client.submit(batch.frame, 1n);
      const { height } = await r.final;
      const id = Buffer.from(batch.id).toString('hex');
      await until(async () => {
        const views = await Promise.all(machines.map(consensusOf));
        return views.every((v) => v !== undefined && v.final.height >= height);
      }, 60_000, () => `the batch's block ${height} final on every validator`);
      for (const m of machines) {
        const b = (await (await fetch(`${url(m)}/batch/${id}`)).json()) as { status: string; height: number };
        expect(b, `batch on ${m.plmn}`).toMatchObject({ status: 'committed', height });
      }
    } finally {
      await client.close();
    }
  }, 240_000);
});

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
