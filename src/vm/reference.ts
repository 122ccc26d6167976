/**
 * The reference interpreter: docs/vm.md as executable TypeScript, written to be read rather than
 * to be fast (BigInt words, one `switch`). The WASM interpreter (src/vm/interpreter.ts) is held to
 * identical results by src/vm/conformance.test.ts and src/vm/differential.test.ts.
 *
 * Per instruction, in this order (the EVM's order where the spec is silent):
 *   1. count the step; past the end of the code is STOP;
 *   2. an undefined byte, INVALID or an unknown HOST id → invalid_opcode;
 *   3. stack underflow, then overflow (fixed pops/pushes from the table);
 *   4. base gas → out_of_gas;
 *   5. the instruction: checks on its stack arguments (POSEIDON's count and the words it needs,
 *      CALL's depth and then its target), then memory ranges against the 4 MiB limit
 *      (memory_limit), then the output and event limits, all before any dynamic gas; then
 *      per-word/per-byte gas plus memory growth as one sum; then the effect. POSEIDON's inputs are
 *      content, checked (field_range) only after their 250 per input is charged, as a precompile
 *      validates its input after being paid.
 * The halting pc of the implicit STOP is wherever pc stands (the code length, or beyond it after a
 * truncated PUSH); that STOP counts as a step.
 * Every fault charges all gas and discards storage writes, events and output.
 */
import { unwrapCode, jumpDestinations, isJumpDestination } from './container.js';
import type { ExecutionContext, ExecutionResult, HostFunctions, Interpreter, StorageReader, VmEvent } from './execution.js';
import { FIELD_ORDER, GAS, HOST_FUNCTIONS, HOST_GAS, LIMITS, memoryCost, OPCODES, Status, WORD_MASK } from './opcodes.js';

const SIGN_BIT = 1n << 255n;
const TWO_256 = 1n << 256n;
const MAX_MEMORY = BigInt(LIMITS.maxMemoryBytes);
const U64_MAX = (1n << 64n) - 1n;

/** A fault unwinds the run; `execute` turns it into a result. */
class Fault {
  constructor(readonly status: Status) {}
}

const toSigned = (x: bigint): bigint => (x & SIGN_BIT ? x - TWO_256 : x);
const toWord = (x: bigint): bigint => ((x % TWO_256) + TWO_256) % TWO_256;
const words = (bytes: bigint): bigint => (bytes + 31n) / 32n;
const bool = (b: boolean): bigint => (b ? 1n : 0n);

function byteLength(x: bigint): bigint {
  let n = 0n;
  while (x > 0n) {
    x >>= 8n;
    n++;
  }
  return n;
}

