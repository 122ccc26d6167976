import type { Command } from 'commander';
import { ToleranceFormatError } from '../reconciliation/errors.js';
import { parseChargeTolerance, parseDurationTolerance, parseVolumeTolerance } from '../reconciliation/explain.js';
import type { VerdictTolerances } from '../reconciliation/verdict.js';
import { CliError, EXIT } from './errors.js';

/** The flags of the tolerances a pair agrees on (reconcile --explain, bilateral, statement). */
export interface ToleranceFlags {
  toleranceDuration: string;
  toleranceCharge: string;
  toleranceVolume: string;
}

/** Adds --tolerance-duration, --tolerance-charge and --tolerance-volume (default: none tolerated); `prefix` says when they apply. */
export function withToleranceOptions(cmd: Command, prefix = ''): Command {
  return cmd
    .option('--tolerance-duration <s>', `${prefix}tolerated duration difference, whole seconds (e.g. 1s)`, '0s')
    .option('--tolerance-charge <t>', `${prefix}tolerated charge difference, percent of the larger charge (0.5%) or minor units (3)`, '0')
    .option('--tolerance-volume <bytes>', `${prefix}tolerated volume difference, whole bytes (e.g. 1024B)`, '0');
}

/** The tolerances the flags name; a malformed one exits 2 naming it. */
export function tolerancesFrom(o: ToleranceFlags): VerdictTolerances {
  try {
    return { durationSec: parseDurationTolerance(o.toleranceDuration), ...parseChargeTolerance(o.toleranceCharge), volumeBytes: parseVolumeTolerance(o.toleranceVolume) };
  } catch (err) {
    if (err instanceof ToleranceFormatError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}
