// The WebAssembly interpreter (assembly/vm/, built to build/vm.wasm) behind the `Interpreter`
// interface. Code, calldata and context are copied into the module's linear memory; the dispatch
// loop runs entirely in WASM and crosses back here only for storage, events and host functions
// (the `host` imports below). The storage journal and the event list live on this side, per call.

import { InvalidCodeError, type ExecutionContext, type ExecutionResult, type HostFunctions, type Interpreter, type StorageReader, type VmEvent } from './execution.js';
import { unwrapCode } from './container.js';
import { LIMITS, Status } from './opcodes.js';
import { isWasmMemory, loadWasm, type WasmMemory } from '../wasm/load.js';

export { InvalidCodeError };

/** An execution input outside what the VM accepts (gas limit not a u64, calldata over 128 KiB). */
export class ExecutionInputError extends RangeError {
  override readonly name = 'ExecutionInputError';
}

/** build/vm.wasm's exports (assembly/vm/index.ts). */
interface VmExports {
  readonly memory: WasmMemory;
  run(codeLength: number, calldataLength: number, gasLimit: bigint): number;
  codePtr(): number;
  calldataPtr(): number;
  contextPtr(): number;
  memoryPtr(): number;
  lastPc(): number;
  lastSteps(): bigint;
  lastGasLeft(): bigint;
  outputOffset(): number;
  outputLength(): number;
  opcodeEntry(code: number): bigint;
}

const EXPORTED_FUNCTIONS = [
  'run', 'codePtr', 'calldataPtr', 'contextPtr', 'memoryPtr', 'lastPc', 'lastSteps', 'lastGasLeft',
  'outputOffset', 'outputLength', 'opcodeEntry',
] as const;

function asVmExports(exports: Readonly<Record<string, unknown>>): VmExports {
  if (!isWasmMemory(exports['memory'])) throw new Error('vm.wasm exports no memory');
  for (const name of EXPORTED_FUNCTIONS) {
    if (typeof exports[name] !== 'function') throw new Error(`vm.wasm does not export ${name}`);
  }
  return exports as unknown as VmExports;
}

const U64_MAX = (1n << 64n) - 1n;
const WORD_MASK = (1n << 256n) - 1n;
const WORD_BYTES = 32;

/** The per-execution state the host imports read and write. */
interface Session {
  readonly storage: StorageReader;
  readonly host: HostFunctions;
  /** Writes so far, by key: the last one wins. */
  readonly journal: Map<bigint, bigint>;
  readonly events: VmEvent[];
}

/** How one opcode is defined inside the WASM module, for checking against src/vm/opcodes.ts. */
export interface WasmOpcodeEntry {
  readonly gas: number;
  readonly pops: number;
  readonly pushes: number;
  readonly immediate: number;
}

/** execute() was called from inside a host function of the same instance. */
export class ReentrantExecutionError extends Error {
  override readonly name = 'ReentrantExecutionError';
}

/** Committed storage with nothing in it. */
export const EMPTY_STORAGE: StorageReader = { get: () => 0n };

/** Thrown by NO_HOST_FUNCTIONS: the code called a host function where none is available. */
export class HostUnavailableError extends Error {
  override readonly name = 'HostUnavailableError';
}

const unavailable = (name: string): never => {
  throw new HostUnavailableError(`host function ${name} is not available here`);
};

/** Host functions that throw when called: for benchmarks and tests of pure computation. */
export const NO_HOST_FUNCTIONS: HostFunctions = {
  poseidon: () => unavailable('POSEIDON'),
  sha256: () => unavailable('SHA256'),
  ed25519Verify: () => unavailable('ED25519_VERIFY'),
  blsVerify: () => unavailable('BLS_VERIFY'),
  groth16Verify: () => unavailable('GROTH16_VERIFY'),
  bjjSum: () => unavailable('BJJ_SUM'),
};

let perThread: WasmInterpreter | undefined;

/**
 * Executes bytecode in WebAssembly. One instance per thread (WasmInterpreter.load()); not
 * reentrant: a host function must not call execute() on the same instance.
 */
export class WasmInterpreter implements Interpreter {
  private readonly wasm: VmExports;
  private readonly codeAt: number;
  private readonly calldataAt: number;
  private readonly contextAt: number;
  private readonly memoryAt: number;
  private session: Session | undefined;
  private view: DataView | undefined;

