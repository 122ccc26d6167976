import { describe, expect, it } from 'vitest';
import { generateTraffic } from '../cdr/synthetic.js';
import { Service, type Cdr } from '../cdr/model.js';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { toHex } from '../codec/bytes.js';
import { decodeVerdictTx, verdictTxHash } from '../codec/verdict-tx.js';
import { ed25519FromSeed, privateKeyObject } from '../crypto/ed25519.js';
import { VerdictInputError } from './errors.js';
import { explainViews, parseVolumeTolerance } from './explain.js';
import { operatorPair } from './pair.js';
import {
  computeVerdict, resolutionsDigest, signVerdict, verdictFrame, verdictFromJson, verdictSignatureValid, verdictToJson,
  type ExplainedEvent, type VerdictTolerances,
} from './verdict.js';

const A = 20801;
const B = 23415;
const C = 26201;
const pair = operatorPair(B, A);
const period = { year: 2026, month: 11 };
const chain = devnetChainIdentity();
const T: VerdictTolerances = { durationSec: 1, volumeBytes: 1024n, chargePpm: 5000, chargeMinor: 0n };

const [call] = [...generateTraffic({ seed: 'verdict', submitter: A, counterparty: B, count: 1, startTime: 1_793_836_800, periodSeconds: 3600 })];
const mine: Cdr = { ...call!, service: Service.VoiceMo, durationSec: 60, volumeBytes: 10_000n, charge: 1000n, currency: 'EUR' };
const theirs = (change: Partial<Cdr>): Cdr => ({ ...mine, submitter: B, counterparty: A, recordId: 'theirs', ...change });
const hash = (n: number): string => n.toString(16).padStart(64, '0');

/** Six disputed events: two within tolerance (duration, volume), one beyond (tariff), one not in the files, one only A, one only B. */
function events(t: VerdictTolerances = T): ExplainedEvent[] {
  return [
    { eventHash: hash(6), class: 'mismatched', explanation: explainViews(mine, theirs({ durationSec: 61 }), t) },
    { eventHash: hash(2), class: 'mismatched', explanation: explainViews(mine, theirs({ volumeBytes: 11_024n }), t) },
    { eventHash: hash(3), class: 'mismatched', explanation: explainViews(mine, theirs({ tariffId: mine.tariffId + 1 }), t) },
    { eventHash: hash(4), class: 'mismatched', explanation: null },
    { eventHash: hash(5), class: 'only_a', explanation: explainViews(mine, undefined, t) },
    { eventHash: hash(1), class: 'only_b', explanation: explainViews(undefined, theirs({}), t) },
  ];
}
const counts = { indexedHeight: 7, matched: 90, mismatched: 4, onlyA: 1, onlyB: 1 };
const keyOf = (plmn: number) => privateKeyObject(devnetBatchSeed(plmn));
const publicOf = (plmn: number) => ed25519FromSeed(devnetBatchSeed(plmn)).publicKey;

