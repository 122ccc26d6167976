// Issue 13, P5/P6 with consensus: a batch proof submitted to one validator is relayed, verified by the
// other on its own worker pool against the genesis key, committed in a final block, and marks the
// batch proven on both. Proofs and verdicts are state: two proofs of one batch (or two revision-1
// verdicts of one pair) admitted on different validators at once, the first in chain order is the
// record on both, at the same height and block (state root); the other is evicted and says why; a
// restart keeps all of it. Two real validators on 127.0.0.1 (TLS peers), real Groth16 proofs.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenesisFile } from '../chain/genesis.js';
import { devnetInit } from '../cli/commands/devnet.js';
import { proveOwnBatch, signBatchProof } from '../client/batch-proof-tx.js';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { toHex } from '../codec/bytes.js';
import { silentLogger } from '../log.js';
import { releaseProofCurve } from '../proofs/curve.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits } from '../proofs/test-helpers/built-circuits.js';
import type { ChunkArtifacts } from '../proofs/artifacts.js';
import { tempDataDir, traffic } from '../test-helpers/devnet.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { CdrNode, type NodeConfig } from './node.js';
import { privateKeyObject } from '../crypto/ed25519.js';
import { operatorPair } from '../reconciliation/pair.js';
import { computeVerdict, signVerdict, verdictFrame, verdictTxHash } from '../reconciliation/verdict.js';
import { readValidatorDir } from './validator-dir.js';
import { until, getJson, postFrame } from '../test-helpers/node-http.js';

const tmp = tempDataDir();
const nodes: CdrNode[] = [];
const configs: NodeConfig[] = [];
let artifacts: ChunkArtifacts;

/** Where a transaction stands on `node`: its status and eviction, or 404 (never admitted there). */
async function txState(node: CdrNode, hash: string): Promise<{ status: string; eviction?: Record<string, unknown>; height?: number }> {
  const res = await fetch(`${node.url}/txns/${hash}`);
  if (res.status === 404) {
    await res.arrayBuffer();
    return { status: 'unknown' };
  }
  return (await res.json()) as { status: string; eviction?: Record<string, unknown>; height?: number };
}

/** Both validators' hash of the block at `height` (a version 2 header carries the state root). */
async function blockHashes(height: number): Promise<string[]> {
  return Promise.all(nodes.map(async (n) => String((await getJson(n, `/blocks/${height}`))['hash'])));
}

/** What the racing tests leave for the restart to check. */
const kept: { batch?: string; proven?: Record<string, unknown>; aggregate?: { path: string; value: Record<string, unknown> }; proofLoser?: { hash: string; on: number }; verdictPath?: string; verdict?: Record<string, unknown>; verdictLoser?: { hash: string; on: number } } = {};

