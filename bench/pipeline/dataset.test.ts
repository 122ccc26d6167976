import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBatch } from '../../src/codec/batch.js';
import { toHex } from '../../src/codec/bytes.js';
import { devnetChainIdentity, localChainIdentity } from '../../src/chain/devnet-chain.js';
import { devnetGenesis, genesisId } from '../../src/chain/genesis.js';
import { RejectCode } from '../../src/codec/ingest-reply.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../../src/codec/limits.js';
import { publicKeyObject } from '../../src/crypto/ed25519.js';
import { PoseidonWasm } from '../../src/wasm/poseidon.js';
import { checkBatchCryptography } from '../../src/workers/batch-checks.js';
import { checkSealedSection } from '../../src/workers/sealed-checks.js';
import { openSealedBatch } from '../../src/client/sealed-batches.js';
import { devnetEncryptionKeyPair } from '../../src/privacy/encryption-key-file.js';
import {
  DatasetError, datasetKey, ensureDataset, INDEX_FILE, loadIndex, parseFrames, periodStillOpen, readSubmitterFrames, resolveParams, serializeFrames, validateSample,
} from './dataset.js';

const roots: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdrchain-dataset-test-'));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('frames file format', () => {
  it('round-trips frames of any length, as views', () => {
    const frames = [Uint8Array.of(1), new Uint8Array(70_000).fill(7), Uint8Array.of(2, 3, 4)];
    const bytes = serializeFrames(frames);
    expect(bytes.length).toBe(frames.reduce((n, f) => n + 4 + f.length, 0));
    const back = parseFrames(bytes);
    expect(back.map((f) => [...f.subarray(0, 4)])).toEqual(frames.map((f) => [...f.subarray(0, 4)]));
    expect(back.map((f) => f.length)).toEqual([1, 70_000, 3]);
    expect(back[1]!.buffer).toBe(bytes.buffer);
    // little-endian length prefix
    expect([...bytes.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
  });

  it('rejects torn files', () => {
    const bytes = serializeFrames([Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)]);
    expect(() => parseFrames(bytes.subarray(0, bytes.length - 1))).toThrow(DatasetError);
    expect(() => parseFrames(bytes.subarray(0, 9))).toThrow(DatasetError);
    expect(() => parseFrames(Uint8Array.of(0, 0, 0, 0))).toThrow(DatasetError);
    expect(parseFrames(new Uint8Array(0))).toEqual([]);
  });
});

describe('params and keys', () => {
  it('rounds up to whole batches per submitter and keys on every parameter', () => {
    const p = resolveParams({ cdrs: 1001, batchSize: 100, submitters: [20801, 23415] });
    expect(p.batchesPerSubmitter).toBe(6);
    expect(p.cdrs).toBe(1200);
    const k = datasetKey(p);
    expect(datasetKey(resolveParams({ cdrs: 1001, batchSize: 100, submitters: [20801, 23415] }))).toBe(k);
    expect(datasetKey(resolveParams({ cdrs: 1001, batchSize: 100, submitters: [20801, 23415], seed: 'other' }))).not.toBe(k);
    expect(datasetKey(resolveParams({ cdrs: 1001, batchSize: 50, submitters: [20801, 23415] }))).not.toBe(k);
    // Frames are signed for one chain: another chain identity is another data set, never a stale cache hit.
    expect(datasetKey(p, devnetGenesis(), devnetChainIdentity())).toBe(k);
    expect(datasetKey(p, devnetGenesis(), new Uint8Array(32).fill(7))).not.toBe(k);
    // Another genesis (the 4-validator devnet: same operators and keys, another chain) is another data set.
    expect(datasetKey(p, devnetGenesis({ validators: 4 }))).not.toBe(k);
  });

  it('refuses bad parameters', () => {
    expect(() => resolveParams({ cdrs: 10, batchSize: 0 })).toThrow(DatasetError);
    expect(() => resolveParams({ cdrs: 0, batchSize: 10 })).toThrow(DatasetError);
    expect(() => resolveParams({ cdrs: 10, batchSize: 10, submitters: [99999] })).toThrow(DatasetError);
    expect(() => resolveParams({ cdrs: 10, batchSize: 10, submitters: [20801, 20801] })).toThrow(DatasetError);
  });
});

