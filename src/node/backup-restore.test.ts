import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGenesisFile } from '../chain/genesis.js';
import { devnetInit } from '../cli/commands/devnet.js';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { RejectCode } from '../codec/ingest-reply.js';
import { silentLogger } from '../log.js';
import { LmdbVoteStore } from '../storage/vote-store.js';
import { forge } from '../test-helpers/forge.js';
import { startTestNode, tempDataDir, traffic, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { submitBatches, type SubmittedBatch } from '../test-helpers/retention.js';
import { CdrNode } from './node.js';
import { readValidatorDir } from './validator-dir.js';
import { VOTE_STORE_DIR } from './validator-role.js';

/**
 * docs/operating.md, "Backups and restore": stop the node, archive its whole data directory with
 * tar, restore the archive into a fresh directory, start. The restored node must serve exactly what
 * the original served (blocks, batches with their records, operators' sequences, status), keep
 * refusing records it had already taken (the nullifier segments came along), and take new batches.
 * A restored validator must bring its vote store (it is inside LMDB) and rejoin its consortium.
 */

/** The guide's commands, run as real processes. */
function backup(dataDir: string, archive: string): void {
  const r = spawnSync('tar', ['--create', '--file', archive, '--directory', dataDir, '.'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}
function restore(archive: string, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const r = spawnSync('tar', ['--extract', '--file', archive, '--directory', dataDir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** What a client sees of a node: the answers the restored copy must repeat exactly. */
async function snapshot(url: string, batches: readonly SubmittedBatch[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const status = (await getJson(`${url}/status`)).body as Record<string, unknown>;
  // The chain and what is stored; not the process' own counters (uptime, mempool, storage probe times).
  out.status = { genesisHash: status.genesisHash, chainId: status.chainId, height: status.height, headHash: status.headHash, nullifiers: status.nullifiers, operators: status.operators, diskBytes: status.diskBytes };
  expect(status.height).toBeGreaterThan(0);
  out.blocks = await getJson(`${url}/blocks?limit=1000`);
  out.operator = await getJson(`${url}/operators/${TELEKOM_DE}`);
  for (const b of batches) {
    const id = Buffer.from(b.id).toString('hex');
    out[`batch ${id}`] = await getJson(`${url}/batch/${id}?records=1&limit=1000`);
  }
  return out;
}

describe('backup and restore of a data directory (docs/operating.md)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a solo node: stop, tar, restore into a fresh directory, start: it serves the same chain and batches, refuses old records, takes new ones', async () => {
    const tmp = tempDataDir();
    cleanups.push(tmp.cleanup);
    const original = join(tmp.dir, 'original');
    // A small nullifier hot table, so some nullifiers live in segment files (nullifiers/), not only in LMDB's admission log.
    const nullifiers = { hotLog2: 10, filterLog2Bytes: 16 };
    const node = await startTestNode(original, { nullifiers });
    let batches: SubmittedBatch[];
    let before: Record<string, unknown>;
    try {
      batches = await submitBatches(node.ingestUrl, { groups: 8, perGroup: 2, records: 100 });
      await node.chain.nullifiers.idle();
      expect(node.chain.nullifiers.watermark, 'some batches have their nullifiers in segments').toBeGreaterThan(0);
      before = await snapshot(node.url, batches);
    } finally {
      await node.stop(); // what SIGTERM (systemctl stop) does: commit what is pending, close storage
    }
    // What the guide says is in the directory.
    expect(readdirSync(original).sort()).toEqual(expect.arrayContaining(['bodies', 'data.mdb', 'nullifiers']));
    expect(readdirSync(join(original, 'bodies')).some((f) => f.endsWith('.seg'))).toBe(true);
    expect(readdirSync(join(original, 'nullifiers'))).toEqual(expect.arrayContaining(['MANIFEST.json', expect.stringMatching(/^seg-\d+\.bin$/)]));

    const archive = join(tmp.dir, 'backup.tar');
    backup(original, archive);
    // The machine is lost: only the archive is left.
    rmSync(original, { recursive: true, force: true });
    const restored = join(tmp.dir, 'restored');
    restore(archive, restored);

    const again = await startTestNode(restored, { nullifiers });
    cleanups.push(() => again.stop());
    expect(await snapshot(again.url, batches)).toEqual(before);
    expect((before.blocks as { status: number }).status).toBe(200);

    // The nullifiers came along: the first batch's records (in a segment now) are refused under a new sequence.
    const client = await IngestClient.connect(again.ingestUrl);
    cleanups.push(() => client.close());
    const next = BigInt(batches.length) + 1n;
    const replay = forge(batches[0]!.records, { sequence: next, submitter: TELEKOM_DE, counterparty: VODAFONE_UK });
    await expect(client.submit(replay.frame, next)).rejects.toMatchObject({ code: RejectCode.DuplicateRecord });
    // The sequence came along too, and new records are taken.
    const fresh = (await submitBatches(again.ingestUrl, { groups: 1, perGroup: 1, records: 50, firstSequence: next }))[0]!;
    expect(fresh.height).toBeGreaterThan((before.status as { height: number }).height);
  }, 120_000);

  it('a validator: its restored directory brings its vote store, and it rejoins the consortium without a fork proof', async () => {
    const tmp = tempDataDir();
    cleanups.push(tmp.cleanup);
    const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    const plan = await devnetInit({ validators: 4, out: join(tmp.dir, 'devnet'), chainId: 'backup-restore', basePort, force: false });
    const genesis = readGenesisFile(plan.genesis);
    const start = (dir: string, dataDir: string) => CdrNode.start({
      dataDir, host: '127.0.0.1', port: 0, workers: 1, genesis,
      validator: { ...readValidatorDir(dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
      log: silentLogger(), defaultMetrics: false,
    });
    const nodes: (CdrNode | undefined)[] = [];
    for (const v of plan.validators) nodes.push(await start(v.dir, join(v.dir, 'data')));
    cleanups.push(async () => {
      for (const n of nodes) await n?.stop();
    });
    const live = () => nodes.filter((n): n is CdrNode => n !== undefined);

    const op = Operator.devnet(TELEKOM_DE, nodes[0]!.chain.identity);
    const batches = [...op.batches(traffic(TELEKOM_DE, VODAFONE_UK, 400, 'backup'), 100, 1n)];
    const client = await IngestClient.connect(nodes[0]!.ingestUrl);
    cleanups.push(() => client.close());
    const first = await Promise.all(batches.slice(0, 2).map((b) => client.submit(b.frame, b.header.sequence)));
    const finalBefore = Math.max(...(await Promise.all(first.map((r) => r.final))).map((f) => f.height));
    await until(() => live().every((n) => n.validator!.validator.lastFinal.height >= finalBefore));

    // Validator 3: stopped for its backup, then its disk is lost. Its vote store keeps what it signed above
    // its last final block (older records are pruned at each macro block): stop it while it holds some,
    // early in a batch so no macro block prunes them in between.
    const v3 = plan.validators[3]!;
    const held = nodes[3]!.validator!.votes;
    await until(() => {
      const v = nodes[3]!.validator!.validator;
      const above = v.head.height - v.lastFinal.height;
      return held.size > 0 && above >= 1 && above <= 16;
    }, 30_000);
    await nodes[3]!.stop();
    nodes[3] = undefined;
    const data3 = join(v3.dir, 'data');
    const signedBefore = await countVotes(data3);
    expect(signedBefore, 'the validator signed micro blocks and votes').toBeGreaterThan(0);
    const archive = join(tmp.dir, 'v3.tar');
    backup(data3, archive);
    rmSync(data3, { recursive: true, force: true });

    // The three others go on finalizing without it.
    const more = await Promise.all(batches.slice(2).map((b) => client.submit(b.frame, b.header.sequence)));
    const finalMiddle = Math.max(...(await Promise.all(more.map((r) => r.final))).map((f) => f.height));
    expect(finalMiddle).toBeGreaterThan(finalBefore);

    // Restored into a fresh directory: the vote store is there before the validator signs anything.
    const restored = join(v3.dir, 'data-restored');
    restore(archive, restored);
    expect(existsSync(join(restored, 'data.mdb'))).toBe(true);
    expect(await countVotes(restored)).toBe(signedBefore);
    nodes[3] = await start(v3.dir, restored);

    // It catches up with the final chain the others made meanwhile, and keeps finalizing with them.
    await until(() => nodes[3]!.validator!.validator.lastFinal.height >= finalMiddle, 30_000);
    const later = await client.submit(...nextBatch(op));
    const finalAfter = (await later.final).height;
    await until(() => live().every((n) => n.validator!.validator.lastFinal.height >= finalAfter), 30_000);
    for (let h = 0; h <= finalAfter; h++) {
      const hashes = new Set(live().map((n) => Buffer.from(n.chain.queries.block(h)!.hash).toString('hex')));
      expect(hashes.size, `height ${h}`).toBe(1);
    }
    for (const n of live()) {
      const text = await (await fetch(`${n.url}/metrics`)).text();
      expect(text).toMatch(/^cdrchain_consensus_fork_proofs_total 0$/m);
    }
  }, 180_000);
});

/** Signed-message records in a stopped validator's vote store (its own LMDB environment in the data directory). */
async function countVotes(dataDir: string): Promise<number> {
  const store = await LmdbVoteStore.open(join(dataDir, VOTE_STORE_DIR));
  try {
    return store.size;
  } finally {
    await store.close();
  }
}

let sequenceAfter = 0n;
function nextBatch(op: Operator): [Uint8Array, bigint] {
  sequenceAfter = sequenceAfter === 0n ? 5n : sequenceAfter + 1n;
  const [b] = [...op.batches(traffic(TELEKOM_DE, VODAFONE_UK, 50, `after-${sequenceAfter}`), 50, sequenceAfter)];
  return [b!.frame, b!.header.sequence];
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
