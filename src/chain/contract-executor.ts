import { toHex } from '../codec/bytes.js';
import { ContractTxKind, contractIdOf, type DecodedContractTx } from '../codec/contract-tx.js';
import type { ContractStore, StoredReceipt } from '../storage/contract-store.js';
import { unwrapCode } from '../vm/container.js';
import { InvalidCodeError, type HostFunctions, type Interpreter } from '../vm/execution.js';
import { statusName, Status } from '../vm/opcodes.js';
import { sha256 } from '../crypto/hash.js';
import { wordToBytes } from '../storage/contract-store.js';

/** Receipt statuses outside the VM's (0..10): the transaction never reached the interpreter. */
export const ReceiptStatus = {
  /** A call to an id with no deployed code. */
  noContract: 100,
  /** A deploy whose container does not unwrap (admission checks it; kept for stored bytes from elsewhere). */
  invalidCode: 101,
  /**
   * The interpreter or a host function threw (a node fault, not a VM status): the transaction is
   * charged its gas limit and changes nothing, so one bad transaction cannot stall every block.
   */
  executionFault: 102,
} as const;

/** What a block reads of committed contract state. */
export type ContractStateReader = Pick<ContractStore, 'contractCode' | 'slot'> & Partial<Pick<ContractStore, 'slotsIn'>>;

/**
 * The set slots of `id` in [from, to) as `state` holds them: one range read where the reader has
 * one, else a read per key. A value of 0 is an unset slot and is left out.
 */
export function readSlotsIn(state: ContractStateReader, id: Uint8Array, from: bigint, to: bigint): Map<bigint, bigint> {
  if (state.slotsIn) return state.slotsIn(id, from, to);
  const out = new Map<bigint, bigint>();
  for (let k = from; k < to; k++) {
    const v = state.slot(id, k);
    if (v !== 0n) out.set(k, v);
  }
  return out;
}

/** The block a transaction executes in: the only context it sees besides its own fields. */
export interface BlockContext {
  readonly height: number;
  readonly timestampMs: bigint;
}

/**
 * Executes one block's contract transactions in block order against an overlay of committed
 * state: code and slots written by an earlier transaction of the block are visible to later ones.
 * Nothing here reads the clock or any state outside the overlay and the store, so every node
 * executing the same block gets the same receipts and writes. `commit` runs inside the block's
 * LMDB transaction.
 */
export class BlockExecution {
  private readonly codes = new Map<string, { id: Uint8Array; container: Uint8Array }>();
  private readonly slots = new Map<string, { id: Uint8Array; values: Map<bigint, bigint> }>();
  private readonly receipts: { hash: Uint8Array; receipt: StoredReceipt }[] = [];
  private readonly sequences = new Map<number, bigint>();
  private gas = 0n;

  constructor(
    private readonly deps: {
      readonly state: ContractStateReader;
      readonly interpreter: Interpreter;
      readonly host: HostFunctions;
      readonly block: BlockContext;
    },
  ) {}

  /** Gas used by the transactions applied so far. */
  get gasUsed(): bigint {
    return this.gas;
  }

  /** Applies one transaction at `index` in the block; returns its receipt. */
  apply(tx: DecodedContractTx, hash: Uint8Array, index: number): StoredReceipt {
    const last = this.sequences.get(tx.sender);
    if (last === undefined || tx.sequence > last) this.sequences.set(tx.sender, tx.sequence);
    const where = { height: this.deps.block.height, index };
    const receipt = tx.kind === ContractTxKind.Deploy ? this.deploy(tx, where) : this.call(tx, where);
    this.gas += BigInt(receipt.gasUsed);
    this.receipts.push({ hash, receipt });
    return receipt;
  }

  /** The receipts so far, in block order. */
  get executed(): readonly { readonly hash: Uint8Array; readonly receipt: StoredReceipt }[] {
    return this.receipts;
  }

  /** Writes code, slots, receipts and contract sequences; call inside the block's transaction. */
  commit(store: Pick<ContractStore, 'writeCode' | 'writeSlots' | 'writeReceipt'>, writeSequence: (sender: number, sequence: bigint) => void): void {
    this.commitState(store);
    for (const [sender, seq] of [...this.sequences].sort((a, b) => a[0] - b[0])) writeSequence(sender, seq);
  }

  /** Code this block deployed under `id` (a later block on the same branch reads it before it is committed). */
  writtenCode(id: Uint8Array): Uint8Array | undefined {
    return this.codes.get(toHex(id))?.container;
  }

  /** Slot `key` of `id` as this block sees it: written earlier in the block, else committed (0 when unset). */
  readSlot(id: Uint8Array, key: bigint): bigint {
    return this.slots.get(toHex(id))?.values.get(key) ?? this.deps.state.slot(id, key);
  }

  /**
   * Writes slots of `id` outside any contract call: the node's own system state (settlement
   * statements and rate sets, docs/settlement.md), committed, rooted and seen by later transactions
   * and branch blocks like a contract's writes.
   */
  writeSystemSlots(id: Uint8Array, writes: readonly (readonly [bigint, bigint])[]): void {
    const key = toHex(id);
    let entry = this.slots.get(key);
    if (!entry) {
      entry = { id: id.slice(), values: new Map() };
      this.slots.set(key, entry);
    }
    for (const [k, v] of writes) entry.values.set(k, v);
  }

  /** The set slots of `id` in [from, to) as this block sees them: committed ones overlaid with the block's writes. */
  readSlotsIn(id: Uint8Array, from: bigint, to: bigint): Map<bigint, bigint> {
    return overlaySlots(readSlotsIn(this.deps.state, id, from, to), this.writtenSlotsIn(id, from, to));
  }

