// Does an operator's own transfer opening open the T_k the chain's proposal holds for it?
// (docs/settlement.md, "Statements with the settlement's status"). A pair without a recorded
// statement counts as the identity commitment in the netting (blinding 0), while the operator's
// opening uses the pair's HKDF blinding for every partner; which of its pairs were recorded is not
// public, so the pairs with a zero amount (the ones an operator may have left unrecorded) are tried
// both ways. Net positions never change by it: a zero pair adds 0.

import { JubjubPoint, PEDERSEN_H, commit, commitmentFromAffine, scalar, type AffinePoint } from '../settlement/commitment/pedersen.js';
import { CommitmentError } from '../settlement/errors.js';
import type { PairStatement } from '../settlement/bilateral/pair-statement.js';

/** At most this many zero-amount pairs are tried as recorded or not (2^16 point additions). */
export const MAX_UNRECORDED_CANDIDATES = 16;

export type TransferCheck =
  | { readonly opens: true; readonly net: bigint; readonly blinding: bigint; readonly unrecorded: readonly number[] }
  | { readonly opens: false; readonly net: bigint; readonly detail: string };

/** The opening (net, ρ) of `t` from the operator's pairs, trying its zero-amount pairs as unrecorded. */
export function checkTransferOpening(operator: number, pairs: readonly PairStatement[], t: AffinePoint): TransferCheck {
  let net = 0n;
  let blinding = 0n;
  const zero: { partner: number; c: bigint }[] = [];
  for (const p of pairs) {
    const { first, second } = p.statement;
    const c = operator === second ? p.opening.blinding : -p.opening.blinding;
    net += p.amount;
    blinding += c;
    if (p.amount === 0n) zero.push({ partner: first === operator ? second : first, c });
  }
  blinding = scalar(blinding);
  let target: JubjubPoint;
  try {
    target = commitmentFromAffine(t);
  } catch (err) {
    if (err instanceof CommitmentError) return { opens: false, net, detail: `the proposal's T_k is not a commitment (${err.message})` };
    throw err;
  }
  if (target.equals(commit(net, blinding))) return { opens: true, net, blinding, unrecorded: [] };
  // D = T − commit(net, ρ) must be −Σ_{s ∈ S} c_s·H for the set S of unrecorded zero pairs.
  const d = target.subtract(commit(net, blinding));
  const tried = zero.slice(0, MAX_UNRECORDED_CANDIDATES);
  const steps = tried.map((z) => (scalar(-z.c) === 0n ? JubjubPoint.ZERO : PEDERSEN_H.multiply(scalar(-z.c))));
  let cur = JubjubPoint.ZERO;
  let inSet = 0;
  // Gray code: one addition or subtraction per subset.
  for (let g = 1; g < 1 << tried.length; g++) {
    const bit = 31 - Math.clz32(g & -g);
    const flag = 1 << bit;
    cur = inSet & flag ? cur.subtract(steps[bit]!) : cur.add(steps[bit]!);
    inSet ^= flag;
    if (cur.equals(d)) {
      const unrecorded = tried.filter((_, i) => inSet & (1 << i));
      const rho = scalar(blinding - unrecorded.reduce((s, z) => s + z.c, 0n));
      return { opens: true, net, blinding: rho, unrecorded: unrecorded.map((z) => z.partner) };
    }
  }
  return {
    opens: false, net,
    detail: `your transfer opening (net ${net} minor units) does not open the T_k the proposal holds for you, whichever of your ${zero.length} zero-amount pairs are taken as unrecorded: the recorded statements are not the ones your records give`,
  };
}
