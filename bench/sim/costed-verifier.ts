import type { SignatureVerifier } from '../../src/consensus/outside-deps.js';
import type { VirtualClock } from '../../src/consensus/virtual-clock.js';

/**
 * One validator's CPU for signature checks, on virtual time: checks run one after another, each
 * taking `verifyMs` (an aggregate: `aggregateMs` plus `perKeyMs` per key), and the verdict arrives
 * when its check is done. The verdict itself comes from the real verifier underneath. Without it,
 * virtual time would treat verification as free and finality could not grow with validator count.
 */
export class CostedVerifier implements SignatureVerifier {
  private busyUntil = 0;

  constructor(
    private readonly inner: SignatureVerifier,
    private readonly clock: VirtualClock,
    private readonly cost: { readonly verifyMs: number; readonly aggregateMs: number; readonly perKeyMs: number },
  ) {}

  async verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const ok = await this.inner.verify(publicKey, message, signature);
    return this.after(this.cost.verifyMs, ok);
  }

  async verifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, aggregate: Uint8Array): Promise<boolean> {
    const ok = await this.inner.verifyAggregate(publicKeys, message, aggregate);
    return this.after(this.cost.aggregateMs + this.cost.perKeyMs * publicKeys.length, ok);
  }

  aggregate(signatures: readonly Uint8Array[]): Uint8Array {
    return this.inner.aggregate(signatures);
  }

  private after(ms: number, value: boolean): Promise<boolean> {
    const start = Math.max(this.clock.now(), this.busyUntil);
    this.busyUntil = start + ms;
    return new Promise((resolve) => this.clock.after(this.busyUntil - this.clock.now(), () => resolve(value)));
  }
}
