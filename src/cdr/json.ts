// JSON reading and writing of plaintext CDRs: a JSON array of objects, or NDJSON (one object per
// line), detected from the first non-blank character. Keys are the CSV column names (snake_case),
// so one vocabulary serves both formats. Money is a decimal string ("charge": "12.34") or integer
// minor units ("charge_minor": 1234) — never a JSON number in major units, which is a binary float.
import {
  CDR_COLUMNS,
  COLUMN_KEYS,
  type CdrColumn,
  type DecodeOptions,
  type EncodeOptions,
  IDENTITY_INDEX,
  type ReadCdrOptions,
  type TextSource,
  cdrFromRow,
  cdrToRow,
  textChunks,
  toParseError,
  writeLines,
} from './csv.js';
import { CdrParseError, CdrValidationError } from './errors.js';
import type { Cdr } from './model.js';
import { nowSeconds } from './validate.js';

/** The JSON form of a CDR as written by cdrToJson. */
export interface CdrJson {
  record_id: string;
  submitter: string;
  counterparty: string;
  imsi: string;
  home_plmn: string;
  visited_plmn: string;
  service: string;
  /** ISO-8601 UTC string, or unix seconds when written with { time: 'unix' }. */
  start_time: string | number;
  duration_s: number;
  volume_bytes: number;
  /** Decimal in major units; absent when charge_minor is used. */
  charge?: string;
  /** Integer minor units; absent when charge is used. */
  charge_minor?: number;
  currency: string;
  tariff_id: number;
  call_ref: string;
}

type Kind = 'string' | 'int' | 'plmn' | 'time' | 'decimal';

const KINDS: Readonly<Record<CdrColumn, Kind>> = {
  record_id: 'string',
  submitter: 'plmn',
  counterparty: 'plmn',
  imsi: 'string',
  home_plmn: 'plmn',
  visited_plmn: 'plmn',
  service: 'string',
  start_time: 'time',
  duration_s: 'int',
  volume_bytes: 'int',
  charge: 'decimal',
  currency: 'string',
  tariff_id: 'int',
  call_ref: 'string',
};

const KEY_OF = COLUMN_KEYS;

function asText(col: CdrColumn, v: unknown, kind: Kind | 'minor'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && kind !== 'string' && kind !== 'decimal') {
    if (!Number.isSafeInteger(v)) throw new CdrValidationError(KEY_OF[col], 'format', `${v} is not a safe integer`);
    return String(v);
  }
  const why =
    kind === 'decimal'
      ? 'must be a decimal string (use charge_minor for an integer of minor units)'
      : kind === 'string'
        ? 'must be a string'
        : 'must be an integer or a string of digits';
  throw new CdrValidationError(KEY_OF[col], 'type', why);
}

/** A parsed JSON value -> validated Cdr. Throws CdrValidationError (field = Cdr property). */
export function cdrFromJson(obj: unknown, opts: Omit<DecodeOptions, 'chargeMinor'> = {}): Cdr {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new CdrValidationError('record', 'type', 'a CDR must be a JSON object');
  }
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'charge_minor' && !Object.prototype.hasOwnProperty.call(KINDS, k)) {
      throw new CdrValidationError(k, 'unexpected', `unknown key "${k}"`);
    }
  }
  const hasMajor = o['charge'] !== undefined;
  const hasMinor = o['charge_minor'] !== undefined;
  if (hasMajor && hasMinor) throw new CdrValidationError('charge', 'cross_field', 'give charge or charge_minor, not both');
  const row = CDR_COLUMNS.map((col) => {
    const v = col === 'charge' && hasMinor ? o['charge_minor'] : o[col];
    if (v === undefined) throw new CdrValidationError(KEY_OF[col], 'missing', `missing key "${col}"`);
    return asText(col, v, col === 'charge' && hasMinor ? 'minor' : KINDS[col]);
  });
  const d: DecodeOptions = { chargeMinor: hasMinor };
  if (opts.now !== undefined) d.now = opts.now;
  return cdrFromRow(row, IDENTITY_INDEX, d);
}

/** Cdr -> its JSON object (PLMN ids as digit strings; volume as a number, exact below 2^53). */
export function cdrToJson(c: Cdr, opts: EncodeOptions = {}): CdrJson {
  const r = cdrToRow(c, opts);
  const at = (i: number): string => r[i] ?? '';
  const j: CdrJson = {
    record_id: at(0),
    submitter: at(1),
    counterparty: at(2),
    imsi: at(3),
    home_plmn: at(4),
    visited_plmn: at(5),
    service: at(6),
    start_time: opts.time === 'unix' ? c.startTime : at(7),
    duration_s: c.durationSec,
    volume_bytes: Number(c.volumeBytes),
    currency: at(11),
    tariff_id: c.tariffId,
    call_ref: at(13),
  };
  if (opts.chargeMinor === true) j.charge_minor = Number(c.charge);
  else j.charge = at(10);
  return j;
}

/** One NDJSON line per record, each terminated by '\n'. */
export function formatCdrNdjson(cdrs: Iterable<Cdr>, opts: EncodeOptions = {}): string {
  let out = '';
  for (const c of cdrs) out += JSON.stringify(cdrToJson(c, opts)) + '\n';
  return out;
}

