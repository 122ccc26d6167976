// The typed wrappers of the settlement system contracts (contracts/system/netting-committed.casm and
// netting-plain.casm): calldata in, nets and transfers out, a revert turned into a
// NettingRejectedError. The period's bilateral statements live in the contract's storage, at the
// keys `pairKey` gives; `statementStorage` lays them out (what recording the statements writes).

import { formatVmError } from '../vm/asm/index.js';
import type { ExecutionResult, HostFunctions, StorageReader } from '../vm/execution.js';
import { WasmInterpreter } from '../vm/interpreter.js';
import { nodeHostFunctions } from '../vm/node-host.js';
import { Status } from '../vm/opcodes.js';
import { SystemContractFault, type SystemContract, type SystemContracts } from '../vm/system/index.js';
import type { AffinePoint } from './commitment/pedersen.js';
import { pairCount } from './commitment/committed-netting.js';
import { NettingInputError, NettingRejectedError, type SettlementErrorCode } from './errors.js';
import type { NetPosition, Transfer } from './netting-reference.js';

export const NETTING_COMMITTED_CONTRACT = 'netting-committed';
export const NETTING_PLAIN_CONTRACT = 'netting-plain';

/** Calldata of 64 + 64n bytes within 128 KiB. */
export const MAX_COMMITTED_OPERATORS = 2047;
export const MAX_PLAIN_OPERATORS = 4095;

/**
 * A system execution, not a ContractTx (whose gas limit is at most 10 M): netting 600 operators
 * reads ~360,000 storage words. Far above what the contracts need (~1,300 gas per pair).
 */
export const NETTING_GAS = 4_000_000_000n;

const WORD = 32;
const DONE_SLOT = 0xffff_ffffn;

/** Storage key of word `coordinate` (0, 1) of pair `p` in `period`'s namespace. */
export function pairKey(period: bigint, p: number, coordinate: 0 | 1): bigint {
  return (period << 32n) + BigInt(2 * p + coordinate);
}

/** Storage key at which a netted period records its operator count. */
export const nettedKey = (period: bigint): bigint => (period << 32n) | DONE_SLOT;

/**
 * Contract storage holding a period's statements (pair order) in memory: the statement words in a
 * dense array (a Map with bigint keys costs more per read than the contract's arithmetic), every
 * other key in `map`. Tests change entries with `set` and `delete`.
 */
export interface StatementStorage extends StorageReader {
  set(key: bigint, value: bigint): void;
  delete(key: bigint): void;
}

export function statementStorage(period: bigint, pairs: readonly (readonly [bigint, bigint])[]): StatementStorage {
  checkPeriod(period);
  const base = pairKey(period, 0, 0);
  const words: bigint[] = pairs.flatMap(([a, b]) => [a, b]);
  const end = base + BigInt(words.length);
  const map = new Map<bigint, bigint>();
  return {
    get: (key) => (key >= base && key < end ? words[Number(key - base)]! : (map.get(key) ?? 0n)),
    set: (key, value) => {
      if (key >= base && key < end) words[Number(key - base)] = value;
      else map.set(key, value);
    },
    delete: (key) => {
      if (key >= base && key < end) words[Number(key - base)] = 0n;
      else map.delete(key);
    },
  };
}

/** Storage for committed netting: each pair's commitment (x, y). */
export function commitmentStorage(period: bigint, pairs: readonly AffinePoint[]): StatementStorage {
  return statementStorage(period, pairs.map((c) => [c.x, c.y] as const));
}

function checkPeriod(period: bigint): void {
  if (period < 0n || period >= 1n << 200n) throw new NettingInputError(`period key ${period} outside 0..2^200`);
}

export interface NettingRun {
  readonly gasUsed: bigint;
  /** The storage writes of the run (the period's netted mark), to apply with the block. */
  readonly storageWrites: ExecutionResult['storageWrites'];
}

export interface CommittedNettingRun extends NettingRun {
  /** N_k in consortium order. */
  readonly nets: readonly AffinePoint[];
}

export interface PlainNettingRun extends NettingRun {
  readonly positions: readonly NetPosition[];
  readonly transfers: readonly Transfer[];
}

const REVERT_CODES: Readonly<Record<number, readonly [SettlementErrorCode, string]>> = {
  1: ['bad_netting_input', 'calldata does not describe a consortium'],
  2: ['bad_commitment', 'a bilateral commitment is not a point on Baby Jubjub'],
  3: ['transfer_mismatch', 'the transfer commitment does not equal the net commitment'],
  4: ['nets_not_zero', 'the net positions do not sum to zero'],
  5: ['already_netted', 'the period is already netted'],
  6: ['bad_commitment', 'a transfer commitment is not a point on Baby Jubjub'],
  7: ['bad_netting_input', 'a bilateral amount is 2^128 or more'],
};

abstract class NettingContract {
  constructor(
    readonly contract: SystemContract,
    private readonly vm: Pick<WasmInterpreter, 'executeCode'>,
    private readonly host: HostFunctions,
  ) {}

