import { CdrPayloadEncoder } from '../codec/cdr-payload.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { sha256 } from '../crypto/hash.js';
import { fieldToBytes, type PoseidonWasm } from '../wasm/poseidon.js';
import { currencyNumeric } from './currency.js';
import type { Cdr } from './model.js';
import type { OperatorSecrets } from './operator-secrets.js';

/**
 * From a plaintext CDR to its public record (DESIGN.md, "Data" and "Reconciliation"):
 *
 *   pseudonym     = Poseidon(IMSI, home PLMN, visited PLMN, day, consortium salt)   — rotates daily and per visited network
 *   event key     = SHA-256("cdrchain:event:1" ‖ IMSI ‖ 0 ‖ call ref)                — both operators of a call derive it
 *   event hash    = SHA-256("cdrchain:evhash:1" ‖ pair secret ‖ event key)           — public; only the pair can link it
 *   salt          = SHA-256("cdrchain:salt:1" ‖ pair secret ‖ event key), top 3 bits cleared (< 2^253 < r)
 *   commitment    = Poseidon(pseudonym, usage, charge, meta, salt)                   — equal views ⇒ equal commitments
 *       usage = service | start time << 3 | duration << 40 | volume << 57;  meta = currency | tariff << 16
 *   nullifier     = SHA-256("cdrchain:nullifier:1" ‖ submitter ‖ record id)          — a record is billed once
 *   payload hash  = SHA-256(private payload)                                         — the payload is encrypted by the privacy issue
 *
 * Only the commitment is a Poseidon hash the node recomputes nothing of; it is the Merkle leaf.
 * The other fields are bound by the batch's records digest and signature.
 */

const TAG = {
  event: Buffer.from('cdrchain:event:1'),
  eventHash: Buffer.from('cdrchain:evhash:1'),
  salt: Buffer.from('cdrchain:salt:1'),
  nullifier: Buffer.from('cdrchain:nullifier:1'),
};
const ZERO = Uint8Array.of(0);
const COMMITMENT_INPUTS = 5;
const PSEUDONYM_CACHE_LIMIT = 200_000;

/** What sealing needs besides the public records: each record's encoded payload and pseudonym. */
export interface PrivateParts {
  readonly payloads: Uint8Array[];
  readonly pseudonyms: Uint8Array[];
}

export class CdrDeriver {
  private readonly pseudonyms = new Map<string, Uint8Array>();
  private readonly payloads = new CdrPayloadEncoder();
  private readonly consortiumSaltField: bigint;

  constructor(
    private readonly secrets: OperatorSecrets,
    private readonly poseidon: PoseidonWasm,
  ) {
    this.consortiumSaltField = fieldFromDigest(secrets.consortiumSalt);
  }

  /** The public records of `cdrs`, n × 128 bytes, in order. All must share submitter and counterparty. */
  publicRecords(cdrs: readonly Cdr[], privates?: PrivateParts): Uint8Array {
    const n = cdrs.length;
    const records = new Uint8Array(n * PUBLIC_RECORD_BYTES);
    const inputs = new Uint8Array(n * COMMITMENT_INPUTS * 32);
    const submitterBytes = Buffer.alloc(4);
    cdrs.forEach((c, i) => {
      const pairSecret = this.secrets.pairSecret(c.counterparty);
      const eventKey = sha256(TAG.event, Buffer.from(c.imsi, 'latin1'), ZERO, Buffer.from(c.callRef, 'latin1'));
      const salt = sha256(TAG.salt, pairSecret, eventKey);
      salt[0]! &= 0x1f;
      const pseudonym = this.pseudonym(c);
      const at = i * COMMITMENT_INPUTS * 32;
      inputs.set(pseudonym, at);
      inputs.set(fieldToBytes(usageField(c)), at + 32);
      inputs.set(fieldToBytes(c.charge), at + 64);
      inputs.set(fieldToBytes(metaField(c)), at + 96);
      inputs.set(salt, at + 128);

      const r = i * PUBLIC_RECORD_BYTES;
      records.set(sha256(TAG.eventHash, pairSecret, eventKey), r + RECORD_OFFSET.eventKeyHash);
      submitterBytes.writeUInt32BE(c.submitter);
      records.set(sha256(TAG.nullifier, submitterBytes, Buffer.from(c.recordId, 'latin1')), r + RECORD_OFFSET.nullifier);
      const payload = this.payloads.encode({
        recordId: c.recordId, submitter: c.submitter, counterparty: c.counterparty, pseudonym, service: c.service,
        startTime: BigInt(c.startTime), durationSec: c.durationSec, volumeBytes: c.volumeBytes, charge: c.charge,
        currency: currencyNumeric(c.currency), tariffId: c.tariffId, eventKey,
      });
      records.set(sha256(payload), r + RECORD_OFFSET.payloadHash);
      if (privates) {
        privates.payloads.push(payload.slice());
        privates.pseudonyms.push(pseudonym);
      }
    });
    const commitments = this.poseidon.hashMany(COMMITMENT_INPUTS, inputs, n);
    for (let i = 0; i < n; i++) {
      records.set(commitments.subarray(i * 32, i * 32 + 32), i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.commitment);
    }
    return records;
  }

  private pseudonym(c: Cdr): Uint8Array {
    const day = Math.floor(c.startTime / 86_400);
    const key = `${c.imsi}|${c.visitedPlmn}|${day}`;
    let p = this.pseudonyms.get(key);
    if (!p) {
      if (this.pseudonyms.size >= PSEUDONYM_CACHE_LIMIT) this.pseudonyms.clear();
      p = fieldToBytes(this.poseidon.hash([BigInt(c.imsi), BigInt(c.homePlmn), BigInt(c.visitedPlmn), BigInt(day), this.consortiumSaltField]));
      this.pseudonyms.set(key, p);
    }
    return p;
  }
}

function usageField(c: Cdr): bigint {
  return BigInt(c.service) | (BigInt(c.startTime) << 3n) | (BigInt(c.durationSec) << 40n) | (c.volumeBytes << 57n);
}

function metaField(c: Cdr): bigint {
  return BigInt(currencyNumeric(c.currency)) | (BigInt(c.tariffId) << 16n);
}

/** A 253-bit field element from a 32-byte digest (top 3 bits cleared, so it is below r). */
function fieldFromDigest(d: Uint8Array): bigint {
  const b = Uint8Array.from(d);
  b[0]! &= 0x1f;
  return BigInt(`0x${Buffer.from(b).toString('hex')}`);
}
