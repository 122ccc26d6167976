// The plain multilateral netting: from who owes whom (integer minor units in the settlement
// currency) to each operator's net position and a set of at most n − 1 pairwise transfers that
// settles them. This is the reference the committed netting and the VM contract are tested
// against, and the transparent mode's answer.
//
// Deterministic: operators keep the consortium's order, ties are broken by that order, and no
// unordered collection is iterated.

import { NettingInputError } from './errors.js';

/** `debtor` owes `creditor` `amount` minor units (amount ≥ 0). */
export interface BilateralAmount {
  readonly debtor: number;
  readonly creditor: number;
  readonly amount: bigint;
}

/** Positive: the operator receives; negative: it pays. */
export interface NetPosition {
  readonly operator: number;
  readonly net: bigint;
}

export interface Transfer {
  readonly from: number;
  readonly to: number;
  /** > 0 */
  readonly amount: bigint;
}

/** Operator ids in consortium order, each once, as unsigned 32-bit integers (PLMN ids). */
export function checkOperators(operators: readonly number[]): ReadonlyMap<number, number> {
  const index = new Map<number, number>();
  operators.forEach((op, i) => {
    if (!Number.isInteger(op) || op < 0 || op > 0xffff_ffff) throw new NettingInputError(`operator ${String(op)} is not a u32 id`);
    if (index.has(op)) throw new NettingInputError(`operator ${op} is listed twice`);
    index.set(op, i);
  });
  return index;
}

/** Every operator's net position, in consortium order; they sum to zero. */
export function netPositions(operators: readonly number[], amounts: readonly BilateralAmount[]): NetPosition[] {
  const index = checkOperators(operators);
  const net = operators.map(() => 0n);
  for (const { debtor, creditor, amount } of amounts) {
    const d = index.get(debtor);
    const c = index.get(creditor);
    if (d === undefined || c === undefined) throw new NettingInputError(`${debtor} → ${creditor}: not both consortium operators`);
    if (d === c) throw new NettingInputError(`operator ${debtor} cannot owe itself`);
    if (typeof amount !== 'bigint' || amount < 0n) throw new NettingInputError(`${debtor} → ${creditor}: amount must be a non-negative bigint`);
    net[d]! -= amount;
    net[c]! += amount;
  }
  return operators.map((operator, i) => ({ operator, net: net[i]! }));
}

/**
 * Transfers that settle the positions: payers are matched with receivers, largest first (ties in
 * consortium order), each transfer clearing at least one of the two, so there are at most
 * (operators with a non-zero position) − 1 ≤ n − 1 of them. The fewest possible is NP-hard in
 * general (it needs the most zero-sum subsets); this is the spanning-tree bound, exact when no
 * proper subset of positions sums to zero. Throws if the positions do not sum to zero.
 */
export function settlingTransfers(positions: readonly NetPosition[]): Transfer[] {
  checkOperators(positions.map((p) => p.operator));
  const sum = positions.reduce((s, p) => s + p.net, 0n);
  if (sum !== 0n) throw new NettingInputError(`net positions sum to ${sum}, not zero`);
  const order = positions.map((p, i) => ({ ...p, i }));
  const byMagnitude = (a: { net: bigint; i: number }, b: { net: bigint; i: number }): number => {
    const ma = a.net < 0n ? -a.net : a.net;
    const mb = b.net < 0n ? -b.net : b.net;
    return ma > mb ? -1 : ma < mb ? 1 : a.i - b.i;
  };
  const payers = order.filter((p) => p.net < 0n).sort(byMagnitude).map((p) => ({ operator: p.operator, left: -p.net }));
  const receivers = order.filter((p) => p.net > 0n).sort(byMagnitude).map((p) => ({ operator: p.operator, left: p.net }));
  const transfers: Transfer[] = [];
  let a = 0;
  let b = 0;
  while (a < payers.length && b < receivers.length) {
    const p = payers[a]!;
    const r = receivers[b]!;
    const amount = p.left < r.left ? p.left : r.left;
    transfers.push({ from: p.operator, to: r.operator, amount });
    p.left -= amount;
    r.left -= amount;
    if (p.left === 0n) a++;
    if (r.left === 0n) b++;
  }
  return transfers;
}

export interface NettingResult {
  readonly positions: readonly NetPosition[];
  readonly transfers: readonly Transfer[];
}

export function netBilateralAmounts(operators: readonly number[], amounts: readonly BilateralAmount[]): NettingResult {
  const positions = netPositions(operators, amounts);
  return { positions, transfers: settlingTransfers(positions) };
}
