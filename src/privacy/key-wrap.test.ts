import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { Aes128Gcm, Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../codec/bytes.js';
import { batchContext } from './context.js';
import { generateEncryptionKeyPair } from './encryption-key-file.js';
import { KeyWrapError, PrivacyInputError } from './errors.js';
import { HPKE_SUITE, WRAPPED_KEY_BYTES, keyWrapInfo, unwrapKey, wrapKey } from './key-wrap.js';

// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode.
const A1 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  skEm: '52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
  sharedSecret: 'fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc',
  key: '4531685d41d65f03dc48f6b8302c05b0',
  baseNonce: '56d890e5accaaf011cff4b7d',
  exporterSecret: '45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  encryptions: new Map([
    [0, 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a'],
    [1, 'af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84'],
    [2, '498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180'],
    [255, '7175db9717964058640a3a11fb9007941a5d1757fda1a6935c805c21af32505bf106deefec4a49ac38d71c9e0a'],
  ]),
  exports: [
    { context: '', value: '3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee' },
    { context: '00', value: '2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5' },
  ],
};

const countAad = (i: number): Uint8Array => Buffer.from(`Count-${i}`);

// RFC 9180 §4 and §5.1 key schedule (base mode), written out only to cross-check the library with the
// AES-256-GCM suite the RFC has no vector for; it must first reproduce A.1.1.
function referenceKeySchedule(sharedSecret: Uint8Array, info: Uint8Array, aeadId: number, nk: number) {
  const suiteId = Buffer.concat([Buffer.from('HPKE'), Buffer.from([0x00, 0x20, 0x00, 0x01, 0x00, aeadId])]);
  const extract = (salt: Uint8Array, ikm: Uint8Array) => createHmac('sha256', salt).update(ikm).digest();
  const labeledExtract = (salt: Uint8Array, label: string, ikm: Uint8Array) =>
    extract(salt, Buffer.concat([Buffer.from('HPKE-v1'), suiteId, Buffer.from(label), ikm]));
  const labeledExpand = (prk: Uint8Array, label: string, ctx: Uint8Array, len: number) => {
    const lenBytes = Buffer.from([len >> 8, len & 0xff]);
    // One HKDF-Expand block suffices for len ≤ 32.
    return createHmac('sha256', prk)
      .update(Buffer.concat([lenBytes, Buffer.from('HPKE-v1'), suiteId, Buffer.from(label), ctx, Buffer.from([1])]))
      .digest()
      .subarray(0, len);
  };
  const empty = new Uint8Array(0);
  const context = Buffer.concat([Buffer.from([0]), labeledExtract(empty, 'psk_id_hash', empty), labeledExtract(empty, 'info_hash', info)]);
  const secret = labeledExtract(sharedSecret, 'secret', empty);
  return {
    key: labeledExpand(secret, 'key', context, nk),
    baseNonce: labeledExpand(secret, 'base_nonce', context, 12),
    exporterSecret: labeledExpand(secret, 'exp', context, 32),
  };
}