/** A JSON array, one object per line. */
export function formatCdrJsonArray(cdrs: Iterable<Cdr>, opts: EncodeOptions = {}): string {
  const parts: string[] = [];
  for (const c of cdrs) parts.push(JSON.stringify(cdrToJson(c, opts)));
  return parts.length === 0 ? '[]\n' : '[\n' + parts.join(',\n') + '\n]\n';
}

/** Writes NDJSON to a stream with backpressure; resolves to the number of records. */
export function writeCdrNdjson(
  cdrs: Iterable<Cdr> | AsyncIterable<Cdr>,
  out: NodeJS.WritableStream,
  opts: EncodeOptions = {},
): Promise<number> {
  return writeLines(cdrs, out, (c) => JSON.stringify(cdrToJson(c, opts)) + '\n');
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A top-level JSON object's text and the line it starts on. */
interface JsonItem {
  line: number;
  text: string;
}

function isWs(ch: number): boolean {
  return ch === 32 || ch === 10 || ch === 13 || ch === 9;
}

/**
 * Splits a stream into the texts of top-level objects: either the elements of one JSON array, or
 * whitespace-separated objects (NDJSON). Strings and escapes are tracked so braces inside strings
 * do not count; the object text itself is checked by JSON.parse.
 */
async function* jsonItems(src: TextSource, maxChars: number): AsyncGenerator<JsonItem[], void, undefined> {
  // mode: 0 = not started, 1 = NDJSON, 2 = inside array expecting element or ']',
  //       3 = inside array after element expecting ',' or ']', 4 = after the array's ']'.
  let mode = 0;
  let line = 1;
  let depth = 0;
  let inStr = false;
  let esc = false;
  let startLine = 0;
  let acc = '';
  let afterComma = false;
  const syntax = (msg: string): CdrParseError => new CdrParseError(line, null, 'syntax', msg);
  for await (const chunk of textChunks(src)) {
    const items: JsonItem[] = []; // batched per chunk: one promise turn per chunk, not per object
    // Start of the current object's text within this chunk (0 when it began in an earlier one).
    let segStart = depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk.charCodeAt(i);
      if (depth > 0) {
        if (ch === 10) line++;
        if (inStr) {
          if (esc) esc = false;
          else if (ch === 92 /* \ */) esc = true;
          else if (ch === 34) inStr = false;
          continue;
        }
        if (ch === 34) inStr = true;
        else if (ch === 123 /* { */ || ch === 91 /* [ */) depth++;
        else if (ch === 125 /* } */ || ch === 93 /* ] */) {
          depth--;
          if (depth === 0) {
            const text = acc + chunk.slice(segStart, i + 1);
            acc = '';
            segStart = -1;
            items.push({ line: startLine, text });
            if (mode === 2) mode = 3;
            afterComma = false;
          }
        }
        continue;
      }
      if (ch === 10) {
        line++;
        continue;
      }
      if (isWs(ch)) continue;
      if (ch === 123 && (mode === 0 || mode === 1 || mode === 2)) {
        if (mode === 0) mode = 1;
        depth = 1;
        startLine = line;
        segStart = i;
        continue;
      }
      if (mode === 0 && ch === 91) {
        mode = 2;
        continue;
      }
      if (mode === 2 && ch === 93 && !afterComma) {
        mode = 4;
        continue;
      }
      if (mode === 3 && ch === 44 /* , */) {
        mode = 2;
        afterComma = true;
        continue;
      }
      if (mode === 3 && ch === 93) {
        mode = 4;
        continue;
      }
      if (items.length > 0) yield items; // objects before the error are still delivered
      throw syntax(
        mode === 4
          ? 'content after the end of the array'
          : mode === 2
            ? 'expected an object'
            : mode === 3
              ? "expected ',' or ']'"
              : 'expected an object or an array of objects',
      );
    }
    if (items.length > 0) yield items;
    if (depth > 0) {
      acc += chunk.slice(segStart);
      if (acc.length > maxChars) throw new CdrParseError(startLine, null, 'syntax', `object longer than ${maxChars} characters`);
    }
  }
  if (depth > 0) throw new CdrParseError(startLine, null, 'syntax', 'unterminated object');
  if (mode === 2 || mode === 3) throw syntax('unterminated array');
}

/**
 * Streams validated CDRs from a JSON array or NDJSON. Errors are CdrParseError with the line the
 * object starts on and the offending key. With `onError`, bad objects are reported and skipped
 * (structural errors of the container still throw: the stream cannot be resynchronised).
 */
export async function* readCdrJson(src: TextSource, opts: ReadCdrOptions = {}): AsyncGenerator<Cdr, void, undefined> {
  const now = opts.now ?? nowSeconds();
  for await (const batch of jsonItems(src, opts.maxRecordChars ?? 1 << 20)) {
    for (const item of batch) {
      let c: Cdr;
      try {
        let obj: unknown;
        try {
          obj = JSON.parse(item.text);
        } catch (e) {
          throw new CdrParseError(item.line, null, 'syntax', e instanceof Error ? e.message : String(e));
        }
        c = cdrFromJson(obj, { now });
      } catch (e) {
        const err = toParseError(e, item.line);
        if (opts.onError === undefined) throw err;
        opts.onError(err);
        continue;
      }
      yield c;
    }
  }
}
