import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { poseidon1, poseidon2, poseidon3, poseidon4, poseidon5, poseidon6 } from 'poseidon-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FIELD_MODULUS,
  NonCanonicalFieldError,
  PoseidonArgumentError,
  PoseidonWasm,
  bytesToField,
  fieldToBytes,
  packFields,
} from './poseidon.js';
import { findPackageRoot } from './load.js';

const r = FIELD_MODULUS;
const lite: ReadonlyArray<(inputs: bigint[]) => bigint> = [
  poseidon1,
  poseidon2,
  poseidon3,
  poseidon4,
  poseidon5,
  poseidon6,
];
const liteHash = (inputs: readonly bigint[]): bigint => {
  const f = lite[inputs.length - 1];
  if (f === undefined) throw new Error(`no poseidon-lite for ${inputs.length} inputs`);
  return f([...inputs]);
};

// circomlibjs ships no type declarations: import it through a string so tsc does not resolve it.
interface CircomPoseidon {
  (inputs: bigint[]): Uint8Array;
  F: { toObject(x: Uint8Array): bigint };
}
const circomlibjsName: string = 'circomlibjs';
let circom: CircomPoseidon;

let wasm: PoseidonWasm;
beforeAll(async () => {
  wasm = PoseidonWasm.load();
  const lib = (await import(circomlibjsName)) as { buildPoseidon(): Promise<CircomPoseidon> };
  circom = await lib.buildPoseidon();
});

const field = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 2n, r - 1n, r - 2n, (1n << 253n) - 1n, 1n << 253n) },
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: r - 1n }) },
);
const inputsOf = (width: number): fc.Arbitrary<bigint[]> =>
  fc.array(field, { minLength: width, maxLength: width });

describe('Poseidon: published circomlib vectors', () => {
  // [1..k] for k = 1..6. [1,2] and [1,2,3,4] are the vectors in circomlibjs's own test/poseidon.js,
  // [1..6] its "init state 0" vector; the others are the values circomlib-compatible ports publish.
  const vectors: ReadonlyArray<readonly [number, bigint]> = [
    [1, 0x29176100eaa962bdc1fe6c654d6a3c130e96a4d1168b33848b897dc502820133n],
    [2, 7853200120776062878684798364095072458815029376092732009249414926327459813530n],
    [3, 0x0e7732d89e6939c0ff03d5e58dab6302f3230e269dc5b968f725df34ab36d732n],
    [4, 0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465n],
    [5, 0x0dab9449e4a1398a15224c0b15a49d598b2174d305a316c918125f8feeb123c0n],
    [6, 20400040500897583745843009878988256314335038853985262692600694741116813247201n],
  ];
  for (const [width, expected] of vectors) {
    it(`poseidon([1..${width}])`, () => {
      const inputs = Array.from({ length: width }, (_, i) => BigInt(i + 1));
      expect(wasm.hash(inputs)).toBe(expected);
      expect(bytesToField(wasm.hashBytes(packFields(inputs), width))).toBe(expected);
    });
  }

  it('poseidon([0]) and poseidon([0, 0])', () => {
    expect(wasm.hash([0n])).toBe(0x2a09a9fd93c590c26b91effbb2499f07e8f7aa12e2b4940a3aed2411cb65e11cn);
    expect(wasm.hash([0n, 0n])).toBe(poseidon2([0n, 0n]));
  });
});

