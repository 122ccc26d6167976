import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { assemble } from '../asm/index.js';
import { Status } from '../opcodes.js';
import {
  BATCH_LIMITS_GAS, BatchLimitInputError, BatchLimitRule, BatchLimitsContract, loadSystemContracts, systemContractId,
  SystemContractFault, SystemContractLoadError, type BatchLimitFields, type BatchLimitParams,
} from './index.js';

const EARLIEST = 946_684_800n;

/** The rules as admission.ts checked them in TypeScript, first failure wins. */
function model(h: BatchLimitFields, l: BatchLimitParams, nowSec: bigint): BatchLimitRule {
  if (h.recordCount === 0) return BatchLimitRule.NoRecords;
  if (h.recordCount > l.maxBatchRecords) return BatchLimitRule.TooManyRecords;
  if (h.sequence === 0n) return BatchLimitRule.SequenceZero;
  if (h.submitter === h.counterparty) return BatchLimitRule.SameOperator;
  if (h.periodStart < EARLIEST) return BatchLimitRule.PeriodBefore2000;
  if (h.periodEnd <= h.periodStart) return BatchLimitRule.PeriodEndsBeforeStart;
  if (h.periodEnd - h.periodStart > BigInt(l.maxPeriodSeconds)) return BatchLimitRule.PeriodTooLong;
  if (h.periodEnd > nowSec + BigInt(l.maxFutureSeconds)) return BatchLimitRule.PeriodInFuture;
  return BatchLimitRule.Ok;
}

const system = loadSystemContracts();
const contract = BatchLimitsContract.from(system);
const LIMITS: BatchLimitParams = { maxBatchRecords: 16_384, maxPeriodSeconds: 31 * 86_400, maxFutureSeconds: 86_400 };
const NOW = 1_780_000_000n;
const GOOD: BatchLimitFields = {
  submitter: 26201, counterparty: 20801, periodStart: NOW - 86_400n, periodEnd: NOW, sequence: 1n, recordCount: 100,
};
const U64_MAX = (1n << 64n) - 1n;

/** A value at, just around, or far from `edge` (the boundaries are where the two would disagree). */
function near(edge: bigint, lo: bigint, hi: bigint): fc.Arbitrary<bigint> {
  const clamp = (x: bigint): bigint => (x < lo ? lo : x > hi ? hi : x);
  return fc.oneof(
    fc.constantFrom(-1n, 0n, 1n).map((d) => clamp(edge + d)),
    fc.bigInt({ min: -1000n, max: 1000n }).map((d) => clamp(edge + d)),
    fc.bigInt({ min: lo, max: hi }),
  );
}

const limitsArb: fc.Arbitrary<BatchLimitParams> = fc.record({
  maxBatchRecords: fc.oneof(fc.constant(16_384), fc.integer({ min: 0, max: 65_536 })),
  maxPeriodSeconds: fc.oneof(fc.constant(31 * 86_400), fc.integer({ min: 0, max: 400 * 86_400 })),
  maxFutureSeconds: fc.oneof(fc.constant(86_400), fc.integer({ min: 0, max: 7 * 86_400 })),
});

const caseArb = fc
  .tuple(limitsArb, fc.bigInt({ min: EARLIEST, max: 4_000_000_000n }))
  .chain(([limits, nowSec]) => {
    const latest = nowSec + BigInt(limits.maxFutureSeconds);
    return fc
      .record({
        submitter: fc.oneof(fc.constantFrom(26201, 20801), fc.integer({ min: 0, max: 0xffff_ffff })),
        counterparty: fc.oneof(fc.constantFrom(26201, 20801), fc.integer({ min: 0, max: 0xffff_ffff })),
        recordCount: near(BigInt(limits.maxBatchRecords), 0n, 0xffff_ffffn).map(Number),
        sequence: fc.oneof(fc.constantFrom(0n, 1n, U64_MAX), fc.bigInt({ min: 0n, max: U64_MAX })),
        periodStart: fc.oneof(near(EARLIEST, 0n, U64_MAX), near(latest - BigInt(limits.maxPeriodSeconds), 0n, U64_MAX), fc.bigInt({ min: 0n, max: U64_MAX })),
        // End relative to the start (empty, exactly max long, ...) or to the latest acceptable end.
        endFrom: fc.oneof(fc.constant('start' as const), fc.constant('latest' as const)),
        endOffset: fc.oneof(fc.constantFrom(0n, 1n, -1n, BigInt(limits.maxPeriodSeconds), BigInt(limits.maxPeriodSeconds) + 1n), fc.bigInt({ min: -1_000_000n, max: 100_000_000n })),
      })
      .map(({ endFrom, endOffset, ...h }) => {
        let periodEnd = (endFrom === 'start' ? h.periodStart : latest) + endOffset;
        periodEnd = periodEnd < 0n ? 0n : periodEnd > U64_MAX ? U64_MAX : periodEnd;
        return { fields: { ...h, periodEnd } satisfies BatchLimitFields, limits, nowSec };
      });
  });

