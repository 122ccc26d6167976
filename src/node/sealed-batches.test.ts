import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltBatch } from '../cdr/batch-builder.js';
import { devnetGenesis, type Genesis } from '../chain/genesis.js';
import { devnetPrivacy } from '../chain/genesis-privacy.js';
import { decodeBatch, encodeBatch } from '../codec/batch.js';
import { equalBytes, toHex } from '../codec/bytes.js';
import { RejectCode } from '../codec/ingest-reply.js';
import { decodeSealedSection, encodeSealedSection, type SealedSectionFields } from '../codec/sealed-section.js';
import { BatchNackError, IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { openSealedBatch } from '../client/sealed-batches.js';
import { devnetEncryptionKeyPair } from '../privacy/encryption-key-file.js';
import { PayloadOpenError, KeyWrapError } from '../privacy/errors.js';
import { startTestNode, tempDataDir, traffic } from '../test-helpers/devnet.js';
import type { CdrNode } from './node.js';
import { Pruner } from '../chain/retention/pruner.js';
import { NO_BATCH_STILL_READ } from '../chain/retention/records-still-read.js';
import { validateRetentionPolicy } from '../chain/retention/retention-policy.js';
import { openStores } from '../storage/index.js';
import { cdrchain } from '../test-helpers/processes.js';

/**
 * Issue 13, P2 on one node (`api.auth: signatures`): sealed batches are admitted after the worker's
 * key-less checks, stored in the private store with the batch's durable admission (surviving a
 * restart), served to the pair only, and opened by the counterparty; each bad input is refused with
 * its code and nothing of it is recorded.
 */
const A = 20801;
const B = 23415;
const C = 26201;

async function get(base: string, path: string, as?: number): Promise<{ status: number; body: Buffer }> {
  const url = `${base}${path}`;
  const headers = as === undefined ? {} : OperatorRequestSigner.devnet(as).sign({ method: 'GET', url });
  const res = await fetch(url, { headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** The same batch with its sealed section changed by `edit` (the header signature still holds). */
function tampered(b: BuiltBatch, edit: (f: SealedSectionFields) => SealedSectionFields): Uint8Array {
  const d = decodeBatch(b.frame);
  const section = decodeSealedSection(d.sealed!, d.header.recordCount);
  return encodeBatch(d.header, d.records, d.signature, encodeSealedSection(edit(section)));
}

function withCiphertext(f: SealedSectionFields, index: number, ciphertext: Uint8Array): SealedSectionFields {
  const records = f.sealed.records.map((r, i) => (i === index ? { group: r.group, ciphertext } : r));
  return { ...f, sealed: { ...f.sealed, records } };
}

describe('sealed batches on a node', () => {
  const data = tempDataDir();
  let node: CdrNode;
  let client: IngestClient;
  const opA = Operator.devnet(A);
  const cdrs = traffic(A, B, 120, 'sealed');
  let good: BuiltBatch;

  beforeAll(async () => {
    node = await startTestNode(data.dir, { apiAuth: 'signatures' });
    client = await IngestClient.connect(node.ingestUrl, { signer: OperatorRequestSigner.devnet(A) });
    good = await opA.sealedBatch(cdrs, 1n, devnetPrivacy());
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await node?.stop();
    data.cleanup();
  });

  async function nack(frame: Uint8Array, sequence: bigint): Promise<BatchNackError> {
    const err = await client.submit(frame, sequence).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BatchNackError);
    return err as BatchNackError;
  }

  it('refuses each bad sealed section with its code, recording nothing', async () => {
    const d = decodeBatch(good.frame);
    const section = decodeSealedSection(d.sealed!, d.header.recordCount);
    const ct0 = section.sealed.records[0]!.ciphertext;

    const flipped = Uint8Array.from(ct0);
    flipped[5]! ^= 1;
    expect((await nack(tampered(good, (f) => withCiphertext(f, 0, flipped)), 1n)).code).toBe(RejectCode.BadPayloadHash);
    expect((await nack(tampered(good, (f) => withCiphertext(f, 3, ct0.subarray(0, 10))), 1n)).code).toBe(RejectCode.BadSealedSection);
    expect((await nack(tampered(good, (f) => withCiphertext(f, 3, new Uint8Array(1100))), 1n)).code).toBe(RejectCode.BadSealedSection);
    // Another record's (valid) ciphertext in the wrong place: its hash is not this record's payload_hash.
    expect((await nack(tampered(good, (f) => withCiphertext(f, 1, ct0)), 1n)).code).toBe(RejectCode.BadPayloadHash);

    // Wraps for keys the genesis does not register: C's key as the counterparty, a made-up lawful key.
    const cKey = devnetPrivacy().encryptionKeys.get(C)!;
    const unknownRecipient = await nack(tampered(good, (f) => ({ ...f, recipients: { ...f.recipients, counterpartyKey: cKey } })), 1n);
    expect(unknownRecipient.code).toBe(RejectCode.BadSealedSection);
    expect(unknownRecipient.detail).toMatch(/counterparty wrap/);
    expect((await nack(tampered(good, (f) => ({ ...f, recipients: { ...f.recipients, lawfulKey: new Uint8Array(32).fill(7) } })), 1n)).code).toBe(RejectCode.BadSealedSection);
    // A swapped wrap: sizes right, recipients right, but not what the submitter signed.
    expect((await nack(tampered(good, (f) => ({ ...f, sealed: { ...f.sealed, submitterWrap: f.sealed.counterpartyWrap } })), 1n)).code).toBe(RejectCode.BadSealedSection);
    // Not a sealed section at all.
    expect((await nack(encodeBatch(d.header, d.records, d.signature, new Uint8Array(64).fill(1)), 1n)).code).toBe(RejectCode.BadSealedSection);

    // Nothing was recorded: sequence 1 is still free.
    const status = await get(node.url, `/operators/${A}`, A);
    expect(JSON.parse(status.body.toString()).lastSequence).toBe('0');
  });

  it('admits a sealed batch, keeps the public frame apart from the sealed section, and serves it to the pair only', async () => {
    const r = await client.submit(good.frame, 1n);
    await r.committed;
    const id = toHex(good.id);

    const expected = decodeBatch(good.frame).sealed!;
    const forA = await get(node.url, `/batch/${id}/sealed`, A);
    const forB = await get(node.url, `/batch/${id}/sealed`, B);
    expect(forA.status).toBe(200);
    expect(equalBytes(forA.body, expected)).toBe(true);
    expect(equalBytes(forB.body, expected)).toBe(true);

    // A third operator gets exactly what an unknown id gets (save the echoed id); anonymous 401.
    const unknown = 'ab'.repeat(32);
    const forC = await get(node.url, `/batch/${id}/sealed`, C);
    const unknownForC = await get(node.url, `/batch/${unknown}/sealed`, C);
    expect(forC.status).toBe(404);
    expect(forC.body.toString().replace(id, 'ID')).toBe(unknownForC.body.toString().replace(unknown, 'ID'));
    expect(forC.body.toString()).not.toMatch(new RegExp(`${A}|${B}`));
    expect((await get(node.url, `/batch/${id}/sealed`)).status).toBe(401);

    // The public view stays public-only: no ciphertext in the stored frame.
    const batch = JSON.parse((await get(node.url, `/batch/${id}?records=1`, B)).body.toString()) as { records: { payloadHash: string }[] };
    expect(batch.records).toHaveLength(cdrs.length);

    // The counterparty opens it with its own key; the submitter too; C's key opens nothing.
    const d = decodeBatch(good.frame);
    const open = async (reader: number, keyOf: number) =>
      openSealedBatch({ chain: opA.chain, header: d.header, records: d.records, sectionBytes: forB.body, reader, privateKey: (await devnetEncryptionKeyPair(keyOf)).privateKey });
    const byB = await open(B, B);
    expect(byB.map((p) => p.recordId)).toEqual(cdrs.map((c) => c.recordId));
    expect(byB.map((p) => p.charge)).toEqual(cdrs.map((c) => c.charge));
    expect((await open(A, A)).map((p) => p.durationSec)).toEqual(cdrs.map((c) => c.durationSec));
    await expect(open(B, C)).rejects.toSatisfy((e: unknown) => e instanceof KeyWrapError || e instanceof PayloadOpenError);
  });

  it('keeps the sealed section across a restart', async () => {
    const id = toHex(good.id);
    await client.close();
    await node.stop();
    node = await startTestNode(data.dir, { apiAuth: 'signatures' });
    client = await IngestClient.connect(node.ingestUrl, { signer: OperatorRequestSigner.devnet(A) });
    const again = await get(node.url, `/batch/${id}/sealed`, B);
    expect(again.status).toBe(200);
    expect(equalBytes(again.body, decodeBatch(good.frame).sealed!)).toBe(true);
  }, 30_000);

  it('retention prunes sealed sections under the payloads policy, and nothing else; the pair is told 410 pruned', async () => {
    const id = toHex(good.id);
    await client.close();
    await node.stop();
    const stores = openStores(data.dir);
    try {
      const policy = validateRetentionPolicy({ payloads: { keep: 'days', days: 0 } });
      const report = await new Pruner(stores, policy, { now: () => Date.now() + 1000 }).run({ stillRead: NO_BATCH_STILL_READ });
      expect(report.pruned.sealedSections).toBe(1);
      expect(report.pruned.batches).toBe(0);
      expect(report.payloadsHeight).toBeGreaterThan(0);
      expect(stores.sealed.has(good.id)).toBe(false);
      // Again: nothing more to prune, the cursor holds.
      expect((await new Pruner(stores, policy, { now: () => Date.now() + 1000 }).run({ stillRead: NO_BATCH_STILL_READ })).pruned.sealedSections).toBe(0);
    } finally {
      await stores.env.close();
    }
    node = await startTestNode(data.dir, { apiAuth: 'signatures' });
    client = await IngestClient.connect(node.ingestUrl, { signer: OperatorRequestSigner.devnet(A) });
    // The pair is told the section is no longer held (410 pruned), not that it never existed.
    const forB = await get(node.url, `/batch/${id}/sealed`, B);
    expect(forB.status).toBe(410);
    expect(JSON.parse(forB.body.toString())).toMatchObject({ error: 'pruned' });
    expect(forB.body.toString()).toMatch(/pruned by the node's retention policy at \d{4}-/);
    // A third operator still gets exactly what an unknown id gets: no oracle for what it may not read.
    const unknown = 'ab'.repeat(32);
    const forC = await get(node.url, `/batch/${id}/sealed`, C);
    expect(forC.status).toBe(404);
    expect(forC.body.toString().replace(id, 'ID')).toBe((await get(node.url, `/batch/${unknown}/sealed`, C)).body.toString().replace(unknown, 'ID'));
    // `cdrchain open` says so (exit 3: nothing this reader may open).
    const open = await cdrchain('open', id, '--operator', String(B), '--url', node.url);
    expect(open.code, open.stderr).toBe(3);
    expect(open.stderr).toContain(`batch ${id} was pruned by retention`);
    // The public batch stays, records and all.
    expect((await get(node.url, `/batch/${id}?records=1`, B)).status).toBe(200);
  }, 30_000);
});

describe('the genesis rule on sealed payloads', () => {
  async function withRule(rule: 'off' | 'required', test: (client: IngestClient, chain: Uint8Array) => Promise<void>): Promise<void> {
    const base = devnetGenesis();
    const genesis: Genesis = { ...base, chainId: `sealed-${rule}`, privacy: { ...devnetPrivacy(), sealedPayloads: rule } };
    const data = tempDataDir();
    const node = await startTestNode(data.dir, { genesis });
    const status = (await (await fetch(`${node.url}/status`)).json()) as { genesisHash: string };
    const client = await IngestClient.connect(node.ingestUrl);
    try {
      await test(client, Buffer.from(status.genesisHash, 'hex'));
    } finally {
      await client.close();
      await node.stop();
      data.cleanup();
    }
  }

  it("'required' refuses an unsealed batch (SealedRequired) and admits a sealed one", async () => {
    await withRule('required', async (client, chain) => {
      const op = Operator.devnet(A, chain);
      const cdrs = traffic(A, B, 20, 'required');
      const err = await client.submit(op.batch(cdrs, 1n).frame, 1n).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(BatchNackError);
      expect((err as BatchNackError).code).toBe(RejectCode.SealedRequired);
      await (await client.submit((await op.sealedBatch(cdrs, 1n, devnetPrivacy())).frame, 1n)).committed;
    });
  }, 30_000);

  it("'off' refuses a sealed section", async () => {
    await withRule('off', async (client, chain) => {
      const op = Operator.devnet(A, chain);
      const sealed = await op.sealedBatch(traffic(A, B, 5, 'off'), 1n, devnetPrivacy());
      const err = await client.submit(sealed.frame, 1n).then(() => undefined, (e: unknown) => e);
      expect((err as BatchNackError).code).toBe(RejectCode.BadSealedSection);
    });
  }, 30_000);
});