describe('Poseidon: differential against poseidon-lite and circomlibjs', () => {
  for (let width = 1; width <= 6; width++) {
    it(`width ${width}: random and edge inputs`, () => {
      fc.assert(
        fc.property(inputsOf(width), (inputs) => {
          const expected = liteHash(inputs);
          expect(wasm.hash(inputs)).toBe(expected);
          expect(circom.F.toObject(circom(inputs))).toBe(expected);
        }),
        { numRuns: 40 },
      );
    });

    it(`width ${width}: all inputs r − 1`, () => {
      const inputs = Array.from({ length: width }, () => r - 1n);
      expect(wasm.hash(inputs)).toBe(liteHash(inputs));
    });
  }

  it('hashMany equals hash for each packed group', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((width) =>
          fc.tuple(fc.constant(width), fc.array(inputsOf(width), { minLength: 0, maxLength: 12 })),
        ),
        ([width, groups]) => {
          const out = wasm.hashMany(width, packFields(groups.flat()), groups.length);
          expect(out.length).toBe(groups.length * 32);
          groups.forEach((inputs, h) => {
            expect(bytesToField(out.subarray(h * 32, h * 32 + 32))).toBe(liteHash(inputs));
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('hashMany of 1,000 commitments (one call) matches poseidon-lite on a sample', () => {
    const inputs = Array.from({ length: 3000 }, (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15n) % r);
    const out = wasm.hashMany(3, packFields(inputs), 1000);
    for (const h of [0, 1, 499, 998, 999]) {
      const group = inputs.slice(3 * h, 3 * h + 3);
      expect(bytesToField(out.subarray(32 * h, 32 * h + 32))).toBe(poseidon3(group));
    }
  });
});

describe('Poseidon: lockstep (two hashes per SIMD call) vs scalar path', () => {
  const R_INV = modPow(1n << 261n, r - 2n, r); // x·R⁻¹ has Montgomery form x: extreme limb patterns
  const edges = [
    0n,
    1n,
    2n,
    r - 1n,
    r - 2n,
    (r - 1n) / 2n,
    (1n << 253n) - 1n, // every limb 2^29 − 1 but the top one
    1n << 253n,
    R_INV, // Montgomery form 1
    ((r - 1n) * R_INV) % r, // Montgomery form r − 1
    (((1n << 253n) - 1n) * R_INV) % r, // Montgomery form with all-ones limbs
  ];
  const both = (width: number, groups: readonly (readonly bigint[])[]): bigint[] => {
    const bytes = packFields(groups.flat());
    const lock = wasm.hashMany(width, bytes, groups.length);
    const scalar = wasm.hashMany(width, bytes, groups.length, 'scalar');
    expect(lock).toEqual(scalar);
    return groups.map((_, h) => bytesToField(lock.subarray(h * 32, h * 32 + 32)));
  };

  it('Poseidon(2) over every pair of edge values (both lanes, odd and even positions)', () => {
    const groups = edges.flatMap((x) => edges.map((y) => [x, y]));
    const out = both(2, groups);
    groups.forEach((g, h) => expect(out[h]).toBe(liteHash(g)));
  });

  for (let width = 1; width <= 6; width++) {
    it(`width ${width}: n = 0..9 hashes, edge and random inputs, = scalar = poseidon-lite`, () => {
      for (let n = 0; n <= 9; n++) {
        const groups = Array.from({ length: n }, (_, h) =>
          Array.from({ length: width }, (_, j) => {
            const k = h * width + j + n;
            return k % 3 === 0 ? (edges[k % edges.length] ?? 0n) : (BigInt(k + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n) % r;
          }),
        );
        const out = both(width, groups);
        groups.forEach((g, h) => expect(out[h]).toBe(liteHash(g)));
      }
    });
  }

  it('random widths and counts (odd and even): lockstep = scalar = poseidon-lite', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((width) =>
          fc.tuple(fc.constant(width), fc.array(inputsOf(width), { minLength: 1, maxLength: 9 })),
        ),
        ([width, groups]) => {
          const out = both(width, groups);
          groups.forEach((g, h) => expect(out[h]).toBe(liteHash(g)));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('a long lockstep batch agrees with the scalar path everywhere', () => {
    const inputs = Array.from({ length: 5 * 201 }, (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15f39cc0605cedc834n + BigInt(i % 7)) % r);
    const bytes = packFields(inputs);
    expect(wasm.hashMany(5, bytes, 201)).toEqual(wasm.hashMany(5, bytes, 201, 'scalar'));
  });

  it('the unrolled multipliers match scripts/gen-field-mul.mjs', () => {
    const script = join(findPackageRoot(), 'scripts/gen-field-mul.mjs');
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

describe('Poseidon: input validation', () => {
  it('rejects inputs ≥ r or negative with the input index', () => {
    for (const bad of [r, r + 1n, (1n << 256n) - 1n, -1n]) {
      const err = (() => {
        try {
          wasm.hash([5n, 6n, bad]);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(NonCanonicalFieldError);
      expect((err as NonCanonicalFieldError).index).toBe(2);
    }
  });

  it('rejects non-canonical byte encodings inside WASM, reporting the flat index', () => {
    const bytes = packFields([1n, 2n, 3n, 4n]);
    bytes.set(new Uint8Array(32).fill(0xff), 64); // element 2 = 2^256 − 1
    expect(() => wasm.hashBytes(bytes.subarray(0, 96), 3)).toThrow(NonCanonicalFieldError);
    try {
      wasm.hashMany(2, bytes, 2);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NonCanonicalFieldError);
      expect((e as NonCanonicalFieldError).index).toBe(2);
    }
    // r itself is the smallest non-canonical encoding; r − 1 is accepted.
    const edge = new Uint8Array(64);
    edge.set(fieldToBytes(r - 1n), 0);
    const rBytes = fieldToBytes(r - 1n);
    rBytes[31] = (rBytes[31] ?? 0) + 1; // r − 1 ends in 0x00, so this is exactly r
    edge.set(rBytes, 32);
    expect(() => wasm.hashBytes(edge, 2)).toThrow(NonCanonicalFieldError);
    expect(bytesToField(wasm.hashBytes(edge.subarray(0, 32), 1))).toBe(poseidon1([r - 1n]));
  });

  it('rejects widths outside 1..6 and mismatched lengths', () => {
    expect(() => wasm.hash([])).toThrow(PoseidonArgumentError);
    expect(() => wasm.hash([1n, 2n, 3n, 4n, 5n, 6n, 7n])).toThrow(PoseidonArgumentError);
    expect(() => wasm.hashBytes(new Uint8Array(64), 3)).toThrow(PoseidonArgumentError);
    expect(() => wasm.hashMany(0, new Uint8Array(0), 0)).toThrow(PoseidonArgumentError);
    expect(() => wasm.hashMany(2, new Uint8Array(64), 2)).toThrow(PoseidonArgumentError);
  });
});

describe('field encoding', () => {
  it('round-trips 32-byte big-endian encodings', () => {
    fc.assert(
      fc.property(field, (x) => {
        const bytes = fieldToBytes(x);
        expect(bytes.length).toBe(32);
        expect(bytesToField(bytes)).toBe(x);
        expect(BigInt('0x' + Buffer.from(bytes).toString('hex'))).toBe(x);
      }),
    );
  });

  it('rejects out-of-range values and wrong lengths', () => {
    expect(() => fieldToBytes(r)).toThrow(NonCanonicalFieldError);
    expect(() => fieldToBytes(-1n)).toThrow(NonCanonicalFieldError);
    expect(() => bytesToField(new Uint8Array(32).fill(0xff))).toThrow(NonCanonicalFieldError);
    expect(() => bytesToField(new Uint8Array(31))).toThrow(PoseidonArgumentError);
  });

  it('PoseidonWasm.load() returns the same instance within a thread', () => {
    expect(PoseidonWasm.load()).toBe(wasm);
  });
});
