import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_POLICY, describeRetention, retentionPolicyFromOptions, RetentionPolicyError, validateRetentionPolicy } from './retention-policy.js';

describe('retention policy', () => {
  it('keeps every kind forever unless told, payloads included', () => {
    expect(validateRetentionPolicy()).toEqual(DEFAULT_RETENTION_POLICY);
    expect(validateRetentionPolicy({ records: { keep: 'days', days: 30 } })).toEqual({
      records: { keep: 'days', days: 30 }, blocks: { keep: 'forever' }, payloads: { keep: 'forever' },
    });
    expect(retentionPolicyFromOptions({ recordsBlocks: 100, blocksDays: 400, payloadsDays: 90 })).toEqual({
      records: { keep: 'blocks', blocks: 100 }, blocks: { keep: 'days', days: 400 }, payloads: { keep: 'days', days: 90 },
    });
    expect(describeRetention({ keep: 'days', days: 1 })).toBe('1 day');
  });

  it('refuses bad values with the kind named', () => {
    const bad: [unknown, RegExp][] = [
      [{ records: { keep: 'days', days: -1 } }, /records: days must be/],
      [{ records: { keep: 'days', days: 1.5 } }, /records: days must be/],
      [{ blocks: { keep: 'blocks', blocks: 2 ** 32 } }, /blocks: blocks must be/],
      [{ payloads: { keep: 'weeks' } }, /payloads: keep must be/],
      [{ records: 30 }, /records: expected/],
      [{ receipts: { keep: 'forever' } }, /unknown data kind "receipts"/],
      [{ records: { keep: 'days', days: 30 }, blocks: { keep: 'days', days: 7 } }, /shorter than records/],
      [{ blocks: { keep: 'blocks', blocks: 10 } }, /shorter than records retention \(forever\)/],
    ];
    for (const [input, message] of bad) expect(() => validateRetentionPolicy(input as Parameters<typeof validateRetentionPolicy>[0])).toThrow(message);
    expect(() => retentionPolicyFromOptions({ recordsDays: 1, recordsBlocks: 1 })).toThrow(RetentionPolicyError);
    // Different units cannot be compared: the pruner keeps bodies until their records are gone.
    expect(validateRetentionPolicy({ records: { keep: 'days', days: 30 }, blocks: { keep: 'blocks', blocks: 10 } }).blocks).toEqual({ keep: 'blocks', blocks: 10 });
  });
});
