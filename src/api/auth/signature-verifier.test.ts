import { describe, expect, it } from 'vitest';
import { devnetGenesis } from '../../chain/genesis.js';
import { OperatorRegistry } from '../../chain/operators.js';
import { OperatorRequestSigner } from '../../client/request-signer.js';
import { SignatureError, type SignatureFailure } from './signature-errors.js';
import { OperatorSignatureVerifier, type VerifiableRequest } from './signature-verifier.js';

const A = 20801;
const C = 26201;
const operators = OperatorRegistry.fromGenesis(devnetGenesis());
const T0 = 1_800_000_000_000;

/** A request as uWS hands it to the verifier, with the signer's headers (or others) on it. */
function request(method: string, url: string, headers: Record<string, string>): VerifiableRequest {
  const u = new URL(url);
  const all: Record<string, string> = { host: u.host, ...headers };
  return { method, path: u.pathname, query: u.search.slice(1), header: (n) => all[n] ?? '' };
}

function verifier(now: { t: number }, capacity?: number): OperatorSignatureVerifier {
  return new OperatorSignatureVerifier({ operators, clock: { now: () => now.t }, ...(capacity ? { replayCapacityPerOperator: capacity } : {}) });
}

function failure(f: () => unknown): SignatureFailure | 'none' {
  try {
    f();
    return 'none';
  } catch (err) {
    if (err instanceof SignatureError) return err.failure;
    throw err;
  }
}

describe('OperatorSignatureVerifier (RFC 9421 over the genesis batch keys)', () => {
  const url = 'http://127.0.0.1:7400/batch/ab?records=1';

  it("accepts an operator's signed request once, names the operator, and refuses the same signature again", () => {
    const now = { t: T0 };
    const v = verifier(now);
    const headers = OperatorRequestSigner.devnet(A, () => now.t).sign({ method: 'GET', url });
    expect(v.verify(request('GET', url, headers))).toMatchObject({ plmn: A, label: 'sig1', coversContentDigest: false });
    expect(failure(() => v.verify(request('GET', url, headers)))).toBe('replayed');
    // A fresh signature of the same request (a new nonce) is another request.
    expect(v.verify(request('GET', url, OperatorRequestSigner.devnet(A, () => now.t).sign({ method: 'GET', url }))).plmn).toBe(A);
  });

  it('refuses what the signature does not cover as signed: another method, path, query, host or body', () => {
    const now = { t: T0 };
    const v = verifier(now);
    const sign = () => OperatorRequestSigner.devnet(A, () => now.t).sign({ method: 'GET', url });
    expect(failure(() => v.verify(request('POST', url, sign())))).toBe('invalid');
    expect(failure(() => v.verify(request('GET', url.replace('/ab', '/cd'), sign())))).toBe('invalid');
    expect(failure(() => v.verify(request('GET', url.replace('records=1', 'records=0'), sign())))).toBe('invalid');
    expect(failure(() => v.verify(request('GET', url.replace('7400', '7402'), sign())))).toBe('invalid');
    // A body the signature does not bind: refused before any key is looked at.
    const post = OperatorRequestSigner.devnet(A, () => now.t).sign({ method: 'POST', url: 'http://127.0.0.1:7400/cdr' });
    expect(failure(() => v.verify(request('POST', 'http://127.0.0.1:7400/cdr', post)))).toBe('invalid');
    const withBody = OperatorRequestSigner.devnet(A, () => now.t).sign({ method: 'POST', url: 'http://127.0.0.1:7400/cdr', body: '{}' });
    expect(v.verify(request('POST', 'http://127.0.0.1:7400/cdr', withBody)).coversContentDigest).toBe(true);
  });

  it("refuses another operator's key under A's keyid, an unknown operator, and a profile it does not take", () => {
    const now = { t: T0 };
    const v = verifier(now);
    const byC = OperatorRequestSigner.devnet(C, () => now.t).sign({ method: 'GET', url });
    const forged = { ...byC, 'signature-input': byC['signature-input']!.replace(`plmn:${C}`, `plmn:${A}`) };
    expect(failure(() => v.verify(request('GET', url, forged)))).toBe('invalid');
    const unknown = OperatorRequestSigner.devnet(99_999, () => now.t).sign({ method: 'GET', url });
    expect(() => v.verify(request('GET', url, unknown))).toThrow(/no such operator/);
    const good = OperatorRequestSigner.devnet(A, () => now.t).sign({ method: 'GET', url });
    const variants: [string, Record<string, string>, RegExp][] = [
      ['no tag', { ...good, 'signature-input': good['signature-input']!.replace(';tag="cdrchain"', '') }, /tag/],
      ['another alg', { ...good, 'signature-input': good['signature-input']!.replace('"ed25519"', '"rsa-pss-sha512"') }, /alg/],
      ['an unknown parameter', { ...good, 'signature-input': `${good['signature-input']};foo=1` }, /foo/],
      ['no @query', { ...good, 'signature-input': good['signature-input']!.replace(' "@query"', '') }, /lacks @query/],
      ['no created', { ...good, 'signature-input': good['signature-input']!.replace(/;created=[0-9]+/, '') }, /created/],
      ['Signature without Signature-Input', { signature: good['signature']! }, /together/],
      ['a truncated signature', { ...good, signature: 'sig1=:AAAA:' }, /64 bytes/],
      ['a keyid of another form', { ...good, 'signature-input': good['signature-input']!.replace(`plmn:${A}`, 'plmn:0x1') }, /plmn/],
      ['garbage', { ...good, 'signature-input': '((((' }, /structured/],
    ];
    for (const [what, headers, why] of variants) {
      expect(failure(() => v.verify(request('GET', url, headers))), what).toBe('invalid');
      expect(() => v.verify(request('GET', url, headers)), what).toThrow(why);
    }
    expect(failure(() => v.verify(request('GET', url, {})))).toBe('missing');
  });

  it('takes `created` within ±300 s of its clock only, and honours `expires`', () => {
    const now = { t: T0 };
    const v = verifier(now);
    const at = (ms: number) => OperatorRequestSigner.devnet(A, () => ms).sign({ method: 'GET', url });
    expect(v.verify(request('GET', url, at(T0 - 299_000))).plmn).toBe(A);
    expect(v.verify(request('GET', url, at(T0 + 299_000))).plmn).toBe(A);
    expect(failure(() => v.verify(request('GET', url, at(T0 - 302_000))))).toBe('expired');
    expect(failure(() => v.verify(request('GET', url, at(T0 + 302_000))))).toBe('expired');
    // A signature seen once stays refused for as long as its `created` is in the window.
    const h = at(T0);
    v.verify(request('GET', url, h));
    now.t = T0 + 299_000;
    expect(failure(() => v.verify(request('GET', url, h)))).toBe('replayed');
    now.t = T0 + 301_000;
    expect(failure(() => v.verify(request('GET', url, h)))).toBe('expired');
  });

  it("bounds the replay set per operator: a full set refuses that operator's new requests (503 busy), not another's, until entries expire", () => {
    const now = { t: T0 };
    const v = verifier(now, 3);
    const sign = (plmn: number) => OperatorRequestSigner.devnet(plmn, () => now.t).sign({ method: 'GET', url });
    for (let i = 0; i < 3; i++) v.verify(request('GET', url, sign(A)));
    expect(failure(() => v.verify(request('GET', url, sign(A))))).toBe('busy');
    expect(v.verify(request('GET', url, sign(C))).plmn).toBe(C);
    now.t = T0 + 301_000;
    expect(v.verify(request('GET', url, sign(A))).plmn).toBe(A);
  });
});
