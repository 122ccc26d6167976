// Random programs through both interpreters: the WASM one must give exactly the reference's result
// (status, gas, output, storage writes, events, pc, steps). The generator is biased toward programs
// that run a while: edge-value PUSHes, arithmetic, memory at small offsets, jumps and CALLs to real
// JUMPDESTs, storage, LOGs, host calls and the occasional invalid byte.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoseidonWasm } from '../wasm/poseidon.js';
import { wrapCode } from './container.js';
import type { ExecutionContext, ExecutionResult, HostFunctions } from './execution.js';
import { WasmInterpreter } from './interpreter.js';
import { FIELD_ORDER, Op, statusName, WORD_MASK } from './opcodes.js';
import { ReferenceInterpreter } from './reference.js';

const poseidon = PoseidonWasm.load();
const testHost: HostFunctions = {
  poseidon: (inputs) => poseidon.hash(inputs),
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  ed25519Verify: () => false,
  blsVerify: () => false,
  groth16Verify: () => false,
  bjjSum: () => undefined,
};

const op = (name: string): number => {
  const code = Op[name];
  if (code === undefined) throw new Error(`no opcode ${name}`);
  return code;
};

/** A program piece: raw bytes, a JUMPDEST label, or a jump/call to the n-th label. */
type Item = { readonly bytes: readonly number[] } | { readonly label: true } | { readonly to: number; readonly via: 'JUMP' | 'JUMPI' | 'CALL' };

function pushBytes(value: bigint, width?: number): number[] {
  if (value === 0n && width === undefined) return [op('PUSH0')];
  let n = 1;
  while (value >> BigInt(8 * n) > 0n) n++;
  const w = Math.max(n, width ?? n);
  const out = [op('PUSH1') + w - 1];
  for (let k = w - 1; k >= 0; k--) out.push(Number((value >> BigInt(8 * k)) & 0xffn));
  return out;
}

const EDGE = [0n, 1n, 2n, 7n, 31n, 32n, 255n, 256n, 1n << 32n, 1n << 255n, (1n << 255n) - 1n, WORD_MASK, WORD_MASK - 1n, FIELD_ORDER - 1n, FIELD_ORDER];
const edgeValue = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGE), weight: 4 },
  { arbitrary: fc.bigInt({ min: 0n, max: WORD_MASK }), weight: 2 },
  { arbitrary: fc.bigInt({ min: 0n, max: 300n }), weight: 3 },
);
/** Memory offsets and lengths: mostly small, sometimes out of range. */
const smallOffset = fc.oneof({ arbitrary: fc.bigInt({ min: 0n, max: 512n }), weight: 20 }, { arbitrary: fc.constantFrom(4n * 1024n * 1024n - 32n, 1n << 32n, WORD_MASK), weight: 1 });

const ARITH = ['ADD', 'MUL', 'SUB', 'DIV', 'SDIV', 'MOD', 'SMOD', 'ADDMOD', 'MULMOD', 'EXP', 'SIGNEXTEND', 'LT', 'GT', 'SLT', 'SGT', 'EQ', 'ISZERO', 'AND', 'OR', 'XOR', 'NOT', 'BYTE', 'SHL', 'SHR', 'SAR', 'FADD', 'FSUB', 'FMUL', 'POP'];
const NULLARY = ['ADDRESS', 'CALLER', 'CALLDATASIZE', 'HEIGHT', 'TIMESTAMP', 'GAS', 'PC', 'MSIZE', 'JUMPDEST'];

