// Random bytes as code: the WASM interpreter must never throw, never run away and always stay within
// its gas, whatever it is given; malformed containers are refused before anything runs.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wrapCode } from './container.js';
import { InvalidCodeError, type ExecutionContext, type HostFunctions } from './execution.js';
import { WasmInterpreter } from './interpreter.js';
import { OPCODES, Status } from './opcodes.js';
import { ReferenceInterpreter } from './reference.js';
import { PoseidonWasm } from '../wasm/poseidon.js';

const poseidon = PoseidonWasm.load();
const host: HostFunctions = {
  poseidon: (inputs) => poseidon.hash(inputs),
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  ed25519Verify: () => false,
  blsVerify: () => false,
  groth16Verify: () => false,
  bjjSum: () => undefined,
};
const STATUSES = new Set(Object.values(Status).filter((v): v is number => typeof v === 'number'));
const DEFINED = OPCODES.flatMap((o) => (o === undefined ? [] : [o.code]));
const storage = { get: (k: bigint): bigint => (k < 4n ? k * 1000n : 0n) };

/** Uniform bytes, or bytes mostly drawn from defined opcodes (so more programs run for a while). */
const codeBytes = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 400 }),
  fc.array(fc.oneof({ arbitrary: fc.constantFrom(...DEFINED), weight: 6 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }), { minLength: 1, maxLength: 400 }).map((a) => Uint8Array.from(a)),
);
const ctxFor = (gasLimit: bigint, calldata: Uint8Array): ExecutionContext => ({ address: 1n, caller: 26201n, height: 5n, timestampMs: 1n, calldata, gasLimit });

describe('fuzz: WASM interpreter on random code', () => {
  const wasm = WasmInterpreter.load();

  it('never throws, ends within its gas and its step bound, quickly (5,000 programs)', () => {
    let slowest = 0;
    fc.assert(
      fc.property(codeBytes, fc.bigInt({ min: 0n, max: 200_000n }), fc.uint8Array({ maxLength: 64 }), (code, gasLimit, calldata) => {
        const started = performance.now();
        const r = wasm.execute(wrapCode(code), ctxFor(gasLimit, calldata), storage, host);
        const ms = performance.now() - started;
        slowest = Math.max(slowest, ms);
        expect(STATUSES.has(r.status)).toBe(true);
        expect(r.gasUsed <= gasLimit).toBe(true);
        expect(BigInt(r.steps) <= gasLimit + 1n).toBe(true);
        if (r.status >= Status.OutOfGas) {
          expect(r.gasUsed).toBe(gasLimit);
          expect(r.output.length + r.storageWrites.length + r.events.length).toBe(0);
        }
        expect(ms).toBeLessThan(500);
      }),
      { numRuns: 5_000 },
    );
    expect(slowest).toBeLessThan(500);
  });

  it('agrees with the reference on random code (500 programs, gas ≤ 30,000)', () => {
    const reference = new ReferenceInterpreter();
    fc.assert(
      fc.property(codeBytes, fc.bigInt({ min: 0n, max: 30_000n }), (code, gasLimit) => {
        const container = wrapCode(code);
        const ctx = ctxFor(gasLimit, new Uint8Array(0));
        const a = reference.execute(container, ctx, storage, host);
        const b = wasm.execute(container, ctx, storage, host);
        const summary = (r: typeof a): unknown[] => [r.status, r.gasUsed, r.pc, r.steps, Buffer.from(r.output).toString('hex'), r.storageWrites, r.events.length];
        expect(summary(b)).toEqual(summary(a));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses invalid containers with InvalidCodeError before executing', () => {
    let hostCalls = 0;
    const counting: HostFunctions = { ...host, sha256: (d) => (hostCalls++, host.sha256(d)) };
    const corrupt = fc.oneof(
      fc.uint8Array({ maxLength: 64 }), // almost never a header
      fc.tuple(codeBytes, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 255 })).map(([code, at, xor]) => {
        const c = wrapCode(code).slice();
        c[at]! ^= xor; // damage the magic, version or length
        return c;
      }),
      fc.tuple(codeBytes, fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([code, extra]) => Uint8Array.from([...wrapCode(code), ...extra])),
      codeBytes.filter((c) => c.length > 1).map((code) => wrapCode(code).subarray(0, 8 + code.length - 1)),
    );
    fc.assert(
      fc.property(corrupt, (container) => {
        let ok = false;
        try {
          wasm.execute(container, ctxFor(1_000n, new Uint8Array(0)), storage, counting);
          ok = true;
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidCodeError);
        }
        expect(ok).toBe(false);
      }),
      { numRuns: 1_000 },
    );
    expect(hostCalls).toBe(0);
  });
});
