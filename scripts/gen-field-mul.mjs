// Generates the unrolled BN254 Fr multipliers of assembly/poseidon (9×29-bit limbs, R = 2^261):
//
//   - assembly/poseidon/field.ts, between the GENERATED BEGIN/END markers: the scalar multipliers
//     (mul, sqr, mulAddBelow2r, mulAddBelow2rPair, mulWide, mulWideAdd, reduceWide). The rest of
//     field.ts is written by hand.
//   - assembly/poseidon/field-x2.ts, whole file: the same arithmetic for two independent elements
//     in i64x2 lanes ("pair" layout), used to run two Poseidon permutations in lockstep.
//
// Why generated: wasm engines neither unroll loops nor keep arrays in registers, and these
// multipliers are the whole cost of Poseidon, so they are written out limb by limb.
//
//   node scripts/gen-field-mul.mjs           rewrite both files
//   node scripts/gen-field-mul.mjs --check   exit 1 if either file differs from what this emits
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fieldPath = join(root, 'assembly/poseidon/field.ts');
const x2Path = join(root, 'assembly/poseidon/field-x2.ts');
const BEGIN = '// GENERATED BEGIN (scripts/gen-field-mul.mjs): edit the generator, not this region.\n';
const END = '// GENERATED END\n';

const N = 9; // limbs
const W = 29; // bits per limb
const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const limbsOf = (x) => Array.from({ length: N }, (_, i) => Number((x >> BigInt(W * i)) & ((1n << BigInt(W)) - 1n)));
const RL = limbsOf(r);
const R2L = limbsOf(2n * r);
const hex = (x) => `0x${x.toString(16)}`;
// The q·r0 shortcut below relies on r0 = 2^28 + 1 (r − 1 = 2^28 · odd).
if (RL[0] !== (1 << 28) + 1) throw new Error('unexpected r0');

const range = (a, b) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
/** Pairs (x, k − x) of limb indexes contributing to column k. */
const column = (k) => range(Math.max(0, k - N + 1), Math.min(k, N - 1) + 1).map((x) => [x, k - x]);
/** q_i·r_(k−i) for column k, without r0 (folded into the shift step). Ordered by i. */
const qColumn = (k) => column(k).filter(([, j]) => j >= 1);

// ---------------------------------------------------------------------------------------------
// Scalar (u64) multipliers.

const Q_COMMENT = ' // acc·(−r⁻¹) mod 2^29';
const loadsU64 = (name) => range(0, N).map((i) => `  const ${name}${i} = <u64>load<u32>(${name}, ${4 * i});`);
const abTerms = (k) => column(k).map(([x, y]) => `a${x} * b${y}`);
const qTerms = (k) => qColumn(k).map(([i, j]) => `q${i} * R${j}`);
function sqrTerms(k) {
  const cross = column(k).filter(([x, y]) => x < y).map(([x, y]) => `a${x} * a${y}`);
  const terms = [];
  if (cross.length > 0) terms.push(`((${cross.join(' + ')}) << 1)`);
  if (k % 2 === 0) terms.push(`a${k / 2} * a${k / 2}`);
  return terms;
}

/** Montgomery reduction interleaved with the product: columns 0..8 produce q_k. */
function scalarMontBody(terms, qComment) {
  const lines = [];
  for (let k = 0; k < N; k++) {
    const t = [...terms(k), ...(k > 0 ? qTerms(k) : [])].join(' + ');
    lines.push(k === 0 ? `  let acc: u64 = ${t};` : `  acc += ${t};`);
    lines.push(`  const q${k} = ((acc << 28) - acc) & MASK;${qComment}`);
    lines.push(`  acc = (acc + q${k} + (q${k} << 28)) >> 29; // q·r0, r0 = 2^28 + 1`);
  }
  return lines;
}

