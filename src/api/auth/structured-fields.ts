// The part of Structured Field Values for HTTP (RFC 8941 / RFC 9651) that HTTP Message Signatures
// (RFC 9421) and Content-Digest (RFC 9530) need: Dictionaries whose members are Items or Inner
// Lists, bare items (integer, string, token, byte sequence, boolean) and parameters. Decimals,
// Dates and Display Strings are refused. Strict: a field that is not exactly the grammar is an
// error, and sizes are bounded before anything is kept, because every byte comes from the network.

/** A token (unquoted), kept apart from a string: they serialize differently. */
export class SfToken {
  constructor(readonly value: string) {}
}

export type BareItem = number | string | boolean | SfToken | Uint8Array;
export type Params = ReadonlyMap<string, BareItem>;

export interface SfItem {
  readonly kind: 'item';
  readonly value: BareItem;
  readonly params: Params;
}

export interface SfInnerList {
  readonly kind: 'inner-list';
  readonly items: readonly SfItem[];
  readonly params: Params;
}

export type SfMember = SfItem | SfInnerList;

/** A field value that is not the structured grammar, or beyond the parser's bounds. */
export class StructuredFieldError extends Error {
  override readonly name = 'StructuredFieldError';
}

/** Bounds of what one field may hold. */
export const SF_LIMITS = Object.freeze({ fieldChars: 8192, members: 16, innerListItems: 32, params: 16, stringChars: 1024, byteSequenceChars: 2048 });

/** Character classes as 128-entry tables (scanning is per character: no regex or substring per step). */
function charClass(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGIT = '0123456789';
const KEY_START = charClass(`${LOWER}*`);
const KEY_CHAR = charClass(`${LOWER}${DIGIT}_-.*`);
const TOKEN_START = charClass(`${LOWER}${UPPER}*`);
// tchar (RFC 9110) plus ':' and '/'.
const TOKEN_CHAR = charClass(`!#$%&'*+-.^_\`|~${DIGIT}${LOWER}${UPPER}:/`);
const BASE64_CHAR = charClass(`${LOWER}${UPPER}${DIGIT}+/=`);
const isIn = (table: Uint8Array, code: number): boolean => code < 128 && table[code] === 1;

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  peek(): string | undefined {
    return this.s[this.pos];
  }
  /** The current character's code (NaN at the end). */
  code(): number {
    return this.s.charCodeAt(this.pos);
  }
  /** Advances over characters of `table`. */
  skipClass(table: Uint8Array): void {
    while (this.pos < this.s.length && isIn(table, this.s.charCodeAt(this.pos))) this.pos++;
  }
  done(): boolean {
    return this.pos >= this.s.length;
  }
  skipSp(): void {
    while (this.s[this.pos] === ' ') this.pos++;
  }
  skipOws(): void {
    while (this.s[this.pos] === ' ' || this.s[this.pos] === '\t') this.pos++;
  }
  fail(what: string): never {
    throw new StructuredFieldError(`${what} at character ${this.pos}`);
  }
}

/** Parses a Dictionary field (RFC 8941 §4.2.2); duplicate keys: the last wins, as the RFC says. */
export function parseDictionary(field: string): Map<string, SfMember> {
  if (field.length > SF_LIMITS.fieldChars) throw new StructuredFieldError(`field longer than ${SF_LIMITS.fieldChars} characters`);
  const c = new Cursor(field);
  c.skipSp();
  const out = new Map<string, SfMember>();
  while (!c.done()) {
    const key = parseKey(c);
    let member: SfMember;
    if (c.peek() === '=') {
      c.pos++;
      member = c.peek() === '(' ? parseInnerList(c) : parseItem(c);
    } else {
      member = { kind: 'item', value: true, params: parseParams(c) };
    }
    out.set(key, member);
    if (out.size > SF_LIMITS.members) c.fail(`more than ${SF_LIMITS.members} members`);
    c.skipOws();
    if (c.done()) break;
    if (c.peek() !== ',') c.fail('expected ","');
    c.pos++;
    c.skipOws();
    if (c.done()) c.fail('trailing ","');
  }
  return out;
}

function parseInnerList(c: Cursor): SfInnerList {
  c.pos++; // '('
  const items: SfItem[] = [];
  for (;;) {
    c.skipSp();
    if (c.peek() === ')') {
      c.pos++;
      return { kind: 'inner-list', items, params: parseParams(c) };
    }
    if (c.done()) c.fail('unterminated inner list');
    items.push(parseItem(c));
    if (items.length > SF_LIMITS.innerListItems) c.fail(`more than ${SF_LIMITS.innerListItems} items in an inner list`);
    const next = c.peek();
    if (next !== ' ' && next !== ')') c.fail('expected " " or ")" in an inner list');
  }
}

function parseItem(c: Cursor): SfItem {
  const value = parseBareItem(c);
  return { kind: 'item', value, params: parseParams(c) };
}

