import { CanonicalWriter } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import type { ValidatorInfo, ValidatorSet } from './validator-set.js';

/**
 * Who produces height `h` in round `r` (docs/consensus.md §3): a draw uniform in voting power from
 * the batch seed's entropy. Rejection sampling on 64-bit words makes it exactly uniform on [0, T);
 * the walk over cumulative powers in id order maps it to a validator. Integer arithmetic only.
 */
const SLOT_TAG = 'cdrchain:slot:v1';
const TWO_64 = 1n << 64n;

export function drawPowerUnit(chain: Uint8Array, entropy: Uint8Array, height: number, round: number, totalPower: number): number {
  const total = BigInt(totalPower);
  const limit = (TWO_64 / total) * total;
  for (let k = 0; ; k++) {
    const digest = sha256(
      new CanonicalWriter(16 + 32 + 32 + 8 + 4 + 4).tag(SLOT_TAG).raw(chain, 32).raw(entropy, 32).u64(BigInt(height)).u32(round).u32(k).finish(),
    );
    const x = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0);
    if (x < limit) return Number(x % total);
  }
}

export function drawProducer(set: ValidatorSet, chain: Uint8Array, batchSeedEntropy: Uint8Array, height: number, round: number): ValidatorInfo {
  let u = drawPowerUnit(chain, batchSeedEntropy, height, round, set.totalPower);
  for (const v of set.validators) {
    if (u < v.power) return v;
    u -= v.power;
  }
  throw new Error('unreachable: a draw below the total power always lands on a validator');
}
