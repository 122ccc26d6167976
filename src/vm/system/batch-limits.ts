// The typed wrapper of contracts/system/batch-limits.casm: a batch header's limits, checked by the VM.

import type { BatchHeaderFields } from '../../codec/batch.js';
import { formatVmError } from '../asm/index.js';
import type { ExecutionResult } from '../execution.js';
import { EMPTY_STORAGE, NO_HOST_FUNCTIONS, WasmInterpreter } from '../interpreter.js';
import { Status } from '../opcodes.js';
import type { SystemContract, SystemContracts } from './contracts.js';

/** Far above what the contract needs (a few hundred), so a change to it cannot run out by accident. */
export const BATCH_LIMITS_GAS = 20_000n;

/** The rule numbers the contract returns; 0 is "every rule holds". */
export enum BatchLimitRule {
  Ok = 0,
  NoRecords = 1,
  TooManyRecords = 2,
  SequenceZero = 3,
  SameOperator = 4,
  PeriodBefore2000 = 5,
  PeriodEndsBeforeStart = 6,
  PeriodTooLong = 7,
  PeriodInFuture = 8,
}

const LAST_RULE = BatchLimitRule.PeriodInFuture;

/** The header fields the contract reads. */
export type BatchLimitFields = Pick<BatchHeaderFields, 'submitter' | 'counterparty' | 'periodStart' | 'periodEnd' | 'sequence' | 'recordCount'>;

export interface BatchLimitParams {
  readonly maxBatchRecords: number;
  readonly maxPeriodSeconds: number;
  readonly maxFutureSeconds: number;
}

export interface BatchLimitVerdict {
  readonly rule: BatchLimitRule;
  readonly gasUsed: bigint;
}

/** The contract halted other than by returning one known rule: a node fault, never the client's. */
export class SystemContractFault extends Error {
  override readonly name = 'SystemContractFault';
  constructor(
    readonly contract: string,
    message: string,
    readonly result?: ExecutionResult,
  ) {
    super(`system contract ${contract}: ${message}`);
  }
}

/** A value the contract cannot take as a word: a negative or fractional limit is a configuration fault. */
export class BatchLimitInputError extends RangeError {
  override readonly name = 'BatchLimitInputError';
}

export const BATCH_LIMITS_CONTRACT = 'batch-limits';
const WORDS = 9;
const WORD_BYTES = 32;
const MAX_WORD = (1n << 256n) - 1n;

export class BatchLimitsContract {
  constructor(
    readonly contract: SystemContract,
    private readonly vm: Pick<WasmInterpreter, 'executeCode'> = WasmInterpreter.load(),
  ) {}

  static from(contracts: SystemContracts, vm?: WasmInterpreter): BatchLimitsContract {
    return new BatchLimitsContract(contracts.get(BATCH_LIMITS_CONTRACT), vm);
  }

  /** The first rule `fields` break under `limits` at `nowSec` (seconds since 1970), or Ok. */
  check(fields: BatchLimitFields, limits: BatchLimitParams, nowSec: bigint): BatchLimitVerdict {
    const calldata = encodeBatchLimitsCalldata(fields, limits, nowSec);
    const { contract } = this;
    const result = this.vm.executeCode(
      contract.code,
      { address: contract.address, caller: 0n, height: 0n, timestampMs: 0n, calldata, gasLimit: BATCH_LIMITS_GAS },
      EMPTY_STORAGE,
      NO_HOST_FUNCTIONS,
    );
    if (result.status !== Status.Success) {
      throw new SystemContractFault(contract.name, formatVmError(result.status, result.pc, contract.sourceMap, contract.source), result);
    }
    if (result.output.length !== WORD_BYTES) {
      throw new SystemContractFault(contract.name, `returned ${result.output.length} bytes; expected one word`, result);
    }
    const rule = wordAt(result.output, 0);
    if (rule > BigInt(LAST_RULE)) throw new SystemContractFault(contract.name, `returned unknown rule ${rule}`, result);
    return { rule: Number(rule) as BatchLimitRule, gasUsed: result.gasUsed };
  }
}

/** The calldata layout documented at the top of batch-limits.casm. */
export function encodeBatchLimitsCalldata(f: BatchLimitFields, l: BatchLimitParams, nowSec: bigint): Uint8Array {
  const words = [
    f.submitter, f.counterparty, f.periodStart, f.periodEnd, f.sequence, f.recordCount,
    l.maxBatchRecords, l.maxPeriodSeconds, nowSec + asWord('maxFutureSeconds', l.maxFutureSeconds),
  ];
  const out = new Uint8Array(WORDS * WORD_BYTES);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => {
    let x = asWord(`word ${i}`, w);
    // Big-endian: fill the four 8-byte limbs from the end.
    for (let at = (i + 1) * WORD_BYTES - 8; at >= i * WORD_BYTES; at -= 8) {
      view.setBigUint64(at, x & 0xffff_ffff_ffff_ffffn);
      x >>= 64n;
    }
  });
  return out;
}

function asWord(what: string, v: number | bigint): bigint {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new BatchLimitInputError(`${what} is ${v}; expected an integer`);
  const x = BigInt(v);
  if (x < 0n || x > MAX_WORD) throw new BatchLimitInputError(`${what} is ${x}; outside 0..2^256-1`);
  return x;
}

function wordAt(bytes: Uint8Array, at: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, WORD_BYTES);
  let x = 0n;
  for (let i = 0; i < WORD_BYTES; i += 8) x = (x << 64n) | view.getBigUint64(i);
  return x;
}
