import { mkdtempSync, createReadStream, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CURRENCIES } from './currency.js';
import {
  CDR_CSV_HEADER,
  type TextSource,
  cdrFromText,
  cdrToText,
  formatCdrCsv,
  formatCdrCsvRecord,
  formatTimestamp,
  parseTimestamp,
  readCdrCsv,
  readCsvRecords,
  writeCdrCsv,
} from './csv.js';
import { CdrParseError, CdrValidationError, CdrValueError } from './errors.js';
import { type Cdr, SERVICES, Service } from './model.js';
import { OPERATORS, formatPlmn } from './plmn.js';
import { generateTraffic } from './synthetic.js';
import { CDR_LIMITS } from './validate.js';

const NOW = 1_767_225_600; // 2026-01-01
const START = 1_735_689_600; // 2025-01-01

async function readAll(src: TextSource, opts: Parameters<typeof readCdrCsv>[1] = {}): Promise<Cdr[]> {
  const out: Cdr[] = [];
  for await (const c of readCdrCsv(src, { now: NOW, ...opts })) out.push(c);
  return out;
}

async function parseErr(src: TextSource): Promise<CdrParseError> {
  try {
    await readAll(src);
  } catch (e) {
    if (e instanceof CdrParseError) return e;
    throw e;
  }
  throw new Error('expected a CdrParseError');
}

function traffic(count: number, seed: number | string = 1): Cdr[] {
  return [...generateTraffic({ seed, submitter: 26201, counterparty: 310260, count, startTime: START, periodSeconds: 30 * 86400, direction: 'both' })];
}

/** Splits text at the given cut sizes (cycled), to exercise chunk boundaries. */
function chunked(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  let i = 0, k = 0;
  while (i < text.length) {
    const n = Math.max(1, sizes[k++ % sizes.length] ?? 1);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

const visible = fc.integer({ min: 0x21, max: 0x7e }).map((n) => String.fromCharCode(n));
const arbId = fc.string({ unit: visible, minLength: 1, maxLength: 64 });
const plmns = OPERATORS.map((o) => o.plmn);

/** Any valid Cdr, including ids with commas and quotes. */
const arbCdr: fc.Arbitrary<Cdr> = fc
  .record({
    pair: fc.uniqueArray(fc.constantFrom(...plmns), { minLength: 2, maxLength: 2 }),
    submitterIsHome: fc.boolean(),
    msin: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 9, maxLength: 9 }),
    service: fc.constantFrom(...SERVICES),
    startTime: fc.integer({ min: CDR_LIMITS.minStartTime, max: NOW }),
    durationSec: fc.integer({ min: 0, max: CDR_LIMITS.maxDurationSec }),
    volumeBytes: fc.bigInt({ min: 0n, max: CDR_LIMITS.maxVolumeBytes }),
    charge: fc.bigInt({ min: 0n, max: CDR_LIMITS.maxCharge }),
    currency: fc.constantFrom(...CURRENCIES),
    tariffId: fc.integer({ min: 0, max: CDR_LIMITS.maxTariffId }),
    recordId: arbId,
    callRef: arbId,
  })
  .map((r) => {
    const [home, visited] = r.pair as [number, number];
    const sms = r.service === Service.SmsMo || r.service === Service.SmsMt;
    return {
      recordId: r.recordId,
      submitter: r.submitterIsHome ? home : visited,
      counterparty: r.submitterIsHome ? visited : home,
      imsi: (formatPlmn(home) + r.msin).slice(0, 15),
      homePlmn: home,
      visitedPlmn: visited,
      service: r.service,
      startTime: r.startTime,
      durationSec: sms ? 0 : r.durationSec,
      volumeBytes: r.service === Service.Data ? r.volumeBytes : 0n,
      charge: r.charge,
      currency: r.currency,
      tariffId: r.tariffId,
      callRef: r.callRef,
    };
  });

const GOOD_ROW = '23415-1,23415,26201,262011234567890,26201,23415,voice_mo,2025-03-01T10:00:00Z,95,0,0.36,GBP,12,Vabc1';

