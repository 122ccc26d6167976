import { describe, expect, it } from 'vitest';
import { signCall, signDeploy } from '../client/contract-tx.js';
import { decodeContractTx } from '../codec/contract-tx.js';
import { counterContract, revertingContract, sumContract, words } from '../test-helpers/contracts.js';
import { ORANGE_FR } from '../test-helpers/devnet.js';
import { assemble } from '../vm/asm/index.js';
import { WasmInterpreter } from '../vm/interpreter.js';
import { nodeHostFunctions } from '../vm/node-host.js';
import { BlockExecution, ReceiptStatus } from './contract-executor.js';
import { devnetBatchSeed } from './genesis.js';
import { Mempool, type MempoolEntry } from './mempool.js';
import { TxKind } from './tx-kinds/tx-kind.js';

const seed = devnetBatchSeed(ORANGE_FR);
const host = nodeHostFunctions();

/** Committed state in memory, and what a commit writes to it. */
function memoryState() {
  const code = new Map<string, Uint8Array>();
  const slots = new Map<string, bigint>();
  const receipts = new Map<string, unknown>();
  const sequences = new Map<number, bigint>();
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    code, slots, receipts, sequences,
    reader: { contractCode: (id: Uint8Array) => code.get(hex(id)), slot: (id: Uint8Array, k: bigint) => slots.get(`${hex(id)}:${k}`) ?? 0n },
    writer: {
      writeCode: (id: Uint8Array, c: Uint8Array) => void code.set(hex(id), c),
      writeSlots: (id: Uint8Array, w: readonly (readonly [bigint, bigint])[]) => w.forEach(([k, v]) => (v === 0n ? slots.delete(`${hex(id)}:${k}`) : slots.set(`${hex(id)}:${k}`, v))),
      writeReceipt: (h: Uint8Array, r: unknown) => void receipts.set(hex(h), r),
    },
    writeSequence: (s: number, q: bigint) => void sequences.set(s, q),
  };
}

function block(state: ReturnType<typeof memoryState>, height = 5) {
  return new BlockExecution({ state: state.reader, interpreter: WasmInterpreter.load(), host, block: { height, timestampMs: 1_700_000_000_000n } });
}