describe('HPKE (RFC 9180) as the library runs it', () => {
  const aes128Suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });

  it('reproduces RFC 9180 A.1.1 (X25519, HKDF-SHA256, AES-128-GCM): keys, enc, sequence 0/1/2/255, exports', async () => {
    const kem = aes128Suite.kem;
    const r = await kem.deriveKeyPair(fromHex(A1.ikmR));
    expect(toHex(new Uint8Array(await kem.serializePublicKey(r.publicKey)))).toBe(A1.pkRm);
    expect(toHex(new Uint8Array(await kem.serializePrivateKey(r.privateKey)))).toBe(A1.skRm);
    const e = await kem.deriveKeyPair(fromHex(A1.ikmE));
    expect(toHex(new Uint8Array(await kem.serializePrivateKey(e.privateKey)))).toBe(A1.skEm);

    // `ekm` is the library's fixed-ephemeral path (RFC 9180 test vectors only).
    const sender = await aes128Suite.createSenderContext({ recipientPublicKey: r.publicKey, info: fromHex(A1.info), ekm: fromHex(A1.ikmE) });
    expect(toHex(new Uint8Array(sender.enc))).toBe(A1.pkEm);
    const recipient = await aes128Suite.createRecipientContext({ recipientKey: r, enc: sender.enc, info: fromHex(A1.info) });
    for (let seq = 0; seq <= 255; seq++) {
      const ct = new Uint8Array(await sender.seal(fromHex(A1.pt), countAad(seq)));
      const expected = A1.encryptions.get(seq);
      if (expected) expect(toHex(ct)).toBe(expected);
      expect(toHex(new Uint8Array(await recipient.open(ct, countAad(seq))))).toBe(A1.pt);
    }
    for (const x of A1.exports) expect(toHex(new Uint8Array(await sender.export(fromHex(x.context), 32)))).toBe(x.value);
  });

  it('the reference key schedule reproduces A.1.1, so it can check the AES-256-GCM suite', () => {
    const ks = referenceKeySchedule(fromHex(A1.sharedSecret), fromHex(A1.info), 0x01, 16);
    expect(toHex(ks.key)).toBe(A1.key);
    expect(toHex(ks.baseNonce)).toBe(A1.baseNonce);
    expect(toHex(ks.exporterSecret)).toBe(A1.exporterSecret);
  });

  it('the suite cdrchain uses (AEAD 0x0002, AES-256-GCM) matches the reference on the A.1.1 keys', async () => {
    // The KEM is the same, so the A.1.1 shared secret holds; only the suite id and Nk change.
    const r = await HPKE_SUITE.kem.deriveKeyPair(fromHex(A1.ikmR));
    const { ct, enc } = await HPKE_SUITE.seal({ recipientPublicKey: r.publicKey, info: fromHex(A1.info), ekm: fromHex(A1.ikmE) }, fromHex(A1.pt), countAad(0));
    expect(toHex(new Uint8Array(enc))).toBe(A1.pkEm);
    const ks = referenceKeySchedule(fromHex(A1.sharedSecret), fromHex(A1.info), 0x02, 32);
    const cipher = createCipheriv('aes-256-gcm', ks.key, ks.baseNonce);
    cipher.setAAD(countAad(0));
    const expected = Buffer.concat([cipher.update(fromHex(A1.pt)), cipher.final(), cipher.getAuthTag()]);
    expect(toHex(new Uint8Array(ct))).toBe(expected.toString('hex'));
  });
});

