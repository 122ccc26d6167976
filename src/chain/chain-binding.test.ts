import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCall, signDeploy } from '../client/contract-tx.js';
import { BatchNackError, IngestClient } from '../client/ingest-client.js';
import { fetchNodeChain, WrongChainError } from '../client/node-http.js';
import { Operator } from '../client/operator.js';
import { batchToJson } from '../codec/batch-json.js';
import { toHex } from '../codec/bytes.js';
import { RejectCode } from '../codec/ingest-reply.js';
import type { CdrNode } from '../node/node.js';
import { sumContract } from '../test-helpers/contracts.js';
import { ORANGE_FR, startTestNode, tempDataDir, TELEKOM_DE, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import { forge } from '../test-helpers/forge.js';
import { DEFAULT_ADMISSION_LIMITS, InvalidAdmissionLimitsError, validateAdmissionLimits } from './admission.js';
import { devnetChainIdentity, localChainIdentity } from './devnet-chain.js';
import { devnetBatchSeed, devnetGenesis, type Genesis } from './genesis.js';

/** The devnet's operators and keys under another chain id: another consortium whose members hold the same keys. */
const otherGenesis: Genesis = { ...devnetGenesis(), chainId: 'cdrchain-other-consortium' };
const post = (node: CdrNode, frame: Uint8Array) =>
  fetch(`${node.url}/tx`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(frame) });

async function nack(client: IngestClient, frame: Uint8Array, sequence: bigint): Promise<BatchNackError> {
  const err = await client.submit(frame, sequence).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BatchNackError);
  return err as BatchNackError;
}

describe('signed means bound to one chain', () => {
  const dataX = tempDataDir();
  const dataY = tempDataDir();
  let x: CdrNode;
  let y: CdrNode;
  const chainX = devnetChainIdentity();
  const chainY = localChainIdentity(otherGenesis);

  beforeAll(async () => {
    [x, y] = await Promise.all([startTestNode(dataX.dir), startTestNode(dataY.dir, { genesis: otherGenesis })]);
  });
  afterAll(async () => {
    await Promise.all([x.stop(), y.stop()]);
    dataX.cleanup();
    dataY.cleanup();
  });

  it('publishes each chain identity in GET /status, as chainIdentity() computes it', async () => {
    expect(toHex(chainX)).not.toBe(toHex(chainY));
    expect(toHex((await fetchNodeChain(x.url)).genesisHash)).toBe(toHex(chainX));
    expect(toHex((await fetchNodeChain(y.url)).genesisHash)).toBe(toHex(chainY));
    expect(toHex(x.chain.identity)).toBe(toHex(chainX));
    // A client pinned to X refuses to talk to Y.
    await expect(fetchNodeChain(y.url, chainX)).rejects.toBeInstanceOf(WrongChainError);
  });

  it('a batch signed for chain X is accepted by X and refused by Y as BadSignature; signed for Y, Y takes it', async () => {
    const records = Operator.devnet(TELEKOM_DE).publicRecords(traffic(TELEKOM_DE, VODAFONE_UK, 10, 'chain-binding'));
    const forX = forge(records, { sequence: 1n, chain: chainX });
    const cx = await IngestClient.connect(x.ingestUrl);
    const cy = await IngestClient.connect(y.ingestUrl);
    try {
      const ack = await cx.submit(forX.frame.slice(), 1n);
      expect(toHex(ack.batchId)).toBe(toHex(forX.id));

      const refused = await nack(cy, forX.frame.slice(), 1n);
      expect(refused.code).toBe(RejectCode.BadSignature);
      expect(refused.detail).toMatch(/this chain/);
      expect((await fetch(`${y.url}/status`).then((r) => r.json()) as { nullifiers: number }).nullifiers).toBe(0);

      // The same records and header, signed for Y: Y accepts them under Y's id, which is not X's.
      const forY = forge(records, { sequence: 1n, chain: chainY, periodStart: forX.header.periodStart, periodEnd: forX.header.periodEnd });
      expect(toHex(forY.id)).not.toBe(toHex(forX.id));
      const ackY = await cy.submit(forY.frame.slice(), 1n);
      expect(toHex(ackY.batchId)).toBe(toHex(forY.id));
      expect((await fetch(`${y.url}/batch/${toHex(forX.id)}`)).status).toBe(404);

      // POST /cdr takes the same signed batch as JSON: bound the same way.
      const second = forge(Operator.devnet(TELEKOM_DE).publicRecords(traffic(TELEKOM_DE, VODAFONE_UK, 3, 'chain-binding-json')), { sequence: 2n, chain: chainX });
      const body = JSON.stringify(batchToJson({ header: second.header, records: second.records, signature: second.signature, bytes: second.frame }));
      const res = await fetch(`${y.url}/cdr`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('bad_signature');
    } finally {
      await Promise.all([cx.close(), cy.close()]);
    }
  });

  it('a contract transaction signed for chain X is refused by Y as BadSignature, over HTTP and WebSocket', async () => {
    const seed = devnetBatchSeed(ORANGE_FR);
    const deployX = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1n, container: sumContract(), seed, chain: chainX });
    const atY = await post(y, deployX.frame);
    expect(atY.status).toBe(401);
    expect(((await atY.json()) as { error: string }).error).toBe('bad_signature');
    const cy = await IngestClient.connect(y.ingestUrl);
    try {
      const reply = cy.nextReply();
      cy.sendRaw(deployX.frame);
      expect((await reply).code).toBe(RejectCode.BadSignature);
    } finally {
      await cy.close();
    }
    const atX = await post(x, deployX.frame);
    expect(atX.status).toBe(202);
    expect(((await atX.json()) as { hash: string }).hash).toBe(toHex(deployX.hash));

    const callY = signCall({ sender: ORANGE_FR, sequence: 1n, gasLimit: 10n, contract: deployX.contractId!, calldata: new Uint8Array(0), seed, chain: chainY });
    expect((await post(y, callY.frame)).status).toBe(202);
    expect(toHex(callY.hash)).not.toBe(toHex(signCall({ sender: ORANGE_FR, sequence: 1n, gasLimit: 10n, contract: deployX.contractId!, calldata: new Uint8Array(0), seed, chain: chainX }).hash));
  });
});

