import { devnetPrivacy, genesisPrivacyFromJson, genesisPrivacyToJson, GenesisPrivacyError, type GenesisPrivacy, type GenesisPrivacyJson } from './genesis-privacy.js';
import { readFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import { DEFAULT_GENESIS_SETTLEMENT, genesisSettlement, genesisSettlementFromJson, genesisSettlementToJson, GenesisSettlementError, type GenesisSettlement, type GenesisSettlementJson, type SettlementBank } from './genesis-settlement.js';
import { devnetCircuits, genesisCircuitsFromJson, genesisCircuitsToJson, GenesisCircuitError, type GenesisCircuit, type GenesisCircuitJson } from './genesis-circuits.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { MAX_BLOCK_VALIDATORS } from '../codec/block.js';
import { BLS_PUBLIC_KEY_BYTES, BLS_SIGNATURE_BYTES, blsKeyPairFromSeed, blsPublicKeyFromSecretKey, blsPublicKeyIsValid } from '../crypto/bls/bls.js';
import { blsPopProve, blsPopVerify } from '../crypto/bls/pop.js';
import { ed25519FromSeed } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { ConsensusConfigError } from '../consensus/errors.js';
import { consensusPolicy, DEFAULT_CONSENSUS_POLICY, type ConsensusPolicy } from '../consensus/policy.js';
import { ValidatorSet } from '../consensus/validator-set.js';

/** A consortium member: an operator that submits CDRs (and, with consensus, validates). */
export interface OperatorEntry {
  readonly plmn: number;
  readonly name: string;
  /** Ed25519 key that signs the operator's CDR batches. */
  readonly batchKey: Uint8Array;
  /**
   * An operator that does not validate: its BLS key for settlement statements and approvals (48 bytes,
   * compressed), registered with a proof of possession (`settlementPop`, 96 bytes). A validator has
   * none: its validator key is its statement key (docs/settlement.md, "Statement keys").
   */
  readonly settlementKey?: Uint8Array;
  readonly settlementPop?: Uint8Array;
}

/** An operator that validates: its BLS key, registered with a proof of possession, and its voting power. */
export interface GenesisValidator {
  readonly plmn: number;
  /** 48-byte compressed BLS12-381 public key. */
  readonly blsKey: Uint8Array;
  /** 96-byte proof of possession of `blsKey` (src/crypto/bls/pop.ts). */
  readonly pop: Uint8Array;
  readonly power: number;
}

/** The consensus-critical constants (docs/consensus.md §2): fixed by genesis, equal on every validator. */
export type GenesisConsensusPolicy = Pick<ConsensusPolicy, (typeof GENESIS_POLICY_FIELDS)[number]>;
export const GENESIS_POLICY_FIELDS = ['blocksPerBatch', 'batchesPerEpoch', 'producerTimeoutMs', 'maxBlockTxs', 'maxForkProofsPerBlock'] as const;

export interface GenesisConsensus {
  readonly validators: readonly GenesisValidator[];
  readonly policy: GenesisConsensusPolicy;
}

export interface Genesis {
  readonly chainId: string;
  readonly timestampMs: bigint;
  readonly operators: readonly OperatorEntry[];
  /** Absent in a genesis from before consensus (one producer); such a genesis keeps its identity. */
  readonly consensus?: GenesisConsensus;
  /** Sealed payloads, encryption keys, lawful-access key (genesis-privacy.ts); absent: no sealed batches. */
  readonly privacy?: GenesisPrivacy;
  /** Circuits whose batch proofs the chain verifies (genesis-circuits.ts); absent: batch proofs are refused. */
  readonly circuits?: readonly GenesisCircuit[];
  /**
   * Settlement periods, currency, fee, mode and rate publishers (genesis-settlement.ts); absent:
   * the defaults (calendar months, 3 days' grace, XDR, 0.15 %, committed) and no rate publishers.
   */
  readonly settlement?: GenesisSettlement;
}

export class GenesisError extends Error {
  override readonly name = 'GenesisError';
}

/** Genesis as a JSON document (`cdrchain genesis` writes it; `--genesis FILE` reads it). */
export interface GenesisJson {
  chainId: string;
  timestampMs: string;
  /** `settlementKey` and `settlementPop` are written only when present, so a genesis without them hashes as before. */
  operators: { plmn: number; name: string; batchKey: string; settlementKey?: string; settlementPop?: string }[];
  /** Optional: written only when present, so a genesis without it hashes as before. */
  consensus?: {
    policy: Record<string, number>;
    validators: { plmn: number; blsKey: string; pop: string; power: number }[];
  };
  /** Optional like `consensus`. */
  privacy?: GenesisPrivacyJson;
  /** Optional like `consensus`: [{id, version, chunkRecords, vkey}]. */
  circuits?: GenesisCircuitJson[];
  /** Optional like `consensus`; written complete when present. */
  settlement?: GenesisSettlementJson;
}

export function genesisToJson(g: Genesis): GenesisJson {
  const j: GenesisJson = {
    chainId: g.chainId,
    timestampMs: g.timestampMs.toString(),
    operators: g.operators.map((o) => ({
      plmn: o.plmn, name: o.name, batchKey: toHex(o.batchKey),
      ...(o.settlementKey && o.settlementPop ? { settlementKey: toHex(o.settlementKey), settlementPop: toHex(o.settlementPop) } : {}),
    })),
  };
  if (g.consensus) {
    const p = g.consensus.policy;
    // Fixed key order: the chain identity hashes this JSON.
    j.consensus = {
      policy: Object.fromEntries(GENESIS_POLICY_FIELDS.map((f) => [f, p[f]])),
      validators: g.consensus.validators.map((v) => ({ plmn: v.plmn, blsKey: toHex(v.blsKey), pop: toHex(v.pop), power: v.power })),
    };
  }
  if (g.privacy) j.privacy = genesisPrivacyToJson(g.privacy);
  if (g.circuits) j.circuits = genesisCircuitsToJson(g.circuits);
  if (g.settlement) j.settlement = genesisSettlementToJson(g.settlement);
  return j;
}

export function genesisFromJson(j: GenesisJson): Genesis {
  if (typeof j.chainId !== 'string' || j.chainId.length === 0 || j.chainId.length > 64) throw new GenesisError('chainId must be 1-64 characters');
  if (!Array.isArray(j.operators) || j.operators.length === 0) throw new GenesisError('genesis lists no operators');
  const seen = new Set<number>();
  const operators = j.operators.map((o) => {
    if (!Number.isInteger(o.plmn) || o.plmn < 10000 || o.plmn > 999999) throw new GenesisError(`bad PLMN id ${o.plmn}`);
    if (seen.has(o.plmn)) throw new GenesisError(`operator ${o.plmn} listed twice`);
    seen.add(o.plmn);
    const entry = { plmn: o.plmn, name: String(o.name), batchKey: fromHex(o.batchKey, 32) };
    if (o.settlementKey === undefined && o.settlementPop === undefined) return entry;
    return {
      ...entry,
      settlementKey: hexField(o.settlementKey, BLS_PUBLIC_KEY_BYTES, `operator ${o.plmn}: settlementKey`),
      settlementPop: hexField(o.settlementPop, BLS_SIGNATURE_BYTES, `operator ${o.plmn}: settlementPop`),
    };
  });
  operators.sort((a, b) => a.plmn - b.plmn);
  const base = { chainId: j.chainId, timestampMs: BigInt(j.timestampMs), operators };
  const withConsensus = j.consensus === undefined ? base : { ...base, consensus: consensusFromJson(j.consensus, seen) };
  checkSettlementKeys(withConsensus);
  let withPrivacy: Genesis = withConsensus;
  try {
    if (j.privacy !== undefined) withPrivacy = { ...withConsensus, privacy: genesisPrivacyFromJson(j.privacy, seen) };
  } catch (err) {
    if (err instanceof GenesisPrivacyError) throw new GenesisError(err.message);
    throw err;
  }
  let withCircuits: Genesis = withPrivacy;
  try {
    if (j.circuits !== undefined) withCircuits = { ...withPrivacy, circuits: genesisCircuitsFromJson(j.circuits) };
  } catch (err) {
    if (err instanceof GenesisCircuitError) throw new GenesisError(err.message);
    throw err;
  }
  if (j.settlement === undefined) return withCircuits;
  try {
    const settlement = genesisSettlementFromJson(j.settlement);
    // The bank signs API requests under its id: it must not pose as an operator.
    if (settlement.bank && seen.has(settlement.bank.id)) throw new GenesisError(`settlement.bank.id ${settlement.bank.id} is an operator's PLMN id`);
    return { ...withCircuits, settlement };
  } catch (err) {
    if (err instanceof GenesisSettlementError) throw new GenesisError(err.message);
    throw err;
  }
}

/**
 * Operators' settlement keys: only an operator that does not validate carries one (a validator keeps
 * its validator key), each a valid BLS key with a proof of possession that verifies (statements and
 * approvals are verified as one aggregate: a rogue key must never enter), distinct from every other
 * operator's and validator's key (one holder must not sign for two parties).
 */
function checkSettlementKeys(g: Genesis): void {
  const validators = new Set((g.consensus?.validators ?? []).map((v) => v.plmn));
  const keys = new Set((g.consensus?.validators ?? []).map((v) => toHex(v.blsKey)));
  for (const o of g.operators) {
    if (o.settlementKey === undefined || o.settlementPop === undefined) continue;
    if (validators.has(o.plmn)) throw new GenesisError(`operator ${o.plmn} validates: its validator key is its settlement key, it carries no settlementKey`);
    if (!blsPublicKeyIsValid(o.settlementKey)) throw new GenesisError(`operator ${o.plmn}: settlementKey is not a valid BLS public key`);
    if (keys.has(toHex(o.settlementKey))) throw new GenesisError(`operator ${o.plmn}: settlementKey is another operator's or validator's key`);
    keys.add(toHex(o.settlementKey));
    if (!blsPopVerify(o.settlementKey, o.settlementPop)) throw new GenesisError(`operator ${o.plmn}: settlementPop (proof of possession) does not verify`);
  }
}

/**
 * Every operator's BLS key for settlement statements and approvals: a validator's validator key, an
 * operator's `settlementKey` otherwise; an operator with neither has none (it cannot sign).
 */
export function settlementKeys(g: Genesis): ReadonlyMap<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const validatorKeys = new Map((g.consensus?.validators ?? []).map((v) => [v.plmn, v.blsKey] as const));
  for (const o of [...g.operators].sort((a, b) => a.plmn - b.plmn)) {
    const key = validatorKeys.get(o.plmn) ?? o.settlementKey;
    if (key !== undefined) out.set(o.plmn, key);
  }
  return out;
}