describe('timestamps', () => {
  it('parses unix seconds and ISO-8601 with Z or an offset', () => {
    expect(parseTimestamp('1735689600')).toBe(START);
    expect(parseTimestamp('2025-01-01T00:00:00Z')).toBe(START);
    expect(parseTimestamp('2025-01-01T01:00:00+01:00')).toBe(START);
    expect(parseTimestamp('2024-12-31T18:30:00-05:30')).toBe(START);
    expect(parseTimestamp('2025-01-01T00:00:00.000Z')).toBe(START);
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(1_709_164_800);
  });
  it.each([
    ['2025-02-30T00:00:00Z', 'format'],
    ['2025-13-01T00:00:00Z', 'format'],
    ['2025-01-01T24:00:00Z', 'format'],
    ['2025-01-01T00:00:60Z', 'format'],
    ['2025-01-01T00:00:00', 'format'], // no offset: ambiguous
    ['2025-01-01 00:00:00Z', 'format'],
    ['2025-01-01T00:00:00.5Z', 'precision'],
    ['-1', 'format'],
    ['1.5', 'format'],
    ['', 'format'],
  ])('rejects %j (%s)', (s, code) => {
    expect(() => parseTimestamp(s)).toThrow(CdrValueError);
    try {
      parseTimestamp(s);
    } catch (e) {
      expect((e as CdrValueError).code).toBe(code);
    }
  });
  it('formats ISO UTC without milliseconds and round-trips', () => {
    expect(formatTimestamp(START)).toBe('2025-01-01T00:00:00Z');
    expect(formatTimestamp(START, 'unix')).toBe('1735689600');
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (t) => parseTimestamp(formatTimestamp(t)) === t));
    // Independent oracle: the integer calendar arithmetic agrees with Date.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (t) => {
        const iso = new Date(t * 1000).toISOString().replace('.000Z', 'Z');
        expect(formatTimestamp(t)).toBe(iso);
        expect(parseTimestamp(iso)).toBe(t);
      }),
      { numRuns: 2000 },
    );
    for (const iso of ['2000-02-29T23:59:59Z', '2100-02-28T00:00:00Z', '2024-12-31T23:59:59Z']) {
      expect(parseTimestamp(iso)).toBe(Date.parse(iso) / 1000);
    }
    expect(() => parseTimestamp('2100-02-29T00:00:00Z')).toThrow(CdrValueError);
  });
});

describe('CSV round trips', () => {
  it('CSV -> Cdr -> CSV reproduces the text (ISO and unix times)', async () => {
    const recs = traffic(3000);
    for (const time of ['iso', 'unix'] as const) {
      const text = formatCdrCsv(recs, { time });
      const back = await readAll(text);
      expect(back).toEqual(recs);
      expect(formatCdrCsv(back, { time })).toBe(text);
    }
  });

  it('round-trips arbitrary valid CDRs, including quoted ids, over arbitrary chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbCdr, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }), fc.boolean(), async (recs, cuts, crlf) => {
        const text = formatCdrCsv(recs, { eol: crlf ? '\r\n' : '\n' });
        expect(await readAll(chunked(text, cuts))).toEqual(recs);
      }),
      { numRuns: 200 },
    );
  });

  it('quotes fields that need it', () => {
    const [c] = traffic(1);
    const line = formatCdrCsvRecord({ ...c!, recordId: 'a,"b"', callRef: 'x"' });
    expect(line.startsWith('"a,""b""",')).toBe(true);
    expect(line.endsWith(',"x"""')).toBe(true);
  });

  it('converts charges exactly by currency exponent', async () => {
    const rows = [
      GOOD_ROW,
      '23415-2,23415,26201,262011234567890,26201,23415,sms_mo,1740823200,0,0,1.10,XDR,12,S1',
      '23415-3,23415,26201,262011234567890,26201,23415,data,1740823200,30,1048576,12345.67,INR,12,D1',
    ];
    const [a, b, c] = await readAll([CDR_CSV_HEADER, ...rows].join('\n'));
    expect(a!.charge).toBe(36n);
    expect(b!.charge).toBe(1_100_000n);
    expect(c!.charge).toBe(1_234_567n);
    expect(c!.volumeBytes).toBe(1_048_576n);
    expect(formatCdrCsvRecord(b!)).toContain(',1.100000,XDR,');
  });

  it('cdrToText / cdrFromText are inverse', () => {
    fc.assert(
      fc.property(arbCdr, (c) => {
        expect(cdrFromText(cdrToText(c), { now: NOW })).toEqual(c);
      }),
    );
  });
});

