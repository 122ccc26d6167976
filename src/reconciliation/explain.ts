import { formatMinorUnits } from '../cdr/currency.js';
import type { Cdr } from '../cdr/model.js';
import { serviceName } from '../cdr/model.js';
import { ToleranceFormatError } from './errors.js';

/**
 * Why two views of one call differ, field by field, and whether the differences fall within the
 * tolerances a pair agreed (e.g. ±1 s duration, ±0.5% charge). Works on plaintext the operator
 * holds (its CDR files, or the payloads it opens from its pair's sealed batches: disputed-records.ts);
 * the ledger's public part never shows values. Integer arithmetic only.
 */
export interface Tolerances {
  /** Largest tolerated |duration difference|, seconds. */
  readonly durationSec: number;
  /** Largest tolerated |charge difference|: relative, in parts per million of the larger charge (0.5% = 5,000)... */
  readonly chargePpm: number;
  /** ...or absolute, in minor units (whichever allows more). */
  readonly chargeMinor: bigint;
  /** Largest tolerated |volume difference|, bytes (absent: none). */
  readonly volumeBytes?: bigint;
}

export const NO_TOLERANCE: Tolerances = Object.freeze({ durationSec: 0, chargePpm: 0, chargeMinor: 0n });

export type ComparedField = 'service' | 'time' | 'duration' | 'volume' | 'charge' | 'currency' | 'tariff';

export interface FieldDifference {
  readonly field: ComparedField;
  readonly mine: string;
  readonly theirs: string;
  /** Within the agreed tolerance (only duration and charge have one). */
  readonly tolerated: boolean;
}

export type Verdict =
  | 'equal' // the two records agree on every compared field
  | 'within_tolerance' // they differ only within the agreed tolerances
  | 'differs' // at least one difference beyond tolerance
  | 'only_mine' // the other side has no record of the call
  | 'only_theirs';

/** The fields two views of a call are compared on: a CDR of the operator's files, or a payload read from the node. */
export type ComparedRecord = Pick<Cdr, 'service' | 'startTime' | 'durationSec' | 'volumeBytes' | 'charge' | 'currency' | 'tariffId'>;

export interface Explanation {
  readonly verdict: Verdict;
  readonly differences: readonly FieldDifference[];
}

/** Compares my record of a call with the counterparty's (either may be missing). */
export function explainViews(mine: ComparedRecord | undefined, theirs: ComparedRecord | undefined, t: Tolerances = NO_TOLERANCE): Explanation {
  if (!mine && !theirs) throw new RangeError('nothing to compare');
  if (!theirs) return { verdict: 'only_mine', differences: [] };
  if (!mine) return { verdict: 'only_theirs', differences: [] };
  const d: FieldDifference[] = [];
  const add = (field: ComparedField, a: string, b: string, tolerated = false): void => {
    if (a !== b) d.push({ field, mine: a, theirs: b, tolerated });
  };
  add('service', serviceName(mine.service), serviceName(theirs.service));
  add('time', String(mine.startTime), String(theirs.startTime));
  add('duration', `${mine.durationSec} s`, `${theirs.durationSec} s`, Math.abs(mine.durationSec - theirs.durationSec) <= t.durationSec);
  add('volume', `${mine.volumeBytes} B`, `${theirs.volumeBytes} B`, absDiff(mine.volumeBytes, theirs.volumeBytes) <= (t.volumeBytes ?? 0n));
  add('currency', mine.currency, theirs.currency);
  if (mine.currency === theirs.currency) {
    add('charge', formatMinorUnits(mine.charge, mine.currency), formatMinorUnits(theirs.charge, theirs.currency), chargeTolerated(mine.charge, theirs.charge, t));
  } else {
    add('charge', `${formatMinorUnits(mine.charge, mine.currency)} ${mine.currency}`, `${formatMinorUnits(theirs.charge, theirs.currency)} ${theirs.currency}`);
  }
  add('tariff', String(mine.tariffId), String(theirs.tariffId));
  const verdict: Verdict = d.length === 0 ? 'equal' : d.every((x) => x.tolerated) ? 'within_tolerance' : 'differs';
  return { verdict, differences: d };
}

function absDiff(a: bigint, b: bigint): bigint {
  return a > b ? a - b : b - a;
}

function chargeTolerated(a: bigint, b: bigint, t: Tolerances): boolean {
  const diff = a > b ? a - b : b - a;
  const larger = a > b ? a : b;
  return diff <= t.chargeMinor || diff * 1_000_000n <= BigInt(t.chargePpm) * larger;
}

/** `1s`, `2`, `0s`: whole seconds. */
export function parseDurationTolerance(s: string): number {
  const m = /^([0-9]{1,6})s?$/.exec(s.trim());
  if (!m) throw new ToleranceFormatError(`duration tolerance "${s}" is not whole seconds (e.g. 1s)`);
  return Number(m[1]);
}

/** `1000`, `1000B`, `0`: whole bytes. */
export function parseVolumeTolerance(s: string): bigint {
  const m = /^([0-9]{1,15})B?$/.exec(s.trim());
  if (!m) throw new ToleranceFormatError(`volume tolerance "${s}" is not whole bytes (e.g. 1024B)`);
  return BigInt(m[1]!);
}

/** `0.5%` (relative to the larger charge, up to 4 decimals) or `3` (minor units). */
export function parseChargeTolerance(s: string): Pick<Tolerances, 'chargePpm' | 'chargeMinor'> {
  const v = s.trim();
  const pct = /^([0-9]{1,3})(?:\.([0-9]{1,4}))?%$/.exec(v);
  if (pct) {
    const ppm = Number(pct[1]) * 10_000 + Number((pct[2] ?? '').padEnd(4, '0'));
    if (ppm > 1_000_000) throw new ToleranceFormatError(`charge tolerance "${s}" is above 100%`);
    return { chargePpm: ppm, chargeMinor: 0n };
  }
  if (/^[0-9]{1,12}$/.test(v)) return { chargePpm: 0, chargeMinor: BigInt(v) };
  throw new ToleranceFormatError(`charge tolerance "${s}" is neither a percentage (0.5%) nor minor units (3)`);
}
