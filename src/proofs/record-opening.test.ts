import { describe, expect, it } from 'vitest';
import { CdrDeriver } from '../cdr/derive.js';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { generateTraffic } from '../cdr/synthetic.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { PoseidonWasm, bytesToField } from '../wasm/poseidon.js';
import { ProofInputError } from './errors.js';
import { checkOpening, openingOfCdr, recordCommitment, type RecordOpening } from './record-opening.js';
import { totalsCommitment, totalsOf, totalsSalt } from './totals.js';

const poseidon = PoseidonWasm.load();
const [A, B] = [26201, 23410];
const cdrs = [...generateTraffic({ seed: 'proofs-opening', submitter: A, counterparty: B, count: 300, startTime: 1_764_000_000, periodSeconds: 86_400 * 2 })];

describe('record openings', () => {
  it('give exactly the commitments src/cdr/derive.ts puts in the public records (the Merkle leaves)', () => {
    const records = new CdrDeriver(devnetSecrets(A), poseidon).publicRecords(cdrs);
    cdrs.forEach((c, i) => {
      const at = i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.commitment;
      expect(recordCommitment(openingOfCdr(c, devnetSecrets(A), poseidon), poseidon)).toBe(bytesToField(records.subarray(at, at + 32)));
    });
  });

  it('are the same from the counterparty side (same pair secret, same pseudonym salt)', () => {
    for (const c of cdrs.slice(0, 20)) {
      expect(openingOfCdr(c, devnetSecrets(B), poseidon)).toEqual(openingOfCdr(c, devnetSecrets(A), poseidon));
    }
    expect(() => openingOfCdr(cdrs[0]!, devnetSecrets(21630), poseidon)).toThrow(ProofInputError);
  });

  it('are range-checked as the circuit checks them, naming the record and the field but not the value', () => {
    const ok = openingOfCdr(cdrs[0]!, devnetSecrets(A), poseidon);
    const bad: [Partial<RecordOpening>, string][] = [
      [{ charge: 10n ** 12n + 1n }, 'charge'],
      [{ charge: -1n }, 'charge'],
      [{ durationSec: 86_401 }, 'durationSec'],
      [{ volumeBytes: (1n << 40n) + 1n }, 'volumeBytes'],
      [{ service: 5 }, 'service'],
      [{ startTime: 2 ** 37 }, 'startTime'],
      [{ tariffId: 2 ** 32 }, 'tariffId'],
      [{ currency: 65_536 }, 'currency'],
    ];
    expect(() => checkOpening(ok, 0)).not.toThrow();
    expect(() => checkOpening({ ...ok, charge: 10n ** 12n, durationSec: 86_400, volumeBytes: 1n << 40n }, 0)).not.toThrow();
    for (const [change, field] of bad) {
      const e = (() => {
        try {
          checkOpening({ ...ok, ...change }, 7);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(ProofInputError);
      expect((e as ProofInputError).reason).toBe('range');
      expect((e as ProofInputError).index).toBe(7);
      expect((e as ProofInputError).message).toContain(field);
      expect((e as ProofInputError).message).not.toContain(String(Object.values(change)[0]));
    }
    expect(() => checkOpening({ ...ok, salt: 1n << 254n }, 0)).toThrow(/salt/);
  });
});

describe('totals', () => {
  const openings = cdrs.slice(0, 5).map((c) => openingOfCdr(c, devnetSecrets(A), poseidon));

  it('sum charges, durations and volumes in one currency', () => {
    const t = totalsOf(openings);
    expect(t.charge).toBe(cdrs.slice(0, 5).reduce((s, c) => s + c.charge, 0n));
    expect(t.durationSec).toBe(BigInt(cdrs.slice(0, 5).reduce((s, c) => s + c.durationSec, 0)));
    expect(t.volumeBytes).toBe(cdrs.slice(0, 5).reduce((s, c) => s + c.volumeBytes, 0n));
    const mixed = [...openings];
    mixed[3] = { ...mixed[3]!, currency: mixed[3]!.currency === 978 ? 826 : 978 };
    expect(() => totalsOf(mixed)).toThrow(expect.objectContaining({ reason: 'currency', index: 3 }));
  });

  it('commit with a salt only the pair can derive, different per batch and chunk', () => {
    const context = { chainId: new Uint8Array(32).fill(7), submitter: A, counterparty: B, sequence: 1n };
    const pair = devnetSecrets(A).pairSecret(B);
    const s = totalsSalt(pair, context, 0);
    expect(s).toBe(totalsSalt(devnetSecrets(B).pairSecret(A), context, 0));
    expect(s).not.toBe(totalsSalt(pair, context, 1));
    expect(s).not.toBe(totalsSalt(pair, { ...context, sequence: 2n }, 0));
    expect(s).not.toBe(totalsSalt(devnetSecrets(A).pairSecret(21630), context, 0));
    expect(s < 1n << 253n).toBe(true);
    const t = totalsOf(openings);
    expect(totalsCommitment(t, s, poseidon)).toBe(poseidon.hash([BigInt(t.currency), t.charge, t.durationSec, t.volumeBytes, s]));
    expect(totalsCommitment({ ...t, charge: t.charge + 1n }, s, poseidon)).not.toBe(totalsCommitment(t, s, poseidon));
  });
});
