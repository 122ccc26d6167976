import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../codec/bytes.js';
import { decodeSealedSection } from '../codec/sealed-section.js';
import { checkSealedBatch } from './check-sealed-batch.js';
import { batchContext } from './context.js';
import { openBatchAsRecipient, openGroupRecords } from './open-batch.js';
import { keyMaterialDigest } from './sealed-batch.js';
import { deal } from './threshold/feldman.js';
import { mul } from './threshold/group.js';
import { LawfulAccessSetup } from './threshold/lawful-access-setup.js';
import { lawfulWrapLabel, openLawfulWrap, verifyLawfulWrap } from './threshold/lawful-wrap.js';

// Batches sealed before version 2 are on chains: a validator syncing them re-checks them, and their
// parties and a lawful-access quorum still open them. The fixture was written by the version-1 code.
const f = JSON.parse(readFileSync(new URL('./fixtures/sealed-v1.json', import.meta.url), 'utf8')) as {
  chainId: string; submitter: number; counterparty: number; sequence: string; submitterPrivateKey: string; counterpartyPrivateKey: string;
  lawfulSecret: string; tags: string[]; recordGroups: number[]; payloads: string[]; publicRecords: string; keyMaterialDigest: string; section: string;
};
const ctx = batchContext({ chainId: fromHex(f.chainId), submitter: f.submitter, counterparty: f.counterparty, sequence: BigInt(f.sequence) });
const section = decodeSealedSection(fromHex(f.section), f.payloads.length);

describe('sealed sections of version 1', () => {
  it('decode, with the digest the submitter signed, and pass the key-less checks', () => {
    expect(section.sealed.version).toBe(1);
    expect(section.sealed.groups.map((g) => toHex(g.tag))).toEqual(f.tags);
    expect(section.sealed.records.map((r) => r.group)).toEqual(f.recordGroups);
    expect(toHex(keyMaterialDigest(section.sealed))).toBe(f.keyMaterialDigest);
    checkSealedBatch(section.sealed, fromHex(f.publicRecords));
  });

  it('open for the submitter and the counterparty', async () => {
    for (const [recipient, key] of [
      [f.submitter, f.submitterPrivateKey],
      [f.counterparty, f.counterpartyPrivateKey],
    ] as const) {
      const got = await openBatchAsRecipient({ ctx, sealed: section.sealed, recipient, privateKey: fromHex(key) });
      expect(got.map(toHex)).toEqual(f.payloads);
    }
  });

  it('open group by group for the lawful-access key, whose version-1 wraps still verify', () => {
    const secret = BigInt(`0x${f.lawfulSecret}`);
    const setup = LawfulAccessSetup.fromCommitments({ threshold: 1, holders: 1 }, deal({ threshold: 1, holders: 1 }, 1, secret).commitments);
    section.sealed.groups.forEach((g, j) => {
      const label = lawfulWrapLabel(ctx, g.tag);
      const parts = verifyLawfulWrap(setup, label, g.lawfulWrap);
      expect(parts.version).toBe(1);
      const groupKey = openLawfulWrap(mul(parts.u, secret), label, g.lawfulWrap);
      const opened = openGroupRecords(ctx, section.sealed, j, groupKey);
      expect(opened.map((o) => o.index)).toEqual(f.recordGroups.flatMap((gr, i) => (gr === j ? [i] : [])));
      for (const o of opened) expect(toHex(o.payload)).toBe(f.payloads[o.index]);
      expect(() => verifyLawfulWrap(setup, lawfulWrapLabel(ctx, section.sealed.groups[1 - j]!.tag), g.lawfulWrap)).toThrow(expect.objectContaining({ reason: 'proof' }));
    });
  });
});
