import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { signCall, signDeploy, type SignedContractTx } from '../client/contract-tx.js';
import { CONTRACT_TX_VERSION, ContractTxKind, encodeContractTx } from '../codec/contract-tx.js';
import { counterContract, revertingContract, sumContract, words } from '../test-helpers/contracts.js';
import { startTestNode, tempDataDir, traffic, ORANGE_FR, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { CdrNode } from '../node/node.js';
import { openStores } from '../storage/index.js';
import { devnetBatchSeed } from './genesis.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const seed = devnetBatchSeed(ORANGE_FR);

interface Receipt { hash: string; status: number; statusName: string; gasUsed: string; output: string; height: number; index: number }

describe('contract transactions on a node', () => {
  const data = tempDataDir();
  let node: CdrNode;
  let sequence = 0n;
  const next = () => ++sequence;
  const state: { sum?: Uint8Array; counter?: Uint8Array; reverter?: Uint8Array; counterCalls: string[] } = { counterCalls: [] };

  beforeAll(async () => {
    node = await startTestNode(data.dir);
  });
  afterAll(async () => {
    await node.stop();
    data.cleanup();
  });

  const post = (frame: Uint8Array) =>
    fetch(`${node.url}/tx`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(frame) });
  const accept = async (tx: SignedContractTx) => {
    const res = await post(tx.frame);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { hash: string }).hash).toBe(hex(tx.hash));
    return tx;
  };
  const receipt = async (hash: Uint8Array): Promise<Receipt> => {
    await node.chain.flush();
    const res = await fetch(`${node.url}/receipts/${hex(hash)}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Receipt;
  };
  const call = (contract: Uint8Array, calldata: Uint8Array = new Uint8Array(0), gasLimit = 100_000n) =>
    accept(signCall({ sender: ORANGE_FR, sequence: next(), gasLimit, contract, calldata, seed }));

  it('deploys sum.casm and calls it; the receipt is served over HTTP', async () => {
    const deploy = await accept(signDeploy({ sender: ORANGE_FR, sequence: next(), gasLimit: 1n, container: sumContract(), seed }));
    const d = await receipt(deploy.hash);
    expect(d).toMatchObject({ status: 0, statusName: 'success', output: hex(deploy.contractId!), gasUsed: '0' });
    state.sum = deploy.contractId!;

    const c = await call(state.sum, words(40n, 2n, 2n ** 256n - 2n));
    const r = await receipt(c.hash);
    expect(r.statusName).toBe('success');
    expect(BigInt(`0x${r.output}`)).toBe(40n); // 40 + 2 + (2^256 − 2) mod 2^256
    expect(Number(r.gasUsed)).toBeGreaterThan(0);
    expect(r.height).toBeGreaterThan(0);

    const tx = (await (await fetch(`${node.url}/txns/${hex(c.hash)}`)).json()) as { type: string; status: string; contract: string; calldata: string };
    expect(tx).toMatchObject({ type: 'contract_call', status: 'committed', contract: hex(state.sum) });
    const dt = (await (await fetch(`${node.url}/txns/${hex(deploy.hash)}`)).json()) as { type: string; contract: string };
    expect(dt).toMatchObject({ type: 'contract_deploy', contract: hex(state.sum) });
    expect((await fetch(`${node.url}/batch/${hex(c.hash)}`)).status).toBe(404);
    expect((await fetch(`${node.url}/receipts/${'00'.repeat(32)}`)).status).toBe(404);
  });

  it('takes its gas limit per transaction from the node configuration', async () => {
    const small = tempDataDir();
    const strict = await startTestNode(small.dir, { contractLimits: { maxTxGas: 1_000n } });
    try {
      const send = (gasLimit: bigint, sequence: bigint) =>
        fetch(`${strict.url}/tx`, {
          method: 'POST', headers: { 'content-type': 'application/octet-stream' },
          body: Buffer.from(signDeploy({ sender: TELEKOM_DE, sequence, gasLimit, container: sumContract(), seed: devnetBatchSeed(TELEKOM_DE) }).frame),
        });
      const over = await send(1_001n, 1n);
      expect(over.status).toBe(422);
      expect(((await over.json()) as { error: string }).error).toBe('out_of_range');
      expect((await send(1_000n, 1n)).status).toBe(202);
    } finally {
      await strict.stop();
      small.cleanup();
    }
  });

  it('streams contract events on WS /events?topics=contracts and counts them in /metrics', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}/events?topics=contracts`);
    const events: { type: string; id: string; statusName?: string; kind?: string }[] = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as { type: string; id: string }));
    await new Promise((r) => ws.once('open', r));
    const deploy = await accept(signDeploy({ sender: ORANGE_FR, sequence: next(), gasLimit: 1n, container: sumContract(), seed }));
    const c = await call(deploy.contractId!, words(1n, 2n));
    await receipt(c.hash);
    await expect.poll(() => events.find((e) => e.type === 'contract_receipt' && e.id === hex(c.hash))?.statusName).toBe('success');
    expect(events.filter((e) => e.type === 'contract_tx_accepted').map((e) => e.kind)).toEqual(['deploy', 'call']);
    expect(events.every((e) => e.type.startsWith('contract_'))).toBe(true); // no batch or block frames on this topic
    ws.close();

    const text = await (await fetch(`${node.url}/metrics`)).text();
    expect(text).toMatch(/^cdrchain_contract_txs_total\{outcome="accepted"\} [1-9]/m);
    expect(text).toMatch(/^cdrchain_contract_receipts_total\{status="success"\} [1-9]/m);
    expect(text).toMatch(/^cdrchain_contract_gas_used_total [1-9]/m);
  });

  it('keeps storage across blocks; a revert and out of gas leave it unchanged but get receipts', async () => {
    const counter = await accept(signDeploy({ sender: ORANGE_FR, sequence: next(), gasLimit: 1n, container: counterContract(), seed }));
    const reverter = await accept(signDeploy({ sender: ORANGE_FR, sequence: next(), gasLimit: 1n, container: revertingContract(), seed }));
    state.counter = counter.contractId!;
    state.reverter = reverter.contractId!;
    const values: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await call(state.counter);
      state.counterCalls.push(hex(c.hash));
      values.push(BigInt(`0x${(await receipt(c.hash)).output}`));
    }
    expect(values).toEqual([1n, 2n, 3n]);

    // Calls streamed back to back on one socket (ordered, usually sharing a block): each sees the one before.
    const client = await IngestClient.connect(node.ingestUrl);
    const burst = [0, 1, 2].map(() => signCall({ sender: ORANGE_FR, sequence: next(), gasLimit: 100_000n, contract: state.counter!, calldata: new Uint8Array(0), seed }));
    const results = await Promise.all(burst.map((b, i) => client.submit(b.frame, sequence - 2n + BigInt(i))));
    await Promise.all(results.map((r) => r.committed));
    await client.close();
    const outs = await Promise.all(burst.map(async (b) => BigInt(`0x${(await receipt(b.hash)).output}`)));
    expect(outs).toEqual([4n, 5n, 6n]);

    const rv = await receipt((await call(state.reverter)).hash);
    expect(rv).toMatchObject({ status: 1, statusName: 'reverted', output: words(0xdeadn).toString('hex') });
    const oog = await receipt((await call(state.counter, new Uint8Array(0), 250n)).hash);
    expect(oog).toMatchObject({ status: 2, statusName: 'out_of_gas', gasUsed: '250' });
    expect(BigInt(`0x${(await receipt((await call(state.counter)).hash)).output}`)).toBe(7n);
    const none = await receipt((await call(new Uint8Array(32).fill(3))).hash);
    expect(none.statusName).toBe('no_contract');
  });

  it('nacks a bad signature, an unknown sender, a replayed sequence and too much gas', async () => {
    const reject = async (frame: Uint8Array, status: number, error: string) => {
      const res = await post(frame);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toBe(error);
    };
    const good = signCall({ sender: ORANGE_FR, sequence: sequence + 1n, gasLimit: 10n, contract: state.sum!, calldata: new Uint8Array(0), seed });
    const forged = good.frame.slice();
    forged[forged.length - 20]! ^= 1; // inside the signature, the last vector
    await reject(forged, 401, 'bad_signature');
    await reject(signCall({ sender: ORANGE_FR, sequence: sequence + 1n, gasLimit: 10n, contract: state.sum!, calldata: new Uint8Array(0), seed: devnetBatchSeed(VODAFONE_UK) }).frame, 401, 'bad_signature');
    const fields = { version: CONTRACT_TX_VERSION, kind: ContractTxKind.Call, sender: 99_999, sequence: 1n, gasLimit: 10n, contract: state.sum!, code: new Uint8Array(0), calldata: new Uint8Array(0) };
    await reject(encodeContractTx(fields, new Uint8Array(64)), 403, 'unknown_operator');
    await reject(signCall({ sender: ORANGE_FR, sequence, gasLimit: 10n, contract: state.sum!, calldata: new Uint8Array(0), seed }).frame, 409, 'replay');
    await reject(signCall({ sender: ORANGE_FR, sequence: sequence + 1n, gasLimit: 10_000_001n, contract: state.sum!, calldata: new Uint8Array(0), seed }).frame, 422, 'out_of_range');
    await reject(signDeploy({ sender: ORANGE_FR, sequence: sequence + 1n, gasLimit: 1n, container: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), seed }).frame, 422, 'out_of_range');
    await reject(Uint8Array.of(1, 2, 3), 400, 'malformed');
    // The same frame on WS /ingest: dispatched by its identifier, answered by the same checks.
    const client = await IngestClient.connect(node.ingestUrl);
    await expect(client.submit(forged, sequence + 1n)).rejects.toThrow(/bad_signature/);
    const ok = await client.submit(good.frame, sequence + 1n);
    expect(hex(ok.batchId)).toBe(hex(good.hash));
    expect((await ok.committed).height).toBeGreaterThan(0);
    await client.close();
    sequence++;
    // Contract sequences are apart from batch sequences: a batch at sequence 1 is still welcome.
    const batch = Operator.devnet(ORANGE_FR).batch(traffic(ORANGE_FR, TELEKOM_DE, 3, 'ctx'), 1n);
    const res = await fetch(`${node.url}/operators/${ORANGE_FR}`);
    expect(await res.json()).toMatchObject({ lastSequence: '0', lastContractSequence: sequence.toString() });
    const bc = await IngestClient.connect(node.ingestUrl);
    await (await bc.submit(batch.frame, 1n)).committed;
    await bc.close();
  });

  it('keeps code, storage, receipts and sequences across a restart, and restores pending contract transactions', async () => {
    await node.stop();
    // A call that was acknowledged but not yet in a block when the node went down: bytes and pending marker only.
    const pending = signCall({ sender: ORANGE_FR, sequence: next(), gasLimit: 100_000n, contract: state.counter!, calldata: new Uint8Array(0), seed });
    const stores = openStores(data.dir);
    const order = (stores.pending.list().at(-1)?.order ?? -1) + 1;
    await stores.env.transaction(() => {
      stores.chain.putTx(pending.hash, pending.frame);
      stores.pending.add(order, pending.hash);
    });
    await stores.env.close();

    node = await startTestNode(data.dir);
    const first = await receipt(Buffer.from(state.counterCalls[0]!, 'hex'));
    expect(BigInt(`0x${first.output}`)).toBe(1n);
    expect(BigInt(`0x${(await receipt(pending.hash)).output}`)).toBe(8n);
    const after = await receipt((await call(state.counter!)).hash);
    expect(BigInt(`0x${after.output}`)).toBe(9n);
    const sum = await receipt((await call(state.sum!, words(1n, 1n))).hash);
    expect(BigInt(`0x${sum.output}`)).toBe(2n);
    const res = await post(signCall({ sender: ORANGE_FR, sequence, gasLimit: 10n, contract: state.sum!, calldata: new Uint8Array(0), seed }).frame);
    expect(res.status).toBe(409);
    // The CDR pipeline is untouched: the batch sequence from before the restart still counts.
    expect(await (await fetch(`${node.url}/operators/${ORANGE_FR}`)).json()).toMatchObject({ lastSequence: '1', lastContractSequence: sequence.toString() });
  });
});
