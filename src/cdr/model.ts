// The plaintext CDR as an operator's mediation system knows it. It never leaves the operator in
// this form: the client pseudonymises `imsi`, derives the event key from `callRef`, commits to and
// encrypts the rest (see DESIGN.md, "Data").
import type { Currency } from './currency.js';
import { CdrValueError } from './errors.js';

/** Numeric values match schemas/cdr.fbs. */
export enum Service {
  VoiceMo = 0,
  VoiceMt = 1,
  SmsMo = 2,
  SmsMt = 3,
  Data = 4,
}

export interface Cdr {
  /** Submitter's record id, 1..64 visible ASCII (0x21-0x7E). Nullifier input: H(submitter, recordId). */
  recordId: string;
  /** PLMN id of the submitting operator (integer of its digits, see plmn.ts). */
  submitter: number;
  /** PLMN id of the other operator of the roaming pair. */
  counterparty: number;
  /** 14-15 digits starting with the home PLMN's digits. Plaintext never leaves the operator. */
  imsi: string;
  homePlmn: number;
  visitedPlmn: number;
  service: Service;
  /** Unix seconds, integer. */
  startTime: number;
  /** Voice: call seconds 0..86400; SMS: 0; data: session seconds 0..86400. */
  durationSec: number;
  /** Data only (else 0n), bytes, up to 2^40. */
  volumeBytes: bigint;
  /** Minor units of `currency`, 0..10^12. */
  charge: bigint;
  currency: Currency;
  /** uint32. */
  tariffId: number;
  /** Network call/charging identifier both operators see, 1..64 visible ASCII. Event-key input. */
  callRef: string;
}

export const SERVICES: readonly Service[] = Object.freeze([
  Service.VoiceMo,
  Service.VoiceMt,
  Service.SmsMo,
  Service.SmsMt,
  Service.Data,
]);

export type ServiceName = 'voice_mo' | 'voice_mt' | 'sms_mo' | 'sms_mt' | 'data';

const NAMES: readonly ServiceName[] = ['voice_mo', 'voice_mt', 'sms_mo', 'sms_mt', 'data'];
const BY_NAME: ReadonlyMap<string, Service> = new Map(NAMES.map((n, i) => [n, i as Service] as const));

export function isService(v: unknown): v is Service {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4;
}

export function serviceName(s: Service): ServiceName {
  const n = NAMES[s];
  if (n === undefined) throw new CdrValueError('unknown_value', `unknown service ${String(s)}`);
  return n;
}

/** "voice_mo" | "voice_mt" | "sms_mo" | "sms_mt" | "data" -> Service (exact, lower case). */
export function parseServiceName(s: string): Service {
  const v = BY_NAME.get(s);
  if (v === undefined) throw new CdrValueError('unknown_value', `unknown service "${s}" (expected ${NAMES.join('|')})`);
  return v;
}

export function isVoice(s: Service): boolean {
  return s === Service.VoiceMo || s === Service.VoiceMt;
}

export function isSms(s: Service): boolean {
  return s === Service.SmsMo || s === Service.SmsMt;
}

export function isData(s: Service): boolean {
  return s === Service.Data;
}

/** Field names of Cdr, in a stable order (used for error reporting and tests). */
export const CDR_KEYS = Object.freeze([
  'recordId',
  'submitter',
  'counterparty',
  'imsi',
  'homePlmn',
  'visitedPlmn',
  'service',
  'startTime',
  'durationSec',
  'volumeBytes',
  'charge',
  'currency',
  'tariffId',
  'callRef',
] as const satisfies readonly (keyof Cdr)[]);

export type CdrKey = (typeof CDR_KEYS)[number];
