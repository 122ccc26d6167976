import { describe, expect, it } from 'vitest';
import { CdrValueError } from './errors.js';
import { type Cdr, Service } from './model.js';
import { countryOfPlmn } from './plmn.js';
import {
  Rng,
  SERVICE_MIX,
  type TrafficOptions,
  counterpartyView,
  generateCounterpartyView,
  generatePairTraffic,
  generateTraffic,
  rateRecord,
  roamingTariff,
  syntheticOperatorPairs,
} from './synthetic.js';
import { checkCdr, validateCdr } from './validate.js';

const START = 1_735_689_600; // 2025-01-01T00:00:00Z
const DAY = 86_400;
const OPTS: TrafficOptions = { seed: 7, submitter: 23415, counterparty: 26201, count: 1000, startTime: START, periodSeconds: 7 * DAY };

function take(o: Partial<TrafficOptions> = {}): Cdr[] {
  return [...generateTraffic({ ...OPTS, ...o })];
}

describe('Rng (sfc32)', () => {
  it('is pinned: these outputs must never change (streams are reproducible across versions)', () => {
    const r = new Rng(1);
    expect([r.u32(), r.u32(), r.u32(), r.u32()]).toMatchInlineSnapshot(`
      [
        663261097,
        853986954,
        1331713668,
        2079947259,
      ]
    `);
  });
  it('seeds numbers and their decimal text alike, and different seeds differently', () => {
    expect(new Rng(42).u32()).toBe(new Rng('42').u32());
    expect(new Rng(42).u32()).not.toBe(new Rng(43).u32());
  });
  it('gives floats in [0, 1) with a sane mean and normals with mean 0, sd 1', () => {
    const r = new Rng('stats');
    let s = 0, s1 = 0, s2 = 0, outside = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const f = r.float();
      if (!(f >= 0 && f < 1)) outside++;
      s += f;
      const z = r.normal();
      s1 += z;
      s2 += z * z;
    }
    expect(outside).toBe(0);
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(s1 / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });
});

