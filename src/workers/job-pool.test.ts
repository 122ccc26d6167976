// The node's job pool with real worker threads (dist/src/workers/job.worker.js): batch verification
// as before, BLS sets batched across callers with the bad one found, backpressure, priority and
// per-kind metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RejectCode } from '../codec/ingest-reply.js';
import { blsAggregateSignatures, blsKeyPairFromSeed, blsSign, type BlsSignatureSet } from '../crypto/bls/bls.js';
import { ed25519FromSeed } from '../crypto/ed25519.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import { TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { devnetChain, forge } from '../test-helpers/forge.js';
import { freshRecords } from '../test-helpers/records.js';
import { BatchVerifierPool } from './batch-verifier.js';
import { packBlsJob } from './bls-job.js';
import { MainThreadBlsVerifier } from './bls-verifier.js';
import { JobPoolClosedError, JobQueueFullError } from './job-errors.js';
import { JobPool } from './job-pool.js';
import { JobUrgency } from './job-urgency.js';
import { PoolBlsVerifier } from './pool-bls-verifier.js';
import { SignatureSetsVerifier } from '../consensus/bls-crypto.js';

const validators = Array.from({ length: 8 }, (_, i) => blsKeyPairFromSeed(new TextEncoder().encode(`validator ${i} of the consortium, test seed`)));
const vote = (i: number, round = 0): BlsSignatureSet => {
  const message = new TextEncoder().encode(`prevote height 7 round ${round} block 0xabc`);
  return { publicKeys: [validators[i]!.publicKey], message, signature: blsSign(validators[i]!.secretKey, message) };
};
const forgedVote = (i: number): BlsSignatureSet => ({ ...vote(i), signature: vote((i + 1) % validators.length).signature });
const justification = (round: number): BlsSignatureSet => {
  const message = new TextEncoder().encode(`precommit height 32 round ${round}`);
  return { publicKeys: validators.map((v) => v.publicKey), message, signature: blsAggregateSignatures(validators.map((v) => blsSign(v.secretKey, message))) };
};
const submitterKey = ed25519FromSeed(devnetBatchSeed(TELEKOM_DE)).publicKey;

