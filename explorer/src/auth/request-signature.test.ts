// The explorer's signer against the node's own verifier (src/api/auth/signature-verifier.ts), with
// both Ed25519 implementations the browser may use (Node's WebCrypto has Ed25519, as Chromium does),
// and the key input the sign-in form takes.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OperatorSignatureVerifier, type VerifiableRequest } from '../../../src/api/auth/signature-verifier.js';
import { SignatureError } from '../../../src/api/auth/signature-errors.js';
import { devnetBatchSeed, devnetGenesis } from '../../../src/chain/genesis.js';
import { OperatorRegistry } from '../../../src/chain/operators.js';
import { devnetKeyFile } from '../../../src/client/key-file.js';
import { KeyInputError, parseOperatorKey } from './operator-key.js';
import { signRequest } from './request-signature.js';
import { ed25519Verify, signingKeyOf, type SigningKey } from './signing-key.js';

const ORANGE = 20801;
const VODAFONE = 23415;
const T0 = 1_800_000_000_000;

function request(method: string, url: URL, headers: Record<string, string>): VerifiableRequest {
  const all: Record<string, string> = { host: url.host, ...headers };
  return { method, path: url.pathname, query: url.search.slice(1), header: (n) => all[n] ?? '' };
}

async function nobleKey(seed: Uint8Array): Promise<SigningKey> {
  const { ed25519 } = await import('@noble/curves/ed25519.js');
  return { implementation: '@noble/curves', sign: (m) => Promise.resolve(ed25519.sign(m, seed)) };
}

describe("the explorer's request signatures", () => {
  const verifier = () => new OperatorSignatureVerifier({ operators: OperatorRegistry.fromGenesis(devnetGenesis()), clock: { now: () => T0 } });

  it('verify on the node for WebCrypto and @noble/curves keys, with and without a query, once each', async () => {
    const seed = devnetBatchSeed(ORANGE);
    const webcrypto = await signingKeyOf(seed);
    expect(webcrypto.implementation).toBe('WebCrypto');
    const v = verifier();
    for (const key of [webcrypto, await nobleKey(seed)]) {
      for (const url of [new URL('http://127.0.0.1:7400/reconciliation/20801-23415/2026-11/disputes?offset=50&limit=50'), new URL('http://localhost:7700/operators/20801')]) {
        const headers = await signRequest(key, ORANGE, 'GET', url, { nowMs: T0 });
        expect(v.verify(request('GET', url, headers))).toMatchObject({ plmn: ORANGE, coversContentDigest: false });
        expect(() => v.verify(request('GET', url, headers))).toThrow(SignatureError); // replayed
      }
    }
  });

  it('are refused for another path, query or operator, and outside the clock window', async () => {
    const key = await signingKeyOf(devnetBatchSeed(ORANGE));
    const url = new URL('http://127.0.0.1:7400/operators/20801?x=1');
    const failure = async (mutate: (u: URL) => URL, plmn = ORANGE, nowMs = T0) => {
      try {
        verifier().verify(request('GET', mutate(new URL(url)), await signRequest(key, plmn, 'GET', url, { nowMs })));
        return 'none';
      } catch (err) {
        if (err instanceof SignatureError) return err.failure;
        throw err;
      }
    };
    expect(await failure((u) => u)).toBe('none');
    expect(await failure((u) => new URL(u.href.replace('20801?', '23415?')))).toBe('invalid');
    expect(await failure((u) => new URL(u.href.replace('x=1', 'x=2')))).toBe('invalid');
    expect(await failure((u) => u, VODAFONE)).toBe('invalid'); // Orange's key claiming to be Vodafone
    expect(await failure((u) => u, ORANGE, T0 - 3_600_000)).toBe('expired');
  });

  it('reads key files and PKCS#8 PEM keys, and says what is wrong with other input', async () => {
    const file = devnetKeyFile(ORANGE, [VODAFONE]);
    const fromFile = parseOperatorKey(JSON.stringify(file));
    expect(fromFile.plmn).toBe(ORANGE);
    expect(Buffer.from(fromFile.seed).toString('hex')).toBe(file.batchSeed);
    expect(() => parseOperatorKey(JSON.stringify(file), VODAFONE)).toThrow(/operator 20801's, not 23415's/);

    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseOperatorKey(pem)).toThrow(/choose the operator/);
    const fromPem = parseOperatorKey(pem, VODAFONE);
    expect(fromPem.plmn).toBe(VODAFONE);
    // The seed read from the PEM signs for the PEM's public key.
    const message = new TextEncoder().encode('probe');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    expect(await ed25519Verify(await (await signingKeyOf(fromPem.seed)).sign(message), message, raw)).toBe(true);
    expect(await ed25519Verify(await (await signingKeyOf(devnetBatchSeed(ORANGE))).sign(message), message, raw)).toBe(false);

    for (const bad of ['', 'hello', '{"plmn": 20801}', '{"plmn": 20801, "batchSeed": "abc"}', '{"batchSeed": "00"}', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']) {
      expect(() => parseOperatorKey(bad, ORANGE), bad).toThrow(KeyInputError);
    }
  });
});
