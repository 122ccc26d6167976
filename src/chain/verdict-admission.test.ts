// Issue 13, P5 on the chain: both operators' views submitted to a real node, the pair's verdict over
// POST /tx, each refusal with its code and nothing recorded, superseding, and the audience of the
// verdict routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cdr } from '../cdr/model.js';
import { generatePairTraffic } from '../cdr/synthetic.js';
import { toHex } from '../codec/bytes.js';
import { IngestClient } from '../client/ingest-client.js';
import { NodeApiClient, NodeApiError } from '../client/node-api-client.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { privateKeyObject } from '../crypto/ed25519.js';
import { StorageWriteError } from '../storage/storage-errors.js';
import { BatchRejectedError } from './reject.js';
import type { CdrNode } from '../node/node.js';
import { operatorPair } from '../reconciliation/pair.js';
import type { CountsJson, DisputesPageJson } from '../reconciliation/reconciliation-client.js';
import { computeVerdict, explainEvents, signVerdict, verdictFrame, verdictTxHash, type PairVerdict, type VerdictTolerances } from '../reconciliation/verdict.js';
import { viewsByEventHash } from '../reconciliation/views-by-event.js';
import { devnetOperator } from '../test-helpers/records.js';
import { ORANGE_FR, startTestNode, TELEKOM_DE, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import { devnetChainIdentity } from './devnet-chain.js';
import { devnetBatchSeed } from './genesis.js';

// Two days ago (UTC day start): traffic of one day, in a month whose settlement period is still open
// at the node's head (a closed one refuses records: docs/settlement.md, "Periods").
const DAY_START = Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400;
const PAIR = `${ORANGE_FR}-${VODAFONE_UK}`;
const PERIOD = new Date(DAY_START * 1000).toISOString().slice(0, 7);
const pair = operatorPair(ORANGE_FR, VODAFONE_UK);
const period = { year: new Date(DAY_START * 1000).getUTCFullYear(), month: new Date(DAY_START * 1000).getUTCMonth() + 1 };
const chain = devnetChainIdentity();
const T: VerdictTolerances = { durationSec: 1, volumeBytes: 0n, chargePpm: 5000, chargeMinor: 0n };
const key = (plmn: number) => privateKeyObject(devnetBatchSeed(plmn));

const data = tempDataDir();
let node: CdrNode;
let mine: Cdr[];
let theirs: Cdr[];

async function submitAs(plmn: number, cdrs: readonly Cdr[]): Promise<number> {
  const client = await IngestClient.connect(node.ingestUrl);
  try {
    const results = await Promise.all([...devnetOperator(plmn).batches(cdrs, 200, 1n)].map((b) => client.submit(b.frame, b.header.sequence)));
    return Math.max(...(await Promise.all(results.map((r) => r.committed))).map((h) => h.height));
  } finally {
    await client.close();
  }
}

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${node.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

async function postTx(frame: Uint8Array): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${node.url}/tx`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: frame });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The verdict both operators would reach now: the node's counts and disputes, explained from the views. */
async function currentVerdict(t: VerdictTolerances = T, supersedes?: { hash: Uint8Array; revision: number }): Promise<PairVerdict> {
  const counts = (await getJson<CountsJson>(`/reconciliation/${PAIR}/${PERIOD}`)).body;
  const disputes = (await getJson<DisputesPageJson>(`/reconciliation/${PAIR}/${PERIOD}/disputes?limit=1000`)).body;
  const views = viewsByEventHash(ORANGE_FR, mine, theirs, (cdrs) => devnetOperator(ORANGE_FR).publicRecords(cdrs));
  return computeVerdict({ pair, period, counts, events: explainEvents(disputes.disputes, views, t), tolerances: t, ...(supersedes ? { supersedes } : {}) });
}

const bothSign = (v: PairVerdict): PairVerdict => signVerdict(signVerdict(v, ORANGE_FR, key(ORANGE_FR), chain), VODAFONE_UK, key(VODAFONE_UK), chain);

async function whenCommitted(hash: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const r = await getJson<{ status: string; height?: number }>(`/txns/${hash}`);
    if (r.body.status === 'committed') return r.body.height!;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${hash} was not committed`);
}

