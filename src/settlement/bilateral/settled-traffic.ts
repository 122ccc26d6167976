// What a pair settles for a period, from one operator's side: the calls both operators recorded and
// agree on (equal, or different only within the tolerances they signed in their verdict), summed per
// partner, service and currency into the statement lines both sides can compute alike. A call one
// side lacks, or whose views differ beyond tolerance, is not settled (it stays a dispute).
//
// Who bills: the visited network (TAP: the VPMN charges the home network for its subscribers'
// usage), so the amount of a call is the visited network's view of its charge, and the home network
// owes it. Both operators hold both views (their own records and the counterparty's, opened from the
// sealed payloads), so they compute the same lines, mirrored.

import { CURRENCIES, type Currency } from '../../cdr/currency.js';
import { serviceName, SERVICES } from '../../cdr/model.js';
import type { Cdr } from '../../cdr/model.js';
import { explainViews, type Tolerances } from '../../reconciliation/explain.js';
import type { CallViews } from '../../reconciliation/views-by-event.js';
import { NettingInputError } from '../errors.js';
import type { StatementLineInput } from '../statement/operator-statement.js';

export interface SettledTraffic {
  /** Per partner (ascending), service (model order), currency (ISO list order); lines that bill nothing are left out. */
  readonly lines: readonly StatementLineInput[];
  /** Calls settled (equal or within tolerance), and calls left out by reason. */
  readonly settled: number;
  readonly leftOut: { readonly differs: number; readonly onlyMine: number; readonly onlyTheirs: number; readonly outsidePeriod: number };
}

/** Unix seconds [start, end) of the period whose traffic settles. */
export interface PeriodWindow {
  readonly startSeconds: number;
  readonly endSeconds: number;
}

/**
 * The settled lines of `operator` from its calls' views (viewsByEventHash's values, or any pairing
 * of its records with the counterparties'), under the pair's tolerances, for calls starting in
 * `period`. Throws NettingInputError for a call that is not between `operator` and one partner.
 */
export function settledTraffic(operator: number, views: Iterable<CallViews>, tolerances: Tolerances, period: PeriodWindow): SettledTraffic {
  // Sums keyed partner → service → currency index; emitted in sorted order, never in insertion order.
  const sums = new Map<number, Map<number, Map<number, { receivable: bigint; payable: bigint }>>>();
  const leftOut = { differs: 0, onlyMine: 0, onlyTheirs: 0, outsidePeriod: 0 };
  let settled = 0;
  for (const v of views) {
    const verdict = explainViews(v.mine, v.theirs, tolerances).verdict;
    if (verdict === 'only_mine') leftOut.onlyMine++;
    else if (verdict === 'only_theirs') leftOut.onlyTheirs++;
    else if (verdict === 'differs') leftOut.differs++;
    if (verdict !== 'equal' && verdict !== 'within_tolerance') continue;
    const billed = billingView(v.mine!, v.theirs!);
    if (billed.startTime < period.startSeconds || billed.startTime >= period.endSeconds) {
      leftOut.outsidePeriod++;
      continue;
    }
    const partner = billed.homePlmn === operator ? billed.visitedPlmn : billed.visitedPlmn === operator ? billed.homePlmn : undefined;
    if (partner === undefined || partner === operator) {
      throw new NettingInputError(`call ${billed.callRef} is between ${billed.homePlmn} (home) and ${billed.visitedPlmn} (visited), not operator ${operator} and a partner`);
    }
    const byService = sums.get(partner) ?? new Map<number, Map<number, { receivable: bigint; payable: bigint }>>();
    sums.set(partner, byService);
    const byCurrency = byService.get(billed.service) ?? new Map<number, { receivable: bigint; payable: bigint }>();
    byService.set(billed.service, byCurrency);
    const c = CURRENCIES.indexOf(billed.currency);
    const sum = byCurrency.get(c) ?? { receivable: 0n, payable: 0n };
    byCurrency.set(c, sum);
    if (billed.visitedPlmn === operator) sum.receivable += billed.charge;
    else sum.payable += billed.charge;
    settled++;
  }
  const lines: StatementLineInput[] = [];
  for (const partner of [...sums.keys()].sort((a, b) => a - b)) {
    const byService = sums.get(partner)!;
    for (const service of SERVICES) {
      const byCurrency = byService.get(service);
      if (!byCurrency) continue;
      for (const c of [...byCurrency.keys()].sort((a, b) => a - b)) {
        const s = byCurrency.get(c)!;
        if (s.receivable === 0n && s.payable === 0n) continue; // free calls (e.g. SMS MT) bill nothing
        lines.push(Object.freeze({ partner, service: serviceName(service), currency: CURRENCIES[c] as Currency, receivable: s.receivable, payable: s.payable }));
      }
    }
  }
  return Object.freeze({ lines: Object.freeze(lines), settled, leftOut: Object.freeze(leftOut) });
}

/**
 * The visited network's view of a call both recorded (it bills). Should neither or both views come
 * from the visited network, the lower submitter's: never "mine", so both sides pick the same view.
 */
function billingView(a: Cdr, b: Cdr): Cdr {
  const aBills = a.submitter === a.visitedPlmn;
  const bBills = b.submitter === b.visitedPlmn;
  if (aBills !== bBills) return aBills ? a : b;
  return a.submitter <= b.submitter ? a : b;
}
