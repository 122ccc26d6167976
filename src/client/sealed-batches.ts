import type { KeyObject } from 'node:crypto';
import { batchId, decodeBatch, encodeBatch, type BatchHeaderFields } from '../codec/batch.js';
import { toHex } from '../codec/bytes.js';
import { decodeCdrPayload, type CdrPayloadFields } from '../codec/cdr-payload.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { decodeSealedSection, encodeSealedSection, sealedSigningBytes, type SealedRecipients } from '../codec/sealed-section.js';
import { ed25519Sign } from '../crypto/ed25519.js';
import type { BuiltBatch } from '../cdr/batch-builder.js';
import type { GenesisPrivacy } from '../chain/genesis-privacy.js';
import { checkSealedBatch } from '../privacy/check-sealed-batch.js';
import { PrivacyInputError } from '../privacy/errors.js';
import { dayOf, lawfulTag } from '../privacy/lawful-tag.js';
import { openBatchAsRecipient } from '../privacy/open-batch.js';
import { sealBatch, type GroupInput } from '../privacy/seal-batch.js';

/** Group keys and lawful-access wraps kept per (counterparty, tag) for reuse across a day's batches. */
const GROUP_CACHE_LIMIT = 200_000;

export class SealingKeysError extends Error {
  override readonly name = 'SealingKeysError';
}

/**
 * The operator's side of P2 (docs/privacy.md §8): seals a batch's payloads (src/privacy/seal-batch.ts),
 * puts each ciphertext's hash in its public record, signs the header, then signs the key material
 * and attaches the sealed section. One group per (pseudonym, day); a group's key and its threshold
 * wrap are reused for later batches of the same pair and tag, so the costly wrap is paid once per
 * subscriber-day.
 */
export class BatchSealer {
  private readonly groups = new Map<string, { groupKey: Uint8Array; lawfulWrap: Uint8Array }>();

  constructor(
    private readonly submitter: number,
    private readonly privacy: GenesisPrivacy,
  ) {}

  recipients(counterparty: number): SealedRecipients {
    const submitterKey = this.privacy.encryptionKeys.get(this.submitter);
    const counterpartyKey = this.privacy.encryptionKeys.get(counterparty);
    if (!submitterKey) throw new SealingKeysError(`the genesis registers no encryption key for ${this.submitter}`);
    if (!counterpartyKey) throw new SealingKeysError(`the genesis registers no encryption key for ${counterparty}`);
    return { submitterKey, counterpartyKey, lawfulKey: this.privacy.lawfulAccess.publicKeyBytes() };
  }

  /**
   * `records` are the public records (their payload_hash is overwritten with the ciphertexts'),
   * `payloads`/`pseudonyms`/`startTimes` per record; `sign` makes the signed header and frame.
   */
  async seal(o: {
    readonly chain: Uint8Array;
    readonly counterparty: number;
    readonly sequence: bigint;
    readonly pairSecret: Uint8Array;
    readonly records: Uint8Array;
    readonly payloads: readonly Uint8Array[];
    readonly pseudonyms: readonly Uint8Array[];
    readonly startTimes: readonly number[];
    readonly signingKey: KeyObject;
    readonly sign: (records: Uint8Array) => BuiltBatch;
  }): Promise<BuiltBatch> {
    const recipients = this.recipients(o.counterparty);
    const groupOf = new Map<string, number>();
    const groups: GroupInput[] = [];
    const records = o.payloads.map((payload, i) => {
      const tag = lawfulTag(o.pairSecret, o.pseudonyms[i]!, dayOf(o.startTimes[i]!));
      const hex = toHex(tag);
      let g = groupOf.get(hex);
      if (g === undefined) {
        g = groups.length;
        groupOf.set(hex, g);
        const reuse = this.groups.get(`${o.counterparty}:${hex}`);
        groups.push(reuse ? { tag, reuse } : { tag });
      }
      return { group: g, payload };
    });
    const sealed = await sealBatch({
      ctx: { chainId: o.chain, submitter: this.submitter, counterparty: o.counterparty, sequence: o.sequence },
      submitterPublicKey: recipients.submitterKey,
      counterpartyPublicKey: recipients.counterpartyKey,
      lawfulAccess: this.privacy.lawfulAccess,
      groups,
      records,
    });
    if (this.groups.size + sealed.groupKeys.length > GROUP_CACHE_LIMIT) this.groups.clear();
    for (const g of sealed.groupKeys) this.groups.set(`${o.counterparty}:${toHex(g.tag)}`, { groupKey: g.groupKey, lawfulWrap: g.lawfulWrap });
    sealed.payloadHashes.forEach((h, i) => o.records.set(h, i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.payloadHash));
    const built = o.sign(o.records);
    const signature = ed25519Sign(sealedSigningBytes(built.id, sealed.sealed, recipients), o.signingKey);
    const section = encodeSealedSection({ sealed: sealed.sealed, recipients, signature });
    const b = decodeBatch(built.frame);
    return { frame: encodeBatch(b.header, b.records, b.signature, section), id: built.id, header: built.header };
  }
}

export class SealedOpenError extends Error {
  override readonly name = 'SealedOpenError';
}

/**
 * The reader's side (`cdrchain open`): a sealed section fetched from any validator, checked against
 * the batch's public records (each ciphertext's hash is its payload_hash, so nobody could swap one),
 * unwrapped with the reader's X25519 key (the submitter or the counterparty), decrypted, decoded.
 */
export async function openSealedBatch(o: {
  readonly chain: Uint8Array;
  readonly header: Pick<BatchHeaderFields, 'submitter' | 'counterparty' | 'sequence' | 'recordCount'>;
  /** The public records, n × 128 bytes, as the batch's records digest binds them. */
  readonly records: Uint8Array;
  readonly sectionBytes: Uint8Array;
  readonly reader: number;
  readonly privateKey: Uint8Array;
}): Promise<CdrPayloadFields[]> {
  const { header } = o;
  if (o.reader !== header.submitter && o.reader !== header.counterparty) throw new PrivacyInputError(`operator ${o.reader} is not party to this batch`);
  const section = decodeSealedSection(o.sectionBytes, header.recordCount);
  checkSealedBatch(section.sealed, o.records);
  const payloads = await openBatchAsRecipient({
    ctx: { chainId: o.chain, submitter: header.submitter, counterparty: header.counterparty, sequence: header.sequence },
    sealed: section.sealed,
    recipient: o.reader,
    privateKey: o.privateKey,
  });
  return payloads.map((p) => decodeCdrPayload(p));
}

export { batchId };