describe('computeVerdict', () => {
  it('accepts the mismatched events within the tolerances and keeps the rest disputed, in counts only', () => {
    const v = computeVerdict({ pair, period, counts, events: events(), tolerances: T });
    expect(v.fields).toMatchObject({
      pairA: A, pairB: B, period: 2026 * 12 + 10, revision: 1, indexedHeight: 7n,
      matched: 90n, accepted: 2n, disputed: 2n, onlyA: 1n, onlyB: 1n,
      toleranceDurationSec: 1, toleranceVolumeBytes: 1024n, toleranceChargePpm: 5000, toleranceChargeMinor: 0n, supersedes: undefined,
    });
    // Tighter tolerances accept less, and the digest of the resolutions changes with them.
    const strict: VerdictTolerances = { ...T, volumeBytes: 1023n };
    const w = computeVerdict({ pair, period, counts, events: events(strict), tolerances: strict });
    expect(w.fields.accepted).toBe(1n);
    expect(toHex(w.fields.resolutionsDigest)).not.toBe(toHex(v.fields.resolutionsDigest));
  });

  it('commits to the resolutions whatever the listing order, and to each of them', () => {
    const v = computeVerdict({ pair, period, counts, events: events(), tolerances: T });
    const reversed = computeVerdict({ pair, period, counts, events: events().reverse(), tolerances: T });
    expect(toHex(reversed.fields.resolutionsDigest)).toBe(toHex(v.fields.resolutionsDigest));
    const one = (r: 'accepted' | 'disputed') => resolutionsDigest([{ eventHash: new Uint8Array(32).fill(1), resolution: r }]);
    expect(toHex(one('accepted'))).not.toBe(toHex(one('disputed')));
  });

  it('refuses a partial or inconsistent dispute list, a repeated event and a bad hash', () => {
    expect(() => computeVerdict({ pair, period, counts, events: events().slice(1), tolerances: T })).toThrow(VerdictInputError);
    expect(() => computeVerdict({ pair, period, counts: { ...counts, onlyA: 2 }, events: events(), tolerances: T })).toThrow(/not the node's/);
    const repeated = events();
    repeated[1] = { ...repeated[1]!, eventHash: repeated[0]!.eventHash };
    expect(() => computeVerdict({ pair, period, counts, events: repeated, tolerances: T })).toThrow(/listed twice/);
    const badHash = events();
    badHash[0] = { ...badHash[0]!, eventHash: 'zz' };
    expect(() => computeVerdict({ pair, period, counts, events: badHash, tolerances: T })).toThrow(VerdictInputError);
  });

  it('a superseding verdict names its predecessor and takes the next revision', () => {
    const prev = new Uint8Array(32).fill(9);
    const v = computeVerdict({ pair, period, counts, events: events(), tolerances: T, supersedes: { hash: prev, revision: 1 } });
    expect(v.fields.revision).toBe(2);
    expect(toHex(v.fields.supersedes!)).toBe(toHex(prev));
  });
});

describe('signing, frame and JSON', () => {
  it('both operators sign with their batch keys; the frame decodes to what they signed', () => {
    const v = computeVerdict({ pair, period, counts, events: events(), tolerances: T });
    const signed = signVerdict(signVerdict(v, B, keyOf(B), chain), A, keyOf(A), chain);
    expect(verdictSignatureValid(signed.fields, chain, signed.signatureA, publicOf(A))).toBe(true);
    expect(verdictSignatureValid(signed.fields, chain, signed.signatureB, publicOf(B))).toBe(true);
    expect(verdictSignatureValid(signed.fields, chain, signed.signatureA, publicOf(B))).toBe(false);
    // Bound to the chain and to every field.
    expect(verdictSignatureValid(signed.fields, new Uint8Array(32), signed.signatureA, publicOf(A))).toBe(false);
    expect(verdictSignatureValid({ ...signed.fields, accepted: 3n }, chain, signed.signatureA, publicOf(A))).toBe(false);

    const tx = decodeVerdictTx(verdictFrame(signed, B));
    expect(tx.submitter).toBe(B);
    expect(toHex(verdictTxHash(tx, chain))).toBe(toHex(verdictTxHash(signed.fields, chain)));
    expect(toHex(tx.signatureA)).toBe(toHex(signed.signatureA!));
    expect(tx.supersedes).toBeUndefined();
    // Who submits is not signed: the same verdict from either side is one transaction.
    expect(toHex(verdictTxHash(decodeVerdictTx(verdictFrame(signed, A)), chain))).toBe(toHex(verdictTxHash(tx, chain)));
  });

  it('an operator outside the pair cannot sign, and a half-signed verdict makes no frame', () => {
    const v = computeVerdict({ pair, period, counts, events: events(), tolerances: T });
    expect(() => signVerdict(v, C, keyOf(C), chain)).toThrow(/not in pair/);
    expect(() => verdictFrame(signVerdict(v, A, keyOf(A), chain), A)).toThrow(/lacks the signature of 23415/);
  });

  it('round-trips through JSON and refuses a malformed document field by field', () => {
    const v = signVerdict(computeVerdict({ pair, period, counts, events: events(), tolerances: T }), A, keyOf(A), chain);
    const json = JSON.parse(JSON.stringify(verdictToJson(v))) as ReturnType<typeof verdictToJson>;
    expect(json).toMatchObject({ pair: '20801-23415', period: '2026-11', counts: { matched: 90, accepted: 2, disputed: 2, onlyA: 1, onlyB: 1 }, signatures: { b: null } });
    const back = verdictFromJson(json);
    expect(toHex(verdictTxHash(back.fields, chain))).toBe(toHex(verdictTxHash(v.fields, chain)));
    expect(toHex(back.signatureA!)).toBe(toHex(v.signatureA!));
    expect(back.signatureB).toBeUndefined();
    for (const bad of [{ type: 'x' }, { pair: '23415-20801' }, { period: '2026-13' }, { revision: -1 }, { counts: { ...json.counts, accepted: 1.5 } },
      { tolerances: { ...json.tolerances, volumeBytes: 12 } }, { resolutionsDigest: 'ab' }, { signatures: { a: '00', b: null } }]) {
      expect(() => verdictFromJson({ ...json, ...bad }), JSON.stringify(bad)).toThrow(VerdictInputError);
    }
  });

  it('parses volume tolerances in bytes', () => {
    expect(parseVolumeTolerance('1024B')).toBe(1024n);
    expect(parseVolumeTolerance('0')).toBe(0n);
    expect(() => parseVolumeTolerance('1KB')).toThrow();
  });
});