export function wordToBytes(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function bytesToWord(b: Uint8Array): bigint {
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  return x;
}

/** A byte range [offset, offset + length) of memory, as popped from the stack. */
type Range = readonly [offset: bigint, length: bigint];

class Run {
  private pc = 0;
  private steps = 0;
  private gasUsed = 0n;
  private readonly stack: bigint[] = [];
  private readonly returnStack: number[] = [];
  private memory = new Uint8Array(0);
  /** Journaled storage writes; applied by the caller only on success. */
  private readonly journal = new Map<bigint, bigint>();
  private readonly events: VmEvent[] = [];
  private readonly jumpdests: Uint8Array;

  constructor(
    private readonly code: Uint8Array,
    private readonly ctx: ExecutionContext,
    private readonly storage: StorageReader,
    private readonly host: HostFunctions,
  ) {
    this.jumpdests = jumpDestinations(code);
  }

  run(): ExecutionResult {
    try {
      for (;;) {
        const halt = this.step();
        if (halt) return halt;
      }
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      return this.result(e.status, this.ctx.gasLimit, new Uint8Array(0));
    }
  }

  private result(status: Status, gasUsed: bigint, output: Uint8Array): ExecutionResult {
    const ok = status === Status.Success;
    const writes = ok ? [...this.journal].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
    return { status, gasUsed, output, storageWrites: writes, events: ok ? this.events : [], pc: this.pc, steps: this.steps };
  }

  // --- gas, stack, memory -------------------------------------------------------------------

  private charge(cost: bigint): void {
    if (this.gasUsed + cost > this.ctx.gasLimit) throw new Fault(Status.OutOfGas);
    this.gasUsed += cost;
  }

  private pop(): bigint {
    const v = this.stack.pop();
    if (v === undefined) throw new Fault(Status.StackUnderflow);
    return v;
  }

  private push(v: bigint): void {
    if (this.stack.length >= LIMITS.maxStack) throw new Fault(Status.StackOverflow);
    this.stack.push(v & WORD_MASK);
  }

  /**
   * Checks every range against the memory limit (before any gas), then charges `dynamic` plus the
   * growth needed to cover them all, then grows memory.
   */
  private touch(dynamic: bigint, ...ranges: Range[]): void {
    let end = BigInt(this.memory.length);
    for (const [offset, length] of ranges) {
      if (length === 0n) continue;
      if (offset + length > MAX_MEMORY) throw new Fault(Status.MemoryLimit);
      if (offset + length > end) end = offset + length;
    }
    const oldWords = BigInt(this.memory.length) / 32n;
    const newWords = words(end);
    this.charge(dynamic + memoryCost(newWords) - memoryCost(oldWords));
    if (newWords > oldWords) {
      const grown = new Uint8Array(Number(newWords) * 32);
      grown.set(this.memory);
      this.memory = grown;
    }
  }

  /** Memory bytes of a range already `touch`ed (a copy). */
  private read([offset, length]: Range): Uint8Array {
    if (length === 0n) return new Uint8Array(0);
    return this.memory.slice(Number(offset), Number(offset + length));
  }

  private currentValue(key: bigint): bigint {
    return this.journal.get(key) ?? this.storage.get(key);
  }

  // --- one instruction ------------------------------------------------------------------------

  /** Runs the instruction at pc; returns the result when it halts. */
  private step(): ExecutionResult | undefined {
    this.steps++;
    if (this.pc >= this.code.length) return this.result(Status.Success, this.gasUsed, new Uint8Array(0));
    const opcode = this.code[this.pc]!;
    const info = OPCODES[opcode];
    if (info === undefined || info.name === 'INVALID') throw new Fault(Status.InvalidOpcode);

    // Immediate bytes past the end of the code read as zero.
    const imm = (i: number): number => this.code[this.pc + 1 + i] ?? 0;
    let pops = info.pops;
    let pushes = info.pushes;
    let base = BigInt(info.gas);
    let hostId = 0;
    if (info.name === 'HOST') {
      hostId = imm(0);
      const fn = HOST_FUNCTIONS.find((h) => h.id === hostId);
      if (fn === undefined) throw new Fault(Status.InvalidOpcode);
      pops = fn.pops;
      pushes = fn.pushes;
      base = BigInt(fn.gas);
    }
    if (this.stack.length < pops) throw new Fault(Status.StackUnderflow);
    if (this.stack.length - pops + pushes > LIMITS.maxStack) throw new Fault(Status.StackOverflow);
    this.charge(base);

    const here = this.pc;
    let next = this.pc + 1 + info.immediate;
    const s = this.stack;
    const binary = (f: (a: bigint, b: bigint) => bigint): void => {
      const a = this.pop();
      const b = this.pop();
      this.push(f(a, b));
    };
    const field = (f: (a: bigint, b: bigint) => bigint): void =>
      binary((a, b) => {
        if (a >= FIELD_ORDER || b >= FIELD_ORDER) throw new Fault(Status.FieldRange);
        return f(a, b);
      });
    const jumpTo = (target: bigint): number => {
      if (!isJumpDestination(this.jumpdests, target)) throw new Fault(Status.InvalidJump);
      return Number(target);
    };

    switch (info.name) {
      case 'STOP':
        return this.result(Status.Success, this.gasUsed, new Uint8Array(0));
      case 'ADD': binary((a, b) => a + b); break;
      case 'MUL': binary((a, b) => a * b); break;
      case 'SUB': binary((a, b) => a - b); break;
      case 'DIV': binary((a, b) => (b === 0n ? 0n : a / b)); break;
      // BigInt division truncates toward zero and % takes the dividend's sign, as the spec asks;
      // −2^255 / −1 = 2^255 wraps back to −2^255 in push().
      case 'SDIV': binary((a, b) => (b === 0n ? 0n : toWord(toSigned(a) / toSigned(b)))); break;
      case 'MOD': binary((a, b) => (b === 0n ? 0n : a % b)); break;
      case 'SMOD': binary((a, b) => (b === 0n ? 0n : toWord(toSigned(a) % toSigned(b)))); break;
      case 'ADDMOD':
      case 'MULMOD': {
        const a = this.pop();
        const b = this.pop();
        const c = this.pop();
        this.push(c === 0n ? 0n : (info.name === 'ADDMOD' ? a + b : a * b) % c);
        break;
      }
      case 'EXP': {
        const a = this.pop();
        const b = this.pop();
        this.charge(BigInt(GAS.expByte) * byteLength(b));
        let result = 1n;
        let base2 = a;
        for (let e = b; e > 0n; e >>= 1n) {
          if (e & 1n) result = (result * base2) & WORD_MASK;
          base2 = (base2 * base2) & WORD_MASK;
        }
        this.push(result);
        break;
      }
      case 'SIGNEXTEND':
        binary((a, b) => {
          if (a >= 31n) return b;
          const bit = 8n * a + 7n;
          const low = (1n << bit) - 1n;
          return b & (1n << bit) ? b | (WORD_MASK ^ low) : b & low;
        });
        break;
      case 'LT': binary((a, b) => bool(a < b)); break;
      case 'GT': binary((a, b) => bool(a > b)); break;
      case 'SLT': binary((a, b) => bool(toSigned(a) < toSigned(b))); break;
      case 'SGT': binary((a, b) => bool(toSigned(a) > toSigned(b))); break;
      case 'EQ': binary((a, b) => bool(a === b)); break;
      case 'ISZERO': this.push(bool(this.pop() === 0n)); break;
      case 'AND': binary((a, b) => a & b); break;
      case 'OR': binary((a, b) => a | b); break;
      case 'XOR': binary((a, b) => a ^ b); break;
      case 'NOT': this.push(this.pop() ^ WORD_MASK); break;
      case 'BYTE': binary((a, b) => (a >= 32n ? 0n : (b >> (8n * (31n - a))) & 0xffn)); break;
      case 'SHL': binary((a, b) => (a >= 256n ? 0n : b << a)); break;
      case 'SHR': binary((a, b) => (a >= 256n ? 0n : b >> a)); break;
      case 'SAR': binary((a, b) => (a >= 256n ? (b & SIGN_BIT ? WORD_MASK : 0n) : toWord(toSigned(b) >> a))); break;
      case 'FADD': field((a, b) => (a + b) % FIELD_ORDER); break;
      case 'FSUB': field((a, b) => (a - b + FIELD_ORDER) % FIELD_ORDER); break;
      case 'FMUL': field((a, b) => (a * b) % FIELD_ORDER); break;
      case 'ADDRESS': this.push(this.ctx.address); break;
      case 'CALLER': this.push(this.ctx.caller); break;
      case 'CALLDATALOAD': {
        const a = this.pop();
        let x = 0n;
        for (let i = 0n; i < 32n; i++) x = (x << 8n) | BigInt(a + i < BigInt(this.ctx.calldata.length) ? this.ctx.calldata[Number(a + i)]! : 0);
        this.push(x);
        break;
      }
      case 'CALLDATASIZE': this.push(BigInt(this.ctx.calldata.length)); break;
      case 'CALLDATACOPY': {
        const a = this.pop();
        const b = this.pop();
        const c = this.pop();
        this.touch(BigInt(GAS.copyWord) * words(c), [a, c]);
        if (c > 0n) {
          // After touch() a + c ≤ 4 MiB; b may be any word, and bytes past the end read as zero.
          const data = this.ctx.calldata;
          const from = b < BigInt(data.length) ? Number(b) : data.length;
          const chunk = data.subarray(from, Math.min(from + Number(c), data.length));
          this.memory.fill(0, Number(a), Number(a + c));
          this.memory.set(chunk, Number(a));
        }
        break;
      }
      case 'HEIGHT': this.push(this.ctx.height); break;
      case 'TIMESTAMP': this.push(this.ctx.timestampMs); break;
      case 'GAS': this.push(this.ctx.gasLimit - this.gasUsed); break;
      case 'PC': this.push(BigInt(here)); break;
      case 'POP': this.pop(); break;
      case 'MLOAD': {
        const a = this.pop();
        this.touch(0n, [a, 32n]);
        this.push(bytesToWord(this.read([a, 32n])));
        break;
      }
      case 'MSTORE': {
        const a = this.pop();
        const b = this.pop();
        this.touch(0n, [a, 32n]);
        this.memory.set(wordToBytes(b), Number(a));
        break;
      }
      case 'MSTORE8': {
        const a = this.pop();
        const b = this.pop();
        this.touch(0n, [a, 1n]);
        this.memory[Number(a)] = Number(b & 0xffn);
        break;
      }
      case 'MSIZE': this.push(BigInt(this.memory.length)); break;
      case 'MCOPY': {
        const a = this.pop();
        const b = this.pop();
        const c = this.pop();
        this.touch(BigInt(GAS.copyWord) * words(c), [a, c], [b, c]);
        if (c > 0n) this.memory.set(this.read([b, c]), Number(a)); // read() copies first: overlap-safe
        break;
      }
      case 'SLOAD': this.push(this.currentValue(this.pop())); break;
      case 'SSTORE': {
        const a = this.pop();
        const b = this.pop();
        this.charge(BigInt(this.currentValue(a) === 0n && b !== 0n ? GAS.sstoreSet : GAS.sstoreReset));
        this.journal.set(a, b);
        break;
      }
      case 'JUMP': next = jumpTo(this.pop()); break;
      case 'JUMPI': {
        const a = this.pop();
        const b = this.pop();
        if (b !== 0n) next = jumpTo(a);
        break;
      }
      case 'JUMPDEST': break;
      case 'CALL': {
        const a = this.pop();
        if (this.returnStack.length >= LIMITS.maxReturnStack) throw new Fault(Status.CallDepth);
        next = jumpTo(a);
        this.returnStack.push(here + 1);
        break;
      }
      case 'RET': {
        const back = this.returnStack.pop();
        if (back === undefined) throw new Fault(Status.StackUnderflow);
        next = back;
        break;
      }
      case 'LOG0':
      case 'LOG1':
      case 'LOG2':
      case 'LOG3':
      case 'LOG4': {
        const a = this.pop();
        const b = this.pop();
        const topics: bigint[] = [];
        for (let i = 0; i < opcode - 0x58; i++) topics.push(this.pop());
        if (b > 0n && a + b > MAX_MEMORY) throw new Fault(Status.MemoryLimit);
        if (this.events.length >= LIMITS.maxEvents || b > BigInt(LIMITS.maxEventDataBytes)) throw new Fault(Status.EventLimit);
        this.touch(BigInt(GAS.logByte) * b, [a, b]);
        this.events.push({ topics, data: this.read([a, b]) });
        break;
      }
      case 'HOST':
        this.hostCall(hostId);
        break;
      case 'RETURN':
      case 'REVERT': {
        const a = this.pop();
        const b = this.pop();
        if (b > 0n && a + b > MAX_MEMORY) throw new Fault(Status.MemoryLimit);
        if (b > BigInt(LIMITS.maxOutputBytes)) throw new Fault(Status.MemoryLimit);
        this.touch(0n, [a, b]);
        return this.result(info.name === 'RETURN' ? Status.Success : Status.Reverted, this.gasUsed, this.read([a, b]));
      }
      default:
        if (info.name.startsWith('PUSH')) {
          let x = 0n;
          for (let i = 0; i < info.immediate; i++) x = (x << 8n) | BigInt(imm(i));
          this.push(x);
        } else if (info.name.startsWith('DUP')) {
          this.push(s[s.length - (opcode - 0x7f)]!);
        } else if (info.name.startsWith('SWAP')) {
          const top = s.length - 1;
          const other = top - (opcode - 0x8f);
          [s[top], s[other]] = [s[other]!, s[top]!];
        } else {
          throw new Error(`reference interpreter has no case for ${info.name}`);
        }
    }
    this.pc = next;
    return undefined;
  }

  private hostCall(id: number): void {
    switch (id) {
      case 0x01: {
        // POSEIDON: n, then inputs[0] (just below n) … inputs[n−1].
        const n = this.pop();
        if (n < 1n || n > 6n) throw new Fault(Status.FieldRange);
        if (this.stack.length < Number(n)) throw new Fault(Status.StackUnderflow);
        this.charge(BigInt(HOST_GAS.poseidonInput) * n);
        const inputs: bigint[] = [];
        for (let i = 0n; i < n; i++) inputs.push(this.pop());
        if (inputs.some((x) => x >= FIELD_ORDER)) throw new Fault(Status.FieldRange);
        this.push(this.host.poseidon(inputs));
        break;
      }
      case 0x02: {
        const a = this.pop();
        const b = this.pop();
        this.touch(BigInt(HOST_GAS.sha256Word) * words(b), [a, b]);
        this.push(bytesToWord(this.host.sha256(this.read([a, b]))));
        break;
      }
      case 0x03:
      case 0x04: {
        const [sigBytes, keyBytes] = id === 0x03 ? [64n, 32n] : [96n, 48n];
        const a = this.pop();
        const b = this.pop();
        const c = this.pop();
        const d = this.pop();
        const ranges: Range[] = [[a, b], [c, sigBytes], [d, keyBytes]];
        this.touch(0n, ...ranges);
        const [msg, sig, key] = ranges.map((r) => this.read(r)) as [Uint8Array, Uint8Array, Uint8Array];
        const ok = id === 0x03 ? this.host.ed25519Verify(msg, sig, key) : this.host.blsVerify(msg, sig, key);
        this.push(bool(ok));
        break;
      }
      case 0x05: {
        const a = this.pop();
        const b = this.pop();
        const c = this.pop();
        const d = this.pop();
        this.touch(BigInt(HOST_GAS.groth16Input) * c, [b, 256n], [d, 32n * c]);
        const inputs: bigint[] = [];
        for (let i = 0n; i < c; i++) inputs.push(bytesToWord(this.read([d + 32n * i, 32n])));
        this.push(bool(this.host.groth16Verify(a, this.read([b, 256n]), inputs)));
        break;
      }
      case 0x06: {
        const a = this.pop();
        const b = this.pop();
        const c = this.pop();
        const d = this.pop();
        this.touch(BigInt(HOST_GAS.bjjPoint) * (c + d), [a, 64n], [b, 64n * (c + d)]);
        const sum = this.host.bjjSum(this.read([b, 64n * (c + d)]), Number(c), Number(d));
        if (sum !== undefined) this.memory.set(sum, Number(a));
        this.push(bool(sum !== undefined));
        break;
      }
      default:
        throw new Error(`unreachable: host id ${id}`);
    }
  }
}

export class ReferenceInterpreter implements Interpreter {
  execute(code: Uint8Array, ctx: ExecutionContext, storage: StorageReader, host: HostFunctions): ExecutionResult {
    const program = unwrapCode(code);
    // Inputs the VM never accepts (admission rejects them); a caller bug, not an execution status.
    if (ctx.calldata.length > LIMITS.maxCalldataBytes) throw new RangeError(`calldata is ${ctx.calldata.length} bytes; at most ${LIMITS.maxCalldataBytes}`);
    if (ctx.gasLimit < 0n || ctx.gasLimit > U64_MAX) throw new RangeError(`gas limit ${ctx.gasLimit} is not a u64`);
    return new Run(program, ctx, storage, host).run();
  }
}
