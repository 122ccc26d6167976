import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TextSource } from './csv.js';
import { CdrParseError, CdrValidationError } from './errors.js';
import { cdrFromJson, cdrToJson, formatCdrJsonArray, formatCdrNdjson, readCdrJson, writeCdrNdjson } from './json.js';
import type { Cdr } from './model.js';
import { generateTraffic } from './synthetic.js';
import { PassThrough } from 'node:stream';

const NOW = 1_767_225_600; // 2026-01-01
const START = 1_735_689_600;

function traffic(count: number, seed: number | string = 3): Cdr[] {
  return [...generateTraffic({ seed, submitter: 20810, counterparty: 52505, count, startTime: START, periodSeconds: 86400, direction: 'both' })];
}

async function readAll(src: TextSource, onError?: (e: CdrParseError) => void): Promise<Cdr[]> {
  const out: Cdr[] = [];
  const opts = onError === undefined ? { now: NOW } : { now: NOW, onError };
  for await (const c of readCdrJson(src, opts)) out.push(c);
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

const GOOD = {
  record_id: '52505-1',
  submitter: '52505',
  counterparty: '20810',
  imsi: '208101234567890',
  home_plmn: '20810',
  visited_plmn: '52505',
  service: 'data',
  start_time: '2025-01-01T08:00:00Z',
  duration_s: 300,
  volume_bytes: 123456,
  charge: '0.01',
  currency: 'SGD',
  tariff_id: 5,
  call_ref: 'D77',
};

describe('JSON form', () => {
  it('uses the CSV column names, decimal-string charges and digit-string PLMNs', () => {
    const c = cdrFromJson(GOOD, { now: NOW });
    expect(c.charge).toBe(1n);
    expect(c.startTime).toBe(START + 8 * 3600);
    expect(cdrToJson(c)).toEqual(GOOD);
    expect(cdrToJson(c, { chargeMinor: true, time: 'unix' })).toMatchObject({ charge_minor: 1, start_time: START + 8 * 3600 });
    expect(cdrToJson(c, { chargeMinor: true })).not.toHaveProperty('charge');
  });

  it('accepts numbers or digit strings for integers, and charge_minor', () => {
    const alt = { ...GOOD, submitter: 52505, duration_s: '300', volume_bytes: '123456', start_time: START + 8 * 3600, charge: undefined, charge_minor: '1' };
    expect(cdrFromJson(alt, { now: NOW })).toEqual(cdrFromJson(GOOD, { now: NOW }));
    expect(cdrFromJson({ ...alt, charge_minor: 1 }, { now: NOW }).charge).toBe(1n);
  });

  it.each([
    ['charge as a JSON number', { ...GOOD, charge: 0.01 }, 'charge', 'type'],
    ['charge and charge_minor', { ...GOOD, charge_minor: 1 }, 'charge', 'cross_field'],
    ['excess precision', { ...GOOD, charge: '0.001' }, 'charge', 'precision'],
    ['unsafe integer', { ...GOOD, volume_bytes: 2 ** 60 }, 'volumeBytes', 'format'],
    ['fractional integer', { ...GOOD, duration_s: 1.5 }, 'durationSec', 'format'],
    ['imsi as a number', { ...GOOD, imsi: 208101234567890 }, 'imsi', 'type'],
    ['unknown key', { ...GOOD, msisdn: '+44' }, 'msisdn', 'unexpected'],
    ['missing key', { ...GOOD, call_ref: undefined }, 'callRef', 'missing'],
    ['camelCase key', { ...GOOD, recordId: 'x' }, 'recordId', 'unexpected'],
  ])('rejects %s', (_n, obj, field, code) => {
    let err: unknown;
    try {
      cdrFromJson(obj, { now: NOW });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CdrValidationError);
    expect(err).toMatchObject({ field, code });
  });

  it('rejects non-objects', () => {
    for (const v of [null, 1, 'x', [GOOD]]) expect(() => cdrFromJson(v, { now: NOW })).toThrow(CdrValidationError);
  });
});

describe('readCdrJson', () => {
  it('round-trips NDJSON and arrays (compact and pretty) over arbitrary chunking', async () => {
    const recs = traffic(300);
    const texts = [
      formatCdrNdjson(recs),
      formatCdrNdjson(recs, { chargeMinor: true, time: 'unix' }),
      formatCdrJsonArray(recs),
      JSON.stringify(recs.map((c) => cdrToJson(c)), null, 2),
    ];
    for (const t of texts) expect(await readAll(t)).toEqual(recs);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...texts), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1 }), async (t, cuts) => {
        expect(await readAll(chunked(t, cuts))).toEqual(recs);
      }),
      { numRuns: 40 },
    );
  });

  it('reads empty inputs, BOM and CRLF', async () => {
    expect(await readAll('')).toEqual([]);
    expect(await readAll(' [ ] \n')).toEqual([]);
    const recs = traffic(3);
    expect(await readAll('\uFEFF' + formatCdrNdjson(recs).replaceAll('\n', '\r\n') + '\r\n')).toEqual(recs);
  });

  it('keeps braces inside strings out of the structure', async () => {
    const t = JSON.stringify({ ...GOOD, call_ref: 'a}{"]' });
    const [c] = await readAll(t + '\n');
    expect(c!.callRef).toBe('a}{"]');
  });

  it('reports line numbers of NDJSON records and pretty-printed array elements', async () => {
    const line = JSON.stringify(GOOD);
    expect(await parseErr([line, line, '', JSON.stringify({ ...GOOD, service: 'fax' })].join('\n'))).toMatchObject({
      line: 4,
      field: 'service',
      code: 'unknown_value',
    });
    const arr = JSON.stringify([GOOD, GOOD, { ...GOOD, charge: '1.001' }], null, 2);
    // Each pretty-printed object spans 16 lines after the "[" line: the third starts on line 34.
    expect(await parseErr(arr)).toMatchObject({ line: 34, field: 'charge', code: 'precision' });
  });

  it('reports malformed JSON', async () => {
    const line = JSON.stringify(GOOD);
    expect(await parseErr(`${line}\n{"record_id": }\n`)).toMatchObject({ line: 2, field: null, code: 'syntax' });
    expect(await parseErr(`[${line},]`)).toMatchObject({ line: 1, code: 'syntax' });
    expect(await parseErr(`[,${line}]`)).toMatchObject({ line: 1, code: 'syntax' });
    expect(await parseErr(`[${line},,${line}]`)).toMatchObject({ line: 1, code: 'syntax' });
    expect(await parseErr(`${line},\n${line}`)).toMatchObject({ line: 1, code: 'syntax' });
    expect(await parseErr(`[${line}\n${line}]`)).toMatchObject({ line: 2, code: 'syntax' }); // missing comma
    expect(await parseErr(`[${line}]\n${line}`)).toMatchObject({ line: 2, code: 'syntax' });
    expect(await parseErr(`[${line}`)).toMatchObject({ code: 'syntax' });
    expect(await parseErr(`${line}\n{"record_id": "x"`)).toMatchObject({ line: 2, code: 'syntax' });
    expect(await parseErr('[1, 2]')).toMatchObject({ line: 1, code: 'syntax' });
    expect(await parseErr('42')).toMatchObject({ line: 1, code: 'syntax' });
  });

  it('with onError, skips bad objects and continues', async () => {
    const line = JSON.stringify(GOOD);
    const errors: CdrParseError[] = [];
    const recs = await readAll([line, '{"x": 1}', '{bad json}', line].join('\n'), (e) => errors.push(e));
    expect(recs).toHaveLength(2);
    expect(errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [2, 'x', 'unexpected'],
      [3, null, 'syntax'],
    ]);
  });

  it('streams through writeCdrNdjson', async () => {
    const recs = traffic(5000, 'stream');
    const pipe = new PassThrough();
    const reading = readAll(pipe);
    expect(await writeCdrNdjson(recs, pipe)).toBe(recs.length);
    pipe.end();
    expect(await reading).toEqual(recs);
  });
});