beforeAll(async () => {
  node = await startTestNode(data.dir);
  const events = [...generatePairTraffic({
    seed: 'verdict-admission', submitter: ORANGE_FR, counterparty: VODAFONE_UK, count: 600, startTime: DAY_START, periodSeconds: 86_400,
    missingRate: 0.04, mismatchRate: 0.08, mismatchKinds: ['duration', 'charge', 'tariff'],
  })];
  mine = events.flatMap((e) => (e.submitterView ? [e.submitterView] : []));
  theirs = events.flatMap((e) => (e.counterpartyView ? [e.counterpartyView] : []));
  const heights = await Promise.all([submitAs(ORANGE_FR, mine), submitAs(VODAFONE_UK, theirs)]);
  await node.reconciliation!.whenIndexed(Math.max(...heights));
}, 120_000);

afterAll(async () => {
  await node?.stop();
  data.cleanup();
});

describe('verdict transactions', () => {
  let first: PairVerdict;
  let firstHash: string;
  let secondHash: string;

  it('a verdict both signed is admitted, committed, and shown: counts to anyone, in full to the pair', async () => {
    first = bothSign(await currentVerdict());
    expect(first.fields.accepted).toBeGreaterThan(0n);
    expect(first.fields.disputed).toBeGreaterThan(0n);
    const r = await postTx(verdictFrame(first, VODAFONE_UK));
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    firstHash = toHex(verdictTxHash(first.fields, chain));
    expect(r.body).toMatchObject({ status: 'accepted', hash: firstHash, sequence: '1' });
    const height = await whenCommitted(firstHash);

    const counts = (await getJson<CountsJson & { verdict: unknown }>(`/reconciliation/${PAIR}/${PERIOD}`)).body;
    const f = first.fields;
    expect(counts.verdict).toEqual({
      hash: firstHash, revision: 1, status: 'committed', height,
      counts: { matched: Number(f.matched), accepted: Number(f.accepted), disputed: Number(f.disputed), onlyA: Number(f.onlyA), onlyB: Number(f.onlyB) },
    });
    expect(Number(f.accepted + f.disputed)).toBe(counts.mismatched);
    const full = (await getJson<{ verdict: Record<string, unknown>; revisions: number }>(`/reconciliation/${PAIR}/${PERIOD}/verdict`)).body;
    expect(full).toMatchObject({ revisions: 1, verdict: { txHash: firstHash, submitter: VODAFONE_UK, tolerances: { durationSec: 1, chargePpm: 5000, volumeBytes: '0', chargeMinor: '0' }, resolutionsDigest: toHex(f.resolutionsDigest), supersedes: null } });
    const tx = (await getJson<Record<string, unknown>>(`/txns/${firstHash}`)).body;
    expect(tx).toMatchObject({ type: 'verdict', pair: PAIR, period: PERIOD, revision: 1, submitter: VODAFONE_UK, status: 'committed' });
    // Another pair's period has no verdict.
    expect((await getJson<{ verdict: unknown }>(`/reconciliation/${ORANGE_FR}-${TELEKOM_DE}/${PERIOD}`)).body.verdict).toBeNull();
  });

  it('refuses each bad verdict with its code and records nothing', async () => {
    const base = await currentVerdict();
    const { fields } = base;
    const stranger = (v: PairVerdict): PairVerdict => ({ ...signVerdict(v, ORANGE_FR, key(ORANGE_FR), chain), signatureB: signVerdict({ ...v, pair: { a: ORANGE_FR, b: TELEKOM_DE } }, TELEKOM_DE, key(TELEKOM_DE), chain).signatureB! });
    const sup = { supersedes: verdictTxHash(first.fields, chain), revision: 2 };
    const truncated = verdictFrame(bothSign(base), ORANGE_FR).slice(0, 60);
    const cases: { what: string; frame: Uint8Array; status: number; error: string }[] = [
      { what: 'malformed', frame: truncated, status: 400, error: 'malformed' },
      { what: 'a signature of a third operator', frame: verdictFrame(stranger({ ...base, fields: { ...fields, ...sup } }), ORANGE_FR), status: 401, error: 'bad_signature' },
      { what: 'a submitter outside the pair', frame: verdictFrame(bothSign({ ...base, fields: { ...fields, ...sup } }), TELEKOM_DE), status: 403, error: 'unknown_operator' },
      { what: 'an operator outside the consortium', frame: verdictFrame({ ...signVerdict({ ...base, pair: { a: ORANGE_FR, b: 29_999 }, fields: { ...fields, pairB: 29_999 } }, ORANGE_FR, key(ORANGE_FR), chain), signatureB: new Uint8Array(64) }, ORANGE_FR), status: 403, error: 'unknown_operator' },
      { what: 'the same verdict again, from the other side', frame: verdictFrame(first, ORANGE_FR), status: 409, error: 'replay' },
      { what: 'a second revision 1', frame: verdictFrame(bothSign({ ...base, fields: { ...fields, toleranceDurationSec: 2 } }), ORANGE_FR), status: 409, error: 'verdict_conflict' },
      { what: 'a revision 2 superseding another verdict', frame: verdictFrame(bothSign({ ...base, fields: { ...fields, ...sup, supersedes: new Uint8Array(32).fill(7) } }), ORANGE_FR), status: 409, error: 'verdict_conflict' },
      { what: 'a revision 3 skipping 2', frame: verdictFrame(bothSign({ ...base, fields: { ...fields, ...sup, revision: 3 } }), ORANGE_FR), status: 409, error: 'verdict_conflict' },
      { what: 'revision 2 without supersedes', frame: verdictFrame(bothSign({ ...base, fields: { ...fields, revision: 2 } }), ORANGE_FR), status: 422, error: 'out_of_range' },
      { what: "counts that are not the node's", frame: verdictFrame(bothSign({ ...base, fields: { ...fields, ...sup, matched: fields.matched + 1n } }), ORANGE_FR), status: 422, error: 'counts_mismatch' },
      { what: 'accepted + disputed other than mismatched', frame: verdictFrame(bothSign({ ...base, fields: { ...fields, ...sup, accepted: fields.accepted + 1n } }), ORANGE_FR), status: 422, error: 'counts_mismatch' },
      { what: 'counts of a height above the head', frame: verdictFrame(bothSign({ ...base, fields: { ...fields, ...sup, indexedHeight: 1_000_000n } }), ORANGE_FR), status: 422, error: 'out_of_range' },
    ];
    for (const c of cases) {
      const r = await postTx(c.frame);
      expect({ what: c.what, status: r.status, error: r.body['error'] }, JSON.stringify(r.body)).toEqual({ what: c.what, status: c.status, error: c.error });
    }
    const full = (await getJson<{ verdict: { txHash: string }; revisions: number }>(`/reconciliation/${PAIR}/${PERIOD}/verdict`)).body;
    expect(full).toMatchObject({ revisions: 1, verdict: { txHash: firstHash } });
    expect(node.chain.mempool.size).toBe(0);
  });

  it('a later verdict supersedes the latest when it names it, both sign, and it is the next revision', async () => {
    const looser: VerdictTolerances = { ...T, durationSec: 5, chargePpm: 50_000 };
    const second = bothSign(await currentVerdict(looser, { hash: verdictTxHash(first.fields, chain), revision: 1 }));
    expect(second.fields.accepted).toBeGreaterThanOrEqual(first.fields.accepted);
    const r = await postTx(verdictFrame(second, ORANGE_FR));
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    secondHash = toHex(verdictTxHash(second.fields, chain));
    await whenCommitted(secondHash);
    const full = (await getJson<{ verdict: Record<string, unknown>; revisions: number }>(`/reconciliation/${PAIR}/${PERIOD}/verdict`)).body;
    expect(full).toMatchObject({ revisions: 2, verdict: { txHash: secondHash, revision: 2, supersedes: firstHash, submitter: ORANGE_FR, tolerances: { durationSec: 5, chargePpm: 50_000 } } });
    expect((await getJson<{ verdict: { revision: number } }>(`/reconciliation/${PAIR}/${PERIOD}`)).body.verdict.revision).toBe(2);
    // The first cannot come back, and the second cannot be superseded by a stale revision.
    expect((await postTx(verdictFrame(first, VODAFONE_UK))).body['error']).toBe('replay');
  });

  it('counts that later batches changed make a verdict stale', async () => {
    const stale = await currentVerdict();
    const latest = (await getJson<{ verdict: { txHash: string } }>(`/reconciliation/${PAIR}/${PERIOD}/verdict`)).body.verdict.txHash;
    const onlyMine = [...generatePairTraffic({ seed: 'late', submitter: ORANGE_FR, counterparty: VODAFONE_UK, count: 5, startTime: DAY_START + 12 * 3_600, periodSeconds: 3600 })]
      .flatMap((e) => (e.submitterView ? [e.submitterView] : []));
    const client = await IngestClient.connect(node.ingestUrl);
    const [b] = [...devnetOperator(ORANGE_FR).batches(onlyMine, 200, 10n)];
    const height = (await (await client.submit(b!.frame, b!.header.sequence)).committed).height;
    await client.close();
    await node.reconciliation!.whenIndexed(height);
    const fields = { ...stale.fields, supersedes: Buffer.from(latest, 'hex'), revision: 3 };
    const r = await postTx(verdictFrame(bothSign({ ...stale, fields }), ORANGE_FR));
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body['error']).toBe('counts_mismatch');
    // Relayed by another validator (which checked it against its own index), the same verdict is admitted:
    // a block that names it must apply here whatever this node's index holds. A disk that takes no
    // write refuses it first (storage_full) and records nothing; once writable again it is admitted.
    const env = node.chain.storageEnv;
    const real = env.transaction.bind(env);
    let failNext = true;
    env.transaction = (<T>(writes: () => T): Promise<T> => {
      if (!failNext) return real(writes);
      failNext = false;
      return Promise.reject(new StorageWriteError('storage write failed: No space left on device', 28));
    }) as typeof env.transaction;
    const full = await node.chain.submitTx(verdictFrame(bothSign({ ...stale, fields }), ORANGE_FR), node.chain.connectionSource('peer#1', { relayed: true }))
      .then(() => undefined, (e: unknown) => (e instanceof BatchRejectedError ? e.reason : String(e)));
    expect(full).toBe('storage_full');
    expect(node.chain.verdicts(ORANGE_FR, VODAFONE_UK, period.year * 12 + period.month - 1).map((v) => v.revision)).toEqual([1, 2]);
    expect(node.chain.mempool.size).toBe(0);
    for (let i = 0; i < 300 && !node.chain.storageStatus().writable; i++) await new Promise((res) => setTimeout(res, 50));
    const relayed = await node.chain.submitTx(verdictFrame(bothSign({ ...stale, fields }), ORANGE_FR), node.chain.connectionSource('peer#1', { relayed: true }));
    expect(relayed.sequence).toBe(3n);
    expect(node.chain.verdicts(ORANGE_FR, VODAFONE_UK, period.year * 12 + period.month - 1).map((v) => v.revision)).toEqual([1, 2, 3]);
  });

  it('survive a restart; with operator authentication, the pair reads them in full, anyone their counts, a third operator nothing more', async () => {
    await node.stop();
    node = await startTestNode(data.dir, { apiAuth: 'signatures' });
    const as = (plmn: number) => new NodeApiClient(node.url, { signer: OperatorRequestSigner.devnet(plmn) });
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof NodeApiError ? `${e.status} ${e.code}` : String(e)));
    for (const plmn of [ORANGE_FR, VODAFONE_UK]) {
      expect(await as(plmn).reconciliationVerdict(PAIR, PERIOD)).toMatchObject({ revisions: 3, verdict: { revision: 3 } });
      expect(await as(plmn).tx(firstHash)).toMatchObject({ type: 'verdict', revision: 1 });
    }
    expect((await new NodeApiClient(node.url).reconciliationCounts(PAIR, PERIOD)).verdict).toMatchObject({ revision: 3 });
    expect(await as(ORANGE_FR).tx(secondHash)).toMatchObject({ type: 'verdict', revision: 2, status: 'committed' });
    expect(await refusal(as(TELEKOM_DE).reconciliationVerdict(PAIR, PERIOD))).toBe('403 forbidden');
    expect(await refusal(new NodeApiClient(node.url).reconciliationVerdict(PAIR, PERIOD))).toBe('401 authentication_required');
    expect(await refusal(as(TELEKOM_DE).tx(secondHash))).toBe('404 not_found');
    // The revision chain survived: a revision 2 is refused (3 is the latest); and a request signed by another operator than the submitter's, before admission.
    const late = verdictFrame(bothSign({ ...first, fields: { ...first.fields, revision: 2, supersedes: verdictTxHash(first.fields, chain), toleranceDurationSec: 9 } }), ORANGE_FR);
    expect(await refusal(as(ORANGE_FR).submitContractTx(late))).toBe('409 verdict_conflict');
    expect(await refusal(as(VODAFONE_UK).submitContractTx(late))).toBe('403 forbidden');
  });
});
