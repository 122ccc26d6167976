// Deterministic synthetic roaming traffic. One seed gives one stream, bit for bit, on any machine:
// the PRNG is sfc32 (32-bit integer ops only), and money is computed with integer arithmetic.
// Floating point is used only to shape distributions (durations, volumes, times), whose results
// are rounded to integers before any charge is computed from them.
import { type Currency, CURRENCY_INFO } from './currency.js';
import { CdrValueError } from './errors.js';
import { type Cdr, Service } from './model.js';
import { CONSORTIUM_PLMNS, countryOfPlmn, formatPlmn, homeCurrencyOf, isValidPlmn } from './plmn.js';
import { CDR_LIMITS } from './validate.js';

// ---------------------------------------------------------------------------------------------
// PRNG and hashing

/** cyrb128-style string hash to four 32-bit words (seeding only; not cryptographic). */
function hash128(s: string): [number, number, number, number] {
  let h1 = 1779033703,
    h2 = 3144134277,
    h3 = 1013904242,
    h4 = 2773480762;
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** 32-bit hash of a string (deterministic per-record decisions, e.g. counterparty mismatches). */
export function hash32(s: string): number {
  return hash128(s)[0];
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  /** Numbers and strings are seeded through their decimal text: 42 and "42" give one stream. */
  constructor(seed: number | string) {
    [this.a, this.b, this.c, this.d] = hash128(String(seed));
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n), n <= 2^32 (multiply-shift; bias < n / 2^32, irrelevant here). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Box-Muller, caching the second variate). */
  normal(): number {
    if (this.spare === this.spare) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u1 = (this.u32() + 1) / 4294967297; // (0, 1): log is finite
    const u2 = this.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}

// ---------------------------------------------------------------------------------------------
// Tariffs (integer minor units)

/** Wholesale (IOT) roaming tariff of a visited network towards one home network. */
export interface RoamingTariff {
  readonly visitedPlmn: number;
  readonly homePlmn: number;
  readonly currency: Currency;
  /** tariffId of a record = tariffIdBase + service. */
  readonly tariffIdBase: number;
  /** Minor units per started minute. */
  readonly voiceMoPerMin: number;
  readonly voiceMtPerMin: number;
  /** Minor units per message. MT SMS is free in wholesale IOTs (charge 0). */
  readonly smsMo: number;
  readonly smsMt: number;
  /** Minor units per GiB, charged per started KiB and rounded up to the minor unit. */
  readonly dataPerGiB: number;
}

// Approximate value of one euro in each currency, per mille (only to make synthetic rates
// plausible in every currency; real FX lives in settlement).
const EUR_PERMILLE: Readonly<Record<Currency, number>> = {
  EUR: 1000,
  GBP: 850,
  USD: 1080,
  SGD: 1450,
  INR: 90000,
  XDR: 820,
};

/** floor(a / b) for non-negative integers below 2^53, corrected for float rounding. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

function ceilDiv(a: number, b: number): number {
  const q = floorDiv(a, b);
  return q * b < a ? q + 1 : q;
}

/** Euro cents -> minor units of `currency` (rounded up), integer arithmetic only. */
function fromEurCents(cents: number, currency: Currency): number {
  const exp = CURRENCY_INFO[currency].exponent;
  // cents * permille / 1000 in 2-decimal units; shift to the currency's exponent.
  const num = cents * EUR_PERMILLE[currency] * 10 ** Math.max(0, exp - 2);
  const den = 1000 * 10 ** Math.max(0, 2 - exp);
  return ceilDiv(num, den);
}

/**
 * The tariff a visited network applies to a home network's roamers. It depends only on the pair
 * (an IOT agreement is fixed for the period), not on the traffic seed. Rates in EUR terms:
 * voice MO 5-20 c/min, voice MT 1-5 c/min, SMS MO 1-5 c, SMS MT 0, data 100-500 c/GiB.
 */
export function roamingTariff(visitedPlmn: number, homePlmn: number, currency?: Currency): RoamingTariff {
  const cur = currency ?? homeCurrencyOf(visitedPlmn);
  const r = new Rng(`tariff:${visitedPlmn}:${homePlmn}`);
  const pick = (lo: number, hi: number): number => lo + r.int(hi - lo + 1);
  return Object.freeze({
    visitedPlmn,
    homePlmn,
    currency: cur,
    tariffIdBase: (r.u32() & 0x0fff_fff0) >>> 0,
    voiceMoPerMin: fromEurCents(pick(5, 20), cur),
    voiceMtPerMin: fromEurCents(pick(1, 5), cur),
    smsMo: fromEurCents(pick(1, 5), cur),
    smsMt: 0,
    dataPerGiB: fromEurCents(pick(100, 500), cur),
  });
}

/** Charge of one record under `t`, in minor units. */
export function rateRecord(t: RoamingTariff, service: Service, durationSec: number, volumeBytes: number): bigint {
  switch (service) {
    case Service.VoiceMo:
      return BigInt(ceilDiv(durationSec, 60) * t.voiceMoPerMin);
    case Service.VoiceMt:
      return BigInt(ceilDiv(durationSec, 60) * t.voiceMtPerMin);
    case Service.SmsMo:
      return BigInt(t.smsMo);
    case Service.SmsMt:
      return BigInt(t.smsMt);
    case Service.Data: {
      // kib <= 2^30 and dataPerGiB <= ~5e6 (XDR, 6 decimals): the product stays below 2^53.
      const kib = ceilDiv(volumeBytes, 1024);
      return BigInt(ceilDiv(kib * t.dataPerGiB, 1 << 20));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Traffic shape

/** Share of traffic per hour of local day (peak = 1). */
const DIURNAL: readonly number[] = [
  0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.25, 0.5, 0.8, 1.0, 1.0, 1.0, 0.95, 0.95, 0.95, 0.95, 1.0, 1.0, 0.95, 0.9, 0.8,
  0.65, 0.45, 0.3,
];

/** Service mix: voice 35% (60% MO), SMS 20% (55% MO), data 45%. Cumulative thresholds in 1/10000. */
const MIX_CUM: readonly [number, Service][] = [
  [2100, Service.VoiceMo],
  [3500, Service.VoiceMt],
  [4600, Service.SmsMo],
  [5500, Service.SmsMt],
  [10000, Service.Data],
];

export const SERVICE_MIX: Readonly<Record<Service, number>> = {
  [Service.VoiceMo]: 0.21,
  [Service.VoiceMt]: 0.14,
  [Service.SmsMo]: 0.11,
  [Service.SmsMt]: 0.09,
  [Service.Data]: 0.45,
};

const VOICE_MU = Math.log(90); // median 90 s
const VOICE_SIGMA = 1.0;
const VOICE_CAP = 7200; // 2 h
const DATA_DUR_MU = Math.log(600); // median 10 min session
const DATA_DUR_SIGMA = 1.2;
const DATA_VOL_MU = Math.log(2 * 1024 * 1024); // median 2 MiB, p99.9 ~ 2.5 GiB
const DATA_VOL_SIGMA = 2.2;
const MAX_SUBSCRIBERS = 10_000_000;

/**
 * Piecewise-constant density of start times over [start, start + period), one piece per local
 * hour. Sampling the i-th of n records at u = (i + jitter) / n through its inverse CDF gives
 * non-decreasing start times (a feed in time order) with a diurnal profile.
 */
class TimeShaper {
  private readonly starts: number[] = [];
  private readonly weights: number[] = [];
  private readonly cum: number[] = [];
  private readonly lens: number[] = [];
  readonly total: number;
  private seg = 0;

  constructor(start: number, period: number, utcOffsetSec: number) {
    let t = start;
    const end = start + period;
    let acc = 0;
    while (t < end) {
      const local = t + utcOffsetSec;
      const hourEnd = t + (3600 - (((local % 3600) + 3600) % 3600));
      const segEnd = Math.min(end, hourEnd);
      const hour = Math.floor((((local % 86400) + 86400) % 86400) / 3600);
      const w = DIURNAL[hour] ?? 1;
      this.starts.push(t);
      this.lens.push(segEnd - t);
      this.weights.push(w);
      this.cum.push(acc);
      acc += w * (segEnd - t);
      t = segEnd;
    }
    this.total = acc;
  }

  /** Time at cumulative weight u (u must not decrease between calls). */
  at(u: number): number {
    const cum = this.cum;
    const last = cum.length - 1;
    while (this.seg < last && (cum[this.seg + 1] ?? Infinity) <= u) this.seg++;
    const s = this.seg;
    const off = Math.floor((u - (cum[s] ?? 0)) / (this.weights[s] ?? 1));
    const len = this.lens[s] ?? 1;
    return (this.starts[s] ?? 0) + Math.min(Math.max(off, 0), len - 1);
  }
}

/** IMSIs of a home network's roamers: home PLMN digits + a 9/10-digit MSIN, 15 digits in all. */
function subscriberImsis(homePlmn: number, n: number): string[] {
  const prefix = formatPlmn(homePlmn);
  const width = 15 - prefix.length;
  const mod = 10 ** width;
  // Affine map i -> (a*i + b) mod 10^width with gcd(a, 10) = 1: a bijection, so IMSIs are distinct
  // and look scattered. b depends only on the home PLMN: a subscriber keeps its IMSI across pairs.
  const a = 7_919_317;
  const b = hash32(`msin:${homePlmn}`) % mod;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = prefix + String((a * i + b) % mod).padStart(width, '0');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generator

export type RoamingDirection = 'inbound' | 'outbound' | 'both';

export interface TrafficOptions {
  seed: number | string;
  submitter: number;
  counterparty: number;
  count: number;
  /** Unix seconds of the first possible start time. */
  startTime: number;
  periodSeconds: number;
  /** Roamers per home network (default 10,000), activity Zipf(s = 1) over them. */
  subscribers?: number;
  /**
   * 'inbound' (default): the counterparty's subscribers roam on the submitter's network, i.e. the
   * submitter is the visited network billing the home network, as in TAP. 'outbound': the
   * submitter's subscribers roam on the counterparty. 'both': each record picks one at 50%.
   */
  direction?: RoamingDirection;
  /** Tariff currency; default: the visited network's home currency. */
  currency?: Currency;
  /** Record id prefix; default `${submitter}-${seedTag}-` (unique per submitter and seed). */
  recordIdPrefix?: string;
}

interface Leg {
  home: number;
  visited: number;
  imsis: string[];
  tariff: RoamingTariff;
  callPrefix: [string, string, string];
}

function makeLeg(o: TrafficOptions, home: number, visited: number, n: number): Leg {
  const tag = hash32(`call:${String(o.seed)}:${home}:${visited}`).toString(16).padStart(8, '0');
  return {
    home,
    visited,
    imsis: subscriberImsis(home, n),
    tariff: roamingTariff(visited, home, o.currency),
    // MSC call reference (voice), SMSC reference (SMS), GTP charging id (data) styles.
    callPrefix: [`V${tag}`, `S${tag}`, `D${tag}`],
  };
}

function checkOptions(o: TrafficOptions): void {
  const bad = (m: string): never => {
    throw new CdrValueError('out_of_range', `generateTraffic: ${m}`);
  };
  if (!isValidPlmn(o.submitter) || !isValidPlmn(o.counterparty)) bad('invalid PLMN id');
  if (o.submitter === o.counterparty) bad('submitter equals counterparty');
  if (!Number.isSafeInteger(o.count) || o.count < 0) bad('count must be a non-negative integer');
  if (!Number.isSafeInteger(o.startTime) || o.startTime < CDR_LIMITS.minStartTime) bad('startTime before 2000-01-01');
  if (!Number.isSafeInteger(o.periodSeconds) || o.periodSeconds < 1) bad('periodSeconds must be >= 1');
  const n = o.subscribers ?? 10_000;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SUBSCRIBERS) bad(`subscribers must be in [1, ${MAX_SUBSCRIBERS}]`);
}

/** Short hex tag of a seed, used in default record ids. */
export function seedTag(seed: number | string): string {
  return hash32(`seed:${String(seed)}`).toString(16).padStart(8, '0');
}

/**
 * `count` roaming CDRs as the submitter records them, in non-decreasing startTime order over
 * [startTime, startTime + periodSeconds). Deterministic in all options.
 */
export function* generateTraffic(o: TrafficOptions): Generator<Cdr, void, undefined> {
  checkOptions(o);
  const rng = new Rng(o.seed);
  const n = o.subscribers ?? 10_000;
  const dir = o.direction ?? 'inbound';
  const inbound = makeLeg(o, o.counterparty, o.submitter, n);
  const outbound = dir === 'inbound' ? inbound : makeLeg(o, o.submitter, o.counterparty, n);
  const shaper = new TimeShaper(o.startTime, o.periodSeconds, countryOfPlmn(o.submitter)?.utcOffsetSec ?? 0);
  const prefix = o.recordIdPrefix ?? `${formatPlmn(o.submitter)}-${seedTag(o.seed)}-`;
  const logN1 = Math.log(n + 1);
  const { submitter, counterparty, count } = o;
  const step = shaper.total / Math.max(count, 1);

  for (let i = 0; i < count; i++) {
    const startTime = shaper.at((i + rng.float()) * step);
    const leg = dir === 'inbound' ? inbound : dir === 'outbound' ? outbound : rng.u32() & 1 ? outbound : inbound;

    // Zipf(1) rank by inverse transform of the continuous log-uniform approximation.
    const rank = Math.min(n - 1, Math.floor(Math.exp(rng.float() * logN1)) - 1);
    const imsi = leg.imsis[rank] ?? '';

    const m = rng.int(10000);
    let service = Service.Data;
    for (const [thr, s] of MIX_CUM) {
      if (m < thr) {
        service = s;
        break;
      }
    }

    let durationSec = 0;
    let volume = 0;
    let kind = 0;
    if (service === Service.VoiceMo || service === Service.VoiceMt) {
      durationSec = Math.min(VOICE_CAP, Math.max(1, Math.round(Math.exp(VOICE_MU + VOICE_SIGMA * rng.normal()))));
    } else if (service === Service.Data) {
      kind = 2;
      durationSec = Math.min(
        CDR_LIMITS.maxDurationSec,
        Math.max(1, Math.round(Math.exp(DATA_DUR_MU + DATA_DUR_SIGMA * rng.normal()))),
      );
      volume = Math.min(2 ** 40, Math.max(64, Math.round(Math.exp(DATA_VOL_MU + DATA_VOL_SIGMA * rng.normal()))));
    } else {
      kind = 1;
    }

    const t = leg.tariff;
    yield {
      recordId: prefix + i,
      submitter,
      counterparty,
      imsi,
      homePlmn: leg.home,
      visitedPlmn: leg.visited,
      service,
      startTime,
      durationSec,
      volumeBytes: volume === 0 ? 0n : BigInt(volume),
      charge: rateRecord(t, service, durationSec, volume),
      currency: t.currency,
      tariffId: t.tariffIdBase + service,
      callRef: leg.callPrefix[kind] + i.toString(16),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The counterparty's view of the same events

/** 'tariff': the view names the neighbouring tariff id (a rating dispute); not among the default kinds. */
export type MismatchKind = 'charge' | 'duration' | 'volume' | 'tariff';

export interface CounterpartyViewOptions {
  /** Probability in [0, 1] that the view disagrees on one value (default 0). */
  mismatchRate?: number;
  /** Kinds to draw from (default all; each record uses only the kinds its service allows). */
  mismatchKinds?: readonly MismatchKind[];
  /** Seeds the per-record mismatch decision (default 0). */
  seed?: number | string;
  /** Record id of the view; default `${counterparty}-${callRef}` (hashed if over 64 chars). */
  recordId?: (cdr: Cdr) => string;
}

export interface CounterpartyView {
  cdr: Cdr;
  /** What was altered, or null when the view agrees on every shared value. */
  mismatch: MismatchKind | null;
}

const ALL_KINDS: readonly MismatchKind[] = ['charge', 'duration', 'volume'];

function defaultViewRecordId(c: Cdr): string {
  const id = `${formatPlmn(c.counterparty)}-${c.callRef}`;
  if (id.length <= CDR_LIMITS.recordIdMaxLength) return id;
  const [h1, h2, h3, h4] = hash128(c.callRef);
  return `${formatPlmn(c.counterparty)}-h${[h1, h2, h3, h4].map((h) => h.toString(16).padStart(8, '0')).join('')}`;
}

/**
 * The other operator's record of the same event: same callRef, IMSI, home/visited, service, start
 * time and (unless mismatched) values; its own record id; submitter and counterparty swapped.
 * Deterministic per (cdr.callRef, options.seed). A mismatch changes exactly one value by the
 * smallest step (1 minor unit, 1 s, 1 KiB) and keeps the record valid.
 */
export function counterpartyView(c: Cdr, opts: CounterpartyViewOptions = {}): CounterpartyView {
  const view: Cdr = {
    ...c,
    submitter: c.counterparty,
    counterparty: c.submitter,
    recordId: (opts.recordId ?? defaultViewRecordId)(c),
  };
  const rate = opts.mismatchRate ?? 0;
  if (rate <= 0) return { cdr: view, mismatch: null };
  const [h1, h2, h3] = hash128(`mismatch:${String(opts.seed ?? 0)}:${c.callRef}`);
  if (h1 / 4294967296 >= rate) return { cdr: view, mismatch: null };

  const allowed = (opts.mismatchKinds ?? ALL_KINDS).filter(
    (k) =>
      k === 'charge' ||
      k === 'tariff' ||
      (k === 'duration' && (c.service === Service.VoiceMo || c.service === Service.VoiceMt || c.service === Service.Data)) ||
      (k === 'volume' && c.service === Service.Data),
  );
  const kind = allowed[h2 % Math.max(allowed.length, 1)];
  const up = (h3 & 1) === 1;
  switch (kind) {
    case undefined:
      return { cdr: view, mismatch: null };
    case 'charge':
      view.charge = (up && c.charge < CDR_LIMITS.maxCharge) || c.charge === 0n ? c.charge + 1n : c.charge - 1n;
      break;
    case 'duration':
      view.durationSec =
        (up && c.durationSec < CDR_LIMITS.maxDurationSec) || c.durationSec === 0 ? c.durationSec + 1 : c.durationSec - 1;
      break;
    case 'volume':
      view.volumeBytes =
        (up && c.volumeBytes + 1024n <= CDR_LIMITS.maxVolumeBytes) || c.volumeBytes < 1024n
          ? c.volumeBytes + 1024n
          : c.volumeBytes - 1024n;
      break;
    case 'tariff':
      view.tariffId = c.tariffId < 0xffff_ffff ? c.tariffId + 1 : c.tariffId - 1;
      break;
  }
  return { cdr: view, mismatch: kind };
}

/** `counterpartyView(c, opts).cdr`. */
export function generateCounterpartyView(c: Cdr, opts: CounterpartyViewOptions = {}): Cdr {
  return counterpartyView(c, opts).cdr;
}

export interface PairTrafficOptions extends TrafficOptions, Omit<CounterpartyViewOptions, 'seed'> {
  /** Probability that an event is recorded by only one side (half each side). Default 0. */
  missingRate?: number;
}

/** One event of a pair's traffic as both sides record it, with the ground truth for tests. */
export interface PairedEvent {
  callRef: string;
  submitterView: Cdr | null;
  counterpartyView: Cdr | null;
  mismatch: MismatchKind | null;
}

/**
 * Both operators' records of `count` events: the submitter's (from generateTraffic) and the
 * counterparty's view, with configurable mismatches and one-sided (missing) records.
 */
export function* generatePairTraffic(o: PairTrafficOptions): Generator<PairedEvent, void, undefined> {
  const missing = o.missingRate ?? 0;
  const viewOpts: CounterpartyViewOptions = { seed: o.seed };
  if (o.mismatchRate !== undefined) viewOpts.mismatchRate = o.mismatchRate;
  if (o.mismatchKinds !== undefined) viewOpts.mismatchKinds = o.mismatchKinds;
  if (o.recordId !== undefined) viewOpts.recordId = o.recordId;
  for (const c of generateTraffic(o)) {
    const { cdr, mismatch } = counterpartyView(c, viewOpts);
    let mine: Cdr | null = c;
    let theirs: Cdr | null = cdr;
    if (missing > 0) {
      const h = hash32(`missing:${String(o.seed)}:${c.callRef}`);
      if (h / 4294967296 < missing) {
        if (h & 1) mine = null;
        else theirs = null;
      }
    }
    yield { callRef: c.callRef, submitterView: mine, counterpartyView: theirs, mismatch: mine && theirs ? mismatch : null };
  }
}

/** Every unordered pair of operators in different countries (roaming needs a border). */
export function syntheticOperatorPairs(plmns: readonly number[] = CONSORTIUM_PLMNS): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < plmns.length; i++) {
    for (let j = i + 1; j < plmns.length; j++) {
      const a = plmns[i];
      const b = plmns[j];
      if (a === undefined || b === undefined) continue;
      if (countryOfPlmn(a)?.country !== countryOfPlmn(b)?.country) out.push([a, b]);
    }
  }
  return out;
}