describe('CSV reader robustness', () => {
  it('handles BOM, CRLF, blank lines and a blank trailing line', async () => {
    const text = '\uFEFF' + CDR_CSV_HEADER + '\r\n' + GOOD_ROW + '\r\n\r\n' + GOOD_ROW.replace('23415-1', '23415-2') + '\r\n\r\n';
    const recs = await readAll(text);
    expect(recs.map((c) => c.recordId)).toEqual(['23415-1', '23415-2']);
    expect(recs[0]!.recordId).toBe('23415-1');
  });

  it('strips a BOM given as bytes split across chunks', async () => {
    const bytes = Buffer.from('\uFEFF' + CDR_CSV_HEADER + '\n' + GOOD_ROW + '\n', 'utf8');
    const parts = [bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2, 7), bytes.subarray(7)];
    expect(await readAll(parts)).toHaveLength(1);
    expect(await readAll(bytes)).toHaveLength(1);
  });

  it('accepts columns in any order', async () => {
    const cols = CDR_CSV_HEADER.split(',');
    const vals = GOOD_ROW.split(',');
    const order = cols.map((_, i) => i).reverse();
    const text = order.map((i) => cols[i]).join(',') + '\n' + order.map((i) => vals[i]).join(',') + '\n';
    const [c] = await readAll(text);
    expect(c).toEqual((await readAll(CDR_CSV_HEADER + '\n' + GOOD_ROW))[0]);
  });

  it('parses RFC 4180 quoting, including escaped quotes and line breaks', async () => {
    const recs: { line: number; fields: string[] }[] = [];
    for await (const r of readCsvRecords('a,"b,c","d""e"\n"multi\r\nline",x\n\n"",\nlast,"",')) recs.push(r);
    expect(recs).toEqual([
      { line: 1, fields: ['a', 'b,c', 'd"e'] },
      { line: 2, fields: ['multi\r\nline', 'x'] },
      { line: 5, fields: ['', ''] },
      { line: 6, fields: ['last', '', ''] },
    ]);
  });
});