/** A genesis operator entry's settlement key for `secretKey` (computes the proof of possession). */
export function withSettlementKey(o: OperatorEntry, secretKey: Uint8Array): OperatorEntry {
  return Object.freeze({ ...o, settlementKey: blsPublicKeyFromSecretKey(secretKey), settlementPop: blsPopProve(secretKey) });
}

/** The settlement rules a chain runs under: its genesis section, or the defaults. */
export function settlementRules(g: Genesis): GenesisSettlement {
  return g.settlement ?? DEFAULT_GENESIS_SETTLEMENT;
}

/** Checks the consensus section; every proof of possession is verified (a rogue key must never enter a set). */
function consensusFromJson(c: unknown, operatorPlmns: ReadonlySet<number>): GenesisConsensus {
  if (typeof c !== 'object' || c === null) throw new GenesisError('consensus must be an object');
  const { policy: rawPolicy, validators: rawValidators } = c as { policy?: unknown; validators?: unknown };
  const policy = policyFromJson(rawPolicy);
  if (!Array.isArray(rawValidators) || rawValidators.length === 0) throw new GenesisError('consensus lists no validators');
  // Bound the count before the PoP checks (~40 ms each).
  if (rawValidators.length > MAX_BLOCK_VALIDATORS) throw new GenesisError(`at most ${MAX_BLOCK_VALIDATORS} validators, got ${rawValidators.length}`);
  const validators = rawValidators.map((raw: unknown): GenesisValidator => {
    const v = (typeof raw === 'object' && raw !== null ? raw : {}) as { plmn?: unknown; blsKey?: unknown; pop?: unknown; power?: unknown };
    const plmn = v.plmn;
    if (typeof plmn !== 'number' || !operatorPlmns.has(plmn)) throw new GenesisError(`validator ${String(plmn)} is not a listed operator`);
    if (typeof v.power !== 'number' || !Number.isSafeInteger(v.power) || v.power < 1) throw new GenesisError(`validator ${plmn}: voting power must be a positive integer`);
    const blsKey = hexField(v.blsKey, BLS_PUBLIC_KEY_BYTES, `validator ${plmn}: blsKey`);
    const pop = hexField(v.pop, BLS_SIGNATURE_BYTES, `validator ${plmn}: pop`);
    return Object.freeze({ plmn, blsKey, pop, power: v.power });
  });
  validators.sort((a, b) => a.plmn - b.plmn);
  toValidatorSet(validators); // ids unique, keys valid and distinct, total power bounded
  for (const v of validators) {
    if (!blsPopVerify(v.blsKey, v.pop)) throw new GenesisError(`validator ${v.plmn}: proof of possession does not verify`);
  }
  return Object.freeze({ validators: Object.freeze(validators), policy });
}

