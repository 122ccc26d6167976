import { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { SealedSection } from './generated/cdrchain/wire/sealed-section.js';
import { SEALED_SECTION_FILE_IDENTIFIER, decodeSealedSection, encodeSealedSection, type SealedSectionFields } from './sealed-section.js';
import { keyTableBytes } from '../privacy/key-table.js';
import { LAWFUL_WRAP_BYTES } from '../privacy/threshold/lawful-wrap.js';

// The wire form of sealed sections, version 2 (written) against version 1 (read): each version's
// columns and sizes, and nothing of the other's.

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const fields: SealedSectionFields = {
  sealed: {
    version: 2,
    batchNonce: bytes(32, 1),
    submitterWrap: bytes(80, 2),
    counterpartyWrap: bytes(80, 3),
    keyTable: bytes(keyTableBytes(2, 2), 4),
    groups: [
      { tag: bytes(32, 5), lawfulWrap: bytes(LAWFUL_WRAP_BYTES, 6) },
      { tag: bytes(32, 7), lawfulWrap: bytes(LAWFUL_WRAP_BYTES, 8) },
    ],
    records: [
      { group: 1, ciphertext: bytes(40, 9) },
      { group: 0, ciphertext: bytes(17, 10) },
      { group: 1, ciphertext: bytes(1040, 11) },
    ],
  },
  recipients: { submitterKey: bytes(32, 12), counterpartyKey: bytes(32, 13), lawfulKey: bytes(32, 14) },
  signature: bytes(64, 15),
};

/** A section built field by field: `version` written even when 1, the record columns as given. */
function build(o: { version: number; columns: Partial<Record<10 | 11 | 14 | 15, number[]>>; blob: number }): Uint8Array {
  const b = new Builder(4096);
  const vec = (data: Uint8Array): number => b.createByteVector(data);
  const u32 = (xs: number[]): number => SealedSection.createRecordGroupsVector(b, xs);
  const u16 = (xs: number[]): number => {
    b.startVector(2, xs.length, 2);
    for (let i = xs.length - 1; i >= 0; i--) b.addInt16(xs[i]!);
    return b.endVector();
  };
  const f = fields.sealed;
  const off = {
    blob: vec(bytes(o.blob, 1)),
    c10: o.columns[10] ? u32(o.columns[10]) : 0,
    c11: o.columns[11] ? u32(o.columns[11]) : 0,
    c14: o.columns[14] ? u16(o.columns[14]) : 0,
    c15: o.columns[15] ? u16(o.columns[15]) : 0,
    wraps: vec(new Uint8Array(f.groups.length * LAWFUL_WRAP_BYTES)),
    table: vec(new Uint8Array(f.keyTable.length)),
    tags: (() => {
      b.startVector(32, 2, 1);
      b.prep(1, 64);
      for (let i = 0; i < 64; i++) b.writeInt8(i + 1);
      return b.endVector();
    })(),
    cw: vec(f.counterpartyWrap),
    sw: vec(f.submitterWrap),
    sig: vec(fields.signature),
  };
  const hash = (add: (b: Builder, o: number) => void): void => {
    b.prep(1, 32);
    for (let i = 0; i < 32; i++) b.writeInt8(1);
    add(b, b.offset());
  };
  b.forceDefaults(true);
  SealedSection.startSealedSection(b);
  SealedSection.addVersion(b, o.version);
  hash(SealedSection.addBatchNonce);
  hash(SealedSection.addSubmitterKey);
  hash(SealedSection.addCounterpartyKey);
  hash(SealedSection.addLawfulKey);
  SealedSection.addSubmitterWrap(b, off.sw);
  SealedSection.addCounterpartyWrap(b, off.cw);
  SealedSection.addGroupTags(b, off.tags);
  SealedSection.addGroupEntries(b, off.table);
  SealedSection.addGroupWraps(b, off.wraps);
  if (off.c10) SealedSection.addRecordGroups(b, off.c10);
  if (off.c11) SealedSection.addPayloadEnds(b, off.c11);
  SealedSection.addCiphertexts(b, off.blob);
  SealedSection.addSignature(b, off.sig);
  if (off.c14) SealedSection.addRecordGroups16(b, off.c14);
  if (off.c15) SealedSection.addPayloadLengths(b, off.c15);
  b.finish(SealedSection.endSealedSection(b), SEALED_SECTION_FILE_IDENTIFIER);
  return b.asUint8Array();
}

describe('sealed section encoding', () => {
  it('writes version 2 and reads back every part, 4 bytes of columns per record', () => {
    const encoded = encodeSealedSection(fields);
    const back = decodeSealedSection(encoded, 3);
    expect(back).toEqual(fields);
    // Version 1 columns (u32 groups and ends) would be 12 bytes more for these three records.
    const built = build({ version: 2, columns: { 14: [1, 0, 1], 15: [40, 17, 1040] }, blob: 1097 });
    expect(decodeSealedSection(built, 3).sealed.records.map((r) => [r.group, r.ciphertext.length])).toEqual([[1, 40], [0, 17], [1, 1040]]);
  });

  it('refuses a version it does not know, and the other version’s columns', () => {
    expect(() => decodeSealedSection(build({ version: 3, columns: { 14: [1, 0, 1], 15: [40, 17, 1040] }, blob: 1097 }), 3)).toThrow(/version 3/);
    expect(() => decodeSealedSection(build({ version: 2, columns: { 10: [1, 0, 1], 14: [1, 0, 1], 15: [40, 17, 1040] }, blob: 1097 }), 3)).toThrow(/has no field 10/);
    expect(() => decodeSealedSection(build({ version: 1, columns: { 10: [1, 0, 1], 11: [40, 57, 1097], 14: [1, 0, 1] }, blob: 1097 }), 3)).toThrow(/has no field 14/);
    expect(() => decodeSealedSection(build({ version: 2, columns: { 10: [1, 0, 1], 11: [40, 57, 1097] }, blob: 1097 }), 3)).toThrow(/has no field 10/);
    // A version-2 section without its columns counts no record.
    expect(() => decodeSealedSection(build({ version: 2, columns: {}, blob: 1097 }), 3)).toThrow(expect.objectContaining({ reason: 'record_count' }));
  });

  it('refuses lengths that run past the ciphertexts or leave bytes over, and parts of the wrong size', () => {
    expect(() => decodeSealedSection(build({ version: 2, columns: { 14: [1, 0, 1], 15: [40, 17, 1041] }, blob: 1097 }), 3)).toThrow(expect.objectContaining({ reason: 'payload_length' }));
    expect(() => decodeSealedSection(build({ version: 2, columns: { 14: [1, 0, 1], 15: [40, 17, 1039] }, blob: 1097 }), 3)).toThrow(/belong to no record/);
    const shortTable = encodeSealedSection({ ...fields, sealed: { ...fields.sealed, keyTable: fields.sealed.keyTable.subarray(1) } });
    expect(() => decodeSealedSection(shortTable, 3)).toThrow(expect.objectContaining({ reason: 'group_shape' }));
    const v1Wraps = encodeSealedSection({ ...fields, sealed: { ...fields.sealed, groups: fields.sealed.groups.map((g) => ({ ...g, lawfulWrap: bytes(144, 1) })) } });
    expect(() => decodeSealedSection(v1Wraps, 3)).toThrow(expect.objectContaining({ reason: 'group_shape' }));
    expect(() => encodeSealedSection({ ...fields, sealed: { ...fields.sealed, version: 1 } })).toThrow(/only version 2/);
  });
});
