// A bilateral statement: for one pair and period, the commitment to what the first operator owes the
// second net of the reverse, in the settlement currency, signed by both operators with BLS (their
// registered keys, src/crypto/bls). The ledger sees only the commitment; the opening (both gross
// amounts and the blinding) stays with the pair.

import type { Currency } from '../../cdr/currency.js';
import { blsSign, blsVerify } from '../../crypto/bls/bls.js';
import { BadSignatureError, NettingInputError } from '../errors.js';
import { commit, commitmentFromAffine, toAffine, type AffinePoint, type JubjubPoint } from './pedersen.js';

export interface BilateralStatement {
  /** The chain's identity (genesis hash, hex): a signature does not carry over to another chain. */
  readonly chain: string;
  readonly periodId: string;
  readonly currency: Currency;
  /** The pair in consortium order: `first` comes before `second`. */
  readonly first: number;
  readonly second: number;
  /** Commitment to (first owes second) − (second owes first), in minor units of `currency`. */
  readonly commitment: AffinePoint;
}

/** What only the pair knows. */
export interface StatementOpening {
  readonly firstOwesSecond: bigint;
  readonly secondOwesFirst: bigint;
  readonly blinding: bigint;
}

export interface SignedBilateralStatement {
  readonly statement: BilateralStatement;
  readonly firstSignature: Uint8Array;
  readonly secondSignature: Uint8Array;
}

/** The statement's commitment from its opening. */
export function makeBilateralStatement(fields: Omit<BilateralStatement, 'commitment'>, opening: StatementOpening): BilateralStatement {
  if (fields.first === fields.second) throw new NettingInputError('a statement needs two different operators');
  if (opening.firstOwesSecond < 0n || opening.secondOwesFirst < 0n) throw new NettingInputError('gross amounts are non-negative');
  const c = commit(opening.firstOwesSecond - opening.secondOwesFirst, opening.blinding);
  return Object.freeze({ ...fields, commitment: toAffine(c) });
}

/** The bytes both operators sign (UTF-8 lines, fixed order). */
export function encodeBilateralStatement(s: BilateralStatement): Uint8Array {
  return new TextEncoder().encode(
    ['cdrchain bilateral-statement v1', `chain=${s.chain}`, `period=${s.periodId}`, `currency=${s.currency}`, `first=${s.first}`, `second=${s.second}`, `x=${s.commitment.x.toString(16)}`, `y=${s.commitment.y.toString(16)}`].join('\n'),
  );
}

export function signBilateralStatement(s: BilateralStatement, secretKey: Uint8Array): Uint8Array {
  return blsSign(secretKey, encodeBilateralStatement(s));
}

/**
 * Checks both signatures against the pair's registered keys and that the commitment is a point of
 * the prime-order subgroup; returns the commitment. BadSignatureError or CommitmentError otherwise.
 */
export function verifyBilateralStatement(signed: SignedBilateralStatement, keyOf: (operator: number) => Uint8Array | undefined): JubjubPoint {
  const s = signed.statement;
  const message = encodeBilateralStatement(s);
  for (const [who, sig] of [[s.first, signed.firstSignature], [s.second, signed.secondSignature]] as const) {
    const key = keyOf(who);
    if (key === undefined) throw new BadSignatureError(`operator ${who} has no registered BLS key`);
    if (!blsVerify(key, message, sig)) throw new BadSignatureError(`operator ${who}'s signature on the ${s.first}-${s.second} statement does not verify`);
  }
  return commitmentFromAffine(s.commitment);
}

/** Whether the pair's opening opens the statement (CommitmentError if it is not a valid commitment). */
export function statementOpens(s: BilateralStatement, opening: StatementOpening): boolean {
  const c = commitmentFromAffine(s.commitment);
  return c.equals(commit(opening.firstOwesSecond - opening.secondOwesFirst, opening.blinding));
}