  private constructor(load: (imports: Record<string, Record<string, unknown>>) => Readonly<Record<string, unknown>>) {
    this.wasm = asVmExports(load({ host: this.imports() }));
    this.codeAt = this.wasm.codePtr();
    this.calldataAt = this.wasm.calldataPtr();
    this.contextAt = this.wasm.contextPtr();
    this.memoryAt = this.wasm.memoryPtr();
  }

  /** The calling thread's instance, created synchronously on first use. */
  static load(): WasmInterpreter {
    perThread ??= WasmInterpreter.create();
    return perThread;
  }

  /** A fresh instance with its own memory (tests, or several interpreters on one thread). */
  static create(): WasmInterpreter {
    return new WasmInterpreter((imports) => loadWasm('vm', imports).exports);
  }

  execute(code: Uint8Array, ctx: ExecutionContext, storage: StorageReader, host: HostFunctions): ExecutionResult {
    return this.executeCode(unwrapCode(code), ctx, storage, host);
  }

  /** As execute, for code already taken out of its container (checked by unwrapCode or trusted). */
  executeCode(code: Uint8Array, ctx: ExecutionContext, storage: StorageReader, host: HostFunctions): ExecutionResult {
    if (code.length < 1 || code.length > LIMITS.maxCodeBytes) throw new InvalidCodeError(`code length ${code.length} outside 1..${LIMITS.maxCodeBytes}`);
    if (ctx.calldata.length > LIMITS.maxCalldataBytes) {
      throw new ExecutionInputError(`calldata is ${ctx.calldata.length} bytes; at most ${LIMITS.maxCalldataBytes}`);
    }
    if (ctx.gasLimit < 0n || ctx.gasLimit > U64_MAX) throw new ExecutionInputError(`gas limit ${ctx.gasLimit} is not a u64`);
    if (this.session !== undefined) throw new ReentrantExecutionError('WasmInterpreter.execute is not reentrant');

    const bytes = this.bytes();
    bytes.set(code, this.codeAt);
    bytes.set(ctx.calldata, this.calldataAt);
    const view = this.dataView();
    writeWord(view, this.contextAt, ctx.address);
    writeWord(view, this.contextAt + WORD_BYTES, ctx.caller);
    writeWord(view, this.contextAt + 2 * WORD_BYTES, ctx.height);
    writeWord(view, this.contextAt + 3 * WORD_BYTES, ctx.timestampMs);

    const session: Session = { storage, host, journal: new Map(), events: [] };
    this.session = session;
    let status: Status;
    try {
      status = this.wasm.run(code.length, ctx.calldata.length, BigInt.asIntN(64, ctx.gasLimit)) as Status;
    } finally {
      this.session = undefined;
    }

    const pc = this.wasm.lastPc();
    const steps = Number(BigInt.asUintN(64, this.wasm.lastSteps()));
    const halted = status === Status.Success || status === Status.Reverted;
    const gasUsed = halted ? ctx.gasLimit - BigInt.asUintN(64, this.wasm.lastGasLeft()) : ctx.gasLimit;
    let output = new Uint8Array(0);
    if (halted) {
      const at = this.memoryAt + this.wasm.outputOffset();
      output = this.bytes().slice(at, at + this.wasm.outputLength());
    }
    const success = status === Status.Success;
    const storageWrites = success
      ? [...session.journal].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      : [];
    return { status, gasUsed, output, storageWrites, events: success ? session.events : [], pc, steps };
  }

  /** The WASM module's view of one opcode, or undefined where it has none. */
  opcodeEntry(code: number): WasmOpcodeEntry | undefined {
    const entry = this.wasm.opcodeEntry(code);
    if (entry === 0n) return undefined;
    return {
      gas: Number((entry >> 8n) & 0xffff_ffffn),
      pops: Number((entry >> 40n) & 0xffn),
      pushes: Number((entry >> 48n) & 0xffn),
      immediate: Number((entry >> 56n) & 0xffn),
    };
  }

  private current(): Session {
    if (this.session === undefined) throw new Error('vm.wasm called the host outside execute()');
    return this.session;
  }

