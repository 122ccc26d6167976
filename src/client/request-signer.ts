import { randomBytes, type KeyObject } from 'node:crypto';
import { contentDigest } from '../api/auth/content-digest.js';
import { signatureBase } from '../api/auth/signature-base.js';
import { BODY_DIGEST_COMPONENT, keyIdOf, REQUIRED_COMPONENTS, SIGNATURE_ALG, SIGNATURE_LABEL, SIGNATURE_TAG } from '../api/auth/signature-profile.js';
import { serializeDictionary, sfItem, type SfInnerList } from '../api/auth/structured-fields.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { fromHex } from '../codec/bytes.js';
import { ed25519Sign, privateKeyObject } from '../crypto/ed25519.js';
import type { KeyFile } from './key-file.js';
import type { RequestSigner, SignableCall } from './node-api-client.js';

/**
 * Signs API requests as operator `plmn` with its batch key (HTTP Message Signatures, RFC 9421,
 * Ed25519, keyid `plmn:<id>`): covers @method, @authority, @path, @query and, with a body, its
 * content-digest (RFC 9530); `created` is now and a random `nonce` makes every signature unique
 * (the node refuses a signature it has seen). Node only (node:crypto).
 */
export class OperatorRequestSigner implements RequestSigner {
  constructor(
    readonly plmn: number,
    private readonly key: KeyObject,
    private readonly now: () => number = () => Date.now(),
  ) {}

  static fromSeed(plmn: number, seed: Uint8Array, now?: () => number): OperatorRequestSigner {
    return new OperatorRequestSigner(plmn, privateKeyObject(seed), now);
  }

  /** The devnet operator `plmn`'s well-known INSECURE batch key. */
  static devnet(plmn: number, now?: () => number): OperatorRequestSigner {
    return OperatorRequestSigner.fromSeed(plmn, devnetBatchSeed(plmn), now);
  }

  static fromKeyFile(k: KeyFile, now?: () => number): OperatorRequestSigner {
    return OperatorRequestSigner.fromSeed(k.plmn, fromHex(k.batchSeed, 32), now);
  }

  sign(call: SignableCall): Record<string, string> {
    const url = new URL(call.url);
    const headers: Record<string, string> = {};
    const components = [...REQUIRED_COMPONENTS] as string[];
    if (call.body !== undefined) {
      headers[BODY_DIGEST_COMPONENT] = contentDigest(call.body);
      components.push(BODY_DIGEST_COMPONENT);
    }
    const params: SfInnerList = {
      kind: 'inner-list',
      items: components.map((c) => sfItem(c)),
      params: new Map<string, string | number>([
        ['created', Math.floor(this.now() / 1000)],
        ['nonce', randomBytes(16).toString('base64url')],
        ['keyid', keyIdOf(this.plmn)],
        ['alg', SIGNATURE_ALG],
        ['tag', SIGNATURE_TAG],
      ]),
    };
    const base = signatureBase(
      { method: call.method.toUpperCase(), authority: url.host, path: url.pathname, query: url.search.slice(1), header: (name) => headers[name] },
      params,
    );
    const signature = ed25519Sign(Buffer.from(base, 'utf8'), this.key);
    headers['signature-input'] = serializeDictionary(new Map([[SIGNATURE_LABEL, params]]));
    headers['signature'] = serializeDictionary(new Map([[SIGNATURE_LABEL, sfItem(signature)]]));
    return headers;
  }
}