async function value(metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

describe('BatchVerifierPool on the job pool (2 threads)', () => {
  const metrics = new NodeMetrics({ defaultMetrics: false });
  let pool: BatchVerifierPool;
  let bls: PoolBlsVerifier;
  beforeAll(() => {
    pool = new BatchVerifierPool({ threads: 2, chain: devnetChain(), metrics });
    bls = new PoolBlsVerifier(pool.jobPool, { metrics, maxBufferWaitMs: 20 });
  });
  afterAll(async () => {
    bls.close();
    await pool.close();
  });

  it('verifies batches as before, moving the frame to the worker and back', async () => {
    const good = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 64, 'job-pool'), { sequence: 1n });
    const frame = good.frame.slice();
    const verified = await pool.verify(frame, submitterKey);
    expect(verified.code).toBe(RejectCode.None);
    expect(frame.byteLength).toBe(0); // transferred (detached here), not cloned
    expect(Buffer.from(verified.frame).equals(Buffer.from(good.frame))).toBe(true);

    const bad = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 8, 'job-pool'), { sequence: 2n, signature: new Uint8Array(64) });
    expect((await pool.verify(bad.frame.slice(), submitterKey)).code).toBe(RejectCode.BadSignature);
    expect(pool.threads).toBe(2);
    expect(await value(metrics.jobs, { kind: 'batch' })).toBe(2);
    expect(await value(metrics.verifyTaskSeconds as never)).toBeGreaterThan(0);
  });

  it('batches single votes from many callers into one job and finds the forged one', async () => {
    const jobsBefore = await value(metrics.jobs, { kind: 'bls' });
    const votes = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (i === 5 ? forgedVote(i) : vote(i)));
    const verdicts = await Promise.all(votes.map((v) => bls.verifySignatureSets([v])));
    expect(verdicts).toEqual([true, true, true, true, true, false, true, true]);
    expect((await value(metrics.jobs, { kind: 'bls' })) - jobsBefore).toBe(1); // one job for eight callers
    expect(await value(metrics.blsBatchRetries)).toBe(1);
    expect(await value(metrics.blsSignatureSets, { result: 'invalid' })).toBe(1);
    expect(await value(metrics.blsSignatureSets, { result: 'valid' })).toBe(7);
  });

  it('verifies aggregates and many sets at once (sync), split across the workers, with per-set verdicts', async () => {
    const sets: BlsSignatureSet[] = [];
    for (let r = 0; r < 40; r++) sets.push(r === 29 ? { ...justification(r), message: new TextEncoder().encode('something else') } : justification(r));
    const jobsBefore = await value(metrics.jobs, { kind: 'bls' });
    const each = await bls.verifySignatureSetsEach(sets, { batchable: false });
    expect(each.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0)).toEqual([29]);
    expect(await bls.verifySignatureSets(sets.filter((_, i) => i !== 29), { batchable: false })).toBe(true);
    expect(await bls.verifySignatureSets(sets, { batchable: false })).toBe(false);
    const small = new PoolBlsVerifier(pool.jobPool, { maxSetsPerJob: 16 });
    expect(await small.verifySignatureSets(sets.slice(0, 20), { batchable: false })).toBe(true);
    expect((await value(metrics.jobs, { kind: 'bls' })) - jobsBefore).toBe(5); // 1 + 1 + 1 of the shared verifier, 2 (10 + 10) of the small one
  });

  it('answers malformed sets false without a worker, and the main-thread verifier agrees', async () => {
    const sets: BlsSignatureSet[] = [vote(0), { ...vote(1), signature: new Uint8Array(95) }, { ...vote(2), publicKeys: [] }, forgedVote(3), justification(1)];
    const expected = [true, false, false, false, true];
    expect(await bls.verifySignatureSetsEach(sets)).toEqual(expected);
    expect(await new MainThreadBlsVerifier().verifySignatureSetsEach(sets)).toEqual(expected);
    expect(await bls.verifySignatureSets([])).toBe(false);
    expect(await new MainThreadBlsVerifier().verifySignatureSets([])).toBe(false);
  });

  it('verifies on the calling thread when asked (a latency-critical consensus check), with the same verdicts and no job', async () => {
    const jobsBefore = await value(metrics.jobs, { kind: 'bls' });
    const sets: BlsSignatureSet[] = [vote(0), forgedVote(1), justification(2), { ...vote(3), signature: new Uint8Array(95) }];
    expect(await bls.verifySignatureSetsEach(sets, { verifyOnMainThread: true })).toEqual([true, false, true, false]);
    expect(await bls.verifySignatureSets([vote(4)], { verifyOnMainThread: true })).toBe(true);
    expect(await bls.verifySignatureSets([forgedVote(4)], { verifyOnMainThread: true })).toBe(false);
    expect((await value(metrics.jobs, { kind: 'bls' })) - jobsBefore).toBe(0);
  });

  it("consensus' verifier checks urgent signatures (votes, proposals) on the calling thread and the rest on the pool", async () => {
    const consensus = new SignatureSetsVerifier(bls, { urgentOnMainThread: true });
    const v = vote(6);
    const jobsBefore = await value(metrics.jobs, { kind: 'bls' });
    expect(await consensus.verify(v.publicKeys[0]!, v.message, v.signature, { urgent: true })).toBe(true);
    expect(await consensus.verify(v.publicKeys[0]!, v.message, forgedVote(6).signature, { urgent: true })).toBe(false);
    const j = justification(3);
    expect(await consensus.verifyAggregate(j.publicKeys, j.message, j.signature, { urgent: true })).toBe(true);
    expect((await value(metrics.jobs, { kind: 'bls' })) - jobsBefore).toBe(0);
    expect(await consensus.verify(v.publicKeys[0]!, v.message, v.signature)).toBe(true); // a micro block's signature: pooled
    expect(await new SignatureSetsVerifier(bls).verify(v.publicKeys[0]!, v.message, v.signature, { urgent: true })).toBe(true); // not enabled: pooled
    expect((await value(metrics.jobs, { kind: 'bls' })) - jobsBefore).toBe(2);
  });

  it('fails a job whose task does not add up in the worker, counted as failed', async () => {
    const { task, transferList } = packBlsJob([vote(0)]);
    const broken = { ...task, keyCounts: Uint32Array.of(5) }; // claims five keys, carries one
    await expect(pool.jobPool.run('bls', broken, { transferList })).rejects.toThrow(/overruns/);
    expect(await value(metrics.jobErrors, { kind: 'bls', reason: 'failed' })).toBe(1);
  });

  it('exports the per-kind series', async () => {
    const text = await metrics.render();
    for (const line of ['cdrchain_jobs_total{kind="batch"} 2', 'cdrchain_job_queue_depth{kind="bls"} 0', 'cdrchain_job_seconds_count{kind="bls"}', 'cdrchain_job_wait_seconds_count{kind="batch"} 2']) {
      expect(text).toContain(line);
    }
  });
});

