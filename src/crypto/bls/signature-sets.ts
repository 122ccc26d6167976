import blst, { type SignatureSet } from '@chainsafe/blst';
import { parseSignatureSet, type BlsSignatureSet, type BlsPublicKeyCache } from './bls.js';

/**
 * Many signature sets at once with a verdict per set, the way Lodestar's BLS pool does it
 * (chain/bls/multithread): one `verifyMultipleAggregateSignatures` over every well-formed set
 * (~0.28 ms a set here against ~1 ms for one `verify`), and only if that fails, each set on its own
 * to find the bad ones. A batch with one bad set costs the batch plus one verify per set: an abuser
 * pays for that with its peer score, not with other validators' votes.
 *
 * Used by the worker pool's `bls` job and by the main-thread verifier alike.
 */

/** Bounds on one set: votes and justifications carry 32-byte roots and at most a validator set of keys. */
export const BLS_MAX_KEYS_PER_SET = 4096;
export const BLS_MAX_MESSAGE_BYTES = 1024;

export interface SetsVerdict {
  /** One entry per input set, in order. */
  readonly valid: readonly boolean[];
  /** True when the combined check failed and the sets were verified one by one. */
  readonly retried: boolean;
}

/** Whether a set's shape is within bounds (checked before any curve work). */
export function signatureSetInBounds(set: BlsSignatureSet): boolean {
  return set.publicKeys.length >= 1 && set.publicKeys.length <= BLS_MAX_KEYS_PER_SET && set.message.length <= BLS_MAX_MESSAGE_BYTES;
}

/** `cache`: where validated keys are looked up (default: the thread's shared cache). */
export function verifySignatureSetsEach(sets: readonly BlsSignatureSet[], cache?: BlsPublicKeyCache): SetsVerdict {
  const parsed: (SignatureSet | undefined)[] = sets.map((s) => (signatureSetInBounds(s) ? parseSignatureSet(s, cache?.get) : undefined));
  const valid = parsed.map((p) => p !== undefined);
  const good: SignatureSet[] = [];
  for (const p of parsed) if (p !== undefined) good.push(p);
  if (good.length === 0) return { valid, retried: false };
  if (good.length >= 2 && safely(() => blst.verifyMultipleAggregateSignatures(good, false, false))) return { valid, retried: false };
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i];
    if (p !== undefined) valid[i] = safely(() => blst.verify(p.msg, p.pk, p.sig, false, false));
  }
  return { valid, retried: good.length >= 2 };
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