describe('batch-limits system contract', () => {
  it('agrees with the TypeScript rules on the first failing rule', () => {
    const seen = new Set<BatchLimitRule>();
    let maxGas = 0n;
    fc.assert(
      fc.property(caseArb, ({ fields, limits, nowSec }) => {
        const { rule, gasUsed } = contract.check(fields, limits, nowSec);
        expect(rule).toBe(model(fields, limits, nowSec));
        seen.add(rule);
        if (gasUsed > maxGas) maxGas = gasUsed;
      }),
      { numRuns: 20_000 },
    );
    // The generator reaches every outcome, so every rule was compared.
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(maxGas).toBeLessThan(BATCH_LIMITS_GAS / 20n);
  });

  const at = (patch: Partial<BatchLimitFields>, limits: BatchLimitParams = LIMITS): BatchLimitRule =>
    contract.check({ ...GOOD, ...patch }, limits, NOW).rule;

  it('holds every boundary exactly where the TypeScript did', () => {
    expect(at({})).toBe(BatchLimitRule.Ok);
    expect(at({ recordCount: 0 })).toBe(BatchLimitRule.NoRecords);
    expect(at({ recordCount: LIMITS.maxBatchRecords })).toBe(BatchLimitRule.Ok);
    expect(at({ recordCount: LIMITS.maxBatchRecords + 1 })).toBe(BatchLimitRule.TooManyRecords);
    expect(at({ sequence: 0n })).toBe(BatchLimitRule.SequenceZero);
    expect(at({ sequence: U64_MAX })).toBe(BatchLimitRule.Ok);
    expect(at({ counterparty: GOOD.submitter })).toBe(BatchLimitRule.SameOperator);
    expect(at({ periodStart: EARLIEST, periodEnd: EARLIEST + 1n })).toBe(BatchLimitRule.Ok);
    expect(at({ periodStart: EARLIEST - 1n, periodEnd: EARLIEST + 1n })).toBe(BatchLimitRule.PeriodBefore2000);
    expect(at({ periodEnd: GOOD.periodStart })).toBe(BatchLimitRule.PeriodEndsBeforeStart);
    expect(at({ periodEnd: GOOD.periodStart - 1n })).toBe(BatchLimitRule.PeriodEndsBeforeStart);
    const max = BigInt(LIMITS.maxPeriodSeconds);
    expect(at({ periodStart: NOW - max, periodEnd: NOW })).toBe(BatchLimitRule.Ok);
    expect(at({ periodStart: NOW - max - 1n, periodEnd: NOW })).toBe(BatchLimitRule.PeriodTooLong);
    const latest = NOW + BigInt(LIMITS.maxFutureSeconds);
    expect(at({ periodEnd: latest })).toBe(BatchLimitRule.Ok);
    expect(at({ periodEnd: latest + 1n })).toBe(BatchLimitRule.PeriodInFuture);
    // The first broken rule wins: no records and a bad period at once is rule 1.
    expect(at({ recordCount: 0, periodStart: 0n, periodEnd: 0n, sequence: 0n })).toBe(BatchLimitRule.NoRecords);
  });

  it('refuses limits that are not words', () => {
    expect(() => contract.check(GOOD, { ...LIMITS, maxPeriodSeconds: 1.5 }, NOW)).toThrow(BatchLimitInputError);
    expect(() => contract.check(GOOD, { ...LIMITS, maxBatchRecords: -1 }, NOW)).toThrow(BatchLimitInputError);
  });
});

describe('system contract framework', () => {
  const dirs: string[] = [];
  const tempDir = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cdrchain-system-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('assembles contracts/system deterministically under name-derived ids', () => {
    const again = loadSystemContracts();
    const c = system.get('batch-limits');
    expect(again.get('batch-limits').container).toEqual(c.container);
    expect(c.container).toEqual(assemble(readFileSync(c.sourcePath, 'utf8'), { fileName: 'batch-limits.casm' }).container);
    expect(Buffer.from(c.id).toString('hex')).toBe(Buffer.from(systemContractId('batch-limits')).toString('hex'));
    expect(c.id).toHaveLength(32);
    expect(c.address).toBe(BigInt(`0x${Buffer.from(c.id).toString('hex')}`));
    expect(system.all.map((x) => x.name)).toContain('batch-limits');
  });

  it('fails to load with a typed error naming the file and line', () => {
    expect(() => loadSystemContracts(join(tmpdir(), 'cdrchain-no-such-dir'))).toThrow(SystemContractLoadError);
    const dir = tempDir({ 'bad.casm': 'push 1\nfrobnicate\n' });
    expect(() => loadSystemContracts(dir)).toThrow(/bad\.casm:2:1/);
    expect(() => system.get('nope')).toThrow(SystemContractLoadError);
  });

  it('turns a fault or a bad result into a node fault with the source line', () => {
    const dir = tempDir({
      'batch-limits.casm': '; always faults\n    push 1\n    invalid\n',
    });
    const broken = BatchLimitsContract.from(loadSystemContracts(dir));
    let err: unknown;
    try {
      broken.check(GOOD, LIMITS, NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SystemContractFault);
    expect((err as SystemContractFault).result?.status).toBe(Status.InvalidOpcode);
    expect((err as Error).message).toBe('system contract batch-limits: invalid_opcode at pc 0x0002 (batch-limits.casm:3:5: "invalid")');

    const unknownRule = BatchLimitsContract.from(loadSystemContracts(tempDir({ 'batch-limits.casm': 'push 9\npush 0\nmstore\npush 32\npush 0\nreturn\n' })));
    expect(() => unknownRule.check(GOOD, LIMITS, NOW)).toThrow(/unknown rule 9/);
    const empty = BatchLimitsContract.from(loadSystemContracts(tempDir({ 'batch-limits.casm': 'stop\n' })));
    expect(() => empty.check(GOOD, LIMITS, NOW)).toThrow(/returned 0 bytes/);
  });
});
