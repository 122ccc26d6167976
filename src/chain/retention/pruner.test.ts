import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, type BatchHeaderFields } from '../../codec/batch.js';
import { decodeBlock } from '../../codec/block.js';
import { equalBytes } from '../../codec/bytes.js';
import { MalformedFrameError } from '../../codec/errors.js';
import { decodePrunedBatch, isPrunedBatch } from '../../codec/pruned-batch.js';
import { devnetBatchSeed } from '../genesis.js';
import { ed25519FromSeed } from '../../crypto/ed25519.js';
import { openStores, type Stores } from '../../storage/index.js';
import { RetentionStore } from '../../storage/retention-store.js';
import { startTestNode, tempDataDir, TELEKOM_DE } from '../../test-helpers/devnet.js';
import { devnetChain } from '../../test-helpers/forge.js';
import { submitBatches, type SubmittedBatch } from '../../test-helpers/retention.js';
import { ChainQueries } from '../queries.js';
import { Mempool } from '../mempool.js';
import { proveRecord, verifyRetainedRecord } from './inclusion-proof.js';
import { Pruner } from './pruner.js';
import { EVERY_BATCH_STILL_READ, NO_BATCH_STILL_READ, recordsStillReadFrom, type RecordsStillRead } from './records-still-read.js';
import { validateRetentionPolicy } from './retention-policy.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const headerHex = (h: BatchHeaderFields) => ({ ...h, merkleRoot: hex(h.merkleRoot), recordsDigest: hex(h.recordsDigest) });

/**
 * The pruner on real LMDB: a real node fills a data directory and stops; the pruner then works on
 * the stores as `cdrchain prune` does.
 */