describe('sequence jumps are bounded', () => {
  const data = tempDataDir();
  let node: CdrNode;
  const MAX_U64 = 2n ** 64n - 1n;

  beforeAll(async () => {
    node = await startTestNode(data.dir, { limits: { maxSequenceJump: 1_000 } });
  });
  afterAll(async () => {
    await node.stop();
    data.cleanup();
  });

  it('refuses a limit below 1 at start', async () => {
    expect(() => validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, maxSequenceJump: 0 })).toThrow(InvalidAdmissionLimitsError);
    expect(() => validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, maxSequenceJump: 1.5 })).toThrow(InvalidAdmissionLimitsError);
    const bad = tempDataDir();
    try {
      await expect(startTestNode(bad.dir, { limits: { maxSequenceJump: 0 } })).rejects.toBeInstanceOf(InvalidAdmissionLimitsError);
    } finally {
      bad.cleanup();
    }
  });

  it('a batch sequence of 2^64−1 is OutOfRange and does not lock the operator out', async () => {
    const op = Operator.devnet(TELEKOM_DE);
    const records = (seed: string) => op.publicRecords(traffic(TELEKOM_DE, VODAFONE_UK, 5, seed));
    const client = await IngestClient.connect(node.ingestUrl);
    try {
      for (const sequence of [MAX_U64, 1_001n]) {
        const err = await nack(client, forge(records(`jump-${sequence}`), { sequence }).frame, sequence);
        expect(err.code).toBe(RejectCode.OutOfRange);
        expect(err.detail).toMatch(/jumps more than 1000 above 0.*at most 1000/);
      }
      // The bound itself is fine, and counts from the last accepted.
      await client.submit(forge(records('jump-ok-1'), { sequence: 1_000n }).frame, 1_000n);
      const far = await nack(client, forge(records('jump-far'), { sequence: 2_001n }).frame, 2_001n);
      expect(far.code).toBe(RejectCode.OutOfRange);
      await client.submit(forge(records('jump-ok-2'), { sequence: 2_000n }).frame, 2_000n);
      const status = (await (await fetch(`${node.url}/operators/${TELEKOM_DE}`)).json()) as { lastSequence: string };
      expect(status.lastSequence).toBe('2000');
    } finally {
      await client.close();
    }
  });

  it('a contract transaction sequence of 2^64−1 is OutOfRange; the sender carries on', async () => {
    const seed = devnetBatchSeed(ORANGE_FR);
    const deploy = (sequence: bigint) => signDeploy({ sender: ORANGE_FR, sequence, gasLimit: 1n, container: sumContract(), seed });
    for (const sequence of [MAX_U64, 1_001n]) {
      const res = await post(node, deploy(sequence).frame);
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('out_of_range');
      expect(body.message).toMatch(/jumps more than 1000 above 0, the last accepted contract transaction of 20801/);
    }
    expect((await post(node, deploy(1_000n).frame)).status).toBe(202);
    expect((await post(node, deploy(2_001n).frame)).status).toBe(422);
    expect((await post(node, deploy(1_001n).frame)).status).toBe(202);
  });
});
