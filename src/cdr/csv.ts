// CSV reading and writing of plaintext CDRs (RFC 4180: quoted fields, "" escapes, CRLF or LF),
// streaming so that multi-gigabyte mediation exports never sit in memory. This module also owns
// the textual field codec (column names, timestamps, amounts) that json.ts reuses.
import { type Currency, formatMinorUnits, parseCurrency, parseMinorUnits } from './currency.js';
import { CdrParseError, CdrValidationError, CdrValueError } from './errors.js';
import { type Cdr, type CdrKey, parseServiceName, serviceName } from './model.js';
import { formatPlmn, parsePlmn } from './plmn.js';
import { nowSeconds, validateCdr } from './validate.js';

// ---------------------------------------------------------------------------------------------
// Field codec

export const CDR_COLUMNS = Object.freeze([
  'record_id',
  'submitter',
  'counterparty',
  'imsi',
  'home_plmn',
  'visited_plmn',
  'service',
  'start_time',
  'duration_s',
  'volume_bytes',
  'charge',
  'currency',
  'tariff_id',
  'call_ref',
] as const);

export type CdrColumn = (typeof CDR_COLUMNS)[number];

/** One CDR as text, keyed by column name. */
export type CdrText = Record<CdrColumn, string>;

export const CDR_CSV_HEADER = CDR_COLUMNS.join(',');

/** Cdr property of each column. */
export const COLUMN_KEYS: Readonly<Record<CdrColumn, CdrKey>> = {
  record_id: 'recordId',
  submitter: 'submitter',
  counterparty: 'counterparty',
  imsi: 'imsi',
  home_plmn: 'homePlmn',
  visited_plmn: 'visitedPlmn',
  service: 'service',
  start_time: 'startTime',
  duration_s: 'durationSec',
  volume_bytes: 'volumeBytes',
  charge: 'charge',
  currency: 'currency',
  tariff_id: 'tariffId',
  call_ref: 'callRef',
};

const KEY_COLUMNS = new Map<string, CdrColumn>(CDR_COLUMNS.map((c) => [COLUMN_KEYS[c], c] as const));

/** Column name of a Cdr property ('startTime' -> 'start_time'); null for unknown names. */
export function columnOfKey(key: string): CdrColumn | null {
  return KEY_COLUMNS.get(key) ?? null;
}

export type TimeFormat = 'iso' | 'unix';

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Unix seconds ("1735689600") or ISO-8601 with an explicit offset ("2025-01-01T00:00:00Z",
 * "2025-01-01T01:00:00+01:00") -> unix seconds. Fractional seconds must be zero: the model has
 * whole seconds, and silently dropping a fraction would make two views of one call disagree.
 */
