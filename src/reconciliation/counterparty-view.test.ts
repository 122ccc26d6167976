import { describe, expect, it } from 'vitest';
import { CdrDeriver } from '../cdr/derive.js';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { counterpartyView, generateTraffic, type MismatchKind } from '../cdr/synthetic.js';
import { validateCdr } from '../cdr/validate.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { PoseidonWasm } from '../wasm/poseidon.js';

const A = 20801;
const B = 23415;
const C = 26201;
const START = 1_793_577_600 + 86_400; // 2026-11-02

const field = (records: Uint8Array, i: number, f: keyof typeof RECORD_OFFSET): string =>
  Buffer.from(records.subarray(i * PUBLIC_RECORD_BYTES + RECORD_OFFSET[f], i * PUBLIC_RECORD_BYTES + RECORD_OFFSET[f] + 32)).toString('hex');

describe("both operators' views of one call (src/cdr/derive.ts)", () => {
  const poseidon = PoseidonWasm.load();
  const deriver = (plmn: number) => new CdrDeriver(devnetSecrets(plmn), poseidon);
  const mine = [...generateTraffic({ seed: 'views', submitter: A, counterparty: B, count: 300, startTime: START, periodSeconds: 86_400, direction: 'both' })];

  it('give the same event key hash and, unaltered, the same commitment; nullifiers stay per submitter', () => {
    const theirs = mine.map((c) => counterpartyView(c).cdr);
    for (const t of theirs) validateCdr(t);
    expect(theirs[0]).toMatchObject({ submitter: B, counterparty: A, callRef: mine[0]!.callRef, imsi: mine[0]!.imsi });
    const ra = deriver(A).publicRecords(mine);
    const rb = deriver(B).publicRecords(theirs);
    for (let i = 0; i < mine.length; i++) {
      expect(field(rb, i, 'eventKeyHash')).toBe(field(ra, i, 'eventKeyHash'));
      expect(field(rb, i, 'commitment')).toBe(field(ra, i, 'commitment'));
      expect(field(rb, i, 'nullifier')).not.toBe(field(ra, i, 'nullifier'));
    }
    // A third operator's record of "the same" call lands under another pair secret: nothing links them.
    const third = deriver(C).publicRecords(mine.slice(0, 5).map((c) => ({ ...c, submitter: C, counterparty: A })));
    for (let i = 0; i < 5; i++) expect(field(third, i, 'eventKeyHash')).not.toBe(field(ra, i, 'eventKeyHash'));
  });

  it('altered by any kind keep the event key hash and change the commitment', () => {
    for (const kind of ['charge', 'duration', 'volume', 'tariff'] as const satisfies readonly MismatchKind[]) {
      const altered = mine.map((c) => counterpartyView(c, { mismatchRate: 1, mismatchKinds: [kind], seed: kind }));
      const applicable = altered.map((v, i) => ({ v, i })).filter(({ v }) => v.mismatch === kind);
      expect(applicable.length, kind).toBeGreaterThan(50);
      const ra = deriver(A).publicRecords(mine);
      const rb = deriver(B).publicRecords(altered.map((v) => v.cdr));
      for (const { v, i } of applicable) {
        validateCdr(v.cdr);
        expect(field(rb, i, 'eventKeyHash')).toBe(field(ra, i, 'eventKeyHash'));
        expect(field(rb, i, 'commitment'), `${kind} ${i}`).not.toBe(field(ra, i, 'commitment'));
      }
    }
  });
});
