import { curves, type SnarkjsCurve } from 'snarkjs';

// snarkjs builds the BN254 curve (ffjavascript: WASM plus, by default, one worker thread per core) on
// first use and caches it in `globalThis.curve_bn128`; groth16.prove and groth16.verify both take the
// cached one. Those threads keep a process alive until terminated.
const cache = globalThis as unknown as { curve_bn128?: SnarkjsCurve | null };

/**
 * Terminates the cached curve's threads (call on shutdown and at the end of tests); the next proof or
 * verification builds the curve again.
 */
export async function releaseProofCurve(): Promise<void> {
  const curve = cache.curve_bn128;
  cache.curve_bn128 = null;
  if (curve) await curve.terminate();
}

/**
 * Makes this thread's proofs and verifications use a single-threaded curve (no nested worker threads):
 * what a worker of a pool wants, where parallelism comes from the pool. It relies on ffjavascript
 * returning the cached `globalThis.curve_bn128` (snarkjs 0.7 / ffjavascript 0.3); curve.test.ts pins it.
 */
export async function useSingleThreadProofCurve(): Promise<void> {
  await releaseProofCurve();
  cache.curve_bn128 = await curves.getCurveFromName('bn128', { singleThread: true });
}
