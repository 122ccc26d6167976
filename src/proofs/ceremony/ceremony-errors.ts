/** Why a ceremony step was refused: mapped to an exit code by the CLI. */
export type CeremonyFailure =
  | 'usage' // a directory that is not a ceremony, a bad name or beacon, an input file missing
  | 'invalid'; // the transcript does not verify (a tampered key, a contribution out of place)

export class CeremonyError extends Error {
  override readonly name = 'CeremonyError';
  constructor(
    readonly reason: CeremonyFailure,
    message: string,
  ) {
    super(message);
  }
}