beforeAll(async () => {
  artifacts = await builtTestCircuits();
  const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
  const plan = await devnetInit({ validators: 2, out: join(tmp.dir, 'devnet'), chainId: 'proof-validators', basePort, force: false });
  const genesis = readGenesisFile(plan.genesis);
  for (const v of plan.validators) {
    const config: NodeConfig = {
      dataDir: join(v.dir, 'data'), host: '127.0.0.1', port: 0, workers: 1, genesis, apiAuth: 'open', reconciliation: false,
      validator: { ...readValidatorDir(v.dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
      log: silentLogger(), defaultMetrics: false,
    };
    configs.push(config);
    nodes.push(await CdrNode.start(config));
  }
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  for (const n of nodes.reverse()) await n.stop();
  await releaseProofCurve();
  tmp.cleanup();
});

describe('a batch proof with two validators', { timeout: 300_000 }, () => {
  it('is verified by both, committed in a final block, and marks the batch proven on both', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    await until(async () => ((await getJson(b, '/consensus'))['validators'] as { connected: boolean }[]).every((v) => v.connected), 'both validators connected');
    const operators = a.chain.genesis.operators.map((o) => o.plmn);
    const [submitter, counterparty] = [operators[0]!, operators[1]!];
    const cdrs = traffic(submitter, counterparty, 5, 'proof-validators');
    const built = Operator.devnet(submitter, a.chain.identity).batch(cdrs, 1n);
    const client = await IngestClient.connect(a.ingestUrl, { signer: OperatorRequestSigner.devnet(submitter) });
    try {
      await (await client.submit(built.frame, 1n, built.id)).final;
    } finally {
      await client.close();
    }
    const id = toHex(built.id);
    await until(async () => (await getJson(b, `/batch/${id}`))['status'] === 'committed', 'the batch committed on the other validator');

    const { bytes } = await proveOwnBatch({ artifacts, cdrs, header: built.header, secrets: devnetSecrets(submitter), chain: a.chain.identity, poseidon: PoseidonWasm.load() });
    const tx = signBatchProof({ signer: submitter, sequence: 1n, batchId: built.id, proof: bytes, seed: devnetBatchSeed(submitter), chain: a.chain.identity });
    const res = await fetch(`${a.url}/tx`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: tx.frame });
    expect(res.status).toBe(202);
    for (const n of [a, b]) {
      await until(async () => (await getJson(n, `/txns/${toHex(tx.hash)}`))['status'] === 'committed', 'the proof committed');
      const proven = (await getJson(n, `/batch/${id}`))['proven'] as Record<string, unknown> | undefined;
      expect(proven).toMatchObject({ txHash: toHex(tx.hash), signer: submitter, chunkRecords: 4 });
    }
    expect((await getJson(b, `/operators/${submitter}`))['lastProofSequence']).toBe('1');
  });

  it('two proofs of one batch admitted on different validators: the first in chain order is the record on both, at one height and block; the other is evicted (already_proven)', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    const operators = a.chain.genesis.operators.map((o) => o.plmn);
    const [submitter, counterparty] = [operators[0]!, operators[1]!];
    const cdrs = traffic(submitter, counterparty, 5, 'proof-race');
    const built = Operator.devnet(submitter, a.chain.identity).batch(cdrs, 2n);
    const client = await IngestClient.connect(a.ingestUrl, { signer: OperatorRequestSigner.devnet(submitter) });
    try {
      await (await client.submit(built.frame, 2n, built.id)).final;
    } finally {
      await client.close();
    }
    const id = toHex(built.id);
    await until(async () => (await getJson(b, `/batch/${id}`))['status'] === 'committed', 'the batch committed on the other validator');
    const { bytes } = await proveOwnBatch({ artifacts, cdrs, header: built.header, secrets: devnetSecrets(submitter), chain: a.chain.identity, poseidon: PoseidonWasm.load() });
    // The submitter proves on one validator, the counterparty on the other, at once.
    const p1 = signBatchProof({ signer: submitter, sequence: 2n, batchId: built.id, proof: bytes, seed: devnetBatchSeed(submitter), chain: a.chain.identity });
    const p2 = signBatchProof({ signer: counterparty, sequence: 1n, batchId: built.id, proof: bytes, seed: devnetBatchSeed(counterparty), chain: a.chain.identity });
    expect(await Promise.all([postFrame(a, '/tx', p1.frame), postFrame(b, '/tx', p2.frame)])).toEqual([202, 202]);

    await until(async () => (await Promise.all(nodes.map((n) => getJson(n, `/batch/${id}`)))).every((v) => v['proven'] !== undefined), 'the batch proven on both');
    const records = await Promise.all(nodes.map(async (n) => (await getJson(n, `/batch/${id}`))['proven'] as Record<string, unknown>));
    expect(records[1]).toEqual(records[0]);
    const winner = String(records[0]!['txHash']);
    expect([toHex(p1.hash), toHex(p2.hash)]).toContain(winner);
    const height = Number(records[0]!['height']);
    for (const n of nodes) expect(await txState(n, winner)).toMatchObject({ status: 'committed', height });
    const hashes = await blockHashes(height);
    expect(hashes[1]).toBe(hashes[0]);
    // Both proven batches of the pair (this one and the first test's) added their chunks to one charge
    // aggregate, the same on both validators (it is in the state root).
    const aggregatePath = `/proofs/aggregate/${submitter}/${counterparty}/${String(records[0]!['period'])}`;
    const aggregates = await Promise.all(nodes.map((n) => getJson(n, aggregatePath)));
    expect(aggregates[1]).toEqual(aggregates[0]);
    expect(aggregates[0]).toMatchObject({ submitter, counterparty, batches: 2, chunks: 4 });
    kept.aggregate = { path: aggregatePath, value: aggregates[0]! };

    // The loser: evicted where a client submitted it; on the other validator evicted too, or never
    // admitted (relayed after the commit, it is refused: the batch is proven).
    const [loser, loserOn] = winner === toHex(p1.hash) ? [toHex(p2.hash), 1] : [toHex(p1.hash), 0];
    await until(async () => (await txState(nodes[loserOn]!, loser)).status === 'evicted', 'the losing proof evicted');
    for (const n of nodes) {
      const st = await txState(n, loser);
      if (st.status === 'unknown') continue;
      expect(st).toMatchObject({ status: 'evicted', eviction: { reason: 'already_proven', height } });
      expect(String(st.eviction!['detail'])).toContain(winner);
    }
    kept.batch = id;
    kept.proven = records[0]!;
    kept.proofLoser = { hash: loser, on: loserOn };
  });

  it('two revision-1 verdicts of one pair admitted on different validators: the first in chain order is the verdict on both; the other is evicted (verdict_overtaken)', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    const operators = a.chain.genesis.operators.map((o) => o.plmn);
    const pair = operatorPair(operators[0]!, operators[1]!);
    const now = new Date();
    const period = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 };
    const key = (plmn: number) => privateKeyObject(devnetBatchSeed(plmn));
    const verdict = (matched: number) => {
      const v = computeVerdict({ pair, period, counts: { indexedHeight: 1, matched, mismatched: 0, onlyA: 0, onlyB: 0 }, events: [], tolerances: { durationSec: 1, volumeBytes: 0n, chargePpm: 5000, chargeMinor: 0n } });
      const signed = signVerdict(signVerdict(v, pair.a, key(pair.a), a.chain.identity), pair.b, key(pair.b), a.chain.identity);
      return { frame: verdictFrame(signed, matched === 5 ? pair.a : pair.b), hash: toHex(verdictTxHash(signed.fields, a.chain.identity)) };
    };
    const [v1, v2] = [verdict(5), verdict(6)];
    expect(await Promise.all([postFrame(a, '/tx', v1.frame), postFrame(b, '/tx', v2.frame)])).toEqual([202, 202]);

    const path = `/reconciliation/${pair.a}-${pair.b}/${period.year}-${String(period.month).padStart(2, '0')}/verdict`;
    const committedOn = async (n: CdrNode) => ((await getJson(n, path))['verdict'] as Record<string, unknown> | null)?.['status'] === 'committed';
    await until(async () => (await committedOn(a)) && (await committedOn(b)), 'a verdict committed on both');
    const views = await Promise.all(nodes.map((n) => getJson(n, path)));
    expect(views[1]).toEqual(views[0]);
    expect(views[0]).toMatchObject({ revisions: 1 });
    const winning = views[0]!['verdict'] as Record<string, unknown>;
    const winner = String(winning['txHash']);
    const height = Number(winning['height']);
    expect([v1.hash, v2.hash]).toContain(winner);
    const hashes = await blockHashes(height);
    expect(hashes[1]).toBe(hashes[0]);

    const [loser, loserOn] = winner === v1.hash ? [v2.hash, 1] : [v1.hash, 0];
    await until(async () => (await txState(nodes[loserOn]!, loser)).status === 'evicted', 'the losing verdict evicted');
    for (const n of nodes) {
      const st = await txState(n, loser);
      if (st.status === 'unknown') continue;
      expect(st).toMatchObject({ status: 'evicted', eviction: { reason: 'verdict_overtaken', height } });
    }
    // Verdicts travel as gossip (MessageKind.Verdict, 12): each validator relayed its client's verdict.
    for (const n of nodes) {
      const metrics = await (await fetch(`${n.url}/metrics`)).text();
      expect(metrics).toMatch(/cdrchain_relay_txs_total\{kind="verdict"\} 1\b/);
      expect(metrics).toMatch(/cdrchain_relay_received_total\{kind="verdict",outcome="[a-z_]+"\} [1-9]/);
    }
    kept.verdictPath = path;
    kept.verdict = views[0]!;
    kept.verdictLoser = { hash: loser, on: loserOn };
  });

  it('a restarted validator shows the same proven record, verdict and evictions', async () => {
    expect(kept.batch && kept.verdictPath).toBeTruthy();
    for (const i of [0, 1]) {
      await nodes[i]!.stop();
      nodes[i] = await CdrNode.start(configs[i]!);
    }
    for (const n of nodes) {
      expect((await getJson(n, `/batch/${kept.batch!}`))['proven']).toEqual(kept.proven);
      expect(await getJson(n, kept.aggregate!.path)).toEqual(kept.aggregate!.value);
      expect(await getJson(n, kept.verdictPath!)).toEqual(kept.verdict);
    }
    expect(await txState(nodes[kept.proofLoser!.on]!, kept.proofLoser!.hash)).toMatchObject({ status: 'evicted', eviction: { reason: 'already_proven' } });
    expect(await txState(nodes[kept.verdictLoser!.on]!, kept.verdictLoser!.hash)).toMatchObject({ status: 'evicted', eviction: { reason: 'verdict_overtaken' } });
  });
});