  protected run(calldata: Uint8Array, storage: StorageReader): ExecutionResult {
    const { contract } = this;
    const result = this.vm.executeCode(
      contract.code,
      { address: contract.address, caller: 0n, height: 0n, timestampMs: 0n, calldata, gasLimit: NETTING_GAS },
      storage,
      this.host,
    );
    if (result.status === Status.Reverted && result.output.length === 2 * WORD) {
      const code = Number(wordAt(result.output, 0));
      const operator = Number(wordAt(result.output, WORD));
      const known = REVERT_CODES[code];
      if (known !== undefined) {
        const who = code === 2 || code === 3 || code === 7 ? ` (operator ${operator})` : '';
        throw new NettingRejectedError(known[0], `${contract.name}: ${known[1]}${who}`, code === 2 || code === 3 || code === 7 ? operator : undefined);
      }
    }
    if (result.status !== Status.Success) {
      throw new SystemContractFault(contract.name, formatVmError(result.status, result.pc, contract.sourceMap, contract.source), result);
    }
    return result;
  }
}

/** Committed mode: nets from the stored commitments, checked against the operators' committed transfers. */
export class CommittedNettingContract extends NettingContract {
  static from(contracts: SystemContracts, vm: WasmInterpreter = WasmInterpreter.load(), host: HostFunctions = nodeHostFunctions()): CommittedNettingContract {
    return new CommittedNettingContract(contracts.get(NETTING_COMMITTED_CONTRACT), vm, host);
  }

  /** N_k for every operator, once every check holds; NettingRejectedError otherwise, with nothing written. */
  net(period: bigint, n: number, transfers: readonly AffinePoint[], storage: StorageReader): CommittedNettingRun {
    checkPeriod(period);
    if (!Number.isInteger(n) || n < 2 || n > MAX_COMMITTED_OPERATORS) throw new NettingInputError(`committed netting takes 2..${MAX_COMMITTED_OPERATORS} operators, got ${n}`);
    if (transfers.length !== n) throw new NettingInputError(`${n} operators need ${n} transfer commitments, got ${transfers.length}`);
    const words = [BigInt(n), period, ...transfers.flatMap((t) => [t.x, t.y])];
    const result = this.run(encodeWords(words), storage);
    if (result.output.length !== 64 * n) throw new SystemContractFault(this.contract.name, `returned ${result.output.length} bytes; expected ${64 * n}`, result);
    const nets = Array.from({ length: n }, (_, k) => ({ x: wordAt(result.output, 64 * k), y: wordAt(result.output, 64 * k + WORD) }));
    return { nets, gasUsed: result.gasUsed, storageWrites: result.storageWrites };
  }
}

/** Transparent mode: plain amounts, nets and at most n − 1 transfers, as netting-reference.ts. */
export class PlainNettingContract extends NettingContract {
  static from(contracts: SystemContracts, vm: WasmInterpreter = WasmInterpreter.load(), host: HostFunctions = nodeHostFunctions()): PlainNettingContract {
    return new PlainNettingContract(contracts.get(NETTING_PLAIN_CONTRACT), vm, host);
  }

  /**
   * `operators` in consortium order (u32 ids); the storage holds, per pair (i, j), i < j, what i
   * owes j at word 0 and what j owes i at word 1 (statementStorage).
   */
  net(period: bigint, operators: readonly number[], storage: StorageReader): PlainNettingRun {
    checkPeriod(period);
    const n = operators.length;
    if (n < 2 || n > MAX_PLAIN_OPERATORS) throw new NettingInputError(`plain netting takes 2..${MAX_PLAIN_OPERATORS} operators, got ${n}`);
    for (const op of operators) if (!Number.isInteger(op) || op < 0 || op > 0xffff_ffff) throw new NettingInputError(`operator ${op} is not a u32 id`);
    const result = this.run(encodeWords([BigInt(n), period, ...operators.map(BigInt)]), storage);
    const out = result.output;
    const count = out.length >= WORD * (n + 1) ? Number(wordAt(out, WORD * n)) : -1;
    if (count < 0 || count > n - 1 || out.length !== WORD * (n + 1 + count)) {
      throw new SystemContractFault(this.contract.name, `returned ${out.length} bytes; not n nets, a count and that many transfers`, result);
    }
    const positions = operators.map((operator, k) => ({ operator, net: BigInt.asIntN(256, wordAt(out, WORD * k)) }));
    const transfers = Array.from({ length: count }, (_, t) => {
      const w = wordAt(out, WORD * (n + 1 + t));
      return { from: Number(w >> 224n), to: Number((w >> 192n) & 0xffff_ffffn), amount: w & ((1n << 192n) - 1n) };
    });
    return { positions, transfers, gasUsed: result.gasUsed, storageWrites: result.storageWrites };
  }
}

/** The plain-mode storage words for a consortium: per pair i < j, (i owes j, j owes i). */
export function plainPairWords(operators: readonly number[], owes: (debtor: number, creditor: number) => bigint): (readonly [bigint, bigint])[] {
  const words: (readonly [bigint, bigint])[] = [];
  for (let i = 0; i < operators.length; i++) {
    for (let j = i + 1; j < operators.length; j++) words.push([owes(operators[i]!, operators[j]!), owes(operators[j]!, operators[i]!)]);
  }
  if (words.length !== pairCount(operators.length)) throw new Error('unreachable');
  return words;
}

function encodeWords(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * WORD);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => {
    for (let k = 0; k < 4; k++) view.setBigUint64(i * WORD + 8 * k, BigInt.asUintN(64, w >> BigInt(192 - 64 * k)));
  });
  return out;
}

function wordAt(bytes: Uint8Array, at: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, WORD);
  return (view.getBigUint64(0) << 192n) | (view.getBigUint64(8) << 128n) | (view.getBigUint64(16) << 64n) | view.getBigUint64(24);
}
