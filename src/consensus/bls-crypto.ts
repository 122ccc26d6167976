import { blsAggregateSignatures, blsFastAggregateVerify, blsPublicKeyFromSecretKey, blsSign, blsVerify } from '../crypto/bls/bls.js';
import { sha256 } from '../crypto/hash.js';
import type { ConsensusSigner, SignatureCheckOptions, SignatureVerifier } from './outside-deps.js';

/** A validator's BLS secret key as a ConsensusSigner (src/crypto/bls/bls.ts, @chainsafe/blst). */
export class BlsSigner implements ConsensusSigner {
  readonly publicKey: Uint8Array;
  constructor(
    readonly id: number,
    private readonly secretKey: Uint8Array,
  ) {
    this.publicKey = blsPublicKeyFromSecretKey(secretKey);
  }
  sign(message: Uint8Array): Uint8Array {
    return blsSign(this.secretKey, message);
  }
}

/**
 * Verification on the calling thread (the node puts it on the worker pool instead). `cacheSize` > 0
 * remembers verdicts by SHA-256 of (key, message, signature): in the simulator every validator
 * receives the same votes, and one process need not check identical bytes a hundred times. The
 * cache holds verdicts of real checks only.
 */
export class InThreadBlsVerifier implements SignatureVerifier {
  private readonly cache = new Map<string, boolean>();
  verifications = 0;

  constructor(private readonly cacheSize = 0) {}

  async verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return this.cached([publicKey], message, signature, () => blsVerify(publicKey, message, signature));
  }

  async verifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, aggregate: Uint8Array): Promise<boolean> {
    return this.cached(publicKeys, message, aggregate, () => blsFastAggregateVerify(publicKeys, message, aggregate));
  }

  aggregate(signatures: readonly Uint8Array[]): Uint8Array {
    return blsAggregateSignatures(signatures);
  }

  private cached(keys: readonly Uint8Array[], message: Uint8Array, signature: Uint8Array, check: () => boolean): boolean {
    if (this.cacheSize === 0) {
      this.verifications++;
      return check();
    }
    const key = Buffer.from(sha256(...keys, new Uint8Array([0]), message, new Uint8Array([0]), signature)).toString('latin1');
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    this.verifications++;
    const ok = check();
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(key, ok);
    return ok;
  }
}

/** A verifier of BLS signature sets (the node's worker-pool `BlsVerifier`, src/workers/), structurally. */
export interface SignatureSetVerifier {
  verifySignatureSets(
    sets: readonly { readonly publicKeys: readonly Uint8Array[]; readonly message: Uint8Array; readonly signature: Uint8Array }[],
    options?: { readonly verifyOnMainThread?: boolean },
  ): Promise<boolean>;
}

export interface SignatureSetsVerifierOptions {
  /**
   * Urgent checks (`SignatureCheckOptions.urgent`: Tendermint votes, proposals, justifications) run on
   * the calling thread (default false: everything on the worker pool, batched). They are few — bounded
   * by validators × steps per round after the vote prechecks — and ~1.3 ms each with blst, while a pool
   * round trip queues behind the batch job each worker is running (5–100 ms on the devnet). The rest
   * (micro blocks' seed and producer signatures, one pair per block) stays on the pool: on the main
   * thread it delayed admissions (devnet A/B at 4,000 CDR/s: slowest 5% send→Ack 148–159 ms against
   * 92–112 ms, main-thread ELU 0.25 against 0.18).
   */
  readonly urgentOnMainThread?: boolean;
}

const ON_POOL = Object.freeze({ verifyOnMainThread: false });
const ON_MAIN_THREAD = Object.freeze({ verifyOnMainThread: true });

/** Consensus' SignatureVerifier on a signature-set verifier (the node's worker-pool `BlsVerifier`). */
export class SignatureSetsVerifier implements SignatureVerifier {
  private readonly urgentOnMainThread: boolean;

  constructor(
    private readonly sets: SignatureSetVerifier,
    options: SignatureSetsVerifierOptions = {},
  ) {
    this.urgentOnMainThread = options.urgentOnMainThread === true;
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: SignatureCheckOptions): Promise<boolean> {
    return this.sets.verifySignatureSets([{ publicKeys: [publicKey], message, signature }], this.where(options));
  }

  async verifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, aggregate: Uint8Array, options?: SignatureCheckOptions): Promise<boolean> {
    if (publicKeys.length === 0) return false;
    return this.sets.verifySignatureSets([{ publicKeys, message, signature: aggregate }], this.where(options));
  }

  private where(options: SignatureCheckOptions | undefined): { readonly verifyOnMainThread: boolean } {
    return this.urgentOnMainThread && options?.urgent === true ? ON_MAIN_THREAD : ON_POOL;
  }

  aggregate(signatures: readonly Uint8Array[]): Uint8Array {
    return blsAggregateSignatures(signatures);
  }
}
