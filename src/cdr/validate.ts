// Limits and consistency rules of a plaintext CDR. Every record read from a file or generated
// passes through here before it is pseudonymised and committed: a value the ZK range proof or the
// flatbuffers wire types cannot hold must be rejected now, with a precise reason.
import { isCurrency } from './currency.js';
import { CdrValidationError, type CdrErrorCode } from './errors.js';
import { type Cdr, type CdrKey, Service, isService } from './model.js';
import { isValidPlmn } from './plmn.js';

export const CDR_LIMITS = Object.freeze({
  recordIdMaxLength: 64,
  callRefMaxLength: 64,
  imsiMinDigits: 14,
  imsiMaxDigits: 15,
  /** Longest voice call or data session (partial records close at 24 h in practice). */
  maxDurationSec: 86_400,
  /** 1 TiB: far above any session, and well inside the range proof's 2^40 bound. */
  maxVolumeBytes: 1n << 40n,
  /** Minor units; < 2^40 so the batch proof can range-check charges with 40 bits. */
  maxCharge: 10n ** 12n,
  maxTariffId: 0xffff_ffff,
  /** 2000-01-01T00:00:00Z. */
  minStartTime: 946_684_800,
  /** Clock skew tolerated for start times in the future, relative to `now`. */
  maxFutureSkewSec: 86_400,
});

// Visible ASCII only (0x21-0x7E): ids feed hashes (nullifier, event key), so "A1" and "A1 " must
// not be two different records of one call; spaces and control characters are rejected outright.
const ID_RE = /^[\x21-\x7e]{1,64}$/;
const IMSI_RE = /^\d{14,15}$/;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function fail(field: CdrKey, code: CdrErrorCode, msg: string): CdrValidationError {
  return new CdrValidationError(field, code, msg);
}

function checkInt(field: CdrKey, v: unknown, min: number, max: number): CdrValidationError | null {
  if (typeof v !== 'number' || !Number.isInteger(v)) return fail(field, 'type', `must be an integer, got ${String(v)}`);
  if (v < min || v > max) return fail(field, 'out_of_range', `${v} not in [${min}, ${max}]`);
  return null;
}

function checkBig(field: CdrKey, v: unknown, max: bigint): CdrValidationError | null {
  if (typeof v !== 'bigint') return fail(field, 'type', `must be a bigint, got ${typeof v}`);
  if (v < 0n || v > max) return fail(field, 'out_of_range', `${v} not in [0, ${max}]`);
  return null;
}

function checkPlmn(field: CdrKey, v: unknown): CdrValidationError | null {
  if (typeof v !== 'number') return fail(field, 'type', `must be a number, got ${typeof v}`);
  if (!isValidPlmn(v)) return fail(field, 'format', `${v} is not a PLMN id`);
  return null;
}

function checkId(field: CdrKey, v: unknown): CdrValidationError | null {
  if (typeof v !== 'string') return fail(field, 'type', `must be a string, got ${typeof v}`);
  if (v.length === 0 || v.length > 64) return fail(field, 'out_of_range', `length ${v.length} not in [1, 64]`);
  if (!ID_RE.test(v)) return fail(field, 'format', 'only visible ASCII (0x21-0x7E) is allowed');
  return null;
}

/** The first rule `c` breaks, or null. Non-throwing form for hot paths that count failures. */
export function checkCdr(c: Cdr, now: number = nowSeconds()): CdrValidationError | null {
  const L = CDR_LIMITS;
  const e =
    checkId('recordId', c.recordId) ??
    checkPlmn('submitter', c.submitter) ??
    checkPlmn('counterparty', c.counterparty) ??
    (typeof c.imsi !== 'string'
      ? fail('imsi', 'type', `must be a string, got ${typeof c.imsi}`)
      : IMSI_RE.test(c.imsi)
        ? null
        : fail('imsi', 'format', `must be ${L.imsiMinDigits}-${L.imsiMaxDigits} digits`)) ??
    checkPlmn('homePlmn', c.homePlmn) ??
    checkPlmn('visitedPlmn', c.visitedPlmn) ??
    (isService(c.service) ? null : fail('service', 'unknown_value', `unknown service ${String(c.service)}`)) ??
    checkInt('startTime', c.startTime, L.minStartTime, now + L.maxFutureSkewSec) ??
    checkInt('durationSec', c.durationSec, 0, L.maxDurationSec) ??
    checkBig('volumeBytes', c.volumeBytes, L.maxVolumeBytes) ??
    checkBig('charge', c.charge, L.maxCharge) ??
    (isCurrency(c.currency) ? null : fail('currency', 'unknown_value', `unsupported currency ${String(c.currency)}`)) ??
    checkInt('tariffId', c.tariffId, 0, L.maxTariffId) ??
    checkId('callRef', c.callRef);
  if (e !== null) return e;

  // Cross-field rules.
  if (c.submitter === c.counterparty) return fail('counterparty', 'cross_field', 'submitter and counterparty are the same operator');
  const pairOk =
    (c.submitter === c.homePlmn && c.counterparty === c.visitedPlmn) ||
    (c.submitter === c.visitedPlmn && c.counterparty === c.homePlmn);
  if (!pairOk) return fail('counterparty', 'cross_field', 'submitter and counterparty must be the home/visited pair');
  if (!c.imsi.startsWith(String(c.homePlmn))) return fail('imsi', 'cross_field', `does not start with home PLMN ${c.homePlmn}`);
  switch (c.service) {
    case Service.SmsMo:
    case Service.SmsMt:
      if (c.durationSec !== 0) return fail('durationSec', 'cross_field', 'must be 0 for SMS');
      if (c.volumeBytes !== 0n) return fail('volumeBytes', 'cross_field', 'must be 0 for SMS');
      break;
    case Service.VoiceMo:
    case Service.VoiceMt:
      if (c.volumeBytes !== 0n) return fail('volumeBytes', 'cross_field', 'must be 0 for voice');
      break;
    case Service.Data:
      break;
  }
  return null;
}

/** Throws CdrValidationError on the first broken rule. `now` (unix seconds) bounds startTime. */
export function validateCdr(c: Cdr, now: number = nowSeconds()): void {
  const e = checkCdr(c, now);
  if (e !== null) throw e;
}

export function isValidCdr(c: Cdr, now: number = nowSeconds()): boolean {
  return checkCdr(c, now) === null;
}
