import type { Cdr } from '../cdr/model.js';
import { currencyNumeric } from '../cdr/currency.js';
import type { OperatorSecrets } from '../cdr/operator-secrets.js';
import { sha256 } from '../crypto/hash.js';
import { FIELD_MODULUS, type PoseidonWasm } from '../wasm/poseidon.js';
import { CIRCUIT_LIMITS } from './circuit.js';
import { ProofInputError } from './errors.js';

/**
 * The private values behind one record's commitment: what the circuit takes as a record's witness.
 * commitment = Poseidon(pseudonym, usage, charge, meta, salt) with
 *   usage = service | startTime << 3 | durationSec << 40 | volumeBytes << 57,  meta = currency | tariffId << 16
 * (src/cdr/derive.ts). Only the submitter and the counterparty can form it: the salt needs the pair's secret.
 */
export interface RecordOpening {
  /** Poseidon(IMSI, home PLMN, visited PLMN, day, consortium salt), a field element. */
  readonly pseudonym: bigint;
  readonly service: number;
  /** Unix seconds. */
  readonly startTime: number;
  readonly durationSec: number;
  readonly volumeBytes: bigint;
  /** Minor units of `currency`. */
  readonly charge: bigint;
  /** ISO 4217 numeric code. */
  readonly currency: number;
  readonly tariffId: number;
  /** SHA-256("cdrchain:salt:1" ‖ pair secret ‖ event key), top 3 bits cleared. */
  readonly salt: bigint;
}

// Same tags and layout as src/cdr/derive.ts; record-opening.test.ts pins that both give the same commitment.
const TAG_EVENT = Buffer.from('cdrchain:event:1');
const TAG_SALT = Buffer.from('cdrchain:salt:1');
const ZERO = Uint8Array.of(0);
const SECONDS_PER_DAY = 86_400;

function fieldOfDigest(d: Uint8Array): bigint {
  const b = Uint8Array.from(d);
  b[0]! &= 0x1f;
  return BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

/** The opening of `c` as its submitter's (or counterparty's) client derives it. */
export function openingOfCdr(c: Cdr, secrets: OperatorSecrets, poseidon: PoseidonWasm): RecordOpening {
  if (c.submitter !== secrets.plmn && c.counterparty !== secrets.plmn) {
    throw new ProofInputError('records', `operator ${secrets.plmn} is not a party to the record`);
  }
  const other = c.submitter === secrets.plmn ? c.counterparty : c.submitter;
  const pairSecret = secrets.pairSecret(other);
  const eventKey = sha256(TAG_EVENT, Buffer.from(c.imsi, 'latin1'), ZERO, Buffer.from(c.callRef, 'latin1'));
  const day = Math.floor(c.startTime / SECONDS_PER_DAY);
  const pseudonym = poseidon.hash([BigInt(c.imsi), BigInt(c.homePlmn), BigInt(c.visitedPlmn), BigInt(day), fieldOfDigest(secrets.consortiumSalt)]);
  return Object.freeze({
    pseudonym,
    service: c.service,
    startTime: c.startTime,
    durationSec: c.durationSec,
    volumeBytes: c.volumeBytes,
    charge: c.charge,
    currency: currencyNumeric(c.currency),
    tariffId: c.tariffId,
    salt: fieldOfDigest(sha256(TAG_SALT, pairSecret, eventKey)),
  });
}

function isUint(v: number, max: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

function isField(v: bigint): boolean {
  return typeof v === 'bigint' && v >= 0n && v < FIELD_MODULUS;
}

/**
 * Checks what the circuit range-checks, so a bad record is a ProofInputError naming its index and
 * field rather than a failed witness. Values are never put in the message.
 */
export function checkOpening(o: RecordOpening, index: number): void {
  const L = CIRCUIT_LIMITS;
  const bad = (field: string): never => {
    throw new ProofInputError('range', `record ${index}: ${field} is outside the circuit's range`, index);
  };
  if (!isField(o.pseudonym)) throw new ProofInputError('field', `record ${index}: pseudonym is not a field element`, index);
  if (!isField(o.salt)) throw new ProofInputError('field', `record ${index}: salt is not a field element`, index);
  if (!isUint(o.service, L.maxService)) bad('service');
  if (!isUint(o.startTime, 2 ** L.startTimeBits - 1)) bad('startTime');
  if (!isUint(o.durationSec, L.maxDurationSec)) bad('durationSec');
  if (typeof o.volumeBytes !== 'bigint' || o.volumeBytes < 0n || o.volumeBytes > L.maxVolumeBytes) bad('volumeBytes');
  if (typeof o.charge !== 'bigint' || o.charge < 0n || o.charge > L.maxCharge) bad('charge');
  if (!isUint(o.currency, 2 ** L.currencyBits - 1)) bad('currency');
  if (!isUint(o.tariffId, L.maxTariffId)) bad('tariffId');
}

/** The five Poseidon inputs of the commitment (the opening must pass checkOpening). */
export function commitmentPreimage(o: RecordOpening): readonly [bigint, bigint, bigint, bigint, bigint] {
  const usage = BigInt(o.service) | (BigInt(o.startTime) << 3n) | (BigInt(o.durationSec) << 40n) | (o.volumeBytes << 57n);
  const meta = BigInt(o.currency) | (BigInt(o.tariffId) << 16n);
  return [o.pseudonym, usage, o.charge, meta, o.salt];
}

/** The record's commitment, the batch's Merkle leaf. */
export function recordCommitment(o: RecordOpening, poseidon: PoseidonWasm): bigint {
  return poseidon.hash([...commitmentPreimage(o)]);
}