function policyFromJson(raw: unknown): GenesisConsensusPolicy {
  if (typeof raw !== 'object' || raw === null) throw new GenesisError('consensus.policy must be an object');
  const fields = GENESIS_POLICY_FIELDS as readonly string[];
  for (const k of Object.keys(raw)) if (!fields.includes(k)) throw new GenesisError(`consensus.policy: unknown field ${k}`);
  const r = raw as Record<string, unknown>;
  const picked: Record<string, number> = {};
  for (const f of GENESIS_POLICY_FIELDS) {
    const v = r[f];
    if (typeof v !== 'number') throw new GenesisError(`consensus.policy.${f} is missing`);
    picked[f] = v;
  }
  try {
    // Local timings and bounds at their most permissive: they are each node's to set, and checked
    // against these constants when it starts (genesisConsensusPolicy).
    const p = consensusPolicy({ ...picked, emptyBlockIntervalMs: 0, maxBlocksAhead: 1 << 20 });
    return Object.freeze(Object.fromEntries(GENESIS_POLICY_FIELDS.map((f) => [f, p[f]]))) as GenesisConsensusPolicy;
  } catch (err) {
    if (err instanceof ConsensusConfigError) throw new GenesisError(`consensus.policy: ${err.message}`);
    throw err;
  }
}