describe('JobPool scheduling (1 thread, 1 job in flight)', () => {
  it('rejects with JobQueueFullError when a kind is full, and runs what it accepted', async () => {
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const jobs = new JobPool({ threads: 1, inFlightPerThread: 1, workerData: { chain: devnetChain() }, capacity: { bls: 8 }, metrics });
    const bls = new PoolBlsVerifier(jobs, { metrics });
    try {
      const eight = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => vote(i));
      const running = bls.verifySignatureSets(eight, { batchable: false }); // goes to the worker
      const queued = bls.verifySignatureSets(eight, { batchable: false }); // waits: the queue is now full
      expect(jobs.queueDepth('bls')).toBe(1);
      expect(jobs.room('bls')).toBe(0);
      await expect(bls.verifySignatureSets([vote(0)])).rejects.toBeInstanceOf(JobQueueFullError);
      await expect(bls.verifySignatureSets(eight.concat(eight), { batchable: false })).rejects.toMatchObject({ name: 'JobQueueFullError', kind: 'bls', capacity: 8 });
      expect(await value(metrics.jobErrors, { kind: 'bls', reason: 'queue_full' })).toBe(2);
      expect(await Promise.all([running, queued])).toEqual([true, true]);
      expect(jobs.room('bls')).toBe(8);
      expect(await bls.verifySignatureSets([vote(0)])).toBe(true); // room again
    } finally {
      bls.close();
      await jobs.close();
    }
  });

  it('serves BLS before queued batches, and rejects what waits when closed', async () => {
    const jobs = new JobPool({ threads: 1, inFlightPerThread: 1, workerData: { chain: devnetChain() } });
    const order: string[] = [];
    const batch = (seq: bigint): Promise<void> => {
      const f = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 32, 'priority'), { sequence: seq }).frame.slice();
      return jobs.run('batch', { frame: f.buffer, publicKey: submitterKey }, { transferList: [f.buffer] }).then((r) => {
        expect(r.code).toBe(RejectCode.None);
        order.push(`batch ${seq}`);
      });
    };
    const first = [batch(1n), batch(2n), batch(3n)];
    const { task, transferList } = packBlsJob([vote(0)]);
    const vote0 = jobs.run('bls', task, { transferList }).then((r) => {
      expect(Array.from(r.valid)).toEqual([1]);
      order.push('bls');
    });
    await Promise.all([...first, vote0]);
    expect(order).toEqual(['batch 1', 'bls', 'batch 2', 'batch 3']);

    const inFlight = batch(4n);
    const waiting = batch(5n).then(
      () => undefined,
      (err: unknown) => err,
    );
    await jobs.close();
    expect(await waiting).toBeInstanceOf(JobPoolClosedError);
    await inFlight; // close() lets the running job finish
    await expect(jobs.run('bls', task)).rejects.toBeInstanceOf(JobPoolClosedError);
  });
  it('runs an expedited batch before those queued ahead of it, once, and counts it', async () => {
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const jobs = new JobPool({ threads: 1, inFlightPerThread: 1, workerData: { chain: devnetChain() }, metrics });
    const order: string[] = [];
    const batch = (seq: bigint, urgency?: JobUrgency): Promise<void> => {
      const f = forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 32, 'expedite'), { sequence: seq }).frame.slice();
      return jobs.run('batch', { frame: f.buffer, publicKey: submitterKey }, urgency ? { transferList: [f.buffer], urgency } : { transferList: [f.buffer] }).then((r) => {
        expect(r.code).toBe(RejectCode.None);
        order.push(`batch ${seq}`);
      });
    };
    try {
      const early = new JobUrgency();
      early.expedite(); // before it is queued: it is queued at the front
      const late = new JobUrgency();
      const done = [batch(1n), batch(2n), batch(3n), batch(4n, late), batch(5n), batch(6n, early)];
      expect(jobs.queueDepth('batch')).toBe(5); // batch 1 went to the worker
      late.expedite(); // while it waits: behind batch 6, expedited before it
      late.expedite(); // twice is once
      expect(jobs.queueDepth('batch')).toBe(5); // still five jobs, whichever queue holds them
      await Promise.all(done);
      expect(order).toEqual(['batch 1', 'batch 6', 'batch 4', 'batch 2', 'batch 3', 'batch 5']);
      expect(jobs.queueDepth('batch')).toBe(0);
      expect(await value(metrics.jobsExpedited, { kind: 'batch' })).toBe(2);
      expect(await value(metrics.jobs, { kind: 'batch' })).toBe(6); // each ran once
      late.expedite(); // after it ran: nothing
      expect(await value(metrics.jobsExpedited, { kind: 'batch' })).toBe(2);
    } finally {
      await jobs.close();
    }
  });

  it('closes with expedited jobs waiting: each rejected once', async () => {
    const jobs = new JobPool({ threads: 1, inFlightPerThread: 1, workerData: { chain: devnetChain() } });
    const f = (seq: bigint): ArrayBuffer => forge(freshRecords(TELEKOM_DE, VODAFONE_UK, 16, 'expedite-close'), { sequence: seq }).frame.slice().buffer;
    const running = jobs.run('batch', { frame: f(1n), publicKey: submitterKey });
    const urgency = new JobUrgency();
    const waiting = jobs.run('batch', { frame: f(2n), publicKey: submitterKey }, { urgency }).then(() => 'ran', (err: unknown) => err);
    urgency.expedite();
    await jobs.close();
    expect(await waiting).toBeInstanceOf(JobPoolClosedError);
    await running;
  });
});