const item: fc.Arbitrary<Item> = fc.oneof(
  { arbitrary: fc.tuple(edgeValue, fc.option(fc.integer({ min: 1, max: 32 }), { nil: undefined })).map(([v, w]) => ({ bytes: pushBytes(v, w) })), weight: 10 },
  { arbitrary: fc.constantFrom(...ARITH).map((n) => ({ bytes: [op(n)] })), weight: 10 },
  { arbitrary: fc.constantFrom(...NULLARY).map((n) => ({ bytes: [op(n)] })), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 16 }).chain((n) => fc.constantFrom(`DUP${n}`, `SWAP${n}`)).map((n) => ({ bytes: [op(n)] })), weight: 4 },
  {
    arbitrary: fc.tuple(fc.constantFrom('MLOAD', 'MSTORE', 'MSTORE8', 'MCOPY', 'CALLDATACOPY', 'CALLDATALOAD'), smallOffset, smallOffset, smallOffset).map(([n, a, b, c]) => {
      const args = { MLOAD: [a], MSTORE: [a], MSTORE8: [a], CALLDATALOAD: [a], MCOPY: [c, b, a], CALLDATACOPY: [c, b, a] }[n] ?? [];
      return { bytes: [...args.flatMap((x) => pushBytes(x)), op(n)] };
    }),
    weight: 5,
  },
  {
    arbitrary: fc.tuple(fc.bigInt({ min: 0n, max: 7n }), fc.option(edgeValue, { nil: undefined })).map(([k, v]) => ({
      bytes: v === undefined ? [...pushBytes(k), op('SLOAD')] : [...pushBytes(v), ...pushBytes(k), op('SSTORE')],
    })),
    weight: 3,
  },
  {
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 4 }), smallOffset, fc.bigInt({ min: 0n, max: 100n })).map(([n, offset, length]) => ({
      bytes: [...pushBytes(length), ...pushBytes(offset), op(`LOG${n}`)],
    })),
    weight: 2,
  },
  { arbitrary: fc.constant<Item>({ label: true }), weight: 3 },
  { arbitrary: fc.tuple(fc.nat(20), fc.constantFrom('JUMP', 'JUMPI', 'CALL') as fc.Arbitrary<'JUMP' | 'JUMPI' | 'CALL'>).map(([to, via]) => ({ to, via })), weight: 3 },
  { arbitrary: fc.constant<Item>({ bytes: [op('RET')] }), weight: 1 },
  {
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 7 }), smallOffset, fc.bigInt({ min: 0n, max: 80n })).map(([id, n, offset, length]) => ({
      bytes: id === 1 ? [...pushBytes(BigInt(n)), op('HOST'), id] : [...pushBytes(length), ...pushBytes(offset), op('HOST'), id],
    })),
    weight: 1,
  },
  {
    // POSEIDON with well-formed arguments: n canonical inputs, then n.
    arbitrary: fc.array(fc.oneof(fc.bigInt({ min: 0n, max: FIELD_ORDER - 1n }), fc.constantFrom(0n, 1n, FIELD_ORDER - 1n)), { minLength: 1, maxLength: 6 }).map((xs) => ({
      bytes: [...xs.flatMap((x) => pushBytes(x)), ...pushBytes(BigInt(xs.length)), op('HOST'), 0x01],
    })),
    weight: 1,
  },
  // A burst of empty LOG0s, so loops reach the 256-event limit.
  { arbitrary: fc.integer({ min: 1, max: 40 }).map((k) => ({ bytes: Array.from({ length: k }, () => [op('PUSH0'), op('PUSH0'), op('LOG0')]).flat() })), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom('RETURN', 'REVERT'), smallOffset, fc.bigInt({ min: 0n, max: 96n })).map(([n, o, l]) => ({ bytes: [...pushBytes(l), ...pushBytes(o), op(n)] })), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => ({ bytes: [b] })), weight: 1 },
);

/** Lays items out: each jump is PUSH2 target + the jump opcode; labels are JUMPDESTs. */
function assemble(items: readonly Item[]): Uint8Array {
  const labels: number[] = [];
  let at = 0;
  for (const it of items) {
    if ('label' in it) labels.push(at);
    at += 'bytes' in it ? it.bytes.length : 'label' in it ? 1 : 4;
  }
  const out: number[] = [];
  for (const it of items) {
    if ('bytes' in it) out.push(...it.bytes);
    else if ('label' in it) out.push(op('JUMPDEST'));
    else {
      const target = labels.length === 0 ? it.to : labels[it.to % labels.length]!;
      out.push(op('PUSH2'), target >> 8, target & 0xff, op(it.via));
    }
  }
  return Uint8Array.from(out.length === 0 ? [0] : out.slice(0, 65_536));
}

/** A prelude of pushes keeps most programs off an empty stack. */
const program = fc
  .tuple(fc.array(edgeValue, { minLength: 4, maxLength: 16 }), fc.array(item, { minLength: 1, maxLength: 120 }))
  .map(([prelude, items]) => assemble([...prelude.map((v) => ({ bytes: pushBytes(v) })), ...items]));
const storageArb = fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 7n }), fc.oneof(fc.constant(0n), edgeValue)), { maxLength: 6 });

function comparable(r: ExecutionResult): Record<string, unknown> {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  return {
    status: statusName(r.status),
    gasUsed: r.gasUsed,
    output: hex(r.output),
    storageWrites: r.storageWrites.map(([k, v]) => [k, v]),
    events: r.events.map((e) => ({ topics: [...e.topics], data: hex(e.data) })),
    pc: r.pc,
    steps: r.steps,
  };
}

describe('differential: WASM vs reference', () => {
  const wasm = WasmInterpreter.load();
  const reference = new ReferenceInterpreter();

  it('agree on random programs', () => {
    fc.assert(
      fc.property(program, fc.oneof(fc.bigInt({ min: 0n, max: 3_000n }), fc.bigInt({ min: 0n, max: 200_000n })), storageArb, fc.uint8Array({ maxLength: 80 }), (code, gasLimit, slots, calldata) => {
        const container = wrapCode(code);
        const committed = new Map(slots);
        const storage = { get: (k: bigint): bigint => committed.get(k) ?? 0n };
        const ctx: ExecutionContext = { address: 0xabcn, caller: 26201n, height: 7n, timestampMs: 1_700_000_000_000n, calldata, gasLimit };
        const want = comparable(reference.execute(container, ctx, storage, testHost));
        const got = comparable(wasm.execute(container, ctx, storage, testHost));
        expect(got).toEqual(want);
      }),
      { numRuns: 2_000 },
    );
  });
});
