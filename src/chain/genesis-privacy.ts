import { fromHex, toHex } from '../codec/bytes.js';
import { X25519_KEY_BYTES } from '../privacy/key-wrap.js';
import { GROUP_ORDER, base, hashToScalar, mulPublic } from '../privacy/threshold/group.js';
import { type HolderShare, LawfulAccessSetup } from '../privacy/threshold/lawful-access-setup.js';
import { setupFromJson, setupToJson } from '../privacy/threshold/setup-file.js';

/**
 * The consortium's privacy rules (issue 13, P2; docs/privacy.md §8), fixed by the genesis like the
 * consensus constants, since every validator must decide a batch the same way:
 *
 * - `sealedPayloads`: `off` (a batch may not carry a sealed section), `optional` (it may), `required`
 *   (a batch without one is refused, SealedRequired);
 * - each operator's X25519 public key, the one its HPKE wrap must be for;
 * - the lawful-access key's public setup (t, n, Feldman commitments; commitments[0] is the key).
 */
export type SealedPayloadRule = 'off' | 'optional' | 'required';
export const SEALED_PAYLOAD_RULES: readonly SealedPayloadRule[] = ['off', 'optional', 'required'];

export interface GenesisPrivacy {
  readonly sealedPayloads: SealedPayloadRule;
  /** PLMN id → X25519 public key (32 bytes). An operator without one cannot be party to a sealed batch. */
  readonly encryptionKeys: ReadonlyMap<number, Uint8Array>;
  readonly lawfulAccess: LawfulAccessSetup;
}

export interface GenesisPrivacyJson {
  sealedPayloads: string;
  encryptionKeys: { plmn: number; publicKey: string }[];
  lawfulAccess: object;
}

export class GenesisPrivacyError extends Error {
  override readonly name = 'GenesisPrivacyError';
}

/** Fixed order (operators ascending): the chain identity hashes this JSON. */
export function genesisPrivacyToJson(p: GenesisPrivacy): GenesisPrivacyJson {
  return {
    sealedPayloads: p.sealedPayloads,
    encryptionKeys: [...p.encryptionKeys.entries()].sort(([a], [b]) => a - b).map(([plmn, k]) => ({ plmn, publicKey: toHex(k) })),
    lawfulAccess: setupToJson(p.lawfulAccess),
  };
}

export function genesisPrivacyFromJson(j: unknown, operators: ReadonlySet<number>): GenesisPrivacy {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new GenesisPrivacyError('privacy must be an object');
  const o = j as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['sealedPayloads', 'encryptionKeys', 'lawfulAccess'].includes(k)) throw new GenesisPrivacyError(`privacy: unknown field ${k}`);
  const rule = o.sealedPayloads;
  if (typeof rule !== 'string' || !(SEALED_PAYLOAD_RULES as readonly string[]).includes(rule)) {
    throw new GenesisPrivacyError(`privacy.sealedPayloads must be one of ${SEALED_PAYLOAD_RULES.join(', ')}`);
  }
  if (!Array.isArray(o.encryptionKeys)) throw new GenesisPrivacyError('privacy.encryptionKeys must be a list');
  const keys = new Map<number, Uint8Array>();
  for (const e of o.encryptionKeys as unknown[]) {
    const { plmn, publicKey } = (e ?? {}) as { plmn?: unknown; publicKey?: unknown };
    if (typeof plmn !== 'number' || !operators.has(plmn)) throw new GenesisPrivacyError(`privacy.encryptionKeys: ${String(plmn)} is not a genesis operator`);
    if (keys.has(plmn)) throw new GenesisPrivacyError(`privacy.encryptionKeys: ${plmn} listed twice`);
    if (typeof publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(publicKey)) throw new GenesisPrivacyError(`privacy.encryptionKeys: ${plmn}'s key must be ${X25519_KEY_BYTES} bytes of hex`);
    keys.set(plmn, fromHex(publicKey, X25519_KEY_BYTES));
  }
  let lawfulAccess: LawfulAccessSetup;
  try {
    lawfulAccess = setupFromJson(o.lawfulAccess, 'privacy.lawfulAccess');
  } catch (err) {
    throw new GenesisPrivacyError(err instanceof Error ? err.message : String(err));
  }
  return Object.freeze({ sealedPayloads: rule as SealedPayloadRule, encryptionKeys: keys, lawfulAccess });
}