function hexField(v: unknown, bytes: number, what: string): Uint8Array {
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(v)) throw new GenesisError(`${what} must be ${bytes} bytes of hex`);
  return fromHex(v, bytes);
}

function toValidatorSet(validators: readonly GenesisValidator[]): ValidatorSet {
  try {
    return ValidatorSet.create(validators.map((v) => ({ id: v.plmn, power: v.power, publicKey: v.blsKey })));
  } catch (err) {
    if (err instanceof ConsensusConfigError) throw new GenesisError(err.message);
    throw err;
  }
}

/** The validator set of epoch 0 (validator id = PLMN id), or undefined for a genesis without consensus. */
export function genesisValidatorSet(g: Genesis): ValidatorSet | undefined {
  return g.consensus ? toValidatorSet(g.consensus.validators) : undefined;
}

/** The node's full policy: the genesis' consensus-critical constants over local timings (`local`). */
export function genesisConsensusPolicy(g: Genesis, local: Partial<ConsensusPolicy> = {}): ConsensusPolicy {
  if (!g.consensus) throw new GenesisError(`genesis ${g.chainId} has no consensus section`);
  return consensusPolicy({ ...local, ...g.consensus.policy });
}

export function readGenesisFile(path: string): Genesis {
  return genesisFromJson(JSON.parse(readFileSync(path, 'utf8')) as GenesisJson);
}

/** Hash of the genesis document. */
export function genesisId(g: Genesis): string {
  return toHex(sha256(Buffer.from(JSON.stringify(genesisToJson(g)))));
}

/**
 * Identifies a chain: data directories remember it and refuse to open under another. It covers
 * the genesis document and the digest of the system contracts the chain runs, so nodes that would
 * apply different rules cannot share data.
 */
export function chainIdentity(g: Genesis, systemContractsDigest: Uint8Array): string {
  return toHex(sha256(Buffer.from(genesisId(g), 'hex'), systemContractsDigest));
}

