// Issue 13, P6 with consensus: a batch proof submitted to one validator is relayed, verified by the
// other on its own worker pool against the genesis key, committed in a final block, and marks the
// batch proven on both. Two real validators on 127.0.0.1 (TLS peers), a real Groth16 proof.
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
import { CdrNode } from './node.js';
import { readValidatorDir } from './validator-dir.js';

const tmp = tempDataDir();
const nodes: CdrNode[] = [];
let artifacts: ChunkArtifacts;

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function getJson(node: CdrNode, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${node.url}${path}`);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  artifacts = await builtTestCircuits();
  const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
  const plan = await devnetInit({ validators: 2, out: join(tmp.dir, 'devnet'), chainId: 'proof-validators', basePort, force: false });
  const genesis = readGenesisFile(plan.genesis);
  for (const v of plan.validators) {
    nodes.push(await CdrNode.start({
      dataDir: join(v.dir, 'data'), host: '127.0.0.1', port: 0, workers: 1, genesis, apiAuth: 'open', reconciliation: false,
      validator: { ...readValidatorDir(v.dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
      log: silentLogger(), defaultMetrics: false,
    }));
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
});