// ---- The devnet's privacy section: well-known, INSECURE keys derived from public strings. ----

/** `devnetEncryptionKeyPair(plmn).publicKey` (src/privacy/encryption-key-file.ts), precomputed: deriving is async. */
const DEVNET_ENCRYPTION_KEYS: ReadonlyMap<number, string> = new Map([
  [20801, '9a72143f9c57ce3d0b27b5488e26f83348cc547cc0735621d0e2afb4e17ade40'],
  [23415, 'cfffddf490b1082bed9e37a11e7b9b400c0e2dd6b5227467a31901779169d62c'],
  [26201, '52bd796003b1147fa795a1c99e58042380b166427a2703374dff737064746820'],
  [40445, '2731d97fe7459e9fc3ffb72d584a2b8a009028562df6139660bca6844dac4e4c'],
  [52501, '2195f9acda88e59ae5ae863e37ab5e3bd4ebf5343196ac1f4c808908b93d1023'],
  [310260, '87b2c7842a7738facf3d6d27a618b703fb25616c12e942367dc1bc03d4df2167'],
]);

const DEVNET_LAWFUL_DST = 'cdrchain devnet INSECURE lawful-access coefficient';
const DEVNET_LAWFUL = { threshold: 2, holders: 3 } as const;

/** The devnet lawful-access polynomial's coefficients, from public strings: anyone can open devnet wraps. */
function devnetLawfulCoefficient(k: number): bigint {
  return hashToScalar(DEVNET_LAWFUL_DST, Uint8Array.of(k));
}

let devnetSetup: LawfulAccessSetup | undefined;
/** The devnet's 2-of-3 lawful-access setup (INSECURE: its shares are `devnetLawfulShare`). */
export function devnetLawfulAccessSetup(): LawfulAccessSetup {
  devnetSetup ??= LawfulAccessSetup.fromCommitments(
    DEVNET_LAWFUL,
    Array.from({ length: DEVNET_LAWFUL.threshold }, (_, k) => mulPublic(base(), devnetLawfulCoefficient(k))),
  );
  return devnetSetup;
}

/** Holder `holder`'s share of the devnet lawful-access key (INSECURE, for tests and demos). */
export function devnetLawfulShare(holder: number): HolderShare {
  let s = 0n;
  let x = 1n;
  for (let k = 0; k < DEVNET_LAWFUL.threshold; k++) {
    s += devnetLawfulCoefficient(k) * x;
    x *= BigInt(holder);
  }
  return { holder, share: s % GROUP_ORDER };
}

let devnetPrivacySection: GenesisPrivacy | undefined;
/** The devnet genesis' privacy section: sealed payloads optional, every devnet operator's key. */
export function devnetPrivacy(): GenesisPrivacy {
  devnetPrivacySection ??= Object.freeze({
    sealedPayloads: 'optional' as const,
    encryptionKeys: new Map([...DEVNET_ENCRYPTION_KEYS].map(([plmn, hex]) => [plmn, fromHex(hex, X25519_KEY_BYTES)])),
    lawfulAccess: devnetLawfulAccessSetup(),
  });
  return devnetPrivacySection;
}

/** The devnet privacy section for a genesis listing `operators` (their devnet keys only). */
export function devnetPrivacyJson(operators: readonly number[]): GenesisPrivacyJson {
  const j = genesisPrivacyToJson(devnetPrivacy());
  return { ...j, encryptionKeys: j.encryptionKeys.filter((k) => operators.includes(k.plmn)) };
}
