import { randomBytes } from 'node:crypto';
import { toHex } from '../codec/bytes.js';
import { type BatchContext, batchContext } from './context.js';
import { PrivacyInputError } from './errors.js';
import { BATCH_KEY_BYTES, keyTableKey, sealKeyTable } from './key-table.js';
import { wrapKey } from './key-wrap.js';
import { BATCH_NONCE_BYTES, GROUP_KEY_BYTES, payloadHash, recordKeyDeriver, sealPayload } from './payload-cipher.js';
import { SEALED_VERSION, type SealedBatch, type SealedGroup, type SealedRecord } from './sealed-batch.js';
import type { LawfulAccessSetup } from './threshold/lawful-access-setup.js';
import { LAWFUL_TAG_BYTES, LAWFUL_WRAP_BYTES, lawfulWrapLabel, sealLawfulGroups } from './threshold/lawful-wrap.js';

/**
 * The operator's side: seals a batch's private payloads. Key hierarchy (docs/privacy.md):
 *
 *   batch key B (fresh)  ──HPKE──▶ submitter, counterparty
 *     └─ key table: every group key G_j under B, for each (pseudonym, day) group j
 *   group key G_j        ◀──threshold ElGamal KEM── lawful-access key (one wrap per group: G_j is its output)
 *     └─ record key K_i = HKDF(G_j, batch nonce, record context)  ──▶ AES-256-GCM(payload_i)
 *
 * Asymmetric work is two HPKE wraps per batch plus one threshold wrap per group; a client that keeps
 * (G_j, wrap_j) for a (pair, tag) may reuse them in later batches of the same day (`reuse`), so the
 * threshold wrap is paid once per subscriber-day rather than once per batch.
 */

export interface GroupInput {
  /** lawfulTag(pair secret, pseudonym, day). */
  readonly tag: Uint8Array;
  /** A group key and its lawful-access wrap from an earlier batch of the same pair and tag. */
  readonly reuse?: { readonly groupKey: Uint8Array; readonly lawfulWrap: Uint8Array };
}

export interface RecordInput {
  readonly group: number;
  /** The encoded private payload (src/codec/cdr-payload.ts). */
  readonly payload: Uint8Array;
}

export interface SealBatchOptions {
  readonly ctx: BatchContext;
  readonly submitterPublicKey: Uint8Array;
  readonly counterpartyPublicKey: Uint8Array;
  readonly lawfulAccess: LawfulAccessSetup;
  readonly groups: readonly GroupInput[];
  readonly records: readonly RecordInput[];
}

export interface SealBatchResult {
  readonly sealed: SealedBatch;
  /** payload_hash of each record, in order, for the public records. */
  readonly payloadHashes: readonly Uint8Array[];
  /** Each group's key and wrap, for the client to keep for reuse (never sent in the clear). */
  readonly groupKeys: readonly { readonly tag: Uint8Array; readonly groupKey: Uint8Array; readonly lawfulWrap: Uint8Array }[];
}

function checkInputs(o: SealBatchOptions): void {
  if (o.records.length < 1) throw new PrivacyInputError('a batch has at least one record');
  if (o.groups.length < 1 || o.groups.length > o.records.length) throw new PrivacyInputError('a batch has 1..records groups');
  const tags = new Set<string>();
  for (const g of o.groups) {
    if (g.tag.length !== LAWFUL_TAG_BYTES) throw new PrivacyInputError(`a tag is ${LAWFUL_TAG_BYTES} bytes`);
    const hex = toHex(g.tag);
    if (tags.has(hex)) throw new PrivacyInputError('two groups carry the same tag');
    tags.add(hex);
    if (g.reuse && (g.reuse.groupKey.length !== GROUP_KEY_BYTES || g.reuse.lawfulWrap.length !== LAWFUL_WRAP_BYTES)) {
      throw new PrivacyInputError('a reused group needs its 32-byte key and its lawful-access wrap');
    }
  }
  const used = new Uint8Array(o.groups.length);
  for (const r of o.records) {
    if (!Number.isInteger(r.group) || r.group < 0 || r.group >= o.groups.length) throw new PrivacyInputError('a record names a group the batch does not have');
    used[r.group] = 1;
  }
  if (used.includes(0)) throw new PrivacyInputError('every group must hold at least one record');
}

export async function sealBatch(o: SealBatchOptions): Promise<SealBatchResult> {
  const ctx = batchContext(o.ctx);
  checkInputs(o);
  const batchNonce = new Uint8Array(randomBytes(BATCH_NONCE_BYTES));
  const batchKey = new Uint8Array(randomBytes(BATCH_KEY_BYTES));
  const tableKey = keyTableKey(batchKey, batchNonce, ctx);

  // New groups get their key from the lawful-access KEM, all together (sealLawfulGroups).
  const fresh = o.groups.flatMap((g, j) => (g.reuse ? [] : [j]));
  const made = sealLawfulGroups(o.lawfulAccess, fresh.map((j) => lawfulWrapLabel(ctx, o.groups[j]!.tag)));
  const freshOf = new Map(fresh.map((j, i) => [j, { groupKey: made[i]!.groupKey, lawfulWrap: made[i]!.wrap }]));
  const groupKeys = o.groups.map((g, j) => {
    if (g.reuse) return { tag: Uint8Array.from(g.tag), groupKey: Uint8Array.from(g.reuse.groupKey), lawfulWrap: Uint8Array.from(g.reuse.lawfulWrap) };
    return { tag: Uint8Array.from(g.tag), ...freshOf.get(j)! };
  });
  const groups: SealedGroup[] = groupKeys.map((g) => Object.freeze({ tag: g.tag, lawfulWrap: g.lawfulWrap }));
  const keyTable = sealKeyTable(
    tableKey,
    ctx,
    groupKeys.map((g) => g.tag),
    groupKeys.map((g) => g.groupKey),
  );

  const payloadHashes: Uint8Array[] = [];
  // One HKDF-Extract per group, one Expand block per record (the keys deriveRecordKey gives).
  const derivers = groupKeys.map((g) => recordKeyDeriver(g.groupKey, batchNonce, ctx));
  const records: SealedRecord[] = o.records.map((r, i) => {
    const key = derivers[r.group]!(i);
    const ciphertext = sealPayload(key, ctx, i, r.payload);
    key.fill(0);
    payloadHashes.push(payloadHash(ciphertext));
    return Object.freeze({ group: r.group, ciphertext });
  });

  const [submitterWrap, counterpartyWrap] = await Promise.all([
    wrapKey({ ctx, batchNonce, recipient: ctx.submitter, recipientPublicKey: o.submitterPublicKey, key: batchKey }),
    wrapKey({ ctx, batchNonce, recipient: ctx.counterparty, recipientPublicKey: o.counterpartyPublicKey, key: batchKey }),
  ]);
  batchKey.fill(0);
  tableKey.fill(0);
  const sealed: SealedBatch = Object.freeze({ version: SEALED_VERSION, batchNonce, submitterWrap, counterpartyWrap, keyTable, groups: Object.freeze(groups), records: Object.freeze(records) });
  return Object.freeze({ sealed, payloadHashes: Object.freeze(payloadHashes), groupKeys: Object.freeze(groupKeys) });
}