/** Columns 9..16 of a Montgomery product: out(k, j) consumes limb j of the result. */
function scalarMontTail(terms, out) {
  const lines = [];
  for (let k = N; k < 2 * N - 1; k++) {
    lines.push(`  acc += ${[...terms(k), ...qTerms(k)].join(' + ')};`);
    lines.push(...out(k - N));
  }
  return lines;
}

function scalarMul() {
  return [
    '/** o = a·b/R. Column k sums a_x·b_(k−x) and q_x·r_(k−x); q_k zeroes column k (k < 9). */',
    'export function mul(o: usize, a: usize, b: usize): void {',
    ...loadsU64('a'),
    ...loadsU64('b'),
    ...scalarMontBody(abTerms, Q_COMMENT),
    ...scalarMontTail(abTerms, (j) => [`  store<u32>(o, <u32>(acc & MASK), ${4 * j});`, '  acc >>= 29;']),
    `  store<u32>(o, <u32>acc, ${4 * (N - 1)});`,
    '}',
  ];
}

function scalarSqr() {
  return [
    '/** o = a²/R: as mul, with each cross product a_x·a_y (x < y) computed once and doubled. */',
    'export function sqr(o: usize, a: usize): void {',
    ...loadsU64('a'),
    ...scalarMontBody(sqrTerms, Q_COMMENT),
    ...scalarMontTail(sqrTerms, (j) => [`  store<u32>(o, <u32>(acc & MASK), ${4 * j});`, '  acc >>= 29;']),
    `  store<u32>(o, <u32>acc, ${4 * (N - 1)});`,
    '}',
  ];
}

function scalarMulAddBelow2r() {
  const lines = [
    '/** x ← x + a·b/R, minus 2r when that reaches 2r: keeps an accumulating x below 2r. */',
    'export function mulAddBelow2r(x: usize, a: usize, b: usize): void {',
    ...loadsU64('a'),
    ...loadsU64('b'),
    ...scalarMontBody(abTerms, ''),
    ...scalarMontTail(abTerms, (j) => [`  const p${j} = acc & MASK;`, '  acc >>= 29;']),
    `  const p${N - 1} = acc;`,
    '  let c: u64 = 0;',
  ];
  for (let j = 0; j < N; j++) {
    lines.push(`  c += p${j} + <u64>load<u32>(x, ${4 * j});`, `  const s${j} = c & MASK;`, '  c >>= 29;');
  }
  lines.push('  let v: i64 = 0;');
  for (let j = 0; j < N; j++) {
    lines.push(`  v += <i64>s${j} - ${hex(R2L[j])};`, `  const d${j} = <u64>v & MASK;`, '  v >>= 29;');
  }
  lines.push('  const keep = <u64>v; // all ones when the sum is below 2r');
  for (let j = 0; j < N; j++) lines.push(`  store<u32>(x, <u32>((s${j} & keep) | (d${j} & ~keep)), ${4 * j});`);
  lines.push('}');
  return lines;
}

function scalarMulWide(accumulate) {
  const lines = accumulate
    ? [
        '/** w += a·b column by column; at most 7 calls per reduceWide (63 products per column). */',
        'export function mulWideAdd(w: usize, a: usize, b: usize): void {',
      ]
    : [
        '/** w = a·b as 17 unreduced u64 columns (column k = Σ a_x·b_(k−x)). */',
        'export function mulWide(w: usize, a: usize, b: usize): void {',
      ];
  lines.push(...loadsU64('a'), ...loadsU64('b'));
  for (let k = 0; k < 2 * N - 1; k++) {
    const sum = abTerms(k).join(' + ');
    lines.push(`  store<u64>(w, ${accumulate ? `load<u64>(w, ${8 * k}) + ` : ''}${sum}, ${8 * k});`);
  }
  lines.push('}');
  return lines;
}