describe('Pruner', () => {
  const data = tempDataDir();
  let batches: SubmittedBatch[];
  let stores: Stores;
  const queries = () => new ChainQueries(stores, new Mempool(), () => stores.chain.head()!);

  beforeAll(async () => {
    const node = await startTestNode(data.dir);
    try {
      // 6 groups of 3 batches of 64 records: 18 batches over several blocks.
      batches = await submitBatches(node.ingestUrl, { groups: 6, perGroup: 3, records: 64 });
    } finally {
      await node.stop();
    }
    stores = openStores(data.dir);
  }, 60_000);
  afterAll(async () => {
    await stores?.env.close();
    data.cleanup();
  });

  it('refuses to prune records a restart still reads, and says why', async () => {
    const pruner = new Pruner(stores, validateRetentionPolicy({ records: { keep: 'blocks', blocks: 0 } }));
    const report = await pruner.run({ stillRead: EVERY_BATCH_STILL_READ });
    expect(report.pruned.batches).toBe(0);
    expect(report.recordsHeight).toBe(0);
    expect(report.stoppedAt?.reason).toMatch(/reads every stored batch/);
    for (const b of batches) expect(isPrunedBatch(stores.chain.tx(b.id)!)).toBe(false);

    // From the admission log: with the watermark at 0 every logged batch is re-read on restart.
    const fromLog = await pruner.run({ stillRead: await recordsStillReadFrom(stores, 0) });
    expect(fromLog.pruned.batches).toBe(0);
    expect(fromLog.stoppedAt?.reason).toMatch(/not yet in segments/);
  });

  it('prunes in bounded chunks, resumes from its persisted cursor after a stop, and a repeat changes nothing', async () => {
    const policy = validateRetentionPolicy({ records: { keep: 'blocks', blocks: 2 } });
    const head = stores.chain.head()!.height;
    const due = batches.filter((b) => b.height <= head - 2);
    expect(due.length).toBeGreaterThan(4);
    const recordBytesBefore = due.reduce((n, b) => n + stores.chain.tx(b.id)!.length, 0);

    const chunked = new Pruner(stores, policy, { limits: { batchesPerChunk: 2 } });
    // Stopped after its first chunk (a node shutting down): two batches, cursor persisted.
    let chunks = 0;
    const first = await chunked.run({ stillRead: NO_BATCH_STILL_READ, shouldStop: () => ++chunks >= 1 });
    expect(first.pruned.batches).toBe(2);
    expect(first.chunks).toBe(1);
    expect(new RetentionStore(stores.env).progress().batches).toBe(2);

    const dry = await chunked.run({ stillRead: NO_BATCH_STILL_READ, dryRun: true });
    expect(dry.pruned.batches).toBe(due.length - 2);
    expect(new RetentionStore(stores.env).progress().batches).toBe(2); // a dry run writes nothing

    const rest = await chunked.run({ stillRead: NO_BATCH_STILL_READ });
    expect(rest.pruned.batches).toBe(due.length - 2);
    expect(rest.chunks).toBeGreaterThanOrEqual(Math.ceil((due.length - 2) / 2));
    expect(rest.recordsHeight).toBe(head - 2);
    const totals = new RetentionStore(stores.env).progress();
    expect(totals).toMatchObject({ recordsHeight: head - 2, batches: due.length, records: due.length * 64 });
    const stubBytes = due.reduce((n, b) => n + stores.chain.tx(b.id)!.length, 0);
    expect(totals.bytes).toBe(recordBytesBefore - stubBytes);

    const again = await chunked.run({ stillRead: NO_BATCH_STILL_READ });
    expect(again.pruned).toMatchObject({ batches: 0, records: 0, bytes: 0 });

    // Every due batch is a stub with its full signed header; the rest are whole.
    for (const b of batches) {
      const bytes = stores.chain.tx(b.id)!;
      if (b.height > head - 2) {
        expect(decodeBatch(bytes).header.sequence).toBe(b.header.sequence);
        continue;
      }
      expect(() => decodeBatch(bytes)).toThrow(MalformedFrameError); // a stub is never misread as a batch
      const stub = decodePrunedBatch(bytes);
      expect(headerHex(stub.header)).toEqual(headerHex(b.header));
      expect(equalBytes(stub.signature, b.signature)).toBe(true);
      expect(stub.height).toBe(b.height);
      expect(stub.frameBytes).toBe(b.frame.length);
    }
  });

  it('a pruned batch answers with its header and pruned: true; its records are gone, not an error', () => {
    const pruned = batches[0]!;
    const stored = queries().batch(pruned.id)!;
    expect(stored.pruned).toBe(true);
    expect(stored.view).toMatchObject({ id: hex(pruned.id), status: 'committed', height: pruned.height, pruned: true, recordCount: 64, sequence: '1' });
    expect(stored.view.merkleRoot).toBe(hex(pruned.header.merkleRoot));
    expect(() => stored.recordsJson(0, 1)).toThrow(/pruned by the node's retention policy/);
  });

  it('a record the operator kept is proven against the kept header, its block header and the signature', () => {
    const b = batches[1]!;
    const stub = decodePrunedBatch(stores.chain.tx(b.id)!);
    const block = decodeBlock(stores.chain.block(stub.height)!).header;
    const proof = proveRecord(b.records, 37);
    const key = ed25519FromSeed(devnetBatchSeed(TELEKOM_DE)).publicKey;
    const check = verifyRetainedRecord({ stub, chain: devnetChain(), submitterKey: key, block, proof, records: b.records });
    expect(check).toMatchObject({ signed: true, inBlock: true, inMerkleRoot: true, digestMatches: true, ok: true });
    expect(equalBytes(check.batchId, b.id)).toBe(true);

    // A record changed in any field fails: the commitment through the Merkle root, the rest through the digest.
    const forged = Uint8Array.from(proof.record);
    forged[100]! ^= 1; // payload hash
    const records = Uint8Array.from(b.records);
    records.set(forged, 37 * 128);
    expect(verifyRetainedRecord({ stub, chain: devnetChain(), submitterKey: key, block, proof: { ...proof, record: forged }, records }).ok).toBe(false);
    const badCommitment = Uint8Array.from(proof.record);
    badCommitment[60]! ^= 1;
    expect(verifyRetainedRecord({ stub, chain: devnetChain(), submitterKey: key, block, proof: { ...proof, record: badCommitment } }).inMerkleRoot).toBe(false);
    // Another block's header does not hold the batch.
    const other = decodeBlock(stores.chain.block(stub.height + 1)!).header;
    expect(verifyRetainedRecord({ stub, chain: devnetChain(), submitterKey: key, block: other, proof }).inBlock).toBe(false);
  });

  it('block bodies go only after their records; a pruned body keeps the header and the batches stay provable', async () => {
    const head = stores.chain.head()!.height;
    const recordsHeight = new RetentionStore(stores.env).progress().recordsHeight;
    // Same units that contradict are refused up front; across units the pruner keeps the order.
    expect(() => validateRetentionPolicy({ records: { keep: 'blocks', blocks: 2 }, blocks: { keep: 'blocks', blocks: 0 } })).toThrow(/shorter than records retention/);
    const policy = validateRetentionPolicy({ records: { keep: 'blocks', blocks: 2 }, blocks: { keep: 'days', days: 0 } });
    const report = await new Pruner(stores, policy, { limits: { txsPerBlockChunk: 1 } }).run({ stillRead: NO_BATCH_STILL_READ });
    expect(report.blocksHeight).toBe(recordsHeight); // not head: bodies wait for their records
    expect(report.pruned.blockBodies).toBe(recordsHeight); // every block from 1
    expect(report.chunks).toBeGreaterThan(1);
    for (let h = 1; h <= head; h++) {
      const block = decodeBlock(stores.chain.block(h)!);
      expect(block.bodyPruned).toBe(h <= recordsHeight);
      const view = queries().block(h)!;
      if (h <= recordsHeight) {
        expect(view.bodyPruned).toBe(true);
        expect(view.txIds).toBeUndefined();
        expect(view.txRoot).toBe(hex(block.header.txRoot));
      }
    }
    // Pruned batches lost their location entry but not their place: the stub carries it.
    const b = batches[2]!;
    expect(stores.chain.txLocation(b.id)).toBeUndefined();
    expect(queries().batch(b.id)!.view).toMatchObject({ status: 'committed', height: b.height });
    const stub = decodePrunedBatch(stores.chain.tx(b.id)!);
    const proof = proveRecord(b.records, 0);
    const key = ed25519FromSeed(devnetBatchSeed(TELEKOM_DE)).publicKey;
    expect(verifyRetainedRecord({ stub, chain: devnetChain(), submitterKey: key, block: decodeBlock(stores.chain.block(stub.height)!).header, proof }).ok).toBe(true);
    // Batches not yet pruned keep their locations.
    const whole = batches.find((x) => x.height > recordsHeight)!;
    expect(stores.chain.txLocation(whole.id)).toEqual({ height: whole.height, index: expect.any(Number) as number });
  });

  it('stops at the first batch a restart still reads, and only there', async () => {
    const target = batches.find((b) => b.height > new RetentionStore(stores.env).progress().recordsHeight)!;
    const stillRead: RecordsStillRead = { reason: (id) => (equalBytes(id, target.id) ? 'read on restart (test)' : undefined) };
    const report = await new Pruner(stores, validateRetentionPolicy({ records: { keep: 'blocks', blocks: 0 } })).run({ stillRead });
    expect(report.stoppedAt).toMatchObject({ height: target.height, batch: hex(target.id), reason: 'read on restart (test)' });
    expect(isPrunedBatch(stores.chain.tx(target.id)!)).toBe(false);
    expect(report.recordsHeight).toBe(target.height - 1);
  });
});