describe('generateTraffic', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(take()).toEqual(take());
    const a = take({ seed: 1 });
    const b = take({ seed: 2 });
    expect(a.filter((c, i) => c.imsi === b[i]?.imsi && c.charge === b[i]?.charge).length).toBeLessThan(100);
  });

  it('is pinned: the first record of a known stream', () => {
    const [c] = take({ count: 1 });
    expect(c).toMatchInlineSnapshot(`
      {
        "callRef": "S914e040d0",
        "charge": 0n,
        "counterparty": 26201,
        "currency": "GBP",
        "durationSec": 0,
        "homePlmn": 26201,
        "imsi": "262014000788464",
        "recordId": "23415-ba1d4e5f-0",
        "service": 3,
        "startTime": 1736072894,
        "submitter": 23415,
        "tariffId": 69229043,
        "visitedPlmn": 23415,
        "volumeBytes": 0n,
      }
    `);
  });

  it('produces only valid records (100k)', () => {
    const now = START + 7 * DAY;
    let n = 0;
    for (const c of generateTraffic({ ...OPTS, count: 100_000 })) {
      const e = checkCdr(c, now);
      if (e !== null) throw new Error(`record ${n}: ${e.message}`);
      n++;
    }
    expect(n).toBe(100_000);
  });

  it('has the service mix within tolerance over 100k records', () => {
    const counts = [0, 0, 0, 0, 0];
    for (const c of generateTraffic({ ...OPTS, count: 100_000 })) counts[c.service] = (counts[c.service] ?? 0) + 1;
    for (const s of [Service.VoiceMo, Service.VoiceMt, Service.SmsMo, Service.SmsMt, Service.Data]) {
      expect(Math.abs((counts[s] ?? 0) / 100_000 - SERVICE_MIX[s])).toBeLessThan(0.01);
    }
    const voice = (counts[0] ?? 0) + (counts[1] ?? 0);
    expect(Math.abs(voice / 100_000 - 0.35)).toBeLessThan(0.01);
    expect(Math.abs((counts[0] ?? 0) / voice - 0.6)).toBeLessThan(0.02);
  });

  it('spreads start times over the period, in order, with a diurnal profile', () => {
    const recs = take({ count: 50_000 });
    const perHour = new Array<number>(24).fill(0);
    let prev = -Infinity;
    let bad = 0;
    for (const c of recs) {
      if (c.startTime < START || c.startTime >= START + 7 * DAY || c.startTime < prev) bad++;
      prev = c.startTime;
      perHour[Math.floor((c.startTime % DAY) / 3600)]! += 1; // UK: local = UTC
    }
    expect(bad).toBe(0);
    expect(perHour[10]!).toBeGreaterThan(5 * perHour[3]!);
    expect(recs[0]!.startTime - START).toBeLessThan(3600);
    expect(START + 7 * DAY - recs[recs.length - 1]!.startTime).toBeLessThan(3600);
  });

  it('shapes voice durations (median ~90 s, capped at 2 h) and heavy-tailed data volumes', () => {
    const recs = take({ count: 50_000 });
    const voice = recs.filter((c) => c.service <= Service.VoiceMt).map((c) => c.durationSec).sort((a, b) => a - b);
    const median = voice[Math.floor(voice.length / 2)]!;
    expect(median).toBeGreaterThan(75);
    expect(median).toBeLessThan(105);
    expect(voice[voice.length - 1]!).toBeLessThanOrEqual(7200);
    expect(voice[0]!).toBeGreaterThanOrEqual(1);
    const vols = recs.filter((c) => c.service === Service.Data).map((c) => Number(c.volumeBytes)).sort((a, b) => a - b);
    expect(vols[0]!).toBeLessThan(100 * 1024); // KB sessions
    expect(vols[vols.length - 1]!).toBeGreaterThan(512 * 1024 * 1024); // and GB-scale ones
  });

  it('draws subscribers Zipf-like from the home network population', () => {
    const recs = take({ count: 50_000, subscribers: 10_000 });
    const per = new Map<string, number>();
    const shapes = new Set(recs.map((c) => `${/^26201\d{10}$/.test(c.imsi)}:${c.homePlmn}:${c.visitedPlmn}`));
    expect([...shapes]).toEqual(['true:26201:23415']);
    for (const c of recs) {
      per.set(c.imsi, (per.get(c.imsi) ?? 0) + 1);
    }
    expect(per.size).toBeLessThanOrEqual(10_000);
    const sorted = [...per.values()].sort((a, b) => b - a);
    expect(sorted[0]!).toBeGreaterThan(20 * sorted[Math.floor(sorted.length / 2)]!);
  });

  it('prices in the visited currency with integer per-minute / per-KiB rating', () => {
    const t = roamingTariff(23415, 26201);
    expect(t.currency).toBe('GBP');
    for (const c of take({ count: 5000 })) {
      expect(c.currency).toBe('GBP');
      expect(c.tariffId).toBe(t.tariffIdBase + c.service);
      expect(c.charge).toBe(rateRecord(t, c.service, c.durationSec, Number(c.volumeBytes)));
      if (c.service === Service.VoiceMo) expect(c.charge).toBe(BigInt(Math.ceil(c.durationSec / 60) * t.voiceMoPerMin));
    }
    // EUR-equivalent ranges from the brief: voice MO 5-20 c/min, SMS MO 1-5 c, data 1-5 EUR/GiB.
    const eur = roamingTariff(26201, 23415);
    expect(eur.currency).toBe('EUR');
    expect(eur.voiceMoPerMin).toBeGreaterThanOrEqual(5);
    expect(eur.voiceMoPerMin).toBeLessThanOrEqual(20);
    expect(eur.smsMo).toBeGreaterThanOrEqual(1);
    expect(eur.smsMo).toBeLessThanOrEqual(5);
    expect(eur.dataPerGiB).toBeGreaterThanOrEqual(100);
    expect(eur.dataPerGiB).toBeLessThanOrEqual(500);
    expect(rateRecord(eur, Service.Data, 1, 2 ** 30)).toBe(BigInt(eur.dataPerGiB)); // exactly 1 GiB
    expect(rateRecord(eur, Service.Data, 1, 1)).toBe(1n); // a started KiB rounds up to 1 minor unit
    expect(rateRecord(eur, Service.VoiceMo, 61, 0)).toBe(BigInt(2 * eur.voiceMoPerMin));
  });

  it('supports INR and XDR tariffs', () => {
    const inr = take({ submitter: 405840, counterparty: 23410, count: 2000 });
    expect(inr.every((c) => c.currency === 'INR')).toBe(true);
    const xdr = take({ currency: 'XDR', count: 2000 });
    expect(xdr.every((c) => c.currency === 'XDR')).toBe(true);
    const voice = xdr.find((c) => c.service === Service.VoiceMo)!;
    expect(voice.charge).toBeGreaterThan(10_000n); // micro-SDR
    for (const c of [...inr, ...xdr]) validateCdr(c, START + 7 * DAY);
  });

  it('handles outbound and mixed directions, and 3-digit MNCs', () => {
    const out = take({ direction: 'outbound', count: 500 });
    expect(out.every((c) => c.homePlmn === 23415 && c.visitedPlmn === 26201 && c.currency === 'EUR')).toBe(true);
    const both = take({ direction: 'both', submitter: 310260, counterparty: 52501, count: 2000 });
    const inbound = both.filter((c) => c.visitedPlmn === 310260).length;
    expect(inbound).toBeGreaterThan(850);
    expect(inbound).toBeLessThan(1150);
    for (const c of both) {
      validateCdr(c, START + 7 * DAY);
      expect(c.imsi).toHaveLength(15);
    }
  });

  it('gives unique record ids and call refs', () => {
    const recs = take({ count: 20_000, direction: 'both' });
    expect(new Set(recs.map((c) => c.recordId)).size).toBe(recs.length);
    expect(new Set(recs.map((c) => c.callRef)).size).toBe(recs.length);
  });

  it('rejects bad options', () => {
    expect(() => take({ counterparty: 23415 })).toThrow(CdrValueError);
    expect(() => take({ count: -1 })).toThrow(CdrValueError);
    expect(() => take({ periodSeconds: 0 })).toThrow(CdrValueError);
    expect(() => take({ startTime: 0 })).toThrow(CdrValueError);
    expect(() => take({ subscribers: 0 })).toThrow(CdrValueError);
    expect(() => take({ submitter: 1234 })).toThrow(CdrValueError);
  });
});

