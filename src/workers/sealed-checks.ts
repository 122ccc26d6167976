import type { KeyObject } from 'node:crypto';
import { batchId, type DecodedBatch } from '../codec/batch.js';
import { equalBytes } from '../codec/bytes.js';
import { RejectCode } from '../codec/ingest-reply.js';
import { decodeSealedSection, sealedSigningBytes, type SealedRecipients } from '../codec/sealed-section.js';
import { ed25519Verify } from '../crypto/ed25519.js';
import { checkSealedBatch } from '../privacy/check-sealed-batch.js';
import { SealedBatchError } from '../privacy/errors.js';
import { PASSED, type CheckVerdict } from './batch-checks.js';

/**
 * The key-less checks of a batch's sealed section (docs/privacy.md §8), after the public ones passed
 * (so the records, hence every payload_hash, are the submitter's): the structure and every count
 * bounded against the record count before one object is made; the three recipient keys are the ones
 * the genesis names for this pair and for lawful access; every size, then each ciphertext's SHA-256
 * against its payload_hash; last the submitter's signature over the key material. No asymmetric
 * work besides that one Ed25519 verification.
 */
export function checkSealedSection(batch: DecodedBatch, sealedBytes: Uint8Array, expected: SealedRecipients, submitterKey: KeyObject, chain: Uint8Array): CheckVerdict {
  try {
    const section = decodeSealedSection(sealedBytes, batch.header.recordCount);
    const r = section.recipients;
    if (!equalBytes(r.submitterKey, expected.submitterKey)) return bad('the submitter wrap is not for the submitter key the genesis registers');
    if (!equalBytes(r.counterpartyKey, expected.counterpartyKey)) return bad('the counterparty wrap is not for the counterparty key the genesis registers');
    if (!equalBytes(r.lawfulKey, expected.lawfulKey)) return bad('the groups are not wrapped to the consortium lawful-access key');
    checkSealedBatch(section.sealed, batch.records);
    const signed = sealedSigningBytes(batchId(batch.header, chain), section.sealed, r);
    if (!ed25519Verify(signed, section.signature, submitterKey)) return bad('the sealed section signature does not verify under the submitter key');
    return PASSED;
  } catch (err) {
    if (!(err instanceof SealedBatchError)) throw err;
    if (err.reason === 'payload_hash') return { code: RejectCode.BadPayloadHash, detail: err.message };
    return bad(err.message);
  }
}

function bad(detail: string): CheckVerdict {
  return { code: RejectCode.BadSealedSection, detail };
}
