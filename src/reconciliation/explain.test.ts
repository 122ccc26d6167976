import { describe, expect, it } from 'vitest';
import { generateTraffic } from '../cdr/synthetic.js';
import { Service, type Cdr } from '../cdr/model.js';
import { ToleranceFormatError } from './errors.js';
import { explainViews, parseChargeTolerance, parseDurationTolerance, type Tolerances } from './explain.js';

const [call] = [...generateTraffic({ seed: 'explain', submitter: 20801, counterparty: 23415, count: 1, startTime: 1_793_836_800, periodSeconds: 3600 })];
const base: Cdr = { ...call!, service: Service.VoiceMo, durationSec: 60, charge: 1000n, currency: 'EUR' };
const view = (change: Partial<Cdr>): Cdr => ({ ...base, submitter: base.counterparty, counterparty: base.submitter, recordId: 'theirs-1', ...change });
const T: Tolerances = { durationSec: 1, ...parseChargeTolerance('0.5%') };

describe('explainViews', () => {
  it('finds agreeing views equal (record ids and submitter are not values)', () => {
    expect(explainViews(base, view({}), T)).toEqual({ verdict: 'equal', differences: [] });
  });

  it('tolerates ±1 s and ±0.5% of the larger charge, exactly at the edge and not beyond', () => {
    expect(explainViews(base, view({ durationSec: 61 }), T)).toEqual({ verdict: 'within_tolerance', differences: [{ field: 'duration', mine: '60 s', theirs: '61 s', tolerated: true }] });
    expect(explainViews(base, view({ durationSec: 62 }), T).verdict).toBe('differs');
    expect(explainViews(base, view({ charge: 1005n }), T)).toMatchObject({ verdict: 'within_tolerance', differences: [{ field: 'charge', mine: '10.00', theirs: '10.05', tolerated: true }] });
    expect(explainViews(base, view({ charge: 1006n }), T).verdict).toBe('differs');
    expect(explainViews(base, view({ charge: 1003n }), { ...T, chargePpm: 0, chargeMinor: 3n }).verdict).toBe('within_tolerance');
    expect(explainViews(base, view({ charge: 1003n }), { durationSec: 0, chargePpm: 0, chargeMinor: 0n }).verdict).toBe('differs');
  });

  it('never tolerates a tariff, time or currency difference, and reports every differing field', () => {
    const e = explainViews(base, view({ durationSec: 61, tariffId: base.tariffId + 1, startTime: base.startTime + 1 }), T);
    expect(e.verdict).toBe('differs');
    expect(e.differences.map((d) => [d.field, d.tolerated])).toEqual([['time', false], ['duration', true], ['tariff', false]]);
    expect(explainViews(base, view({ currency: 'GBP' }), T).differences.map((d) => d.field)).toEqual(['currency', 'charge']);
  });

  it('names the side a one-sided event is on', () => {
    expect(explainViews(base, undefined).verdict).toBe('only_mine');
    expect(explainViews(undefined, view({})).verdict).toBe('only_theirs');
  });
});

describe('tolerance parsing', () => {
  it('reads seconds, percentages (4 decimals) and minor units', () => {
    expect(parseDurationTolerance('1s')).toBe(1);
    expect(parseDurationTolerance('0')).toBe(0);
    expect(parseChargeTolerance('0.5%')).toEqual({ chargePpm: 5000, chargeMinor: 0n });
    expect(parseChargeTolerance('0.0025%')).toEqual({ chargePpm: 25, chargeMinor: 0n });
    expect(parseChargeTolerance('100%')).toEqual({ chargePpm: 1_000_000, chargeMinor: 0n });
    expect(parseChargeTolerance('3')).toEqual({ chargePpm: 0, chargeMinor: 3n });
  });
  it('refuses anything else', () => {
    for (const bad of ['1.5s', '-1s', 's', '1m']) expect(() => parseDurationTolerance(bad), bad).toThrow(ToleranceFormatError);
    for (const bad of ['101%', '0.00001%', '%', '-1', '1.5', 'lots']) expect(() => parseChargeTolerance(bad), bad).toThrow(ToleranceFormatError);
  });
});