describe('BlockExecution', () => {
  it('turns a throwing host into an execution_fault receipt and goes on with the block', () => {
    const state = memoryState();
    const failingHost = { ...host, sha256: (): Uint8Array => { throw new Error('host bug'); } };
    const exec = new BlockExecution({ state: state.reader, interpreter: WasmInterpreter.load(), host: failingHost, block: { height: 5, timestampMs: 1_700_000_000_000n } });
    const hashing = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1n, container: assemble('push 0\npush 0\nhost sha256\nstop').container, seed });
    const counter = signDeploy({ sender: ORANGE_FR, sequence: 2n, gasLimit: 1n, container: counterContract(), seed });
    exec.apply(decodeContractTx(hashing.frame), hashing.hash, 0);
    exec.apply(decodeContractTx(counter.frame), counter.hash, 1);
    const bad = signCall({ sender: ORANGE_FR, sequence: 3n, gasLimit: 50_000n, contract: hashing.contractId!, calldata: new Uint8Array(0), seed });
    expect(exec.apply(decodeContractTx(bad.frame), bad.hash, 2)).toMatchObject({ status: ReceiptStatus.executionFault, statusName: 'execution_fault', gasUsed: '50000' });
    const good = signCall({ sender: ORANGE_FR, sequence: 4n, gasLimit: 100_000n, contract: counter.contractId!, calldata: new Uint8Array(0), seed });
    expect(exec.apply(decodeContractTx(good.frame), good.hash, 3).statusName).toBe('success');
  });

  it('deploys, then calls in the same block, with earlier writes visible to later calls', () => {
    const state = memoryState();
    const exec = block(state);
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1n, container: counterContract(), seed });
    const d = exec.apply(decodeContractTx(deploy.frame), deploy.hash, 0);
    expect(d).toMatchObject({ status: 0, statusName: 'success', output: Buffer.from(deploy.contractId!).toString('hex'), height: 5, index: 0 });
    const outputs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = signCall({ sender: ORANGE_FR, sequence: BigInt(2 + i), gasLimit: 100_000n, contract: deploy.contractId!, calldata: new Uint8Array(0), seed });
      const r = exec.apply(decodeContractTx(c.frame), c.hash, 1 + i);
      expect(r.statusName).toBe('success');
      outputs.push(r.output);
    }
    expect(outputs.map((o) => BigInt(`0x${o}`))).toEqual([1n, 2n, 3n]);
    expect(state.code.size).toBe(0); // nothing reaches the store before commit
    exec.commit(state.writer, state.writeSequence);
    expect(state.code.size).toBe(1);
    expect(state.slots.get(`${Buffer.from(deploy.contractId!).toString('hex')}:0`)).toBe(3n);
    expect(state.receipts.size).toBe(4);
    expect(state.sequences.get(ORANGE_FR)).toBe(4n);
  });

  it('keeps storage on revert and out of gas, and answers no_contract for an unknown id', () => {
    const state = memoryState();
    const first = block(state, 1);
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1n, container: revertingContract(), seed });
    first.apply(decodeContractTx(deploy.frame), deploy.hash, 0);
    const counter = signDeploy({ sender: ORANGE_FR, sequence: 2n, gasLimit: 1n, container: counterContract(), seed });
    first.apply(decodeContractTx(counter.frame), counter.hash, 1);
    first.commit(state.writer, state.writeSequence);

    const exec = block(state, 2);
    const revert = signCall({ sender: ORANGE_FR, sequence: 3n, gasLimit: 100_000n, contract: deploy.contractId!, calldata: new Uint8Array(0), seed });
    const r = exec.apply(decodeContractTx(revert.frame), revert.hash, 0);
    expect(r).toMatchObject({ status: 1, statusName: 'reverted', output: words(0xdeadn).toString('hex') });
    const oog = signCall({ sender: ORANGE_FR, sequence: 4n, gasLimit: 300n, contract: counter.contractId!, calldata: new Uint8Array(0), seed });
    expect(exec.apply(decodeContractTx(oog.frame), oog.hash, 1)).toMatchObject({ statusName: 'out_of_gas', gasUsed: '300' });
    const none = signCall({ sender: ORANGE_FR, sequence: 5n, gasLimit: 10n, contract: new Uint8Array(32).fill(7), calldata: new Uint8Array(0), seed });
    expect(exec.apply(decodeContractTx(none.frame), none.hash, 2)).toMatchObject({ status: ReceiptStatus.noContract, statusName: 'no_contract', gasUsed: '0' });
    exec.commit(state.writer, state.writeSequence);
    expect(state.slots.size).toBe(0);
    expect(state.receipts.size).toBe(5);
  });

  it('runs sum.casm over the calldata', () => {
    const state = memoryState();
    const exec = block(state);
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1n, container: sumContract(), seed });
    exec.apply(decodeContractTx(deploy.frame), deploy.hash, 0);
    const c = signCall({ sender: ORANGE_FR, sequence: 2n, gasLimit: 10_000n, contract: deploy.contractId!, calldata: words(40n, 2n), seed });
    const r = exec.apply(decodeContractTx(c.frame), c.hash, 1);
    expect(BigInt(`0x${r.output}`)).toBe(42n);
    expect(exec.gasUsed).toBe(BigInt(r.gasUsed));
  });
});

describe('Mempool gas budget', () => {
  const entry = (order: number, gasLimit?: bigint): MempoolEntry => ({
    order, id: new Uint8Array(32).fill(order), submitter: 1, sequence: BigInt(order + 1), cdrCount: gasLimit === undefined ? 10 : 0,
    kind: gasLimit === undefined ? TxKind.CdrBatch : TxKind.ContractTx, ...(gasLimit === undefined ? {} : { gasLimit }), receivedAt: 0, durable: true,
  });

  it('stops a block at the first contract transaction that would exceed its gas, and always takes one', () => {
    const m = new Mempool();
    [entry(0), entry(1, 30n), entry(2, 30n), entry(3), entry(4, 100n)].forEach((e) => m.push(e));
    expect(m.hasReady()).toBe(true);
    expect(m.take(100, 1_000, 50).map((e) => e.order)).toEqual([0, 1]);
    expect(m.take(100, 1_000, 50).map((e) => e.order)).toEqual([2, 3]);
    expect(m.take(100, 1_000, 50).map((e) => e.order)).toEqual([4]);
    expect(m.hasReady()).toBe(false);
  });
});
