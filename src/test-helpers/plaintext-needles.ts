import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Cdr } from '../cdr/model.js';

/**
 * Recognisable plaintext values of CDRs, in every encoding a leak could take (ASCII decimal and
 * text, 32- and 64-bit integers in both byte orders, ISO times), and a scanner that looks for them
 * in bytes: what the P1 test (no plaintext on the public ledger) searches for.
 *
 * Short encodings (a 4-byte integer, a 5-digit number) turn up in megabytes of hashes and JSON by
 * chance, so a field counts as leaked from a source only when the values of *every* marked record
 * are found there: a real leak leaks them all, a coincidence hits one at a time.
 */
export interface Needle {
  readonly field: string;
  readonly encoding: string;
  /** One value per marked record. */
  readonly values: readonly Buffer[];
}

export interface Leak {
  readonly source: string;
  readonly field: string;
  readonly encoding: string;
  /** The parts of the source that hold at least one of the values. */
  readonly parts: readonly string[];
}

/** One searchable piece of a source: a file, an API answer, a message. */
export interface Part {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function u32(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v);
  else b.writeUInt32BE(v);
  return b;
}

function u64(v: bigint, le: boolean): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigUInt64LE(v);
  else b.writeBigUInt64BE(v);
  return b;
}

function numberNeedles(field: string, values: readonly bigint[]): Needle[] {
  const out: Needle[] = [
    { field, encoding: 'ascii decimal', values: values.map((v) => Buffer.from(v.toString(), 'ascii')) },
    { field, encoding: 'u64 le', values: values.map((v) => u64(v, true)) },
    { field, encoding: 'u64 be', values: values.map((v) => u64(v, false)) },
  ];
  if (values.every((v) => v < 2n ** 32n)) {
    out.push({ field, encoding: 'u32 le', values: values.map((v) => u32(Number(v), true)) });
    out.push({ field, encoding: 'u32 be', values: values.map((v) => u32(Number(v), false)) });
  }
  return out;
}

/** The needles of the marked records (at least two, with distinct values in every field). */
export function plaintextNeedles(cdrs: readonly Cdr[]): Needle[] {
  if (cdrs.length < 2) throw new RangeError('mark at least two records: one value alone is a coincidence test');
  const text = (field: string, f: (c: Cdr) => string): Needle => ({ field, encoding: 'ascii', values: cdrs.map((c) => Buffer.from(f(c), 'ascii')) });
  const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 19);
  return [
    text('imsi', (c) => c.imsi),
    ...numberNeedles('imsi', cdrs.map((c) => BigInt(c.imsi))).filter((n) => n.encoding !== 'ascii decimal'),
    text('callRef', (c) => c.callRef),
    text('recordId', (c) => c.recordId),
    text('startTime', (c) => iso(c.startTime)),
    ...numberNeedles('startTime', cdrs.map((c) => BigInt(c.startTime))),
    ...numberNeedles('startTime ms', cdrs.map((c) => BigInt(c.startTime) * 1000n)).filter((n) => !n.encoding.startsWith('u32')),
    ...numberNeedles('durationSec', cdrs.map((c) => BigInt(c.durationSec))),
    ...numberNeedles('volumeBytes', cdrs.map((c) => c.volumeBytes)),
    ...numberNeedles('charge', cdrs.map((c) => c.charge)),
    ...numberNeedles('tariffId', cdrs.map((c) => BigInt(c.tariffId))),
  ];
}

/**
 * The needles found in a source (a validator's files, its API answers, the P2P messages): every
 * marked record's value of the field, in one encoding, somewhere among the source's parts. Each
 * record travels in a batch of its own, so a field leaked through one batch's header or answer
 * still shows as all values across the source.
 */
export function findLeaks(source: string, parts: readonly Part[], needles: readonly Needle[]): Leak[] {
  const hay = parts.map((p) => ({ name: p.name, bytes: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength) }));
  const out: Leak[] = [];
  for (const n of needles) {
    const holders = n.values.map((v) => hay.filter((h) => h.bytes.includes(v)).map((h) => h.name));
    if (holders.every((h) => h.length > 0)) out.push({ source, field: n.field, encoding: n.encoding, parts: [...new Set(holders.flat())] });
  }
  return out;
}

/** Every regular file under `dir`, recursively, with its bytes. */
export function* filesUnder(dir: string): Generator<Part> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    if (s.isDirectory()) yield* filesUnder(path);
    else if (s.isFile()) yield { name: path, bytes: readFileSync(path) };
  }
}
