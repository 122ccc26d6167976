// Issue 13, P6 on the chain: a batch proof transaction (real Groth16 proofs on the 4-record test
// circuit) over POST /tx to a real node, verified on its worker pool against the devnet genesis' key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { Operator } from '../client/operator.js';
import { proveOwnBatch, signBatchProof } from '../client/batch-proof-tx.js';
import { toHex } from '../codec/bytes.js';
import { RejectCode, rejectCodeName } from '../codec/ingest-reply.js';
import type { ChunkArtifacts } from '../proofs/artifacts.js';
import { CHUNK_CIRCUIT } from '../proofs/circuit.js';
import { releaseProofCurve } from '../proofs/curve.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits } from '../proofs/test-helpers/built-circuits.js';
import { devnetChainIdentity } from './devnet-chain.js';
import { devnetBatchSeed } from './genesis.js';
import { ORANGE_FR, startTestNode, tempDataDir, TELEKOM_DE, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { CdrNode } from '../node/node.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import type { BatchContext } from '../privacy/context.js';
import { BATCH_PROOF_CHUNK_BYTES, batchProofPublicValues } from '../proofs/batch-proof-layout.js';
import { chargeAggregateOpens, openChargeAggregate } from '../proofs/charge-aggregate.js';
import type { ChunkTotals } from '../proofs/totals.js';
import { JubjubPoint, toAffine } from '../settlement/commitment/pedersen.js';

const PROOF_TEST = { timeout: 300_000 };
const data = tempDataDir();
const chain = devnetChainIdentity();
let node: CdrNode;
let artifacts: ChunkArtifacts;
const cdrs = traffic(TELEKOM_DE, VODAFONE_UK, 6, 'proof-admission');
const batch = Operator.devnet(TELEKOM_DE).batch(cdrs, 1n);
let proofBytes: Uint8Array;
let firstTotals: readonly ChunkTotals[];

beforeAll(async () => {
  artifacts = await builtTestCircuits();
  node = await startTestNode(data.dir);
  const accepted = await node.chain.submitTx(batch.frame.slice(), node.chain.httpSource);
  expect(toHex(accepted.id)).toBe(toHex(batch.id));
  // The submitter proves from its own CDRs (two chunks of 4): seconds on the test circuit.
  const made = await proveOwnBatch({ artifacts, cdrs, header: batch.header, secrets: devnetSecrets(TELEKOM_DE), chain, poseidon: PoseidonWasm.load() });
  proofBytes = made.bytes;
  firstTotals = made.totals;
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await node?.stop();
  await releaseProofCurve();
  data.cleanup();
});

async function postTx(frame: Uint8Array): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${node.url}/tx`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: frame });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${node.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const proofBy = (signer: number, sequence: bigint, over: Partial<Parameters<typeof signBatchProof>[0]> = {}): ReturnType<typeof signBatchProof> =>
  signBatchProof({ signer, sequence, batchId: batch.id, proof: proofBytes, seed: devnetBatchSeed(signer), chain, ...over });

describe('batch proof transactions', PROOF_TEST, () => {
  it('each bad one gets its code and leaves nothing behind', async () => {
    const tampered = proofBytes.slice();
    tampered[9 + 32 + 31] = tampered[9 + 32 + 31]! ^ 1; // chunk 0's totals commitment: a public input of a valid proof
    // Chunk 1's charge commitment replaced by chunk 0's: a valid point, another chunk's total.
    const swappedCharge = proofBytes.slice();
    swappedCharge.set(proofBytes.subarray(9 + 64, 9 + 128), 9 + BATCH_PROOF_CHUNK_BYTES + 64);
    const cases: { what: string; tx: ReturnType<typeof signBatchProof>; code: RejectCode; status: number }[] = [
      { what: 'unknown circuit', tx: proofBy(TELEKOM_DE, 1n, { circuitId: 'cdrchain/other' }), code: RejectCode.UnknownCircuit, status: 422 },
      { what: 'unregistered version', tx: proofBy(TELEKOM_DE, 1n, { circuitVersion: CHUNK_CIRCUIT.version + 1 }), code: RejectCode.UnknownCircuit, status: 422 },
      { what: 'unknown batch', tx: proofBy(TELEKOM_DE, 1n, { batchId: new Uint8Array(32).fill(7) }), code: RejectCode.UnknownBatch, status: 404 },
      { what: 'a signer outside the pair', tx: proofBy(ORANGE_FR, 1n), code: RejectCode.UnknownBatch, status: 404 },
      { what: 'a tampered proof', tx: proofBy(TELEKOM_DE, 1n, { proof: tampered }), code: RejectCode.BadProof, status: 422 },
      { what: "another chunk's charge commitment", tx: proofBy(TELEKOM_DE, 1n, { proof: swappedCharge }), code: RejectCode.BadProof, status: 422 },
      { what: 'a truncated proof', tx: proofBy(TELEKOM_DE, 1n, { proof: proofBytes.subarray(0, proofBytes.length - 1) }), code: RejectCode.BadProof, status: 422 },
    ];
    for (const c of cases) {
      const { status, body } = await postTx(c.tx.frame);
      expect({ what: c.what, status, error: body['error'] }).toEqual({ what: c.what, status: c.status, error: rejectCodeName(c.code) });
      expect((await getJson(`/txns/${toHex(c.tx.hash)}`)).status).toBe(404);
    }
    // The other pair's refusal says nothing the unknown batch's does not.
    const outsider = await postTx(proofBy(ORANGE_FR, 2n).frame);
    expect(String(outsider.body['message'])).not.toContain(String(TELEKOM_DE));
    const view = await getJson(`/batch/${toHex(batch.id)}`);
    expect(view.status).toBe(200);
    expect(view.body['proven']).toBeUndefined();
  });

  it('a valid proof becomes the batch\'s proven record when its block commits (with its height); then any other proof of it is refused, relayed too; a restart keeps the record', async () => {
    const tx = proofBy(TELEKOM_DE, 1n);
    const { status, body } = await postTx(tx.frame);
    expect(status).toBe(202);
    expect(body['hash']).toBe(toHex(tx.hash));

    await node.chain.flush();
    const committed = await getJson(`/txns/${toHex(tx.hash)}`);
    expect(committed.body).toMatchObject({ type: 'batch_proof', status: 'committed', signer: TELEKOM_DE, batch: toHex(batch.id), chunks: 2, chunkRecords: 4 });
    const height = committed.body['height'];
    const proven = (await getJson(`/batch/${toHex(batch.id)}`)).body['proven'] as Record<string, unknown>;
    expect(proven).toMatchObject({ circuitId: CHUNK_CIRCUIT.id, circuitVersion: CHUNK_CIRCUIT.version, chunkRecords: 4, txHash: toHex(tx.hash), signer: TELEKOM_DE, height });
    expect(proven['totalsCommitments']).toHaveLength(2);
    const chunk = BATCH_PROOF_CHUNK_BYTES;
    expect(proven['totalsCommitments']).toEqual([toHex(proofBytes.subarray(9 + 32, 9 + 64)), toHex(proofBytes.subarray(9 + chunk + 32, 9 + chunk + 64))]);
    expect(proven['chargeCommitments']).toEqual([toHex(proofBytes.subarray(9 + 64, 9 + 128)), toHex(proofBytes.subarray(9 + chunk + 64, 9 + chunk + 128))]);

    // The counterparty may prove too, but a batch is proven once: no block may include a second
    // proof, so neither a client's nor a peer's is admitted (two validators racing: batch-proof-validators.test.ts).
    const again = await postTx(proofBy(VODAFONE_UK, 1n).frame);
    expect({ status: again.status, error: again.body['error'] }).toEqual({ status: 409, error: rejectCodeName(RejectCode.Replay) });
    expect(String(again.body['message'])).toContain(toHex(tx.hash));
    expect((await postTx(tx.frame)).status).toBe(409);
    const relayed = proofBy(VODAFONE_UK, 1n);
    await expect(node.chain.submitTx(relayed.frame.slice(), node.chain.connectionSource('peer test', { relayed: true }))).rejects.toMatchObject({ code: RejectCode.Replay });
    expect((await getJson(`/txns/${toHex(relayed.hash)}`)).status).toBe(404);

    // After a restart: the same record, the signer's proof sequence restored (from committed state).
    await node.stop();
    node = await startTestNode(data.dir);
    expect((await getJson(`/batch/${toHex(batch.id)}`)).body['proven']).toEqual(proven);
    expect((await getJson(`/operators/${TELEKOM_DE}`)).body['lastProofSequence']).toBe('1');
    expect((await postTx(proofBy(TELEKOM_DE, 2n).frame)).status).toBe(409);
  });

  it("each committed proof adds its chunks' charge commitments to the aggregate of (submitter → counterparty, period): after two proofs their sum, which the pair opens from its salts; a restart keeps it", async () => {
    const proven = (await getJson(`/batch/${toHex(batch.id)}`)).body['proven'] as Record<string, unknown>;
    const period = new Date(Number(batch.header.periodStart) * 1000).toISOString().slice(0, 7); // the devnet's monthly periods
    expect(proven['period']).toBe(period);
    const path = `/proofs/aggregate/${TELEKOM_DE}/${VODAFONE_UK}/${period}`;
    const pointOf = (c: { x: bigint; y: bigint }): JubjubPoint => JubjubPoint.fromAffine(c);
    const sumOf = (bytes: Uint8Array[]): { x: string; y: string } => {
      const p = bytes.flatMap((b) => batchProofPublicValues(b)!.chargeCommitments).reduce<JubjubPoint>((acc, c) => acc.add(pointOf(c)), JubjubPoint.ZERO);
      const a = toAffine(p);
      return { x: a.x.toString(16).padStart(64, '0'), y: a.y.toString(16).padStart(64, '0') };
    };
    const one = await getJson(path);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ submitter: TELEKOM_DE, counterparty: VODAFONE_UK, period, commitment: sumOf([proofBytes]), batches: 1, chunks: 2, height: proven['height'] });

    // A second batch of the pair in the period, proven by its submitter.
    const cdrs2 = traffic(TELEKOM_DE, VODAFONE_UK, 5, 'proof-admission-2');
    const batch2 = Operator.devnet(TELEKOM_DE).batch(cdrs2, 2n);
    await node.chain.submitTx(batch2.frame.slice(), node.chain.httpSource);
    const made2 = await proveOwnBatch({ artifacts, cdrs: cdrs2, header: batch2.header, secrets: devnetSecrets(TELEKOM_DE), chain, poseidon: PoseidonWasm.load() });
    expect((await postTx(proofBy(TELEKOM_DE, 2n, { batchId: batch2.id, proof: made2.bytes }).frame)).status).toBe(202);
    await node.chain.flush();
    const two = await getJson(path);
    expect(two.body).toMatchObject({ commitment: sumOf([proofBytes, made2.bytes]), batches: 2, chunks: 4 });
    expect(two.body['height']).toBeGreaterThan(proven['height'] as number);

    // The submitter opens it from its totals and salts; so does the counterparty (the same pair secret); a wrong total does not.
    const commitment = two.body['commitment'] as { x: string; y: string };
    const affine = { x: BigInt(`0x${commitment.x}`), y: BigInt(`0x${commitment.y}`) };
    const context = (h: typeof batch.header): BatchContext => ({ chainId: chain, submitter: h.submitter, counterparty: h.counterparty, sequence: h.sequence });
    const batches = [{ context: context(batch.header), totals: firstTotals }, { context: context(batch2.header), totals: made2.totals }];
    const opening = openChargeAggregate(devnetSecrets(TELEKOM_DE).pairSecret(VODAFONE_UK), batches);
    expect(chargeAggregateOpens(affine, opening)).toBe(true);
    expect([...opening.totals.values()].reduce((a, b) => a + b, 0n)).toBe([...cdrs, ...cdrs2].reduce((a, c) => a + c.charge, 0n));
    expect(chargeAggregateOpens(affine, openChargeAggregate(devnetSecrets(VODAFONE_UK).pairSecret(TELEKOM_DE), batches))).toBe(true);
    const [currency, total] = [...opening.totals][0]!;
    expect(chargeAggregateOpens(affine, { ...opening, totals: new Map([[currency, total + 1n]]) })).toBe(false);
    expect(chargeAggregateOpens(affine, openChargeAggregate(devnetSecrets(TELEKOM_DE).pairSecret(ORANGE_FR), batches))).toBe(false);

    // The other direction and another period have none; a malformed period is a bad parameter.
    expect((await getJson(`/proofs/aggregate/${VODAFONE_UK}/${TELEKOM_DE}/${period}`)).status).toBe(404);
    expect((await getJson(`/proofs/aggregate/${TELEKOM_DE}/${VODAFONE_UK}/1999-01`)).status).toBe(404);
    expect((await getJson(`/proofs/aggregate/${TELEKOM_DE}/${VODAFONE_UK}/${encodeURIComponent('x y')}`)).status).toBe(400);

    await node.stop();
    node = await startTestNode(data.dir);
    expect((await getJson(path)).body).toEqual(two.body);
  });
});
