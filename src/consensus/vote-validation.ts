import { toHex } from '../codec/bytes.js';
import { VoteKind, type VoteMessage } from '../codec/consensus-messages.js';
import { skipSigningBytes, tendermintVoteSigningBytes } from '../codec/consensus-signing.js';
import type { MessageVerdict } from '../p2p/peer-network.js';
import type { SignatureVerifier } from './outside-deps.js';
import type { Heights } from './policy.js';
import type { ValidatorSet } from './validator-set.js';

/**
 * Checks on incoming votes (docs/consensus.md §11), cheapest first, each failure a typed reason that
 * maps to the network's verdict: stale and duplicate messages are harmless (`ignore`), malformed and
 * out-of-bounds ones cost score (`reject`), provably malicious ones cost more (`penalise`).
 */
export type VoteRejection =
  | 'malformed'
  | 'unknown_validator'
  | 'stale'
  | 'not_current'
  | 'far_future_round'
  | 'duplicate'
  | 'bad_signature'
  | 'equivocation';

export const VOTE_VERDICTS: Readonly<Record<VoteRejection, MessageVerdict>> = Object.freeze({
  malformed: 'reject',
  unknown_validator: 'reject',
  stale: 'ignore',
  not_current: 'ignore',
  far_future_round: 'reject',
  duplicate: 'ignore',
  bad_signature: 'penalise',
  equivocation: 'penalise',
});

export class VoteRejectedError extends Error {
  override readonly name = 'VoteRejectedError';
  constructor(
    readonly reason: VoteRejection,
    detail: string,
  ) {
    super(`vote rejected (${reason}): ${detail}`);
  }
  get verdict(): MessageVerdict {
    return VOTE_VERDICTS[this.reason];
  }
}

export interface VoteContext {
  readonly heights: Heights;
  /** The validator set of the heights above the last final block. */
  readonly set: ValidatorSet;
  readonly lastFinalHeight: number;
  /** The macro height Tendermint runs for (the next one). */
  readonly macroHeight: number;
  /** The current Tendermint round (−1 before it starts). */
  readonly currentRound: number;
  readonly maxRoundsAhead: number;
}

/** The checks that need no cryptography; returns the signer's index. */
export function precheckVote(v: VoteMessage, ctx: VoteContext): number {
  const index = ctx.set.indexOf(v.validator);
  if (index === undefined) throw new VoteRejectedError('unknown_validator', `${v.validator} is not a validator of this epoch`);
  if (v.height > BigInt(Number.MAX_SAFE_INTEGER)) throw new VoteRejectedError('not_current', `height ${v.height}`);
  const height = Number(v.height);
  if (height <= ctx.lastFinalHeight) throw new VoteRejectedError('stale', `height ${height} is final here`);
  if (v.kind === VoteKind.Skip) {
    if (ctx.heights.isMacro(height)) throw new VoteRejectedError('malformed', `height ${height} is a macro height: no skip votes`);
    if (height > ctx.macroHeight) throw new VoteRejectedError('not_current', `skip vote for ${height}, beyond the next macro block ${ctx.macroHeight}`);
    return index;
  }
  if (height < ctx.macroHeight) throw new VoteRejectedError('malformed', `a ${VoteKind[v.kind]} for micro height ${height}`);
  if (height > ctx.macroHeight) throw new VoteRejectedError('not_current', `${VoteKind[v.kind]} for ${height}, the next macro block is ${ctx.macroHeight}`);
  if (v.round > Math.max(0, ctx.currentRound) + ctx.maxRoundsAhead) {
    throw new VoteRejectedError('far_future_round', `round ${v.round}, current ${ctx.currentRound}, at most ${ctx.maxRoundsAhead} ahead`);
  }
  return index;
}

/** What a vote's signature covers. */
export function voteSigningBytes(chain: Uint8Array, v: Pick<VoteMessage, 'kind' | 'height' | 'round' | 'value'>): Uint8Array {
  if (v.kind === VoteKind.Skip) return skipSigningBytes(chain, v.height, v.value!);
  return tendermintVoteSigningBytes(v.kind === VoteKind.Prevote ? 'prevote' : 'precommit', chain, v.height, v.round, v.value);
}

export async function verifyVoteSignature(chain: Uint8Array, v: VoteMessage, set: ValidatorSet, index: number, verifier: SignatureVerifier): Promise<void> {
  const ok = await verifier.verify(set.byIndex(index).publicKey, voteSigningBytes(chain, v), v.signature, { urgent: true });
  if (!ok) throw new VoteRejectedError('bad_signature', `signature of ${v.validator} does not verify`);
}

/**
 * Votes already taken, by content (validator, kind, height, round, value): a replay is answered with
 * `duplicate` before any curve work. Bounded to the heights above the last final block.
 */
export class SeenVotes {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 65_536) {}

  /** True if it was new (and is now remembered). */
  remember(v: VoteMessage): boolean {
    const k = `${v.validator}/${v.kind}/${v.height}/${v.round}/${v.value ? toHex(v.value) : '-'}`;
    if (this.seen.has(k)) return false;
    if (this.seen.size >= this.maxEntries) return true; // full: verify again rather than grow (signature checks still bound the cost)
    this.seen.set(k, Number(v.height));
    return true;
  }

  has(v: VoteMessage): boolean {
    return this.seen.has(`${v.validator}/${v.kind}/${v.height}/${v.round}/${v.value ? toHex(v.value) : '-'}`);
  }

  prune(atOrBelowHeight: number): void {
    for (const [k, h] of this.seen) if (h <= atOrBelowHeight) this.seen.delete(k);
  }
}
