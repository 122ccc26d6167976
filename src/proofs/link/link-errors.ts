// Typed errors of the link prover. None echoes an amount: they name the rule and where (direction, currency).

export type LinkInputFailure =
  | 'lines' // more non-zero lines in one (direction, currency) than the circuit's slots, or a line of another pair
  | 'exceeds' // the settled lines of a direction and currency exceed the proven aggregate's total
  | 'range' // an amount, total, converted line or net beyond the circuit's bounds
  | 'rate' // a currency without a rate, or a rate whose reduced parts do not fit 64 bits
  | 'currency' // a currency without a Pedersen generator (the circuit's table)
  | 'opening'; // an aggregate opening or statement blinding that does not open the given point

/** The link cannot be proven for these inputs: found in TypeScript, before any proving. */
export class LinkInputError extends Error {
  override readonly name = 'LinkInputError';
  constructor(
    readonly reason: LinkInputFailure,
    message: string,
  ) {
    super(message);
  }
}
