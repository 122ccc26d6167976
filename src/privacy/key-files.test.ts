import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { batchContext } from './context.js';
import {
  devnetEncryptionKeyPair,
  encryptionKeyFile,
  generateEncryptionKeyPair,
  parseEncryptionKeyFile,
  readEncryptionKeyFile,
  writeEncryptionKeyFile,
} from './encryption-key-file.js';
import { EncryptionKeyFileError, ShareVerificationError } from './errors.js';
import { unwrapKey, wrapKey } from './key-wrap.js';
import { deal } from './threshold/feldman.js';
import { encodeScalar } from './threshold/group.js';
import { LawfulAccessSetup } from './threshold/lawful-access-setup.js';
import { setupFromJson, setupToJson, shareFromJson, shareToJson } from './threshold/setup-file.js';

const dir = mkdtempSync(join(tmpdir(), 'cdrchain-privacy-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('operator encryption key files', () => {
  it('write (mode 0600) and read back a key pair that wraps and unwraps', async () => {
    const k = await generateEncryptionKeyPair(26201);
    const path = join(dir, 'enc.json');
    writeEncryptionKeyFile(path, k);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const back = readEncryptionKeyFile(path);
    expect(back.plmn).toBe(26201);
    expect(toHex(back.publicKey)).toBe(toHex(k.publicKey));
    const ctx = batchContext({ chainId: new Uint8Array(32), submitter: 26201, counterparty: 23415, sequence: 1n });
    const nonce = new Uint8Array(32);
    const key = new Uint8Array(32).fill(5);
    const wrapped = await wrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPublicKey: back.publicKey, key });
    expect(await unwrapKey({ ctx, batchNonce: nonce, recipient: 26201, recipientPrivateKey: back.privateKey, wrapped })).toEqual(key);
  });

  it('refuses a file whose public key is not its private key’s, and malformed ones', async () => {
    const a = encryptionKeyFile(await generateEncryptionKeyPair(1));
    const b = encryptionKeyFile(await generateEncryptionKeyPair(1));
    expect(() => parseEncryptionKeyFile({ ...a, publicKey: b.publicKey })).toThrow(/does not belong/);
    expect(() => parseEncryptionKeyFile({ ...a, privateKey: 'zz' })).toThrow(EncryptionKeyFileError);
    expect(() => parseEncryptionKeyFile({ ...a, kem: 'DHKEM(P-256, HKDF-SHA256)' })).toThrow(EncryptionKeyFileError);
    expect(() => parseEncryptionKeyFile({ ...a, extra: 1 })).toThrow(/unknown field/);
    expect(() => parseEncryptionKeyFile({ ...a, plmn: -1 })).toThrow(EncryptionKeyFileError);
    expect(() => parseEncryptionKeyFile([])).toThrow(EncryptionKeyFileError);
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{not json');
    expect(() => readEncryptionKeyFile(path)).toThrow(EncryptionKeyFileError);
  });

  it('devnet keys are deterministic per PLMN and distinct across PLMNs', async () => {
    const [a, a2, b] = await Promise.all([devnetEncryptionKeyPair(26201), devnetEncryptionKeyPair(26201), devnetEncryptionKeyPair(23415)]);
    expect(toHex(a.privateKey)).toBe(toHex(a2.privateKey));
    expect(toHex(a.publicKey)).not.toBe(toHex(b.publicKey));
  });
});

describe('lawful-access setup and share files', () => {
  const dealing = deal({ threshold: 2, holders: 3 }, 1);
  const setup = LawfulAccessSetup.fromCommitments({ threshold: 2, holders: 3 }, dealing.commitments);

  it('round-trip through JSON; a share is checked against the setup', () => {
    const json = JSON.parse(JSON.stringify(setupToJson(setup))) as unknown;
    const back = setupFromJson(json);
    expect(toHex(back.publicKeyBytes())).toBe(toHex(setup.publicKeyBytes()));
    const share = { holder: 2, share: dealing.shares.get(2)! };
    const shareJson = JSON.parse(JSON.stringify(shareToJson(setup, share))) as Record<string, unknown>;
    expect(shareFromJson(shareJson, back)).toEqual(share);
    expect(() => shareFromJson({ ...shareJson, holder: 3 }, back)).toThrow(ShareVerificationError);
    expect(() => shareFromJson({ ...shareJson, share: toHex(encodeScalar(dealing.shares.get(1)!)) }, back)).toThrow(ShareVerificationError);
    const other = LawfulAccessSetup.fromCommitments({ threshold: 2, holders: 3 }, deal({ threshold: 2, holders: 3 }, 1).commitments);
    expect(() => shareFromJson(shareJson, other)).toThrow(/another lawful-access key/);
    expect(() => shareFromJson({ ...shareJson, holder: 4 }, back)).toThrow(EncryptionKeyFileError);
    expect(() => shareFromJson({ ...shareJson, share: 'ff'.repeat(32) }, back)).toThrow(EncryptionKeyFileError);
  });

  it('refuses malformed setups', () => {
    const json = setupToJson(setup) as Record<string, unknown>;
    expect(() => setupFromJson({ ...json, threshold: 3 })).toThrow(EncryptionKeyFileError);
    expect(() => setupFromJson({ ...json, threshold: 4 })).toThrow(EncryptionKeyFileError);
    expect(() => setupFromJson({ ...json, commitments: ['00'.repeat(32), (json.commitments as string[])[1]] })).toThrow(EncryptionKeyFileError);
    expect(() => setupFromJson({ ...json, commitments: ['26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371', (json.commitments as string[])[1]] })).toThrow(
      EncryptionKeyFileError,
    );
    expect(() => setupFromJson({ ...json, group: 'P-256' })).toThrow(EncryptionKeyFileError);
    expect(() => setupFromJson({ ...json, extra: true })).toThrow(EncryptionKeyFileError);
  });
});
