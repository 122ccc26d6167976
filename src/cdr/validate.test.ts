import { describe, expect, it } from 'vitest';
import { CdrValidationError } from './errors.js';
import { type Cdr, Service } from './model.js';
import { CDR_LIMITS, checkCdr, isValidCdr, validateCdr } from './validate.js';

const NOW = 1_750_000_000; // 2025-06-15

/** A valid data CDR: Telekom DE subscriber roaming on Vodafone UK, submitted by the visited side. */
function base(over: Partial<Record<keyof Cdr, unknown>> = {}): Cdr {
  return {
    recordId: 'VFUK-000001',
    submitter: 23415,
    counterparty: 26201,
    imsi: '262011234567890',
    homePlmn: 26201,
    visitedPlmn: 23415,
    service: Service.Data,
    startTime: 1_749_000_000,
    durationSec: 600,
    volumeBytes: 5_000_000n,
    charge: 123n,
    currency: 'GBP',
    tariffId: 7,
    callRef: 'D1a2b3c4d',
    ...over,
  } as Cdr;
}

function violation(c: Cdr, now = NOW): { field: string; code: string } | null {
  const e = checkCdr(c, now);
  return e === null ? null : { field: e.field, code: e.code };
}

describe('validateCdr', () => {
  it('accepts a valid record of every service', () => {
    expect(() => validateCdr(base(), NOW)).not.toThrow();
    const voice = { service: Service.VoiceMo, volumeBytes: 0n, durationSec: 95 };
    expect(violation(base(voice))).toBeNull();
    expect(violation(base({ ...voice, service: Service.VoiceMt }))).toBeNull();
    const sms = { service: Service.SmsMo, volumeBytes: 0n, durationSec: 0 };
    expect(violation(base(sms))).toBeNull();
    expect(violation(base({ ...sms, service: Service.SmsMt }))).toBeNull();
  });

  it('throws a typed error with field and code', () => {
    let err: unknown;
    try {
      validateCdr(base({ charge: -1n }), NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CdrValidationError);
    expect(err).toMatchObject({ field: 'charge', code: 'out_of_range' });
    expect(isValidCdr(base({ charge: -1n }), NOW)).toBe(false);
  });

  it('accepts every limit exactly', () => {
    const L = CDR_LIMITS;
    expect(violation(base({ recordId: 'x'.repeat(L.recordIdMaxLength), callRef: 'y'.repeat(L.callRefMaxLength) }))).toBeNull();
    expect(violation(base({ recordId: '!', callRef: '~' }))).toBeNull();
    expect(violation(base({ durationSec: L.maxDurationSec, volumeBytes: L.maxVolumeBytes, charge: L.maxCharge }))).toBeNull();
    expect(violation(base({ durationSec: 0, volumeBytes: 0n, charge: 0n, tariffId: 0 }))).toBeNull();
    expect(violation(base({ tariffId: L.maxTariffId }))).toBeNull();
    expect(violation(base({ startTime: L.minStartTime }))).toBeNull();
    expect(violation(base({ startTime: NOW + L.maxFutureSkewSec }))).toBeNull();
    expect(violation(base({ imsi: '26201123456789' }))).toBeNull(); // 14 digits
    expect(violation(base({ currency: 'XDR' }))).toBeNull();
  });

  const cases: [string, Partial<Record<keyof Cdr, unknown>>, string, string][] = [
    ['empty recordId', { recordId: '' }, 'recordId', 'out_of_range'],
    ['recordId of 65 chars', { recordId: 'x'.repeat(65) }, 'recordId', 'out_of_range'],
    ['recordId with a space', { recordId: 'A 1' }, 'recordId', 'format'],
    ['recordId with a tab', { recordId: 'A\t1' }, 'recordId', 'format'],
    ['recordId non-ASCII', { recordId: 'Ä1' }, 'recordId', 'format'],
    ['recordId not a string', { recordId: 12 }, 'recordId', 'type'],
    ['submitter not a PLMN', { submitter: 12345 }, 'submitter', 'format'],
    ['counterparty not a PLMN', { counterparty: 100000 }, 'counterparty', 'format'],
    ['imsi of 13 digits', { imsi: '2620112345678' }, 'imsi', 'format'],
    ['imsi of 16 digits', { imsi: '2620112345678901' }, 'imsi', 'format'],
    ['imsi with a letter', { imsi: '26201123456789A' }, 'imsi', 'format'],
    ['imsi not a string', { imsi: 262011234567890 }, 'imsi', 'type'],
    ['homePlmn not a PLMN', { homePlmn: 999 }, 'homePlmn', 'format'],
    ['visitedPlmn not a PLMN', { visitedPlmn: 23415.5 }, 'visitedPlmn', 'format'],
    ['unknown service', { service: 5 }, 'service', 'unknown_value'],
    ['startTime before 2000', { startTime: CDR_LIMITS.minStartTime - 1 }, 'startTime', 'out_of_range'],
    ['startTime beyond now + 1 day', { startTime: NOW + CDR_LIMITS.maxFutureSkewSec + 1 }, 'startTime', 'out_of_range'],
    ['fractional startTime', { startTime: 1_749_000_000.5 }, 'startTime', 'type'],
    ['negative duration', { durationSec: -1 }, 'durationSec', 'out_of_range'],
    ['duration over 24 h', { durationSec: CDR_LIMITS.maxDurationSec + 1 }, 'durationSec', 'out_of_range'],
    ['fractional duration', { durationSec: 1.5 }, 'durationSec', 'type'],
    ['negative volume', { volumeBytes: -1n }, 'volumeBytes', 'out_of_range'],
    ['volume over 2^40', { volumeBytes: CDR_LIMITS.maxVolumeBytes + 1n }, 'volumeBytes', 'out_of_range'],
    ['volume as number', { volumeBytes: 5 }, 'volumeBytes', 'type'],
    ['negative charge', { charge: -1n }, 'charge', 'out_of_range'],
    ['charge over 10^12', { charge: CDR_LIMITS.maxCharge + 1n }, 'charge', 'out_of_range'],
    ['charge as number', { charge: 1.5 }, 'charge', 'type'],
    ['unsupported currency', { currency: 'JPY' }, 'currency', 'unknown_value'],
    ['negative tariffId', { tariffId: -1 }, 'tariffId', 'out_of_range'],
    ['tariffId over uint32', { tariffId: 2 ** 32 }, 'tariffId', 'out_of_range'],
    ['empty callRef', { callRef: '' }, 'callRef', 'out_of_range'],
    ['callRef of 65 chars', { callRef: 'c'.repeat(65) }, 'callRef', 'out_of_range'],
    ['callRef with a newline', { callRef: 'a\nb' }, 'callRef', 'format'],
    // Cross-field rules.
    ['submitter = counterparty', { counterparty: 23415 }, 'counterparty', 'cross_field'],
    ['pair is not home/visited', { counterparty: 20801 }, 'counterparty', 'cross_field'],
    ['home = visited', { homePlmn: 23415, imsi: '234151234567890' }, 'counterparty', 'cross_field'],
    ['imsi of another network', { imsi: '208011234567890' }, 'imsi', 'cross_field'],
    ['imsi with a 3-digit-MNC lookalike', { imsi: '262001234567890', homePlmn: 26201 }, 'imsi', 'cross_field'],
    ['SMS with a duration', { service: Service.SmsMo, durationSec: 1, volumeBytes: 0n }, 'durationSec', 'cross_field'],
    ['SMS with a volume', { service: Service.SmsMt, durationSec: 0, volumeBytes: 1n }, 'volumeBytes', 'cross_field'],
    ['voice with a volume', { service: Service.VoiceMo, durationSec: 60, volumeBytes: 1n }, 'volumeBytes', 'cross_field'],
  ];
  it.each(cases)('rejects %s', (_name, over, field, code) => {
    expect(violation(base(over))).toEqual({ field, code });
    expect(() => validateCdr(base(over), NOW)).toThrow(CdrValidationError);
  });

  it('accepts the submitter on the home side (outbound view)', () => {
    expect(violation(base({ submitter: 26201, counterparty: 23415 }))).toBeNull();
  });

  it('accepts a 3-digit-MNC home network', () => {
    const us = { homePlmn: 310260, counterparty: 310260, imsi: '310260123456789', currency: 'USD' };
    expect(violation(base(us))).toBeNull();
  });

  it('takes now as a parameter (deterministic time window)', () => {
    const c = base({ startTime: 1_900_000_000 });
    expect(isValidCdr(c, 1_900_000_000)).toBe(true);
    expect(isValidCdr(c, 1_800_000_000)).toBe(false);
  });
});
