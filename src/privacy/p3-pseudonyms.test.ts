import { describe, expect, it } from 'vitest';
import { Service, type Cdr } from '../cdr/model.js';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { Operator } from '../client/operator.js';
import { PUBLIC_RECORD_BYTES } from '../codec/limits.js';
import { openingOfCdr } from '../proofs/record-opening.js';
import { traffic } from '../test-helpers/devnet.js';
import { PoseidonWasm } from '../wasm/poseidon.js';

/**
 * P3 (issue 13): pseudonyms rotate daily and per visited network, so one subscriber's records on two
 * days (or in two visited networks) share no public value. The subscriber makes the same calls on
 * both days (same service, duration, charge, tariff, time of day); only the call references and
 * record ids differ, as they do for distinct calls. What is compared is everything the ledger keeps
 * of the records: the signed batch frames, which hold the 128-byte public records.
 */
const DAY = 86_400;

function windows(bytes: Uint8Array, width: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + width <= bytes.length; i++) out.add(Buffer.from(bytes.subarray(i, i + width)).toString('hex'));
  return out;
}

/** 8-byte windows of the records of `a` found anywhere in frame `b`. */
function sharedWindows(recordsA: Uint8Array, frameB: Uint8Array): string[] {
  const inB = windows(frameB, 8);
  return [...windows(recordsA, 8)].filter((w) => inB.has(w));
}

describe('P3: one subscriber\'s records on two days share no public value', () => {
  const poseidon = PoseidonWasm.load();
  const [template] = traffic(20801, 23415, 1, 'p3');
  const base = Math.floor(Date.now() / 1000 / DAY) * DAY - 3 * DAY + 10 * 3_600; // three days ago, 10:00 UTC
  const calls = (day: number, visitedPlmn: number, tag: string): Cdr[] =>
    [0, 1, 2].map((k) => ({
      ...template!, service: Service.VoiceMo, volumeBytes: 0n, durationSec: 120 + k, charge: 1_000n + BigInt(k), tariffId: 7,
      visitedPlmn, startTime: base + day * DAY + k * 600, callRef: `p3-${tag}-${day}-${k}`, recordId: `p3-${tag}-${day}-${k}`,
    }));
  const op = Operator.devnet(20801);
  const secrets = devnetSecrets(20801);
  const pseudonym = (c: Cdr) => openingOfCdr(c, secrets, poseidon).pseudonym;

  it('the pseudonym inside the commitments is one per subscriber-day-network: same day links, another day or network does not', () => {
    const day1 = calls(0, 20801, 'a');
    expect(new Set(day1.map(pseudonym)).size).toBe(1); // the same subscriber, the same day: one pseudonym
    expect(pseudonym(calls(1, 20801, 'a')[0]!)).not.toBe(pseudonym(day1[0]!));
    expect(pseudonym(calls(0, 20810, 'a')[0]!)).not.toBe(pseudonym(day1[0]!));
  });

  it('no 32-byte field and no 8-byte window of one day\'s public records appears in the other day\'s batch, or in another visited network\'s', () => {
    const day1 = calls(0, 20801, 'b');
    const day2 = calls(1, 20801, 'b');
    const otherNetwork = calls(0, 20810, 'c'); // other calls (their own call references), in another visited network
    const records1 = op.publicRecords(day1);
    const frames = [day2, otherNetwork].map((cdrs, k) => op.batch(cdrs, BigInt(k + 2)).frame);
    for (const frame of frames) {
      for (let at = 0; at < records1.length; at += 32) {
        expect(Buffer.from(frame).includes(Buffer.from(records1.subarray(at, at + 32)))).toBe(false);
      }
      expect(sharedWindows(records1, frame)).toEqual([]);
    }
    // The check is live: the records of day 1 are found in day 1's own frame.
    const frame1 = op.batch(day1, 1n).frame;
    expect(Buffer.from(frame1).includes(Buffer.from(records1.subarray(0, PUBLIC_RECORD_BYTES)))).toBe(true);
    expect(sharedWindows(records1, frame1).length).toBeGreaterThan(100);
  });
});
