import { PrivacyInputError } from '../errors.js';
import { type ThresholdParams, shareCommitment, thresholdParams, verifyShare } from './feldman.js';
import { type Point, encodeElement } from './group.js';
import { checkHolderIndex } from './lagrange.js';

/**
 * The public side of a lawful-access key: t, n and the (joint) Feldman commitments A_0..A_{t−1}.
 * A_0 is the public key every operator encrypts group keys to; holder i's verification key
 * Y_i = Σ_k i^k·A_k is what its partial decryptions are checked against. Nothing secret lives here.
 */
export class LawfulAccessSetup {
  readonly params: ThresholdParams;
  readonly commitments: readonly Point[];
  readonly publicKey: Point;
  private readonly verificationKeys = new Map<number, Point>();
  private readonly verificationKeyEncodings = new Map<number, Uint8Array>();
  private publicKeyEncoding: Uint8Array | undefined;

  private constructor(params: ThresholdParams, commitments: readonly Point[]) {
    this.params = params;
    this.commitments = Object.freeze([...commitments]);
    this.publicKey = commitments[0]!;
  }

  static fromCommitments(params: ThresholdParams, commitments: readonly Point[]): LawfulAccessSetup {
    const p = thresholdParams(params);
    if (commitments.length !== p.threshold) {
      throw new PrivacyInputError(`a ${p.threshold}-of-${p.holders} setup has ${p.threshold} commitments, got ${commitments.length}`);
    }
    if (commitments[0]!.is0()) throw new PrivacyInputError('the lawful-access public key is the identity');
    return new LawfulAccessSetup(p, commitments);
  }

  /** A_0's encoding: what the operators' clients multiply by (lawful-wrap.ts, on libsodium). */
  publicKeyBytes(): Uint8Array {
    this.publicKeyEncoding ??= encodeElement(this.publicKey);
    return Uint8Array.from(this.publicKeyEncoding);
  }

  isHolder(holder: number): boolean {
    return Number.isInteger(holder) && holder >= 1 && holder <= this.params.holders;
  }

  /** Y_i = s_i·G, derived from the commitments (never from the share). */
  verificationKey(holder: number): Point {
    checkHolderIndex(holder);
    if (!this.isHolder(holder)) throw new PrivacyInputError(`holder ${holder} is not one of the ${this.params.holders} holders`);
    let y = this.verificationKeys.get(holder);
    if (!y) {
      y = shareCommitment(this.commitments, holder);
      this.verificationKeys.set(holder, y);
    }
    return y;
  }

  verificationKeyBytes(holder: number): Uint8Array {
    let b = this.verificationKeyEncodings.get(holder);
    if (!b) {
      b = encodeElement(this.verificationKey(holder));
      this.verificationKeyEncodings.set(holder, b);
    }
    return Uint8Array.from(b);
  }
}

/** A holder's secret share s_i = f(i) of the lawful-access key. */
export interface HolderShare {
  readonly holder: number;
  readonly share: bigint;
}

/** Checks a final share against the setup (s_i·G = Y_i); throws ShareVerificationError (dealer 0 = the joint setup). */
export function checkHolderShare(setup: LawfulAccessSetup, share: HolderShare): void {
  if (!setup.isHolder(share.holder)) throw new PrivacyInputError(`holder ${share.holder} is not one of the ${setup.params.holders} holders`);
  verifyShare(setup.commitments, 0, share.holder, share.share);
}
