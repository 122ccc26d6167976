import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkContentDigest, ContentDigestError, contentDigest } from './content-digest.js';
import { signatureBase, SignatureBaseError, type SignableRequest } from './signature-base.js';
import { parseDictionary, serializeDictionary, StructuredFieldError, type SfInnerList } from './structured-fields.js';

// RFC 9421 Appendix B.1.4 (test-key-ed25519, as a JWK) and B.2.6 (signing a request using ed25519).
const RFC_JWK = { kty: 'OKP', crv: 'Ed25519', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs', d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU' } as const;
const B26_SIGNATURE_INPUT = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';
const B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');

/** The request of RFC 9421 Appendix B.2: POST /foo?param=Value&Pet=dog to example.com. */
const B2_REQUEST: SignableRequest = {
  method: 'POST',
  authority: 'example.com',
  path: '/foo',
  query: 'param=Value&Pet=dog',
  header: (name) =>
    ({
      host: 'example.com',
      date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'content-type': 'application/json',
      'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
      'content-length': '18',
    })[name],
};

function b26Params(): SfInnerList {
  const m = parseDictionary(B26_SIGNATURE_INPUT).get('sig-b26');
  if (m?.kind !== 'inner-list') throw new Error('not an inner list');
  return m;
}

describe('RFC 9421 signature base (Appendix B.2.6, ed25519)', () => {
  it('builds the RFC\'s signature base byte for byte from its request and Signature-Input', () => {
    expect(signatureBase(B2_REQUEST, b26Params())).toBe(B26_BASE);
  });

  it("signs it to the RFC's signature with the RFC's key (Ed25519 is deterministic), and the RFC's signature verifies", () => {
    const priv = createPrivateKey({ key: RFC_JWK, format: 'jwk' });
    const pub = createPublicKey({ key: { kty: RFC_JWK.kty, crv: RFC_JWK.crv, x: RFC_JWK.x }, format: 'jwk' });
    const ours = sign(null, Buffer.from(signatureBase(B2_REQUEST, b26Params())), priv);
    const sig = parseDictionary(B26_SIGNATURE).get('sig-b26');
    if (sig?.kind !== 'item' || !(sig.value instanceof Uint8Array)) throw new Error('no byte sequence');
    expect(Buffer.from(ours).equals(Buffer.from(sig.value))).toBe(true);
    expect(verify(null, Buffer.from(B26_BASE), pub, sig.value)).toBe(true);
    // One byte of the base changed: no longer verifies.
    expect(verify(null, Buffer.from(B26_BASE.replace('/foo', '/fop')), pub, sig.value)).toBe(false);
  });

  it('re-serializes the Signature-Input and Signature fields exactly', () => {
    expect(serializeDictionary(parseDictionary(B26_SIGNATURE_INPUT))).toBe(B26_SIGNATURE_INPUT);
    expect(serializeDictionary(parseDictionary(B26_SIGNATURE))).toBe(B26_SIGNATURE);
  });

  it('derives @query with its "?" (RFC 9421 §2.2.7) and refuses what it does not derive', () => {
    const params = (items: string): SfInnerList => {
      const m = parseDictionary(`s=(${items});created=1`).get('s');
      if (m?.kind !== 'inner-list') throw new Error('not an inner list');
      return m;
    };
    expect(signatureBase(B2_REQUEST, params('"@query"')).split('\n')[0]).toBe('"@query": ?param=Value&Pet=dog');
    expect(signatureBase({ ...B2_REQUEST, query: '' }, params('"@query"')).split('\n')[0]).toBe('"@query": ?');
    expect(() => signatureBase(B2_REQUEST, params('"@target-uri"'))).toThrow(SignatureBaseError);
    expect(() => signatureBase(B2_REQUEST, params('"@method" "@method"'))).toThrow(/twice/);
    expect(() => signatureBase(B2_REQUEST, params('"x-absent"'))).toThrow(/not in the request/);
    expect(() => signatureBase(B2_REQUEST, params('"date";sf'))).toThrow(/parameters/);
    expect(() => signatureBase({ ...B2_REQUEST, header: () => 'a\n"@method": GET' }, params('"date"'))).toThrow(/line break/);
  });
});

describe('structured fields: strict and bounded', () => {
  it.each([
    ['sig1=("@method";created=1', /inner list/],
    ['sig1=("@method" ', /unterminated/],
    ['sig1=:not base64!:', /byte sequence/],
    ['sig1=:YWJ=:', /canonical/], // "ab" is YWI=: the unused bits must be zero
    ['sig1=1.5', /decimals/],
    ['Sig1=1', /key/],
    ['sig1=1,', /trailing/],
    ['sig1=1 sig2=2', /","/],
    ['sig1="\u00e9"', /printable/],
    [`sig1=${'9'.repeat(16)}`, /15 digits/],
  ])('refuses %j', (field, why) => {
    expect(() => parseDictionary(field)).toThrow(StructuredFieldError);
    expect(() => parseDictionary(field)).toThrow(why);
  });

  it('bounds members, items and length before keeping them', () => {
    expect(() => parseDictionary(Array.from({ length: 17 }, (_, i) => `k${i}=1`).join(', '))).toThrow(/members/);
    expect(() => parseDictionary(`s=(${Array.from({ length: 33 }, () => '"a"').join(' ')})`)).toThrow(/items/);
    expect(() => parseDictionary(`s="${'a'.repeat(9000)}"`)).toThrow(/longer/);
  });
});

describe('Content-Digest (RFC 9530)', () => {
  const body = Buffer.from('{"hello": "world"}');
  it("gives RFC 9421 B.2's digests of its body", () => {
    expect(contentDigest(body)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    expect(contentDigest(body, 'sha-512')).toBe(B2_REQUEST.header('content-digest'));
    expect(() => checkContentDigest(B2_REQUEST.header('content-digest')!, body)).not.toThrow();
  });
  it('refuses a body that is not the digested one, no known algorithm, or a malformed field', () => {
    expect(() => checkContentDigest(contentDigest(body), Buffer.from('{"hello": "world!"}'))).toThrow(ContentDigestError);
    expect(() => checkContentDigest('md5=:AAAAAAAAAAAAAAAAAAAAAA==:', body)).toThrow(/no algorithm/);
    expect(() => checkContentDigest(`${contentDigest(body)}, sha-512=:AAAA:`, body)).toThrow(/sha-512 does not match/);
    expect(() => checkContentDigest('sha-256="x"', body)).toThrow(/byte sequence/);
    expect(() => checkContentDigest('sha-256=:', body)).toThrow(/structured/);
  });
});