describe('ensureDataset', () => {
  const params = { cdrs: 300, batchSize: 25, submitters: [20801, 26201, 310260], chunkBatches: 3, subscribers: 50 } as const;

  it('generates signed frames in sequence order, caches them, and regenerates a damaged cache', async () => {
    const cacheRoot = tempRoot();
    const progress: number[] = [];
    const first = await ensureDataset(params, { cacheRoot, threads: 2, onProgress: (done) => progress.push(done) });
    expect(first.generated).toBe(true);
    const { index } = first;
    expect(index.totalCdrs).toBe(300);
    expect(index.totalBatches).toBe(12);
    expect(index.submitters.map((s) => s.plmn)).toEqual([20801, 26201, 310260]);
    expect(progress.at(-1)).toBe(300);
    expect(JSON.parse(readFileSync(join(first.dir, INDEX_FILE), 'utf8'))).toEqual(index);

    const nullifiers = new Set<string>();
    const nowSec = Date.now() / 1000;
    for (const s of index.submitters) {
      expect(s.batches).toBe(4);
      const frames = readSubmitterFrames(first.dir, s);
      frames.forEach((f, i) => {
        const b = decodeBatch(f);
        expect(b.header.submitter).toBe(s.plmn);
        expect(b.header.counterparty).not.toBe(s.plmn);
        expect(b.header.sequence).toBe(BigInt(i + 1));
        expect(b.header.recordCount).toBe(25);
        expect(Number(b.header.periodEnd)).toBeLessThan(nowSec);
        expect(Number(b.header.periodEnd - b.header.periodStart)).toBeLessThanOrEqual(86_400);
        for (let r = 0; r < b.header.recordCount; r++) {
          const at = r * PUBLIC_RECORD_BYTES + RECORD_OFFSET.nullifier;
          nullifiers.add(toHex(b.records.subarray(at, at + 32)));
        }
      });
      // chunks rotate the counterparty
      const cps = new Set(frames.map((f) => decodeBatch(f).header.counterparty));
      expect(cps.size).toBe(2);
    }
    expect(nullifiers.size).toBe(300);
    expect(index.chainIdentity).toBe(toHex(devnetChainIdentity()));
    // Every frame verifies on the devnet chain, and on no other (the signature binds the chain).
    const poseidon = PoseidonWasm.load();
    const s0 = index.submitters[0]!;
    const key = publicKeyObject(devnetGenesis().operators.find((o) => o.plmn === s0.plmn)!.batchKey);
    const frame = decodeBatch(readSubmitterFrames(first.dir, s0)[0]!);
    expect(checkBatchCryptography(frame, key, poseidon, devnetChainIdentity()).code).toBe(RejectCode.None);
    expect(checkBatchCryptography(frame, key, poseidon, new Uint8Array(32).fill(7)).code).toBe(RejectCode.BadSignature);

    const again = await ensureDataset(params, { cacheRoot });
    expect(again.generated).toBe(false);
    expect(again.index).toEqual(index);
    // A set whose settlement period has closed (40 days later: the node would refuse its batches) is regenerated.
    expect(periodStillOpen(devnetGenesis(), index.startTime, Date.now())).toBe(true);
    expect(periodStillOpen(devnetGenesis(), index.startTime, Date.parse(index.createdAt) + 40 * 86_400_000)).toBe(false);
    const bytesBefore = readFileSync(join(first.dir, index.submitters[0]!.file));

    // A torn file invalidates the cache; the regenerated set is bit-identical except for timestamps.
    truncateSync(join(first.dir, index.submitters[1]!.file), 100);
    expect(loadIndex(first.dir)).toBeUndefined();
    const regenerated = await ensureDataset(params, { cacheRoot, now: () => Date.parse(index.createdAt) });
    expect(regenerated.generated).toBe(true);
    expect(readFileSync(join(first.dir, index.submitters[0]!.file)).equals(bytesBefore)).toBe(true);
  });

  it('signs for the genesis it is given: the 4-validator devnet verifies its frames, the default chain does not', async () => {
    const cacheRoot = tempRoot();
    const genesis = devnetGenesis({ validators: 4 });
    const chain = localChainIdentity(genesis);
    expect(toHex(chain)).not.toBe(toHex(devnetChainIdentity()));
    const d = await ensureDataset({ ...params, cdrs: 75 }, { cacheRoot, genesis });
    expect(d.index.chainIdentity).toBe(toHex(chain));
    expect(d.index.genesisId).toBe(genesisId(genesis));
    expect(d.index.key).toBe(datasetKey(resolveParams({ ...params, cdrs: 75 }, genesis), genesis));
    const s0 = d.index.submitters[0]!;
    const key = publicKeyObject(genesis.operators.find((o) => o.plmn === s0.plmn)!.batchKey);
    const frame = decodeBatch(readSubmitterFrames(d.dir, s0)[0]!);
    expect(checkBatchCryptography(frame, key, PoseidonWasm.load(), chain).code).toBe(RejectCode.None);
    expect(checkBatchCryptography(frame, key, PoseidonWasm.load(), devnetChainIdentity()).code).toBe(RejectCode.BadSignature);
    // The cache is per genesis: the default chain's set of the same parameters is another directory.
    const solo = await ensureDataset({ ...params, cdrs: 75 }, { cacheRoot });
    expect(solo.generated).toBe(true);
    expect(solo.dir).not.toBe(d.dir);
    expect(() => validateSample(d.dir, d.index)).toThrow(DatasetError);
    expect((await ensureDataset({ ...params, cdrs: 75 }, { cacheRoot, genesis })).generated).toBe(false);
  });

  it("seals the same traffic under the genesis privacy section: the node's sealed checks pass, the counterparty reads it, the plain set keeps its key", async () => {
    const cacheRoot = tempRoot();
    const p = { ...params, cdrs: 75 };
    const plain = await ensureDataset(p, { cacheRoot });
    const sealed = await ensureDataset({ ...p, sealed: true }, { cacheRoot });
    expect(datasetKey(resolveParams({ ...p, sealed: false }))).toBe(plain.index.key);
    expect(sealed.index.key).not.toBe(plain.index.key);
    expect(sealed.index.params.sealed).toBe(true);
    const genesis = devnetGenesis();
    const privacy = genesis.privacy!;
    const chain = devnetChainIdentity();
    const field = (records: Uint8Array, r: number, off: number): string => toHex(records.subarray(r * PUBLIC_RECORD_BYTES + off, r * PUBLIC_RECORD_BYTES + off + 32));
    let opened = 0;
    for (const s of sealed.index.submitters) {
      const key = publicKeyObject(genesis.operators.find((o) => o.plmn === s.plmn)!.batchKey);
      const plainFrames = readSubmitterFrames(plain.dir, plain.index.submitters.find((x) => x.plmn === s.plmn)!);
      const frames = readSubmitterFrames(sealed.dir, s);
      expect(frames.length).toBe(plainFrames.length);
      for (const [i, f] of frames.entries()) {
        const b = decodeBatch(f);
        const q = decodeBatch(plainFrames[i]!);
        expect(q.sealed).toBeUndefined();
        expect(b.sealed).toBeDefined();
        expect(checkBatchCryptography(b, key, PoseidonWasm.load(), chain).code).toBe(RejectCode.None);
        const recipients = { submitterKey: privacy.encryptionKeys.get(s.plmn)!, counterpartyKey: privacy.encryptionKeys.get(b.header.counterparty)!, lawfulKey: privacy.lawfulAccess.publicKeyBytes() };
        expect(checkSealedSection(b, b.sealed!, recipients, key, chain).code).toBe(RejectCode.None);
        // The same CDRs: equal commitments and nullifiers; only payload_hash differs (the ciphertext's).
        expect(b.header.counterparty).toBe(q.header.counterparty);
        for (let r = 0; r < b.header.recordCount; r++) {
          expect(field(b.records, r, RECORD_OFFSET.commitment)).toBe(field(q.records, r, RECORD_OFFSET.commitment));
          expect(field(b.records, r, RECORD_OFFSET.nullifier)).toBe(field(q.records, r, RECORD_OFFSET.nullifier));
          expect(field(b.records, r, RECORD_OFFSET.payloadHash)).not.toBe(field(q.records, r, RECORD_OFFSET.payloadHash));
        }
        if (i === 0) {
          const reader = b.header.counterparty;
          const payloads = await openSealedBatch({ chain, header: b.header, records: b.records, sectionBytes: b.sealed!, reader, privateKey: (await devnetEncryptionKeyPair(reader)).privateKey });
          expect(payloads.length).toBe(b.header.recordCount);
          for (const x of payloads) expect(x.recordId.startsWith(`${s.plmn}-b0-`)).toBe(true);
          opened++;
        }
      }
    }
    expect(opened).toBe(3);
    // The index must say what the frames are: a sealed set passed off as plain fails the sample check.
    const { sealed: _sealed, ...plainParams } = sealed.index.params;
    expect(() => validateSample(sealed.dir, { ...sealed.index, params: plainParams })).toThrow(DatasetError);
    // A genesis that takes no sealed batches gets no sealed set.
    const { privacy: _privacy, ...noPrivacy } = genesis;
    expect(() => resolveParams({ ...p, sealed: true }, noPrivacy)).toThrow(DatasetError);
  });

  it('detects a foreign or unreadable index', async () => {
    const cacheRoot = tempRoot();
    const d = await ensureDataset({ ...params, cdrs: 75 }, { cacheRoot });
    writeFileSync(join(d.dir, INDEX_FILE), '{ not json');
    expect(loadIndex(d.dir)).toBeUndefined();
    writeFileSync(join(d.dir, INDEX_FILE), JSON.stringify({ ...d.index, format: 'something-else' }));
    expect(loadIndex(d.dir)).toBeUndefined();
    const back = await ensureDataset({ ...params, cdrs: 75 }, { cacheRoot });
    expect(back.generated).toBe(true);
  });
});
