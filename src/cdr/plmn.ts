// PLMN ids (MCC + MNC) as integers, and reference data for the consortium's operators.
// A PLMN id is the integer of its digit string: "26201" -> 26201, "310260" -> 310260. Because every
// MCC starts with 2..7 there is never a leading zero, so 5-digit ids (2-digit MNC) are
// 20000..79999 and 6-digit ids (3-digit MNC) are 200000..799999: the integer is unambiguous and
// "262001" (MNC 001) stays distinct from "26201" (MNC 01).
import type { Currency } from './currency.js';
import { CdrValueError } from './errors.js';

// Declared before the tables below: they are built with parsePlmn at module load.
const PLMN_RE = /^[2-7]\d{4,5}$/;

export interface CountryInfo {
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly countryName: string;
  readonly currency: Currency;
  /** Representative UTC offset of standard time, seconds (for diurnal traffic shaping only). */
  readonly utcOffsetSec: number;
}

export interface OperatorInfo {
  readonly plmn: number;
  readonly mcc: number;
  /** 2 or 3 digits, as a string because "01" and "001" are different MNCs. */
  readonly mnc: string;
  readonly name: string;
  readonly country: string;
  readonly currency: Currency;
}

const DE: CountryInfo = { country: 'DE', countryName: 'Germany', currency: 'EUR', utcOffsetSec: 3600 };
const GB: CountryInfo = { country: 'GB', countryName: 'United Kingdom', currency: 'GBP', utcOffsetSec: 0 };
const FR: CountryInfo = { country: 'FR', countryName: 'France', currency: 'EUR', utcOffsetSec: 3600 };
const IT: CountryInfo = { country: 'IT', countryName: 'Italy', currency: 'EUR', utcOffsetSec: 3600 };
const ES: CountryInfo = { country: 'ES', countryName: 'Spain', currency: 'EUR', utcOffsetSec: 3600 };
const NL: CountryInfo = { country: 'NL', countryName: 'Netherlands', currency: 'EUR', utcOffsetSec: 3600 };
const US: CountryInfo = { country: 'US', countryName: 'United States', currency: 'USD', utcOffsetSec: -5 * 3600 };
const SG: CountryInfo = { country: 'SG', countryName: 'Singapore', currency: 'SGD', utcOffsetSec: 8 * 3600 };
const IN: CountryInfo = { country: 'IN', countryName: 'India', currency: 'INR', utcOffsetSec: 5 * 3600 + 1800 };

/** Mobile country codes (ITU-T E.212) of the consortium's countries. */
export const MCC_COUNTRIES: ReadonlyMap<number, CountryInfo> = new Map<number, CountryInfo>([
  [262, DE],
  [234, GB],
  [235, GB],
  [208, FR],
  [222, IT],
  [214, ES],
  [204, NL],
  [310, US],
  [311, US],
  [312, US],
  [313, US],
  [314, US],
  [315, US],
  [316, US],
  [525, SG],
  [404, IN],
  [405, IN],
  [406, IN],
]);

function op(id: string, name: string): OperatorInfo {
  const plmn = parsePlmn(id);
  const mcc = plmnMcc(plmn);
  const c = MCC_COUNTRIES.get(mcc);
  if (c === undefined) throw new Error(`no country for MCC ${mcc}`);
  return Object.freeze({ plmn, mcc, mnc: id.slice(3), name, country: c.country, currency: c.currency });
}

/** Real PLMN ids of operators we model; the first twelve form the default consortium. */
export const OPERATORS: readonly OperatorInfo[] = Object.freeze([
  op('26201', 'Telekom Deutschland'),
  op('26202', 'Vodafone Germany'),
  op('23415', 'Vodafone UK'),
  op('23410', 'O2 UK'),
  op('20801', 'Orange France'),
  op('20810', 'SFR'),
  op('310260', 'T-Mobile US'),
  op('310410', 'AT&T Mobility'),
  op('52501', 'Singtel'),
  op('52505', 'StarHub'),
  op('40445', 'Bharti Airtel (Karnataka)'),
  op('405840', 'Reliance Jio'),
  op('26203', 'Telefonica Germany (O2)'),
  op('23430', 'EE'),
  op('20820', 'Bouygues Telecom'),
  op('311480', 'Verizon Wireless'),
  op('52503', 'M1'),
]);

/** The default twelve-operator consortium (PLMN ids). */
export const CONSORTIUM_PLMNS: readonly number[] = Object.freeze(OPERATORS.slice(0, 12).map((o) => o.plmn));

const BY_PLMN: ReadonlyMap<number, OperatorInfo> = new Map(OPERATORS.map((o) => [o.plmn, o] as const));


export function isValidPlmn(n: number): boolean {
  return Number.isInteger(n) && ((n >= 20000 && n <= 79999) || (n >= 200000 && n <= 799999));
}

/** "26201" -> 26201, "310260" -> 310260. Rejects anything but 5 or 6 digits with MCC 2xx..7xx. */
export function parsePlmn(s: string): number {
  if (!PLMN_RE.test(s)) throw new CdrValueError('format', `"${s}" is not a PLMN id (5 or 6 digits, MCC 200-799)`);
  return Number(s);
}

/** 26201 -> "26201". No padding is ever needed (see the module comment). */
export function formatPlmn(n: number): string {
  if (!isValidPlmn(n)) throw new CdrValueError('format', `${n} is not a PLMN id`);
  return String(n);
}

export function plmnMcc(n: number): number {
  return n < 100000 ? Math.floor(n / 100) : Math.floor(n / 1000);
}

/** MNC digits, 2 or 3 of them. */
export function plmnMnc(n: number): string {
  return formatPlmn(n).slice(3);
}

export function operatorInfo(plmn: number): OperatorInfo | undefined {
  return BY_PLMN.get(plmn);
}

export function countryOfPlmn(plmn: number): CountryInfo | undefined {
  return MCC_COUNTRIES.get(plmnMcc(plmn));
}

/** Home currency of the operator's country; throws for MCCs outside the reference table. */
export function homeCurrencyOf(plmn: number): Currency {
  const c = countryOfPlmn(plmn);
  if (c === undefined) throw new CdrValueError('unknown_value', `no reference country for PLMN ${plmn}`);
  return c.currency;
}
