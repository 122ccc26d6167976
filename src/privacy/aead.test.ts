import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../codec/bytes.js';
import { aesGcmOpen, aesGcmSeal } from './aead.js';

// The AES-256 cases with a 96-bit IV from the GCM specification (McGrew & Viega, "The Galois/Counter
// Mode of Operation", test cases 13–16), the vectors NIST's GCM validation builds on.
const K1 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const P64 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const C64 =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';
const VECTORS = [
  { name: 'case 13 (empty)', key: '00'.repeat(32), iv: '00'.repeat(12), aad: '', pt: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  {
    name: 'case 14 (one zero block)',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    aad: '',
    pt: '00'.repeat(16),
    ct: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  { name: 'case 15 (64 bytes)', key: K1, iv: 'cafebabefacedbaddecaf888', aad: '', pt: P64, ct: C64, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  {
    name: 'case 16 (60 bytes, 20 bytes of AAD)',
    key: K1,
    iv: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    pt: P64.slice(0, 120),
    ct: C64.slice(0, 120),
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

describe('AES-256-GCM (GCM specification test cases)', () => {
  for (const v of VECTORS) {
    it(v.name, () => {
      const sealed = aesGcmSeal(fromHex(v.key), fromHex(v.iv), fromHex(v.aad), fromHex(v.pt));
      expect(toHex(sealed)).toBe(v.ct + v.tag);
      expect(toHex(aesGcmOpen(fromHex(v.key), fromHex(v.iv), fromHex(v.aad), sealed)!)).toBe(v.pt);
      const bad = Uint8Array.from(sealed);
      bad[bad.length - 1]! ^= 1;
      expect(aesGcmOpen(fromHex(v.key), fromHex(v.iv), fromHex(v.aad), bad)).toBeNull();
    });
  }

  it('refuses input shorter than a tag without calling the cipher', () => {
    expect(aesGcmOpen(new Uint8Array(32), new Uint8Array(12), new Uint8Array(0), new Uint8Array(15))).toBeNull();
  });
});
