import { devnetGenesis, withSettlementKey, type Genesis } from '../chain/genesis.js';
import { genesisSettlement } from '../chain/genesis-settlement.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { sha256 } from '../crypto/hash.js';

/** The devnet operator that does not validate in the plain-mode test genesis. */
export const T_MOBILE_US = 310260;

/** T-Mobile US's settlement key in the plain-mode test genesis (from a public string: INSECURE, tests only). */
export function testSettlementSecret(plmn: number = T_MOBILE_US): Uint8Array {
  return blsKeyPairFromSeed(sha256(Buffer.from(`cdrchain test INSECURE settlement key ${plmn}`))).secretKey;
}

let cached: Genesis | undefined;

/**
 * The devnet consortium settling in plain mode: the first five operators validate (their well-known
 * keys), T-Mobile US (310260) does not and signs statements and approvals with its genesis
 * settlementKey; the validators publish rates.
 */
export function plainModeGenesis(): Genesis {
  if (cached) return cached;
  const base = devnetGenesis({ validators: 5 });
  cached = {
    ...base,
    chainId: 'cdrchain-plain-test',
    operators: base.operators.map((o) => (o.plmn === T_MOBILE_US ? withSettlementKey(o, testSettlementSecret()) : o)),
    settlement: genesisSettlement({ mode: 'plain', ratePublishers: base.consensus!.validators.map((v) => v.blsKey) }),
  };
  return cached;
}
