// A plain-mode bilateral statement: for consortia whose genesis settlement mode is `plain` (they chose
// transparency), both gross directions of a pair in the clear, in minor units of the settlement
// currency, signed by both operators with BLS like a committed statement. The ledger records the two
// amounts where netting-plain.casm reads them (what first owes second at word 0, the reverse at word 1).

import type { Currency } from '../cdr/currency.js';
import { blsSign, blsVerify } from '../crypto/bls/bls.js';
import { AmountError, BadSignatureError, NettingInputError } from './errors.js';
import { MAX_AMOUNT } from './fx/currency-conversion.js';

export interface PlainBilateralStatement {
  /** The chain's identity (hex): a signature does not carry over to another chain. */
  readonly chain: string;
  readonly periodId: string;
  readonly currency: Currency;
  /** The pair in consortium order. */
  readonly first: number;
  readonly second: number;
  /** What first owes second and what second owes first, minor units (each 0 ≤ a < 2^96). */
  readonly firstOwesSecond: bigint;
  readonly secondOwesFirst: bigint;
}

export interface SignedPlainStatement {
  readonly statement: PlainBilateralStatement;
  readonly firstSignature: Uint8Array;
  readonly secondSignature: Uint8Array;
}

/** Checks the pair and the amounts (AmountError: negative or 2^96 and above, the bound every settlement amount keeps). */
export function plainBilateralStatement(s: PlainBilateralStatement): PlainBilateralStatement {
  if (s.first === s.second) throw new NettingInputError('a statement needs two different operators');
  for (const [name, v] of [['firstOwesSecond', s.firstOwesSecond], ['secondOwesFirst', s.secondOwesFirst]] as const) {
    if (typeof v !== 'bigint' || v < 0n || v >= MAX_AMOUNT) throw new AmountError(`${name} of the ${s.first}-${s.second} statement must be a non-negative integer below 2^96, got ${String(v)}`);
  }
  return Object.freeze({ ...s });
}

/** The bytes both operators sign (UTF-8 lines, fixed order; a tag of its own, so no committed statement's signature fits). */
export function encodePlainStatement(s: PlainBilateralStatement): Uint8Array {
  return new TextEncoder().encode(
    ['cdrchain plain-bilateral-statement v1', `chain=${s.chain}`, `period=${s.periodId}`, `currency=${s.currency}`, `first=${s.first}`, `second=${s.second}`,
      `first_owes_second=${s.firstOwesSecond}`, `second_owes_first=${s.secondOwesFirst}`].join('\n'),
  );
}

export function signPlainStatement(s: PlainBilateralStatement, secretKey: Uint8Array): Uint8Array {
  return blsSign(secretKey, encodePlainStatement(plainBilateralStatement(s)));
}

/**
 * Checks the amounts and both signatures against the pair's registered statement keys. AmountError,
 * BadSignatureError otherwise: a statement whose two signatures are over different amounts (the two
 * sides did not agree) fails here on the side that signed other amounts.
 */
export function verifyPlainStatement(signed: SignedPlainStatement, keyOf: (operator: number) => Uint8Array | undefined): void {
  const s = plainBilateralStatement(signed.statement);
  const message = encodePlainStatement(s);
  for (const [who, sig] of [[s.first, signed.firstSignature], [s.second, signed.secondSignature]] as const) {
    const key = keyOf(who);
    if (key === undefined) throw new BadSignatureError(`operator ${who} has no registered BLS key`);
    if (!blsVerify(key, message, sig)) throw new BadSignatureError(`operator ${who}'s signature on the ${s.first}-${s.second} plain statement does not verify (it signed other amounts, or another key signed)`);
  }
}