// ---- The embedded devnet: a consortium of real operators with well-known, INSECURE keys. ----

/** Real PLMN ids of the devnet consortium. */
export const DEVNET_OPERATORS: readonly { plmn: number; name: string }[] = [
  { plmn: 20801, name: 'Orange France' },
  { plmn: 23415, name: 'Vodafone UK' },
  { plmn: 26201, name: 'Telekom Deutschland' },
  { plmn: 40445, name: 'Airtel India' },
  { plmn: 52501, name: 'Singtel' },
  { plmn: 310260, name: 'T-Mobile US' },
];

/** Devnet keys are derived from public strings so a client and a node agree without set-up. Never use outside a devnet. */
export function devnetBatchSeed(plmn: number): Uint8Array {
  return sha256(Buffer.from(`cdrchain devnet INSECURE batch key ${plmn}`));
}

/** Input keying material of a devnet validator's BLS key: public, INSECURE. */
/** The devnet's settlement bank id (not a PLMN id of any operator). */
export const DEVNET_SETTLEMENT_BANK_ID = 99_990;

/**
 * The devnet settlement bank's keys, derived from public strings: INSECURE, for the devnet only
 * (`cdrchain devnet init` writes them to settlement-bank.key.json).
 */
export function devnetSettlementBank(): { bank: SettlementBank; encryptionPrivateKey: Uint8Array; requestSeed: Uint8Array } {
  const encryptionPrivateKey = sha256(Buffer.from('cdrchain devnet INSECURE settlement bank encryption key'));
  const requestSeed = sha256(Buffer.from('cdrchain devnet INSECURE settlement bank request key'));
  return {
    bank: { id: DEVNET_SETTLEMENT_BANK_ID, encryptionKey: x25519.getPublicKey(encryptionPrivateKey), requestKey: ed25519FromSeed(requestSeed).publicKey },
    encryptionPrivateKey, requestSeed,
  };
}

export function devnetBlsSeed(plmn: number): Uint8Array {
  return sha256(Buffer.from(`cdrchain devnet INSECURE bls key ${plmn}`));
}

/** A genesis validator entry for `secretKey` (computes the proof of possession, ~20 ms). */
export function genesisValidator(plmn: number, secretKey: Uint8Array, power = 1): GenesisValidator {
  return Object.freeze({ plmn, blsKey: blsPublicKeyFromSecretKey(secretKey), pop: blsPopProve(secretKey), power });
}

/**
 * The devnet validators' proofs of possession, precomputed: proving costs ~100 ms a key and every
 * process that names the devnet would pay it. BLS signatures are deterministic, so these are what
 * `blsPopProve` gives for the keys of `devnetBlsSeed`; loading the devnet genesis verifies them
 * (src/chain/genesis-validators.test.ts).
 */
const DEVNET_BLS_POPS: ReadonlyMap<number, string> = new Map([
  [20801, '890da7781d52e8dbb239c4747ce6f63871c1a507ea57f4f79e747a61fe977d8af6905a3613935cbf6ca6611af5b746f20883df01acc556a58950ba8a24b875470ed3146a8b3c2a82b8cebf60b1e6c2748a81cff3de390cbfd5620d298004ab69'],
  [23415, 'a8810897d90ff8afc214f8289b7a138669fb5b4049f813cba0fce6db948737f81b25c2488107d53ad2e7c8d459260a9b174800fcd4bf5e0cc45c1299ec3beec8638e5441f0a5b292f0fd4ba9f97913985cb9c3f40aebb9a3cabcc02b47c12fa4'],
  [26201, 'ac64e13955e9c40dc32b9c17b6652112b8e89a4b32ad73e315ae3412b7495738dc2b994c785574037f9371c273050a13195c8e08997ca34f4962fe9ea3c044df69b8839e693ec675c31a494543cd3b32d3f5f77decb064fbeff6f5a5d11f87e2'],
  [40445, '8ae5d0c89ef9261575c2519e5deb1b9f9d75df64ed4de1367e2f9f393fee5cfe569901900049c439b43c4d4a08c3ae650b7b60b6939c30085de720a47bb31d0bd863d9fe92d641f51ebc6d8cbdb59a75bbac8673f5a984e7d2d4f440b95e8a91'],
  [52501, '8f41d5d4a969cfa5273e201f232f1ed384c39b5a79cb893a1e9ee8cbe39351a1649a17cae3d1cf998f40cdc26b8a14d9163b7bf77fb5f9d013c812ca6e83d74792f69e4f1704d59830f5655cc180c6284f405372b3950cca4595a2565da9d33e'],
  [310260, 'b737bdabb1d21e46dcbc64003ebd15ff0f8d42f9172cfd69aaa2097a9404baf6713eb901eddf646f4739be7554863da6051df498768d5a0035bb6fb3b7f28783b896f8d4447cf0139bf0759779aba08ff051d0009255e176fb099f06fe049a99'],
]);

