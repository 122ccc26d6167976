/**
 * How long a node keeps each kind of data. Block headers (with their transaction roots), batch
 * headers (with their Merkle roots, records digests and signatures) and nullifiers are always kept:
 * they are what keeps a retained record provable and a record billable once.
 */

/** The kinds of data retention can prune. */
export const RETENTION_KINDS = ['records', 'blocks', 'payloads'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** Keep forever, or for N days after the including block's timestamp, or for the last N blocks. */
export type Retention =
  | { readonly keep: 'forever' }
  | { readonly keep: 'days'; readonly days: number }
  | { readonly keep: 'blocks'; readonly blocks: number };

export interface RetentionPolicy {
  /** The public records (128 B per CDR) of committed batches: the bulk of the data directory. */
  readonly records: Retention;
  /** Block bodies: the transaction id list and the locations of pruned batches. Never before `records`. */
  readonly blocks: Retention;
  /**
   * Encrypted private payloads: the sealed sections in the private store (src/storage/sealed-store.ts),
   * pruned on their own schedule (a block's body waits for its batches' sections).
   */
  readonly payloads: Retention;
}

export const KEEP_FOREVER: Retention = { keep: 'forever' };
export const DEFAULT_RETENTION_POLICY: RetentionPolicy = { records: KEEP_FOREVER, blocks: KEEP_FOREVER, payloads: KEEP_FOREVER };

/** Longest "keep N days" accepted: 100 years. */
export const MAX_RETENTION_DAYS = 36_500;
/** Largest "keep N blocks": heights are uint32. */
export const MAX_RETENTION_BLOCKS = 0xffff_ffff;

export class RetentionPolicyError extends Error {
  override readonly name = 'RetentionPolicyError';
}

/** Fills unset kinds with "forever" and checks every value; throws RetentionPolicyError naming the bad one. */
export function validateRetentionPolicy(input: Partial<Record<RetentionKind, unknown>> = {}): RetentionPolicy {
  for (const key of Object.keys(input)) {
    if (!(RETENTION_KINDS as readonly string[]).includes(key)) throw new RetentionPolicyError(`unknown data kind "${key}" (known: ${RETENTION_KINDS.join(', ')})`);
  }
  const policy: RetentionPolicy = {
    records: validateRetention('records', input.records),
    blocks: validateRetention('blocks', input.blocks),
    payloads: validateRetention('payloads', input.payloads),
  };
  if (keptShorter(policy.blocks, policy.records)) {
    throw new RetentionPolicyError(
      `blocks retention (${describeRetention(policy.blocks)}) is shorter than records retention (${describeRetention(policy.records)}): ` +
        "a block's body locates the batches whose records are kept, so it is kept at least as long",
    );
  }
  return policy;
}

function validateRetention(kind: RetentionKind, value: unknown): Retention {
  if (value === undefined) return KEEP_FOREVER;
  if (typeof value !== 'object' || value === null) throw new RetentionPolicyError(`${kind}: expected {keep: "forever" | "days" | "blocks"}`);
  const v = value as { keep?: unknown; days?: unknown; blocks?: unknown };
  switch (v.keep) {
    case 'forever':
      return KEEP_FOREVER;
    case 'days':
      if (typeof v.days !== 'number' || !Number.isInteger(v.days) || v.days < 0 || v.days > MAX_RETENTION_DAYS) {
        throw new RetentionPolicyError(`${kind}: days must be an integer in 0..${MAX_RETENTION_DAYS}, got ${String(v.days)}`);
      }
      return { keep: 'days', days: v.days };
    case 'blocks':
      if (typeof v.blocks !== 'number' || !Number.isInteger(v.blocks) || v.blocks < 0 || v.blocks > MAX_RETENTION_BLOCKS) {
        throw new RetentionPolicyError(`${kind}: blocks must be an integer in 0..${MAX_RETENTION_BLOCKS}, got ${String(v.blocks)}`);
      }
      return { keep: 'blocks', blocks: v.blocks };
    default:
      throw new RetentionPolicyError(`${kind}: keep must be "forever", "days" or "blocks", got ${JSON.stringify(v.keep)}`);
  }
}

/** Whether `a` certainly keeps less than `b`. Days against blocks cannot be compared: the pruner orders them (blocks never pass records). */
function keptShorter(a: Retention, b: Retention): boolean {
  if (a.keep === 'forever') return false;
  if (b.keep === 'forever') return true;
  if (a.keep === 'days' && b.keep === 'days') return a.days < b.days;
  if (a.keep === 'blocks' && b.keep === 'blocks') return a.blocks < b.blocks;
  return false;
}

export function describeRetention(r: Retention): string {
  switch (r.keep) {
    case 'forever':
      return 'forever';
    case 'days':
      return `${r.days} day${r.days === 1 ? '' : 's'}`;
    case 'blocks':
      return `the last ${r.blocks} block${r.blocks === 1 ? '' : 's'}`;
  }
}

/** The policy from `--<kind>-days N` / `--<kind>-blocks N` style options (at most one of the two per kind). */
export function retentionPolicyFromOptions(o: {
  readonly recordsDays?: number | undefined;
  readonly recordsBlocks?: number | undefined;
  readonly blocksDays?: number | undefined;
  readonly blocksBlocks?: number | undefined;
  readonly payloadsDays?: number | undefined;
}): RetentionPolicy {
  const one = (kind: RetentionKind, days: number | undefined, blocks: number | undefined): Retention | undefined => {
    if (days !== undefined && blocks !== undefined) throw new RetentionPolicyError(`${kind}: give days or blocks, not both`);
    if (days !== undefined) return { keep: 'days', days };
    if (blocks !== undefined) return { keep: 'blocks', blocks };
    return undefined;
  };
  const records = one('records', o.recordsDays, o.recordsBlocks);
  const blocks = one('blocks', o.blocksDays, o.blocksBlocks);
  const payloads = one('payloads', o.payloadsDays, undefined);
  return validateRetentionPolicy({ ...(records ? { records } : {}), ...(blocks ? { blocks } : {}), ...(payloads ? { payloads } : {}) });
}

/** Whether a policy prunes anything at all. */
export function prunesAnything(p: RetentionPolicy): boolean {
  return p.records.keep !== 'forever' || p.blocks.keep !== 'forever' || p.payloads.keep !== 'forever';
}