function parseParams(c: Cursor): Map<string, BareItem> {
  const params = new Map<string, BareItem>();
  while (c.peek() === ';') {
    c.pos++;
    c.skipSp();
    const key = parseKey(c);
    let value: BareItem = true;
    if (c.peek() === '=') {
      c.pos++;
      value = parseBareItem(c);
    }
    params.set(key, value);
    if (params.size > SF_LIMITS.params) c.fail(`more than ${SF_LIMITS.params} parameters`);
  }
  return params;
}

function parseKey(c: Cursor): string {
  if (!isIn(KEY_START, c.code())) c.fail('expected a key');
  const start = c.pos;
  c.skipClass(KEY_CHAR);
  return c.s.slice(start, c.pos);
}

function parseBareItem(c: Cursor): BareItem {
  const ch = c.peek();
  if (ch === undefined) c.fail('expected an item');
  if (ch === '-' || (ch >= '0' && ch <= '9')) return parseInteger(c);
  if (ch === '"') return parseString(c);
  if (ch === ':') return parseByteSequence(c);
  if (ch === '?') return parseBoolean(c);
  if (isIn(TOKEN_START, c.code())) return parseToken(c);
  return c.fail('unsupported item');
}

function parseInteger(c: Cursor): number {
  const start = c.pos;
  if (c.peek() === '-') c.pos++;
  const digitsStart = c.pos;
  while (!c.done() && c.peek()! >= '0' && c.peek()! <= '9') c.pos++;
  const digits = c.pos - digitsStart;
  if (digits === 0) c.fail('expected digits');
  if (c.peek() === '.') c.fail('decimals are not taken here');
  if (digits > 15) c.fail('integer longer than 15 digits');
  return Number(c.s.slice(start, c.pos));
}

function parseString(c: Cursor): string {
  c.pos++; // '"'
  let out = '';
  let run = c.pos; // start of the current run without escapes
  for (;;) {
    const code = c.code();
    if (Number.isNaN(code)) c.fail('unterminated string');
    if (code === 0x22 || code === 0x5c) {
      out += c.s.slice(run, c.pos);
      c.pos++;
      if (code === 0x22) {
        if (out.length > SF_LIMITS.stringChars) c.fail(`string longer than ${SF_LIMITS.stringChars} characters`);
        return out;
      }
      const esc = c.peek();
      if (esc !== '"' && esc !== '\\') c.fail('bad escape in a string');
      out += esc;
      c.pos++;
      run = c.pos;
    } else {
      if (code < 0x20 || code > 0x7e) c.fail('a string holds printable ASCII only');
      c.pos++;
    }
    if (c.pos - run + out.length > SF_LIMITS.stringChars) c.fail(`string longer than ${SF_LIMITS.stringChars} characters`);
  }
}

function parseToken(c: Cursor): SfToken {
  const start = c.pos;
  c.pos++;
  c.skipClass(TOKEN_CHAR);
  if (c.pos - start > SF_LIMITS.stringChars) c.fail('token too long');
  return new SfToken(c.s.slice(start, c.pos));
}

function parseByteSequence(c: Cursor): Uint8Array {
  c.pos++; // ':'
  const start = c.pos;
  c.skipClass(BASE64_CHAR);
  if (c.peek() !== ':') c.fail('unterminated byte sequence');
  const b64 = c.s.slice(start, c.pos);
  c.pos++;
  if (b64.length > SF_LIMITS.byteSequenceChars) c.fail('byte sequence too long');
  // Canonical base64 only: padded, and re-encoding gives the same text.
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.toString('base64') !== b64) c.fail('byte sequence is not canonical base64');
  return new Uint8Array(bytes);
}

function parseBoolean(c: Cursor): boolean {
  c.pos++; // '?'
  const ch = c.peek();
  if (ch !== '0' && ch !== '1') c.fail('expected ?0 or ?1');
  c.pos++;
  return ch === '1';
}

/** Serializes a bare item (RFC 8941 §4.1.3). */
export function serializeBareItem(v: BareItem): string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || Math.abs(v) > 999_999_999_999_999) throw new StructuredFieldError(`${v} is not a structured-field integer`);
    return String(v);
  }
  if (typeof v === 'string') {
    for (let i = 0; i < v.length; i++) {
      const code = v.charCodeAt(i);
      if (code < 0x20 || code > 0x7e) throw new StructuredFieldError('a string holds printable ASCII only');
    }
    return `"${v.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
  }
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  if (v instanceof SfToken) return v.value;
  return `:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}:`;
}

export function serializeParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === true ? `;${k}` : `;${k}=${serializeBareItem(v)}`;
  return out;
}

export function serializeItem(item: SfItem): string {
  return `${serializeBareItem(item.value)}${serializeParams(item.params)}`;
}

export function serializeInnerList(list: SfInnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParams(list.params)}`;
}

export function serializeMember(m: SfMember): string {
  return m.kind === 'item' ? serializeItem(m) : serializeInnerList(m);
}

export function serializeDictionary(dict: ReadonlyMap<string, SfMember>): string {
  return [...dict].map(([k, m]) => (m.kind === 'item' && m.value === true ? `${k}${serializeParams(m.params)}` : `${k}=${serializeMember(m)}`)).join(', ');
}

export const sfItem = (value: BareItem, params: Params = new Map()): SfItem => ({ kind: 'item', value, params });
