import { describe, expect, it } from 'vitest';
import { DEFAULT_ADMISSION_LIMITS, InvalidAdmissionLimitsError, validateAdmissionLimits } from './admission.js';

describe('admission limits', () => {
  it('accepts the defaults and refuses values the batch-limits contract cannot take', () => {
    expect(validateAdmissionLimits(DEFAULT_ADMISSION_LIMITS)).toEqual(DEFAULT_ADMISSION_LIMITS);
    for (const bad of [{ maxPeriodSeconds: -1 }, { maxFutureSeconds: 1.5 }, { maxBatchRecords: 0 }, { maxBatchRecords: 65_537 }, { maxInflight: Number.NaN }]) {
      expect(() => validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, ...bad })).toThrow(InvalidAdmissionLimitsError);
    }
  });
});