export function parseTimestamp(s: string): number {
  if (/^\d{1,12}$/.test(s)) return Number(s);
  const m = ISO_RE.exec(s);
  if (m === null) throw new CdrValueError('format', `"${s}" is neither unix seconds nor ISO-8601 with offset`);
  const [, Y, Mo, D, h, mi, sec, frac, off] = m;
  const y = Number(Y), mo = Number(Mo), d = Number(D), hh = Number(h), mm = Number(mi), ss = Number(sec);
  if (frac !== undefined && !/^0+$/.test(frac)) throw new CdrValueError('precision', `"${s}" has fractional seconds`);
  if (mo < 1 || mo > 12 || d < 1 || hh > 23 || mm > 59 || ss > 59) throw new CdrValueError('format', `"${s}" is not a valid time`);
  if (d > daysInMonth(y, mo)) throw new CdrValueError('format', `"${s}" is not a valid date`);
  let offset = 0;
  if (off !== undefined && off !== 'Z') {
    const oh = Number(off.slice(1, 3)), om = Number(off.slice(4, 6));
    if (oh > 23 || om > 59) throw new CdrValueError('format', `"${s}" has an invalid offset`);
    offset = (off[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return daysFromCivil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

/** Unix seconds -> "2025-01-01T00:00:00Z" (or the decimal seconds for 'unix'). */
export function formatTimestamp(t: number, format: TimeFormat = 'iso'): string {
  if (format === 'unix') return String(t);
  const days = Math.floor(t / 86400);
  const sod = t - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const h = Math.floor(sod / 3600);
  const mi = Math.floor((sod % 3600) / 60);
  const sec = sod % 60;
  return `${y}-${p2(m)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(sec)}Z`;
}

function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// Proleptic Gregorian calendar <-> days since 1970-01-01 in integer arithmetic (H. Hinnant's
// algorithms): exact, and several times faster than going through Date for every record.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const UINT_RE = /^\d{1,15}$/;
const UBIG_RE = /^\d{1,20}$/;

function uint(s: string): number {
  if (!UINT_RE.test(s)) throw new CdrValueError('format', `"${s}" is not a non-negative integer`);
  return Number(s);
}

function ubig(s: string): bigint {
  if (!UBIG_RE.test(s)) throw new CdrValueError('format', `"${s}" is not a non-negative integer`);
  return BigInt(s);
}

export interface DecodeOptions {
  /** Unix seconds bounding startTime (default: the clock when reading starts). */
  now?: number;
  /** The charge text is integer minor units instead of a decimal in major units. */
  chargeMinor?: boolean;
}

/** Column index of each field in a row. */
export type ColumnIndex = Readonly<Record<CdrColumn, number>>;

/** Index of rows laid out in CDR_COLUMNS order. */
export const IDENTITY_INDEX: ColumnIndex = Object.fromEntries(CDR_COLUMNS.map((c, i) => [c, i])) as Record<CdrColumn, number>;

function decodeField<T>(row: readonly string[], idx: ColumnIndex, col: CdrColumn, f: (s: string) => T): T {
  const s = row[idx[col]];
  if (s === undefined) throw new CdrValidationError(COLUMN_KEYS[col], 'missing', 'missing');
  try {
    return f(s);
  } catch (e) {
    if (e instanceof CdrValueError) throw new CdrValidationError(COLUMN_KEYS[col], e.code, e.message);
    throw e;
  }
}

/**
 * Text fields -> validated Cdr. Throws CdrValidationError whose `field` is the Cdr property
 * (value errors of parsing keep their code: 'format', 'precision', 'unknown_value', ...).
 */
export function cdrFromRow(row: readonly string[], idx: ColumnIndex, opts: DecodeOptions = {}): Cdr {
  const currency: Currency = decodeField(row, idx, 'currency', parseCurrency);
  const c: Cdr = {
    recordId: decodeField(row, idx, 'record_id', (s) => s),
    submitter: decodeField(row, idx, 'submitter', parsePlmn),
    counterparty: decodeField(row, idx, 'counterparty', parsePlmn),
    imsi: decodeField(row, idx, 'imsi', (s) => s),
    homePlmn: decodeField(row, idx, 'home_plmn', parsePlmn),
    visitedPlmn: decodeField(row, idx, 'visited_plmn', parsePlmn),
    service: decodeField(row, idx, 'service', parseServiceName),
    startTime: decodeField(row, idx, 'start_time', parseTimestamp),
    durationSec: decodeField(row, idx, 'duration_s', uint),
    volumeBytes: decodeField(row, idx, 'volume_bytes', ubig),
    charge: decodeField(row, idx, 'charge', opts.chargeMinor === true ? ubig : (s) => parseMinorUnits(s, currency)),
    currency,
    tariffId: decodeField(row, idx, 'tariff_id', uint),
    callRef: decodeField(row, idx, 'call_ref', (s) => s),
  };
  validateCdr(c, opts.now ?? nowSeconds());
  return c;
}

/** CdrText -> validated Cdr (see cdrFromRow). */
export function cdrFromText(t: CdrText, opts: DecodeOptions = {}): Cdr {
  return cdrFromRow(CDR_COLUMNS.map((c) => t[c]), IDENTITY_INDEX, opts);
}

export interface EncodeOptions {
  /** start_time as ISO-8601 UTC (default) or unix seconds. */
  time?: TimeFormat;
  /** charge as integer minor units instead of a decimal in major units. */
  chargeMinor?: boolean;
}

/** Cdr -> text fields in CDR_COLUMNS order. Expects a valid Cdr (does not validate). */
export function cdrToRow(c: Cdr, opts: EncodeOptions = {}): string[] {
  return [
    c.recordId,
    formatPlmn(c.submitter),
    formatPlmn(c.counterparty),
    c.imsi,
    formatPlmn(c.homePlmn),
    formatPlmn(c.visitedPlmn),
    serviceName(c.service),
    formatTimestamp(c.startTime, opts.time),
    String(c.durationSec),
    c.volumeBytes.toString(),
    opts.chargeMinor === true ? c.charge.toString() : formatMinorUnits(c.charge, c.currency),
    c.currency,
    String(c.tariffId),
    c.callRef,
  ];
}

export function cdrToText(c: Cdr, opts: EncodeOptions = {}): CdrText {
  const row = cdrToRow(c, opts);
  return Object.fromEntries(CDR_COLUMNS.map((col, i) => [col, row[i] ?? ''])) as CdrText;
}

// ---------------------------------------------------------------------------------------------
// Text input

/** Anything a reader accepts: a whole string/buffer, or (async) iterables of chunks, or a stream. */
export type TextSource =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>
  | NodeJS.ReadableStream;

/** Decoded UTF-8 chunks of a source; a leading BOM is removed. */
export async function* textChunks(src: TextSource): AsyncGenerator<string, void, undefined> {
  const dec = new TextDecoder('utf-8'); // strips a leading BOM of byte input itself
  let first = true;
  const emit = (s: string): string => {
    if (first && s.length > 0) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) return s.slice(1);
    }
    return s;
  };
  if (typeof src === 'string') {
    yield emit(src);
    return;
  }
  if (src instanceof Uint8Array) {
    yield emit(dec.decode(src));
    return;
  }
  const it = src as Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
  for await (const chunk of it) {
    const s = typeof chunk === 'string' ? chunk : dec.decode(chunk, { stream: true });
    if (s.length > 0) yield emit(s);
  }
  const rest = dec.decode();
  if (rest.length > 0) yield emit(rest);
}

/**
 * Physical lines of a chunked text ('\n'-terminated; '\r' is left to the caller), in batches of
 * one input chunk: per-line async iteration would cost a promise turn per line.
 */
export async function* textLineBatches(src: TextSource): AsyncGenerator<string[], void, undefined> {
  let tail = '';
  for await (const chunk of textChunks(src)) {
    let start = 0;
    let text = chunk;
    if (tail.length > 0) {
      text = tail + chunk;
      tail = '';
    }
    const lines: string[] = [];
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      lines.push(text.slice(start, nl));
      start = nl + 1;
    }
    tail = text.slice(start);
    if (lines.length > 0) yield lines;
  }
  if (tail.length > 0) yield [tail];
}

// ---------------------------------------------------------------------------------------------
// RFC 4180 record splitter

/** A CSV record with the physical line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

class CsvSyntaxError extends Error {}

/**
 * Incremental RFC 4180 parser fed one physical line at a time. Unquoted fields are sliced with
 * indexOf (the common case is quote-free), quoted fields may contain commas, "" and line breaks.
 */
class CsvLineParser {
  private fields: string[] = [];
  private buf = '';
  private inQuotes = false;
  private chars = 0;
  startLine = 0;

  constructor(private readonly maxRecordChars: number) {}

  get pending(): boolean {
    return this.inQuotes;
  }

  reset(): void {
    this.fields = [];
    this.buf = '';
    this.inQuotes = false;
    this.chars = 0;
  }

  /** Feeds a line (without '\n'); returns the fields when a record ends on it, else null. */
  feed(text: string, line: number): string[] | null {
    let i = 0;
    const n = text.length;
    if (this.inQuotes) {
      this.chars += n + 1;
      if (this.chars > this.maxRecordChars) throw new CsvSyntaxError(`record longer than ${this.maxRecordChars} characters`);
      this.buf += '\n';
      i = this.quoted(text, 0);
      if (this.inQuotes) return null;
      i = this.afterQuote(text, i);
      if (i < 0) return this.take();
    } else {
      this.startLine = line;
      this.chars = n;
    }
    for (;;) {
      if (text.charCodeAt(i) === 34 /* " */) {
        this.inQuotes = true;
        i = this.quoted(text, i + 1);
        if (this.inQuotes) return null;
        i = this.afterQuote(text, i);
        if (i < 0) return this.take();
        continue;
      }
      const comma = text.indexOf(',', i);
      let end = comma < 0 ? n : comma;
      if (comma < 0 && end > i && text.charCodeAt(end - 1) === 13 /* \r */) end--;
      const v = text.slice(i, end);
      if (v.indexOf('"') >= 0) throw new CsvSyntaxError('quote inside an unquoted field');
      this.fields.push(v);
      if (comma < 0) return this.take();
      i = comma + 1;
    }
  }

  /** Consumes quoted content from i; returns the index after the closing quote. */
  private quoted(text: string, i: number): number {
    for (;;) {
      const q = text.indexOf('"', i);
      if (q < 0) {
        this.buf += text.slice(i);
        return text.length;
      }
      this.buf += text.slice(i, q);
      if (text.charCodeAt(q + 1) === 34) {
        this.buf += '"';
        i = q + 2;
        continue;
      }
      this.inQuotes = false;
      return q + 1;
    }
  }

  /** After a closing quote: ',' continues the record (returns next index), end of line ends it (-1). */
  private afterQuote(text: string, i: number): number {
    this.fields.push(this.buf);
    this.buf = '';
    const n = text.length;
    if (i === n || (i === n - 1 && text.charCodeAt(i) === 13)) return -1;
    if (text.charCodeAt(i) === 44 /* , */) return i + 1;
    throw new CsvSyntaxError('unexpected character after a closing quote');
  }

  private take(): string[] {
    const f = this.fields;
    this.fields = [];
    return f;
  }
}

export interface CsvRecordOptions {
  /** Longest record accepted (guards against an unbalanced quote swallowing the file). */
  maxRecordChars?: number;
  /** When given, syntax errors are reported here and parsing resumes on the next line. */
  onError?: (e: CdrParseError) => void;
}

/**
 * RFC 4180 records of a CSV source in batches (one per input chunk), with syntax errors in line
 * order among them; blank lines are skipped. After a syntax error parsing resumes on the next line.
 */
async function* csvBatches(src: TextSource, maxRecordChars: number): AsyncGenerator<(CsvRecord | CdrParseError)[], void, undefined> {
  const p = new CsvLineParser(maxRecordChars);
  let line = 0;
  for await (const batch of textLineBatches(src)) {
    const out: (CsvRecord | CdrParseError)[] = [];
    for (const text of batch) {
      line++;
      if (!p.pending && (text.length === 0 || text === '\r')) continue;
      try {
        const fields = p.feed(text, line);
        if (fields !== null) out.push({ line: p.startLine, fields });
      } catch (e) {
        if (!(e instanceof CsvSyntaxError)) throw e;
        // An overlong record is reported where it starts, other syntax errors where they occur.
        out.push(new CdrParseError(p.pending ? p.startLine : line, null, 'syntax', e.message));
        p.reset();
      }
    }
    if (out.length > 0) yield out;
  }
  if (p.pending) yield [new CdrParseError(p.startLine, null, 'syntax', 'unterminated quoted field')];
}

/** RFC 4180 records of a CSV source, one at a time. */
export async function* readCsvRecords(src: TextSource, opts: CsvRecordOptions = {}): AsyncGenerator<CsvRecord, void, undefined> {
  for await (const batch of csvBatches(src, opts.maxRecordChars ?? 1 << 20)) {
    for (const r of batch) {
      if (r instanceof CdrParseError) {
        if (opts.onError === undefined) throw r;
        opts.onError(r);
      } else {
        yield r;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CDR reader

export interface ReadCdrOptions {
  /** Unix seconds bounding startTime (default: the clock when reading starts). */
  now?: number;
  /**
   * When given, a bad record is reported here and skipped; reading continues. Otherwise the
   * first bad record throws. Header errors always throw.
   */
  onError?: (e: CdrParseError) => void;
  maxRecordChars?: number;
}

/** Wraps a decode/validation failure of the record starting on `line`. */
export function toParseError(e: unknown, line: number): CdrParseError {
  if (e instanceof CdrValidationError) {
    const field = e.field === 'record' ? null : (columnOfKey(e.field) ?? e.field);
    return new CdrParseError(line, field, e.code, e.detail, { cause: e });
  }
  if (e instanceof CdrValueError) return new CdrParseError(line, null, e.code, e.message, { cause: e });
  if (e instanceof CdrParseError) return e;
  throw e;
}

function headerIndex(fields: readonly string[], line: number): ColumnIndex {
  const idx: Partial<Record<CdrColumn, number>> = {};
  fields.forEach((name, i) => {
    if (!(CDR_COLUMNS as readonly string[]).includes(name)) {
      throw new CdrParseError(line, name, 'unexpected', `unknown column "${name}"`);
    }
    const col = name as CdrColumn;
    if (idx[col] !== undefined) throw new CdrParseError(line, name, 'syntax', `duplicate column "${name}"`);
    idx[col] = i;
  });
  for (const col of CDR_COLUMNS) {
    if (idx[col] === undefined) throw new CdrParseError(line, col, 'missing', `missing column "${col}"`);
  }
  return idx as ColumnIndex;
}

/**
 * Streams validated CDRs from CSV with a header row naming exactly the CDR_COLUMNS (any order).
 * Errors are CdrParseError with the record's starting line and the column name.
 */
export async function* readCdrCsv(src: TextSource, opts: ReadCdrOptions = {}): AsyncGenerator<Cdr, void, undefined> {
  const now = opts.now ?? nowSeconds();
  const dopts: DecodeOptions = { now };
  let idx: ColumnIndex | null = null;
  let width = 0;
  for await (const batch of csvBatches(src, opts.maxRecordChars ?? 1 << 20)) {
    for (const rec of batch) {
      if (rec instanceof CdrParseError) {
        if (opts.onError === undefined || idx === null) throw rec; // no header, no way to go on
        opts.onError(rec);
        continue;
      }
      if (idx === null) {
        idx = headerIndex(rec.fields, rec.line);
        width = rec.fields.length;
        continue;
      }
      let c: Cdr;
      try {
        if (rec.fields.length !== width) {
          throw new CdrParseError(rec.line, null, 'syntax', `expected ${width} fields, got ${rec.fields.length}`);
        }
        c = cdrFromRow(rec.fields, idx, dopts);
      } catch (e) {
        const err = toParseError(e, rec.line);
        if (opts.onError === undefined) throw err;
        opts.onError(err);
        continue;
      }
      yield c;
    }
  }
  if (idx === null) throw new CdrParseError(1, null, 'missing', 'no header row');
}

// ---------------------------------------------------------------------------------------------
// Writer

export interface WriteCsvOptions extends EncodeOptions {
  /** Line terminator (default '\n'; RFC 4180 says '\r\n', and the reader accepts both). */
  eol?: '\n' | '\r\n';
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

/** One CSV record (no line terminator). Expects a valid Cdr. */
export function formatCdrCsvRecord(c: Cdr, opts: EncodeOptions = {}): string {
  const r = cdrToRow(c, opts);
  // Only the free-text fields can need quoting; the others come from our own formatters.
  r[0] = csvField(c.recordId);
  r[3] = csvField(c.imsi);
  r[13] = csvField(c.callRef);
  return r.join(',');
}

/** A whole CSV document: header, one line per record, terminated by `eol`. */
export function formatCdrCsv(cdrs: Iterable<Cdr>, opts: WriteCsvOptions = {}): string {
  const eol = opts.eol ?? '\n';
  const parts = [CDR_CSV_HEADER];
  for (const c of cdrs) parts.push(formatCdrCsvRecord(c, opts));
  return parts.join(eol) + eol;
}

/** Chunks of CSV text (header first), ~64 KiB each; `Readable.from(cdrCsvChunks(...))` streams it. */
export async function* cdrCsvChunks(
  cdrs: Iterable<Cdr> | AsyncIterable<Cdr>,
  opts: WriteCsvOptions = {},
): AsyncGenerator<string, void, undefined> {
  const eol = opts.eol ?? '\n';
  let buf = CDR_CSV_HEADER + eol;
  for await (const c of cdrs) {
    buf += formatCdrCsvRecord(c, opts) + eol;
    if (buf.length >= 65536) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}

/** Writes CSV to a stream, honouring backpressure. Resolves to the number of records written. */
export function writeCdrCsv(
  cdrs: Iterable<Cdr> | AsyncIterable<Cdr>,
  out: NodeJS.WritableStream,
  opts: WriteCsvOptions = {},
): Promise<number> {
  const eol = opts.eol ?? '\n';
  return writeLines(cdrs, out, (c) => formatCdrCsvRecord(c, opts) + eol, CDR_CSV_HEADER + eol);
}

/**
 * Writes one line per record after `first`, in ~64 KiB chunks, waiting for 'drain' when the
 * stream asks. Resolves to the number of records written.
 */
export async function writeLines(
  records: Iterable<Cdr> | AsyncIterable<Cdr>,
  out: NodeJS.WritableStream,
  line: (c: Cdr) => string,
  first = '',
): Promise<number> {
  let n = 0;
  let buf = first;
  for await (const c of records) {
    buf += line(c);
    n++;
    if (buf.length >= 65536) {
      await writeChunk(out, buf);
      buf = '';
    }
  }
  if (buf.length > 0) await writeChunk(out, buf);
  return n;
}

/** Writes one chunk and waits for 'drain' when the stream asks for it. */
export function writeChunk(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off('error', onError);
      resolve();
    };
    const onError = (e: unknown): void => {
      out.off('drain', onDrain);
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}