describe('counterparty views', () => {
  const SHARED = ['callRef', 'imsi', 'homePlmn', 'visitedPlmn', 'service', 'startTime', 'durationSec', 'volumeBytes', 'charge', 'currency', 'tariffId'] as const;

  it('agree on every shared field, swap the operators, and have their own record id', () => {
    for (const c of take({ count: 5000 })) {
      const v = generateCounterpartyView(c);
      for (const k of SHARED) expect(v[k]).toBe(c[k]);
      expect(v.submitter).toBe(c.counterparty);
      expect(v.counterparty).toBe(c.submitter);
      expect(v.recordId).not.toBe(c.recordId);
      validateCdr(v, START + 7 * DAY);
    }
  });

  it('hashes long call refs into a record id within limits', () => {
    const [c] = take({ count: 1 });
    const v = generateCounterpartyView({ ...c!, callRef: 'X'.repeat(64) });
    expect(v.recordId.length).toBeLessThanOrEqual(64);
    validateCdr(v, START + 7 * DAY);
  });

  it('mismatches at the configured rate, by one smallest step in one field, deterministically', () => {
    const recs = take({ count: 20_000 });
    let n = 0;
    const kinds = new Set<string>();
    for (const c of recs) {
      const { cdr: v, mismatch } = counterpartyView(c, { mismatchRate: 0.1, seed: 'm' });
      expect(counterpartyView(c, { mismatchRate: 0.1, seed: 'm' })).toEqual({ cdr: v, mismatch });
      validateCdr(v, START + 7 * DAY);
      const diff = SHARED.filter((k) => v[k] !== c[k]);
      if (mismatch === null) {
        expect(diff).toEqual([]);
        continue;
      }
      n++;
      kinds.add(mismatch);
      expect(diff).toEqual([mismatch === 'charge' ? 'charge' : mismatch === 'duration' ? 'durationSec' : 'volumeBytes']);
      if (mismatch === 'charge') expect(v.charge - c.charge === 1n || c.charge - v.charge === 1n).toBe(true);
      if (mismatch === 'duration') expect(Math.abs(v.durationSec - c.durationSec)).toBe(1);
      if (mismatch === 'volume') expect(v.volumeBytes - c.volumeBytes === 1024n || c.volumeBytes - v.volumeBytes === 1024n).toBe(true);
      if (c.service === Service.SmsMo || c.service === Service.SmsMt) expect(mismatch).toBe('charge');
    }
    expect(n / recs.length).toBeGreaterThan(0.09);
    expect(n / recs.length).toBeLessThan(0.11);
    expect([...kinds].sort()).toEqual(['charge', 'duration', 'volume']);
  });

  it('generates paired traffic with one-sided records', () => {
    let missingMine = 0, missingTheirs = 0, mism = 0;
    const n = 20_000;
    for (const e of generatePairTraffic({ ...OPTS, count: n, mismatchRate: 0.05, missingRate: 0.02, mismatchKinds: ['charge'] })) {
      expect(e.submitterView !== null || e.counterpartyView !== null).toBe(true);
      if (e.submitterView === null) missingMine++;
      if (e.counterpartyView === null) missingTheirs++;
      if (e.mismatch !== null) {
        mism++;
        expect(e.mismatch).toBe('charge');
        expect(e.submitterView!.charge).not.toBe(e.counterpartyView!.charge);
      } else if (e.submitterView && e.counterpartyView) {
        expect(e.counterpartyView.charge).toBe(e.submitterView.charge);
      }
      for (const v of [e.submitterView, e.counterpartyView]) if (v) expect(v.callRef).toBe(e.callRef);
    }
    expect((missingMine + missingTheirs) / n).toBeGreaterThan(0.015);
    expect((missingMine + missingTheirs) / n).toBeLessThan(0.025);
    expect(missingMine).toBeGreaterThan(0);
    expect(missingTheirs).toBeGreaterThan(0);
    expect(mism / n).toBeGreaterThan(0.04);
    expect(mism / n).toBeLessThan(0.06);
  });

  it('lists cross-border operator pairs', () => {
    const pairs = syntheticOperatorPairs();
    expect(pairs).toContainEqual([26201, 23415]);
    expect(pairs).not.toContainEqual([26201, 26202]);
    for (const [a, b] of pairs) expect(countryOfPlmn(a)?.country).not.toBe(countryOfPlmn(b)?.country);
    expect(pairs.length).toBe(66 - 6); // 12 operators, six same-country pairs
  });
});
