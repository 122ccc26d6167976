import { describe, expect, it } from 'vitest';
import { AdmissionBudget, batchFrameBytes, DEFAULT_BUDGET_LIMITS, type AdmissionBudgetLimits, type AdmissionSource, type BudgetTicket } from './admission-budget.js';
import { DEFAULT_ADMISSION_LIMITS, InvalidAdmissionLimitsError, validateAdmissionLimits } from './admission.js';
import { BatchRejectedError, RejectCode } from './reject.js';

const KiB = 1024;
const OPERATOR = 26201;
const OTHER = 23415;

/** Small budgets so every rule is reached in a few frames. */
const LIMITS: AdmissionBudgetLimits = {
  maxInflight: 8, maxInflightBytes: 800 * KiB,
  hardMaxInflight: 12, hardMaxInflightBytes: 1200 * KiB,
  maxInflightPerConnection: 6, maxInflightBytesPerConnection: 600 * KiB,
  maxInflightPerSubmitter: 4, maxInflightBytesPerSubmitter: 400 * KiB,
  maxInflightHttp: 3, maxInflightBytesHttp: 300 * KiB,
};

/** Takes frames until Busy; returns the tickets and the Busy detail. */
function fill(budget: AdmissionBudget, source: AdmissionSource, submitter: number, bytes = KiB, max = 100): { tickets: BudgetTicket[]; busy: string } {
  const tickets: BudgetTicket[] = [];
  for (let i = 0; i < max; i++) {
    try {
      tickets.push(budget.acquire(source, submitter, bytes, BigInt(i + 1)));
    } catch (err) {
      expect(err).toBeInstanceOf(BatchRejectedError);
      expect((err as BatchRejectedError).code).toBe(RejectCode.Busy);
      return { tickets, busy: (err as BatchRejectedError).detail };
    }
  }
  return { tickets, busy: '' };
}

describe('admission budget', () => {
  it('a connection never holds more than its own budget, in batches or bytes; releasing frees it', () => {
    const budget = new AdmissionBudget(LIMITS);
    const c = budget.connectionSource('ingest connection 1');
    const { tickets, busy } = fill(budget, c, OPERATOR);
    expect(tickets).toHaveLength(LIMITS.maxInflightPerConnection);
    expect(busy).toContain('ingest connection 1');
    tickets[0]!.release();
    tickets[0]!.release(); // a second release is a no-op
    expect(fill(budget, c, OPERATOR).tickets).toHaveLength(1);

    const big = budget.connectionSource('ingest connection 2');
    expect(fill(budget, big, OTHER, 250 * KiB).tickets.length).toBeLessThanOrEqual(2); // 600 KiB / 250 KiB
  });

  it('a forger naming a real operator exhausts its own connection, never the operator\'s: under its fair share a connection is admitted whatever the submitter\'s budget', () => {
    const budget = new AdmissionBudget(LIMITS);
    const forger = budget.connectionSource('forger');
    const held = fill(budget, forger, OPERATOR);
    // Alone, the forger's fair share is the whole shared budget: its connection cap stops it.
    expect(held.tickets).toHaveLength(LIMITS.maxInflightPerConnection);
    expect(held.tickets.length).toBeGreaterThan(LIMITS.maxInflightPerSubmitter);
    const real = budget.connectionSource('real operator');
    // Two sources: a fair share of 4 each. The real operator's submitter budget is spent by the forger.
    const got = fill(budget, real, OPERATOR);
    expect(got.tickets.length).toBeGreaterThanOrEqual(Math.floor(LIMITS.maxInflight / 2));
    expect(got.busy).toMatch(/hard limit|share/);
  });

  it('the shared budget is split fairly: once it is spent, a connection over its share is Busy and one under it is not', () => {
    const budget = new AdmissionBudget(LIMITS);
    const a = budget.connectionSource('a');
    const b = budget.connectionSource('b');
    const c = budget.connectionSource('c');
    expect(fill(budget, a, OPERATOR).tickets).toHaveLength(LIMITS.maxInflightPerConnection); // 6 of the shared 8
    expect(fill(budget, b, OTHER).tickets).toHaveLength(LIMITS.maxInflight / 2); // 2 shared, then 2 more as its fair share of 4
    // Three sources now: a fair share of 2; c has nothing in flight, so its first is admitted...
    const third = fill(budget, c, 310260);
    expect(third.tickets.length).toBeGreaterThanOrEqual(1);
    expect(third.busy).toMatch(/share|hard limit/);
    expect(budget.totalInflight).toBeLessThanOrEqual(LIMITS.hardMaxInflight);
  });

  it('the hard cap holds however many connections ask, each with nothing in flight', () => {
    const budget = new AdmissionBudget(LIMITS);
    let admitted = 0;
    for (let i = 0; i < 40; i++) {
      try {
        budget.acquire(budget.connectionSource(`c${i}`), OPERATOR, KiB, 1n);
        admitted++;
      } catch (err) {
        expect((err as BatchRejectedError).detail).toContain('hard limit');
      }
    }
    expect(admitted).toBe(LIMITS.hardMaxInflight);
  });

  it('above its fair share, a connection takes from the shared budget only within its submitter\'s budget', () => {
    const budget = new AdmissionBudget(LIMITS);
    budget.acquire(budget.connectionSource('z1'), OTHER, KiB, 1n);
    budget.acquire(budget.connectionSource('z2'), OTHER, KiB, 2n);
    // Three sources: a fair share of 2; beyond it the shared budget has room, the submitter's 4 do not.
    const { tickets, busy } = fill(budget, budget.connectionSource('x'), OPERATOR);
    expect(tickets).toHaveLength(LIMITS.maxInflightPerSubmitter);
    expect(busy).toContain(`submitter ${OPERATOR}`);
    expect(budget.totalInflight).toBeLessThan(LIMITS.maxInflight);
  });

  it('HTTP submissions share one source with its own budget', () => {
    const budget = new AdmissionBudget(LIMITS);
    expect(budget.http).toBe(budget.http);
    expect(fill(budget, budget.http, OPERATOR).tickets).toHaveLength(LIMITS.maxInflightHttp);
    expect(fill(budget, budget.connectionSource('ws'), OPERATOR).tickets.length).toBeGreaterThan(0);
  });

  it('limits that cannot take one full-size batch, or exceed the hard cap, stop the node at start', () => {
    expect(validateAdmissionLimits(DEFAULT_ADMISSION_LIMITS)).toEqual({ ...DEFAULT_ADMISSION_LIMITS, ...DEFAULT_BUDGET_LIMITS });
    const frame = batchFrameBytes(DEFAULT_ADMISSION_LIMITS.maxBatchRecords);
    for (const bad of [
      { maxInflightBytesPerConnection: frame - 1 },
      { maxInflightBytesHttp: 1024 },
      { maxInflightPerConnection: 0 },
      { maxInflightPerSubmitter: DEFAULT_BUDGET_LIMITS.hardMaxInflight + 1 },
      { maxInflightBytes: DEFAULT_BUDGET_LIMITS.hardMaxInflightBytes + 1 },
    ]) {
      expect(() => validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, ...bad })).toThrow(InvalidAdmissionLimitsError);
    }
    // A smaller maxBatchRecords makes smaller byte budgets valid.
    expect(() => validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, maxBatchRecords: 64, maxInflightBytesHttp: batchFrameBytes(64) })).not.toThrow();
  });
});