function devnetValidator(plmn: number): GenesisValidator {
  const { secretKey, publicKey } = blsKeyPairFromSeed(devnetBlsSeed(plmn));
  const pop = DEVNET_BLS_POPS.get(plmn);
  if (pop === undefined) return genesisValidator(plmn, secretKey);
  return Object.freeze({ plmn, blsKey: publicKey, pop: fromHex(pop, BLS_SIGNATURE_BYTES), power: 1 });
}

const devnetConsensus = new Map<number, GenesisConsensus>();

/** The first `validators` devnet operators validate with power 1 under the default policy. */
function devnetConsensusSection(validators: number): GenesisConsensus {
  let c = devnetConsensus.get(validators);
  if (!c) {
    c = Object.freeze({
      validators: Object.freeze(DEVNET_OPERATORS.slice(0, validators).map((o) => devnetValidator(o.plmn))),
      policy: Object.freeze(Object.fromEntries(GENESIS_POLICY_FIELDS.map((f) => [f, DEFAULT_CONSENSUS_POLICY[f]]))) as GenesisConsensusPolicy,
    });
    devnetConsensus.set(validators, c);
  }
  return c;
}

/** Most validators the well-known devnet keys cover (one per devnet operator). */
export const MAX_WELL_KNOWN_VALIDATORS = DEVNET_OPERATORS.length;

/**
 * The embedded devnet: every devnet operator submits; the first `validators` of them (default: all
 * six) validate, with the well-known INSECURE BLS keys of `devnetBlsSeed`. `cdrchain devnet` runs
 * this genesis, and the benchmarks sign their data sets for it.
 */
/**
 * `linkProofs`: also register the link circuit, so committed statements carry link proofs and are
 * taken from their period's close (docs/settlement.md, "The link"); another chain identity.
 */
export function devnetGenesis(opts: { validators?: number; linkProofs?: boolean } = {}): Genesis {
  const validators = opts.validators ?? MAX_WELL_KNOWN_VALIDATORS;
  if (!Number.isInteger(validators) || validators < 1 || validators > MAX_WELL_KNOWN_VALIDATORS) {
    throw new GenesisError(`the devnet genesis has 1..${MAX_WELL_KNOWN_VALIDATORS} validators, not ${validators}`);
  }
  return {
    chainId: validators === MAX_WELL_KNOWN_VALIDATORS ? 'cdrchain-devnet' : `cdrchain-devnet-${validators}`,
    timestampMs: 1_767_225_600_000n, // 2026-01-01T00:00:00Z
    operators: DEVNET_OPERATORS.map((o) => ({ ...o, batchKey: ed25519FromSeed(devnetBatchSeed(o.plmn)).publicKey })),
    consensus: devnetConsensusSection(validators),
    privacy: devnetPrivacy(),
    circuits: devnetCircuits({ link: opts.linkProofs === true }),
    settlement: devnetSettlement(validators),
  };
}

const devnetSettlements = new Map<number, GenesisSettlement>();

/** Default periods, currency, fee and mode; the devnet validators publish rates (their INSECURE BLS keys). */
function devnetSettlement(validators: number): GenesisSettlement {
  let s = devnetSettlements.get(validators);
  if (!s) {
    s = genesisSettlement({ ratePublishers: devnetConsensusSection(validators).validators.map((v) => v.blsKey), bank: devnetSettlementBank().bank });
    devnetSettlements.set(validators, s);
  }
  return s;
}
