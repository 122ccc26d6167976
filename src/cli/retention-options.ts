import type { Command } from 'commander';
import { RetentionPolicyError, retentionPolicyFromOptions, type RetentionPolicy } from '../chain/retention/retention-policy.js';
import type { RetentionOptions } from '../chain/retention/retention-service.js';
import { CliError, EXIT, parseIntOption } from './errors.js';

/** The retention flags as commander parses them, shared by `node` (prefixed --retention-) and `prune`. */
export interface RetentionFlags {
  readonly recordsDays?: number;
  readonly recordsBlocks?: number;
  readonly blocksDays?: number;
  readonly blocksBlocks?: number;
  readonly payloadsDays?: number;
}

const DAYS = 36_500;
const BLOCKS = 0xffff_ffff;

/** Adds `--<prefix>records-days` … to `command`; `prefix` is '' for `prune`, 'retention-' for `node`. */
export function addRetentionFlags(command: Command, prefix: '' | 'retention-'): Command {
  const o = (flag: string, what: string, max: number) => command.option(`--${prefix}${flag} <n>`, what, parseIntOption(`${prefix}${flag}`, 0, max));
  o('records-days', "prune batches' public records N days after their block (headers, Merkle roots and nullifiers stay)", DAYS);
  o('records-blocks', "prune batches' public records once N newer blocks exist", BLOCKS);
  o('blocks-days', 'prune block bodies (transaction ids, locations) N days after the block; never before its records', DAYS);
  o('blocks-blocks', 'prune block bodies once N newer blocks exist; never before their records', BLOCKS);
  o('payloads-days', 'prune encrypted payloads N days after their block (declared: nothing stores payloads yet)', DAYS);
  return command;
}

/** The policy the flags give (unset kinds: forever); a contradiction exits 2. */
export function retentionPolicyFromFlags(f: RetentionFlags): RetentionPolicy {
  try {
    return retentionPolicyFromOptions(f);
  } catch (err) {
    if (err instanceof RetentionPolicyError) throw new CliError(`retention: ${err.message}`, EXIT.usage);
    throw err;
  }
}

/** `node`'s flags: --retention-<kind>-<unit> and --retention-interval <seconds>; undefined when none is given. */
export function nodeRetentionOptions(o: {
  readonly retentionRecordsDays?: number;
  readonly retentionRecordsBlocks?: number;
  readonly retentionBlocksDays?: number;
  readonly retentionBlocksBlocks?: number;
  readonly retentionPayloadsDays?: number;
  readonly retentionInterval?: number;
}): RetentionOptions | undefined {
  const flags: RetentionFlags = {
    ...(o.retentionRecordsDays !== undefined ? { recordsDays: o.retentionRecordsDays } : {}),
    ...(o.retentionRecordsBlocks !== undefined ? { recordsBlocks: o.retentionRecordsBlocks } : {}),
    ...(o.retentionBlocksDays !== undefined ? { blocksDays: o.retentionBlocksDays } : {}),
    ...(o.retentionBlocksBlocks !== undefined ? { blocksBlocks: o.retentionBlocksBlocks } : {}),
    ...(o.retentionPayloadsDays !== undefined ? { payloadsDays: o.retentionPayloadsDays } : {}),
  };
  if (Object.keys(flags).length === 0 && o.retentionInterval === undefined) return undefined;
  return {
    policy: retentionPolicyFromFlags(flags),
    ...(o.retentionInterval !== undefined ? { intervalMs: o.retentionInterval * 1000 } : {}),
  };
}

/** Adds `node`'s retention flags. */
export function addNodeRetentionFlags(command: Command): Command {
  addRetentionFlags(command, 'retention-');
  return command.option('--retention-interval <s>', 'apply the retention policy every S seconds (default 600)', parseIntOption('retention-interval', 1, 7 * 86_400));
}