describe('CSV errors carry line numbers and fields', () => {
  const doc = (...rows: string[]): string => [CDR_CSV_HEADER, ...rows].join('\n') + '\n';

  it('reports a precision error on the right line and column', async () => {
    const e = await parseErr(doc(GOOD_ROW, GOOD_ROW.replace('0.36', '1.005')));
    expect(e).toMatchObject({ line: 3, field: 'charge', code: 'precision' });
    expect(e.cause).toBeInstanceOf(CdrValidationError);
    expect(e.message).toMatch(/^line 3 \(charge\): /);
  });

  it.each([
    ['unknown service', GOOD_ROW.replace('voice_mo', 'video'), 'service', 'unknown_value'],
    ['bad PLMN', GOOD_ROW.replace(',23415,26201,', ',2341,26201,'), 'submitter', 'format'],
    ['bad time', GOOD_ROW.replace('2025-03-01T10:00:00Z', '2025-03-01'), 'start_time', 'format'],
    ['negative duration', GOOD_ROW.replace(',95,', ',-95,'), 'duration_s', 'format'],
    ['currency', GOOD_ROW.replace(',GBP,', ',JPY,'), 'currency', 'unknown_value'],
    ['float charge', GOOD_ROW.replace('0.36', '3.6e-1'), 'charge', 'format'],
    ['voice with volume (cross-field)', GOOD_ROW.replace(',95,0,', ',95,10,'), 'volume_bytes', 'cross_field'],
    ['imsi of another network', GOOD_ROW.replace('262011234567890', '208011234567890'), 'imsi', 'cross_field'],
    ['future start', GOOD_ROW.replace('2025-03-01T10:00:00Z', '2030-01-01T00:00:00Z'), 'start_time', 'out_of_range'],
  ])('%s', async (_n, row, field, code) => {
    expect(await parseErr(doc(GOOD_ROW, GOOD_ROW, row))).toMatchObject({ line: 4, field, code });
  });

  it('reports the wrong number of fields', async () => {
    expect(await parseErr(doc(GOOD_ROW + ',extra'))).toMatchObject({ line: 2, field: null, code: 'syntax' });
    expect(await parseErr(doc('a,b'))).toMatchObject({ line: 2, code: 'syntax' });
  });

  it('counts physical lines across multi-line quoted records and blank lines', async () => {
    const multi = GOOD_ROW.replace('23415-1', '"23415\n-1"'); // parses, then fails validation
    const e = await parseErr(doc(GOOD_ROW, '', multi));
    expect(e).toMatchObject({ line: 4, field: 'record_id', code: 'format' });
    const e2 = await parseErr(doc('', GOOD_ROW.replace('23415-1', '"a\nb\nc"').replace('voice_mo', 'x'), '', GOOD_ROW.replace(',95,', ',x,')));
    expect(e2.line).toBe(3); // the multi-line record starts on line 3 and fails first
  });

  it('reports quote syntax errors', async () => {
    expect(await parseErr(doc(GOOD_ROW, 'ab"c,' + GOOD_ROW.slice(8)))).toMatchObject({ line: 3, code: 'syntax' });
    expect(await parseErr(doc(GOOD_ROW, '"ab"c,' + GOOD_ROW.slice(8)))).toMatchObject({ line: 3, code: 'syntax' });
    expect(await parseErr(doc(GOOD_ROW, '"unterminated,' + GOOD_ROW.slice(8)))).toMatchObject({ line: 3, code: 'syntax' });
  });

  it('bounds a runaway quoted record', async () => {
    const text = CDR_CSV_HEADER + '\n"' + 'x\n'.repeat(1000);
    await expect(readAll(text, { maxRecordChars: 100 })).rejects.toMatchObject({ line: 2, code: 'syntax' });
  });

  it('checks the header', async () => {
    expect(await parseErr(CDR_CSV_HEADER.replace(',imsi', '') + '\n')).toMatchObject({ line: 1, field: 'imsi', code: 'missing' });
    expect(await parseErr(CDR_CSV_HEADER + ',msisdn\n')).toMatchObject({ line: 1, field: 'msisdn', code: 'unexpected' });
    expect(await parseErr(CDR_CSV_HEADER + ',imsi\n')).toMatchObject({ line: 1, field: 'imsi', code: 'syntax' });
    expect(await parseErr('')).toMatchObject({ code: 'missing' });
  });

  it('with onError, reports every bad record and keeps the good ones', async () => {
    const errors: CdrParseError[] = [];
    const text = doc(
      GOOD_ROW,
      GOOD_ROW.replace('0.36', '0.365'),
      'x"y,1',
      GOOD_ROW.replace('23415-1', '23415-4'),
      GOOD_ROW.replace('voice_mo', 'fax'),
    );
    const recs = await readAll(text, { onError: (e) => errors.push(e) });
    expect(recs.map((c) => c.recordId)).toEqual(['23415-1', '23415-4']);
    expect(errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [3, 'charge', 'precision'],
      [4, null, 'syntax'],
      [6, 'service', 'unknown_value'],
    ]);
  });
});

describe('CSV files and streams', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes with writeCdrCsv and reads back from a file stream', async () => {
    const recs = traffic(20_000, 'file');
    const path = join(dir, 'cdrs.csv');
    const out = createWriteStream(path);
    expect(await writeCdrCsv(recs, out, { eol: '\r\n' })).toBe(recs.length);
    out.end();
    await finished(out);
    const back = await readAll(createReadStream(path, { highWaterMark: 4096 }));
    expect(back).toEqual(recs);
  });
});