describe('key wraps to operators', () => {
  const ctx = batchContext({ chainId: new Uint8Array(32).fill(1), submitter: 26201, counterparty: 23415, sequence: 9n });
  const nonce = new Uint8Array(32).fill(2);

  async function parties() {
    return { sub: await generateEncryptionKeyPair(26201), cp: await generateEncryptionKeyPair(23415), third: await generateEncryptionKeyPair(20801) };
  }

  async function openFails(p: Promise<unknown>, reason: string): Promise<void> {
    await expect(p).rejects.toBeInstanceOf(KeyWrapError);
    await expect(p).rejects.toMatchObject({ reason });
  }

  it('round-trips to each recipient, and only to it', async () => {
    const { sub, cp, third } = await parties();
    const key = randomBytes(32);
    const toSub = await wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: sub.publicKey, key });
    const toCp = await wrapKey({ ctx, batchNonce: nonce, recipient: 23415, recipientPublicKey: cp.publicKey, key });
    expect(toSub.length).toBe(WRAPPED_KEY_BYTES);
    expect(await unwrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPrivateKey: sub.privateKey, wrapped: toSub })).toEqual(new Uint8Array(key));
    expect(await unwrapKey({ ctx, batchNonce: nonce, recipient: 23415, recipientPrivateKey: cp.privateKey, wrapped: toCp })).toEqual(new Uint8Array(key));
    // The counterparty's key on the submitter's wrap, a third operator's key on either.
    await openFails(unwrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPrivateKey: cp.privateKey, wrapped: toSub }), 'open');
    await openFails(unwrapKey({ ctx, batchNonce: nonce, recipient: 23415, recipientPrivateKey: third.privateKey, wrapped: toCp }), 'open');
    // The submitter's wrap presented as the counterparty's (info names the recipient).
    await openFails(unwrapKey({ ctx, batchNonce: nonce, recipient: 23415, recipientPrivateKey: sub.privateKey, wrapped: toSub }), 'open');
  });

  it('the native X25519 KEM and the pure-JavaScript one read each other’s wraps', async () => {
    const { sub } = await parties();
    const jsSuite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const key = randomBytes(32);
    const wrapped = await wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: sub.publicKey, key });
    const info = keyWrapInfo(ctx, nonce, 26201);
    const recipientKey = await jsSuite.kem.deserializePrivateKey(sub.privateKey);
    expect(new Uint8Array(await jsSuite.open({ recipientKey, enc: wrapped.subarray(0, 32), info }, wrapped.subarray(32)))).toEqual(new Uint8Array(key));
    const { ct, enc } = await jsSuite.seal({ recipientPublicKey: await jsSuite.kem.deserializePublicKey(sub.publicKey), info }, key);
    const fromJs = new Uint8Array([...new Uint8Array(enc), ...new Uint8Array(ct)]);
    expect(await unwrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPrivateKey: sub.privateKey, wrapped: fromJs })).toEqual(new Uint8Array(key));
  });

  it('binds the batch: another sequence, chain or sealing nonce does not open', async () => {
    const { sub } = await parties();
    const wrapped = await wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: sub.publicKey, key: randomBytes(32) });
    const other = batchContext({ ...ctx, sequence: 10n });
    await openFails(unwrapKey({ ctx: other, batchNonce: nonce, recipient: 26201, recipientPrivateKey: sub.privateKey, wrapped }), 'open');
    const otherChain = batchContext({ ...ctx, chainId: new Uint8Array(32).fill(9) });
    await openFails(unwrapKey({ ctx: otherChain, batchNonce: nonce, recipient: 26201, recipientPrivateKey: sub.privateKey, wrapped }), 'open');
    await openFails(unwrapKey({ ctx, batchNonce: new Uint8Array(32), recipient: 26201, recipientPrivateKey: sub.privateKey, wrapped }), 'open');
  });

  it('detects a flip of any bit of enc or ciphertext', async () => {
    const { sub } = await parties();
    const wrapped = await wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: sub.publicKey, key: randomBytes(32) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: WRAPPED_KEY_BYTES - 1 }), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const bad = Uint8Array.from(wrapped);
        bad[at]! ^= 1 << bit;
        await openFails(unwrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPrivateKey: sub.privateKey, wrapped: bad }), 'open');
      }),
      { numRuns: 40 },
    );
  });

  it('refuses bad sizes, unusable keys and recipients outside the batch', async () => {
    const { sub } = await parties();
    await openFails(unwrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPrivateKey: sub.privateKey, wrapped: new Uint8Array(79) }), 'length');
    // An all-zero X25519 public key is of low order: the DH output would be all zeros (RFC 9180 §7.1.4).
    await openFails(wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: new Uint8Array(32), key: randomBytes(32) }), 'encoding');
    await openFails(wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: new Uint8Array(31), key: randomBytes(32) }), 'encoding');
    await expect(wrapKey({ ctx, batchNonce: nonce, recipient: 20801, recipientPublicKey: sub.publicKey, key: randomBytes(32) })).rejects.toBeInstanceOf(
      PrivacyInputError,
    );
    await expect(wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: sub.publicKey, key: randomBytes(16) })).rejects.toBeInstanceOf(
      PrivacyInputError,
    );
  });
});