  /** The `host` import module (assembly/vm/host.ts). */
  private imports(): Record<string, unknown> {
    const read = (ptr: number): bigint => readWord(this.dataView(), ptr);
    const bytesAt = (ptr: number, len: number): Uint8Array => this.bytes().slice(ptr, ptr + len);
    const valueOf = (s: Session, key: bigint): bigint => s.journal.get(key) ?? BigInt.asUintN(256, s.storage.get(key));
    return {
      sload: (key: number, out: number): void => {
        writeWord(this.dataView(), out, valueOf(this.current(), read(key)));
      },
      sstore: (keyPtr: number, valuePtr: number): number => {
        const s = this.current();
        const key = read(keyPtr);
        const before = valueOf(s, key);
        s.journal.set(key, read(valuePtr));
        return before === 0n ? 1 : 0;
      },
      log: (data: number, len: number, topics: number, count: number): void => {
        const s = this.current();
        const words: bigint[] = [];
        for (let i = 0; i < count; i++) words.push(read(topics - i * WORD_BYTES));
        s.events.push({ topics: words, data: bytesAt(data, len) });
      },
      poseidon: (inputs: number, count: number, out: number): void => {
        const s = this.current();
        const words: bigint[] = [];
        for (let i = 0; i < count; i++) words.push(read(inputs - i * WORD_BYTES));
        writeWord(this.dataView(), out, s.host.poseidon(words));
      },
      sha256: (data: number, len: number, out: number): void => {
        const digest = this.current().host.sha256(bytesAt(data, len));
        writeWord(this.dataView(), out, bigEndianToBigInt(digest));
      },
      ed25519Verify: (message: number, len: number, sig: number, key: number): number =>
        this.current().host.ed25519Verify(bytesAt(message, len), bytesAt(sig, 64), bytesAt(key, 32)) ? 1 : 0,
      blsVerify: (message: number, len: number, sig: number, key: number): number =>
        this.current().host.blsVerify(bytesAt(message, len), bytesAt(sig, 96), bytesAt(key, 48)) ? 1 : 0,
      groth16Verify: (keyId: number, proof: number, inputs: number, count: number): number => {
        const s = this.current();
        const publicInputs: bigint[] = [];
        for (let i = 0; i < count; i++) publicInputs.push(bigEndianToBigInt(bytesAt(inputs + i * WORD_BYTES, WORD_BYTES)));
        return s.host.groth16Verify(read(keyId), bytesAt(proof, 256), publicInputs) ? 1 : 0;
      },
      bjjSum: (out: number, points: number, added: number, subtracted: number): number => {
        const sum = this.current().host.bjjSum(this.bytes().subarray(points, points + 64 * (added + subtracted)), added, subtracted);
        if (sum === undefined) return 0;
        this.bytes().set(sum, out);
        return 1;
      },
    };
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.wasm.memory.buffer);
  }

  /** A DataView of all WASM memory, re-created if memory was replaced by growth. */
  private dataView(): DataView {
    const buffer = this.wasm.memory.buffer;
    if (this.view?.buffer !== buffer) this.view = new DataView(buffer);
    return this.view;
  }
}

/** A word as four little-endian u64 limbs, least significant first (assembly/vm/layout.ts). */
function readWord(view: DataView, ptr: number): bigint {
  return (
    view.getBigUint64(ptr, true) |
    (view.getBigUint64(ptr + 8, true) << 64n) |
    (view.getBigUint64(ptr + 16, true) << 128n) |
    (view.getBigUint64(ptr + 24, true) << 192n)
  );
}

function writeWord(view: DataView, ptr: number, value: bigint): void {
  const x = value & WORD_MASK;
  view.setBigUint64(ptr, BigInt.asUintN(64, x), true);
  view.setBigUint64(ptr + 8, BigInt.asUintN(64, x >> 64n), true);
  view.setBigUint64(ptr + 16, BigInt.asUintN(64, x >> 128n), true);
  view.setBigUint64(ptr + 24, BigInt.asUintN(64, x >> 192n), true);
}

/** Big-endian bytes as an integer, reduced mod 2^256. */
function bigEndianToBigInt(bytes: Uint8Array): bigint {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x & WORD_MASK;
}