  /** What this block wrote to slots of `id` in [from, to) (0: cleared). */
  writtenSlotsIn(id: Uint8Array, from: bigint, to: bigint): [bigint, bigint][] {
    const values = this.slots.get(toHex(id))?.values;
    if (!values) return [];
    return [...values].filter(([k]) => k >= from && k < to);
  }

  /** The value this block wrote to slot `key` of contract `id`, if it wrote one. */
  writtenSlot(id: Uint8Array, key: bigint): bigint | undefined {
    return this.slots.get(toHex(id))?.values.get(key);
  }

  /** Writes code, slots and receipts (the state transition writes sequences itself); inside the block's transaction. */
  commitState(store: Pick<ContractStore, 'writeCode' | 'writeSlots' | 'writeReceipt'>): void {
    for (const { id, container } of this.sortedCodes()) store.writeCode(id, container);
    for (const { id, values } of this.sortedSlots()) store.writeSlots(id, sortedWrites(values));
    for (const { hash, receipt } of this.receipts) store.writeReceipt(hash, receipt);
  }

  /**
   * Feeds a canonical encoding of every change (code by id, slots by contract and key, receipts in
   * block order) to `update`: the contract part of the block's state root.
   */
  digestChanges(update: (part: Uint8Array) => void): void {
    const text = (s: string): void => {
      const b = Buffer.from(s, 'utf8');
      update(u32(b.length));
      update(b);
    };
    const codes = this.sortedCodes();
    update(u32(codes.length));
    for (const { id, container } of codes) {
      update(id);
      update(sha256(container));
    }
    const slots = this.sortedSlots();
    update(u32(slots.length));
    for (const { id, values } of slots) {
      const writes = sortedWrites(values);
      update(id);
      update(u32(writes.length));
      for (const [k, v] of writes) {
        update(wordToBytes(k));
        update(wordToBytes(v));
      }
    }
    update(u32(this.receipts.length));
    for (const { hash, receipt: r } of this.receipts) {
      update(hash);
      update(u32(r.status));
      text(r.gasUsed);
      text(r.output);
      update(u32(r.events.length));
      for (const e of r.events) {
        update(u32(e.topics.length));
        for (const t of e.topics) text(t);
        text(e.data);
      }
      update(u32(r.index));
    }
  }

  private sortedCodes(): { id: Uint8Array; container: Uint8Array }[] {
    return [...this.codes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  }

  private sortedSlots(): { id: Uint8Array; values: Map<bigint, bigint> }[] {
    return [...this.slots.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  }

  // v1 deploys run no constructor: the container is stored under its id and the id returned.
  private deploy(tx: DecodedContractTx, where: { height: number; index: number }): StoredReceipt {
    try {
      unwrapCode(tx.code);
    } catch (err) {
      if (!(err instanceof InvalidCodeError)) throw err;
      return { status: ReceiptStatus.invalidCode, statusName: 'invalid_code', gasUsed: '0', output: '', events: [], ...where };
    }
    const id = contractIdOf(tx.sender, tx.sequence, tx.code);
    this.codes.set(toHex(id), { id, container: tx.code.slice() });
    return { status: Status.Success, statusName: statusName(Status.Success), gasUsed: '0', output: toHex(id), events: [], ...where };
  }

  private call(tx: DecodedContractTx, where: { height: number; index: number }): StoredReceipt {
    const key = toHex(tx.contract);
    const code = this.codes.get(key)?.container ?? this.deps.state.contractCode(tx.contract);
    if (code === undefined) {
      return { status: ReceiptStatus.noContract, statusName: 'no_contract', gasUsed: '0', output: '', events: [], ...where };
    }
    const written = this.slots.get(key)?.values;
    const storage = {
      get: (slot: bigint): bigint => written?.get(slot) ?? this.deps.state.slot(tx.contract, slot),
    };
    const ctx = {
      address: BigInt(`0x${key}`),
      caller: BigInt(tx.sender),
      height: BigInt(where.height),
      timestampMs: this.deps.block.timestampMs,
      calldata: tx.calldata,
      gasLimit: tx.gasLimit,
    };
    let result;
    try {
      result = this.deps.interpreter.execute(code, ctx, storage, this.deps.host);
    } catch {
      return { status: ReceiptStatus.executionFault, statusName: 'execution_fault', gasUsed: tx.gasLimit.toString(), output: '', events: [], ...where };
    }
    if (result.status === Status.Success && result.storageWrites.length > 0) {
      let entry = this.slots.get(key);
      if (!entry) {
        entry = { id: tx.contract.slice(), values: new Map() };
        this.slots.set(key, entry);
      }
      for (const [k, v] of result.storageWrites) entry.values.set(k, v);
    }
    return {
      status: result.status,
      statusName: statusName(result.status),
      gasUsed: result.gasUsed.toString(),
      output: toHex(result.output),
      events: result.events.map((e) => ({ topics: e.topics.map((t) => t.toString(16).padStart(64, '0')), data: toHex(e.data) })),
      ...where,
    };
  }
}

/** `base` with `writes` applied in order (0 clears a slot). */
export function overlaySlots(base: Map<bigint, bigint>, writes: readonly (readonly [bigint, bigint])[]): Map<bigint, bigint> {
  for (const [k, v] of writes) {
    if (v === 0n) base.delete(k);
    else base.set(k, v);
  }
  return base;
}

function sortedWrites(values: ReadonlyMap<bigint, bigint>): [bigint, bigint][] {
  return [...values].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
