/** Exit codes of the `cdrchain` command. */
export const EXIT = {
  ok: 0,
  /** Bad arguments or input file. */
  usage: 2,
  /** The node refused one or more batches. */
  rejected: 3,
  /** The node could not be reached or dropped the connection. */
  connection: 4,
  /** The node could not start (port taken, data directory of another chain, ...). */
  startup: 5,
  /** The node belongs to another chain than the one pinned with --chain. */
  wrongChain: 6,
  /** The data directory is open in another process (a running node): `prune` works on a stopped node's directory. */
  dataInUse: 7,
  /** reconcile --cosign: the operator's own records give another verdict than the counterparty's half. */
  verdictDisagrees: 8,
  /** settle --wait final: --timeout ran out before the settlement was final. */
  timedOut: 9,
  /** statement, bank-open: a transfer opening does not open the proposal's T_k (or the openings do not sum to zero). */
  transferMismatch: 10,
} as const;

/** An error the CLI reports as one line on stderr with its exit code, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function parseIntOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^[0-9]+$/.test(v) || n < min || n > max) throw new CliError(`--${name} must be an integer in ${min}..${max}, got "${v}"`, EXIT.usage);
    return n;
  };
}

export function parsePlmnOption(v: string): number {
  if (!/^[2-7][0-9]{4,5}$/.test(v)) throw new CliError(`"${v}" is not a PLMN id (MCC + MNC, 5 or 6 digits, e.g. 26201)`, EXIT.usage);
  return Number(v);
}