function scalarReduceWide() {
  const lines = [
    '/** o = w/R for 17 wide columns. Columns may hold up to 2^64: each is split into 29 bits kept',
    ' *  and a carry (nc) passed up before the q·r products are added. */',
    'export function reduceWide(o: usize, w: usize): void {',
    '  let nc: u64 = 0;',
    '  let acc: u64 = 0;',
    '  let v: u64;',
  ];
  for (let k = 0; k < 2 * N - 1; k++) {
    lines.push(`  v = load<u64>(w, ${8 * k}) + nc;`, '  nc = v >> 29;');
    lines.push(`  acc += ${['(v & MASK)', ...qTerms(k)].join(' + ')};`);
    if (k < N) {
      lines.push(`  const q${k} = ((acc << 28) - acc) & MASK;${Q_COMMENT}`);
      lines.push(`  acc = (acc + q${k} + (q${k} << 28)) >> 29; // q·r0, r0 = 2^28 + 1`);
    } else {
      lines.push(`  store<u32>(o, <u32>(acc & MASK), ${4 * (k - N)});`, '  acc >>= 29;');
    }
  }
  lines.push(`  store<u32>(o, <u32>(acc + nc), ${4 * (N - 1)});`, '}');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// i64x2 helpers. A product of two u32 lanes is i64x2.extmul_low_i32x4_u (one pmuludq): operands
// carry their two values in 32-bit lanes 0 and 1. Sums are left folds, the term that depends on
// the newest q last, so everything else can be computed ahead of the carry chain.

const EXT = (x, y) => `i64x2.extmul_low_i32x4_u(${x}, ${y})`;
const ADD = (x, y) => `i64x2.add(${x}, ${y})`;
const fold = (terms) => terms.reduce((s, t) => ADD(s, t));
const RSPLAT = (j) => `i32x4.splat(${hex(RL[j])})`;

/** Montgomery step for i64x2 acc: w_k (q in 64-bit lanes), q_k (q in 32-bit lanes 0, 1). */
const simdQStep = (k, lines) => {
  lines.push(`  const w${k} = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);`);
  lines.push(`  const q${k} = i32x4.shuffle(w${k}, w${k}, 0, 2, 0, 2);`);
  lines.push(`  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w${k}, i64x2.shl(w${k}, 28))), 29);`);
};
const simdQTerms = (k) => qColumn(k).map(([i, j]) => EXT(`q${i}`, RSPLAT(j)));

/** Columns 0..16 of an i64x2 Montgomery product; out(j, lines) consumes limb j (in acc). */
function simdMont(terms, lines, out) {
  for (let k = 0; k < 2 * N - 1; k++) {
    if (k === 0) lines.push(`  let acc = ${fold(terms(0))};`);
    else lines.push(`  acc = ${ADD('acc', fold([...terms(k), ...simdQTerms(k)]))};`);
    if (k < N) simdQStep(k, lines);
    else out(k - N, lines);
  }
}

/** The existing two-products-one-factor kernel for a single hash's partial rounds. */
function simdMulAddBelow2rPair() {
  const lines = [
    '/**',
    ' * mulAddBelow2r for two products sharing one factor, one per i64x2 lane: x ← x + a·b/R and',
    ' * y ← y + a·c/R, each minus 2r when it reaches 2r. Limb products use i64x2.extmul_low_i32x4_u',
    ' * (one pmuludq for both lanes); q·r_j needs q moved to 32-bit lanes 0 and 1 first.',
    ' */',
    'export function mulAddBelow2rPair(x: usize, y: usize, a: usize, b: usize, c: usize): void {',
  ];
  for (let i = 0; i < N; i++) lines.push(`  const a${i} = i32x4.splat(load<u32>(a, ${4 * i}));`);
  for (let i = 0; i < N; i++) {
    lines.push(`  const b${i} = i32x4.replace_lane(i32x4.splat(load<u32>(b, ${4 * i})), 1, load<u32>(c, ${4 * i}));`);
  }
  lines.push('  const mask = i64x2.splat(0x1fffffff);');
  const ab = (k) => column(k).map(([x, y]) => EXT(`a${x}`, `b${y}`));
  simdMont(ab, lines, (j, l) => {
    l.push(`  const p${j} = v128.and(acc, mask);`, '  acc = i64x2.shr_u(acc, 29);');
  });
  lines.push(`  const p${N - 1} = acc;`);
  lines.push('  let carry = i64x2.splat(0);');
  for (let j = 0; j < N; j++) {
    const xy = `i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, ${4 * j})), 1, <u64>load<u32>(y, ${4 * j}))`;
    lines.push(`  carry = i64x2.add(carry, i64x2.add(p${j}, ${xy}));`);
    lines.push(`  const s${j} = v128.and(carry, mask);`, '  carry = i64x2.shr_u(carry, 29);');
  }
  lines.push('  let borrow = i64x2.splat(0);');
  for (let j = 0; j < N; j++) {
    lines.push(`  borrow = i64x2.add(borrow, i64x2.sub(s${j}, i64x2.splat(${hex(R2L[j])})));`);
    lines.push(`  const d${j} = v128.and(borrow, mask);`, '  borrow = i64x2.shr_s(borrow, 29);');
  }
  lines.push('  // borrow is all ones in a lane whose sum is below 2r: keep the sum there.');
  for (let j = 0; j < N; j++) {
    lines.push(`  const o${j} = v128.bitselect(s${j}, d${j}, borrow);`);
    lines.push(`  store<u32>(x, <u32>i64x2.extract_lane(o${j}, 0), ${4 * j});`);
    lines.push(`  store<u32>(y, <u32>i64x2.extract_lane(o${j}, 1), ${4 * j});`);
  }
  lines.push('}');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Lockstep (x2) multipliers over pair elements: limb k of lanes 0 and 1 as two u32 at 8k, 8k + 4
// (72 bytes). v128.load64_zero puts them in 32-bit lanes 0 and 1, ready for extmul.

const loadPair = (name) => range(0, N).map((i) => `  const ${name}${i} = v128.load64_zero(${name}, ${8 * i});`);
const loadSplat = (name) => range(0, N).map((i) => `  const ${name}${i} = v128.load32_splat(${name}, ${4 * i});`);

/** Stores 64-bit-lane limbs p_j (< 2^32) as pair limbs at o, two limbs per 16-byte store. */
function storePairLimbs(o, limb, lines) {
  for (let j = 0; j + 1 < N; j += 2) {
    lines.push(`  v128.store(${o}, i32x4.shuffle(${limb(j)}, ${limb(j + 1)}, 0, 2, 4, 6), ${8 * j});`);
  }
  lines.push(`  v128.store64_lane(${o}, i32x4.shuffle(${limb(N - 1)}, ${limb(N - 1)}, 0, 2, 0, 2), 0, ${8 * (N - 1)});`);
}

function x2MontProduct(doc, name, params, loads, terms) {
  const lines = [doc, `export function ${name}(${params}): void {`, ...loads, '  const mask = i64x2.splat(0x1fffffff);'];
  simdMont(terms, lines, (j, l) => {
    l.push(`  const p${j} = v128.and(acc, mask);`, '  acc = i64x2.shr_u(acc, 29);');
  });
  lines.push(`  const p${N - 1} = acc;`);
  storePairLimbs('o', (j) => `p${j}`, lines);
  lines.push('}');
  return lines;
}

function x2Sqr(k) {
  const cross = column(k).filter(([x, y]) => x < y).map(([x, y]) => EXT(`a${x}`, `a${y}`));
  const terms = [];
  if (cross.length > 0) terms.push(`i64x2.shl(${fold(cross)}, 1)`);
  if (k % 2 === 0) terms.push(EXT(`a${k / 2}`, `a${k / 2}`));
  return terms;
}

function x2MulAddBelow2r() {
  const lines = [
    '/** x ← x + a·c/R per lane (a pair, c one element for both), minus 2r where that reaches 2r. */',
    'export function mulAddBelow2rX2(x: usize, a: usize, c: usize): void {',
    ...loadPair('a'),
    ...loadSplat('c'),
    '  const mask = i64x2.splat(0x1fffffff);',
  ];
  const ac = (k) => column(k).map(([i, j]) => EXT(`a${i}`, `c${j}`));
  simdMont(ac, lines, (j, l) => {
    l.push(`  const p${j} = v128.and(acc, mask);`, '  acc = i64x2.shr_u(acc, 29);');
  });
  lines.push(`  const p${N - 1} = acc;`);
  // The add and the conditional subtraction run in 32-bit lanes 0 and 1: values fit (sums < 2^31),
  // x loads without widening, and i32x4.shr_s is one instruction where i64x2.shr_s is several.
  lines.push('  const mask32 = i32x4.splat(0x1fffffff);', '  let carry = i32x4.splat(0);');
  for (let j = 0; j < N; j++) {
    lines.push(`  carry = i32x4.add(carry, i32x4.add(i32x4.shuffle(p${j}, p${j}, 0, 2, 0, 2), v128.load64_zero(x, ${8 * j})));`);
    lines.push(`  const s${j} = v128.and(carry, mask32);`, '  carry = i32x4.shr_u(carry, 29);');
  }
  lines.push('  let borrow = i32x4.splat(0);');
  for (let j = 0; j < N; j++) {
    lines.push(`  borrow = i32x4.add(borrow, i32x4.sub(s${j}, i32x4.splat(${hex(R2L[j])})));`);
    lines.push(`  const d${j} = v128.and(borrow, mask32);`, '  borrow = i32x4.shr_s(borrow, 29);');
  }
  lines.push('  // borrow is all ones in a lane whose sum is below 2r: keep the sum there.');
  for (let j = 0; j + 1 < N; j += 2) {
    const o = (k) => `v128.bitselect(s${k}, d${k}, borrow)`;
    lines.push(`  v128.store(x, i64x2.shuffle(${o(j)}, ${o(j + 1)}, 0, 2), ${8 * j});`);
  }
  lines.push(`  v128.store64_lane(x, v128.bitselect(s${N - 1}, d${N - 1}, borrow), 0, ${8 * (N - 1)});`);
  lines.push('}');
  return lines;
}

function x2MulWide(accumulate) {
  const lines = accumulate
    ? [
        '/** w += s·c per lane (s pair, c one element); at most 7 calls per reduceWideX2. */',
        'export function mulWideAddX2(w: usize, c: usize, s: usize): void {',
      ]
    : [
        '/** w = s·c per lane (s pair, c one element) as 17 unreduced i64x2 columns at w + 16k. */',
        'export function mulWideX2(w: usize, c: usize, s: usize): void {',
      ];
  lines.push(...loadSplat('c'), ...loadPair('s'));
  for (let k = 0; k < 2 * N - 1; k++) {
    const terms = column(k).map(([x, y]) => EXT(`s${x}`, `c${y}`));
    if (accumulate) terms.unshift(`v128.load(w, ${16 * k})`);
    lines.push(`  v128.store(w, ${fold(terms)}, ${16 * k});`);
  }
  lines.push('}');
  return lines;
}

function x2ReduceWide() {
  const lines = [
    '/** o = w/R per lane for 17 wide i64x2 columns (as reduceWide); o is a pair element. */',
    'export function reduceWideX2(o: usize, w: usize): void {',
    '  const mask = i64x2.splat(0x1fffffff);',
    '  let nc = i64x2.splat(0);',
    '  let acc = i64x2.splat(0);',
    '  let v: v128;',
  ];
  for (let k = 0; k < 2 * N - 1; k++) {
    lines.push(`  v = i64x2.add(v128.load(w, ${16 * k}), nc);`, '  nc = i64x2.shr_u(v, 29);');
    lines.push(`  acc = ${ADD('acc', fold(['v128.and(v, mask)', ...simdQTerms(k)]))};`);
    if (k < N) simdQStep(k, lines);
    else lines.push(`  const p${k - N} = v128.and(acc, mask);`, '  acc = i64x2.shr_u(acc, 29);');
  }
  lines.push(`  const p${N - 1} = i64x2.add(acc, nc);`);
  storePairLimbs('o', (j) => `p${j}`, lines);
  lines.push('}');
  return lines;
}

function x2Add() {
  const lines = [
    '/** o = a + c per lane (a pair, c one element), limbs renormalized (no modular reduction). */',
    'export function addX2(o: usize, a: usize, c: usize): void {',
    '  const mask = i32x4.splat(0x1fffffff);',
    '  let acc = i32x4.splat(0);',
  ];
  for (let j = 0; j < N; j++) {
    lines.push(`  acc = i32x4.add(acc, i32x4.add(v128.load64_zero(a, ${8 * j}), v128.load32_splat(c, ${4 * j})));`);
    if (j < N - 1) {
      lines.push(`  v128.store64_lane(o, v128.and(acc, mask), 0, ${8 * j});`, '  acc = i32x4.shr_u(acc, 29);');
    } else {
      lines.push(`  v128.store64_lane(o, acc, 0, ${8 * j});`);
    }
  }
  lines.push('}');
  return lines;
}

// ---------------------------------------------------------------------------------------------

const scalarRegion = [
  scalarMul(),
  scalarSqr(),
  scalarMulAddBelow2r(),
  simdMulAddBelow2rPair(),
  scalarMulWide(false),
  scalarMulWide(true),
  scalarReduceWide(),
]
  .map((f) => f.join('\n') + '\n')
  .join('\n');

const x2File = [
  [
    '// GENERATED by scripts/gen-field-mul.mjs: edit the generator, not this file.',
    '//',
    '// Lockstep BN254 Fr arithmetic: the operations of field.ts for two independent elements at once,',
    '// one per i64x2 lane, so two Poseidon permutations share every instruction. A pair element is 9',
    '// limb pairs: limb k of lane 0 and of lane 1 as two u32 at 8k and 8k + 4 (72 bytes). Bounds and',
    '// lazy reduction are exactly those of the scalar functions, lane by lane. Operands named c are',
    '// one ordinary (scalar-layout) element used by both lanes: Poseidon constants.',
    '',
    '/** Bytes per pair element. */',
    `export const PAIR_BYTES: usize = ${8 * N};`,
  ],
  x2MontProduct(
    '/** o = a·b/R per lane (a, b, o pair elements). */',
    'mulX2',
    'o: usize, a: usize, b: usize',
    [...loadPair('a'), ...loadPair('b')],
    (k) => column(k).map(([x, y]) => EXT(`a${x}`, `b${y}`)),
  ),
  x2MontProduct('/** o = a²/R per lane, cross products computed once and doubled. */', 'sqrX2', 'o: usize, a: usize', loadPair('a'), x2Sqr),
  x2MulAddBelow2r(),
  x2MulWide(false),
  x2MulWide(true),
  x2ReduceWide(),
  x2Add(),
]
  .map((f) => f.join('\n') + '\n')
  .join('\n');

const fieldText = readFileSync(fieldPath, 'utf8');
const b = fieldText.indexOf(BEGIN);
const e = fieldText.indexOf(END);
if (b < 0 || e < b) throw new Error(`${fieldPath}: GENERATED markers not found`);
const newField = fieldText.slice(0, b + BEGIN.length) + scalarRegion + fieldText.slice(e);
const newX2 = x2File;

if (process.argv.includes('--check')) {
  let stale = false;
  if (newField !== fieldText) (stale = true), console.error('assembly/poseidon/field.ts is stale');
  let oldX2 = '';
  try {
    oldX2 = readFileSync(x2Path, 'utf8');
  } catch {}
  if (newX2 !== oldX2) (stale = true), console.error('assembly/poseidon/field-x2.ts is stale');
  if (stale) {
    console.error('run: node scripts/gen-field-mul.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(fieldPath, newField);
  writeFileSync(x2Path, newX2);
  console.log('wrote assembly/poseidon/field.ts (generated region) and assembly/poseidon/field-x2.ts');
}
