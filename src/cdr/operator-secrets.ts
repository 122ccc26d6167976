import { sha256 } from '../crypto/hash.js';

/**
 * What an operator's client needs besides its signing key: the consortium's pseudonym salt and
 * one agreement secret per counterparty (both sides of a pair hold the same one, so their views
 * of a shared call produce the same event-key hash and commitment).
 */
export interface OperatorSecrets {
  readonly plmn: number;
  readonly consortiumSalt: Uint8Array;
  pairSecret(counterparty: number): Uint8Array;
}

export class MissingPairSecretError extends Error {
  override readonly name = 'MissingPairSecretError';
}

export function secretsFromTable(plmn: number, consortiumSalt: Uint8Array, pairs: ReadonlyMap<number, Uint8Array>): OperatorSecrets {
  return {
    plmn,
    consortiumSalt,
    pairSecret(counterparty) {
      const s = pairs.get(counterparty);
      if (!s) throw new MissingPairSecretError(`operator ${plmn} has no agreement secret with ${counterparty}`);
      return s;
    },
  };
}

/** Devnet secrets derive from public strings: INSECURE, for the embedded devnet only. */
export function devnetSecrets(plmn: number): OperatorSecrets {
  return {
    plmn,
    consortiumSalt: sha256(Buffer.from('cdrchain devnet INSECURE consortium salt')),
    pairSecret(counterparty) {
      const [a, b] = plmn < counterparty ? [plmn, counterparty] : [counterparty, plmn];
      return sha256(Buffer.from(`cdrchain devnet INSECURE pair secret ${a}-${b}`));
    },
  };
}
