import { HexError, fromHex, toHex } from '../../codec/bytes.js';
import { EncryptionKeyFileError } from '../errors.js';
import { thresholdParams } from './feldman.js';
import { ELEMENT_BYTES, GroupEncodingError, SCALAR_BYTES, decodeElement, decodeScalar, encodeElement, encodeScalar } from './group.js';
import { type HolderShare, LawfulAccessSetup, checkHolderShare } from './lawful-access-setup.js';

/**
 * JSON forms of the lawful-access key. The setup is public (registered on the ledger by governance):
 *
 *   { "kind": "cdrchain-lawful-access-setup", "version": 1, "group": "ristretto255",
 *     "threshold": 3, "holders": 5, "commitments": ["<64 hex>", …] }       commitments[0] is the public key
 *
 * A holder's share is secret (mode 0600, like every key file):
 *
 *   { "kind": "cdrchain-lawful-access-share", "version": 1, "group": "ristretto255",
 *     "holder": 2, "share": "<64 hex, little-endian scalar>", "publicKey": "<64 hex>" }
 *
 * Parsing checks every size and encoding, and a share against its setup.
 */

const SETUP_KIND = 'cdrchain-lawful-access-setup';
const SHARE_KIND = 'cdrchain-lawful-access-share';
const GROUP = 'ristretto255';

function object(json: unknown, source: string, fields: readonly string[]): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new EncryptionKeyFileError(`${source} is not a JSON object`);
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!fields.includes(k)) throw new EncryptionKeyFileError(`${source} has an unknown field ${JSON.stringify(k)}`);
  return o;
}

function bytes(v: unknown, length: number, what: string, source: string): Uint8Array {
  try {
    if (typeof v !== 'string') throw new HexError('not a string');
    return fromHex(v, length);
  } catch (err) {
    if (err instanceof HexError) throw new EncryptionKeyFileError(`${source}: ${what} must be ${length} bytes of hex`);
    throw err;
  }
}

export function setupToJson(setup: LawfulAccessSetup): object {
  return {
    kind: SETUP_KIND,
    version: 1,
    group: GROUP,
    threshold: setup.params.threshold,
    holders: setup.params.holders,
    commitments: setup.commitments.map((c) => toHex(encodeElement(c))),
  };
}

export function setupFromJson(json: unknown, source = 'lawful-access setup'): LawfulAccessSetup {
  const o = object(json, source, ['kind', 'version', 'group', 'threshold', 'holders', 'commitments']);
  if (o.kind !== SETUP_KIND || o.version !== 1 || o.group !== GROUP) throw new EncryptionKeyFileError(`${source} is not a ${GROUP} lawful-access setup (version 1)`);
  if (typeof o.threshold !== 'number' || typeof o.holders !== 'number' || !Array.isArray(o.commitments)) {
    throw new EncryptionKeyFileError(`${source} lacks threshold, holders or commitments`);
  }
  let params;
  try {
    params = thresholdParams({ threshold: o.threshold, holders: o.holders });
  } catch (err) {
    throw new EncryptionKeyFileError(`${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (o.commitments.length !== params.threshold) throw new EncryptionKeyFileError(`${source}: ${params.threshold} commitments expected`);
  try {
    const commitments = o.commitments.map((c, k) => decodeElement(bytes(c, ELEMENT_BYTES, `commitment ${k}`, source)));
    return LawfulAccessSetup.fromCommitments(params, commitments);
  } catch (err) {
    if (err instanceof GroupEncodingError) throw new EncryptionKeyFileError(`${source}: ${err.message}`);
    throw err;
  }
}

export function shareToJson(setup: LawfulAccessSetup, share: HolderShare): object {
  return { kind: SHARE_KIND, version: 1, group: GROUP, holder: share.holder, share: toHex(encodeScalar(share.share)), publicKey: toHex(setup.publicKeyBytes()) };
}

/** Parses a share file and checks it against `setup` (public key and Feldman commitments). */
export function shareFromJson(json: unknown, setup: LawfulAccessSetup, source = 'lawful-access share'): HolderShare {
  const o = object(json, source, ['kind', 'version', 'group', 'holder', 'share', 'publicKey']);
  if (o.kind !== SHARE_KIND || o.version !== 1 || o.group !== GROUP) throw new EncryptionKeyFileError(`${source} is not a ${GROUP} lawful-access share (version 1)`);
  if (typeof o.holder !== 'number' || !setup.isHolder(o.holder)) throw new EncryptionKeyFileError(`${source}: holder is not one of the setup's holders`);
  if (toHex(bytes(o.publicKey, ELEMENT_BYTES, 'publicKey', source)) !== toHex(setup.publicKeyBytes())) {
    throw new EncryptionKeyFileError(`${source} belongs to another lawful-access key`);
  }
  let share: bigint;
  try {
    share = decodeScalar(bytes(o.share, SCALAR_BYTES, 'share', source));
  } catch (err) {
    if (err instanceof GroupEncodingError) throw new EncryptionKeyFileError(`${source}: ${err.message}`);
    throw err;
  }
  const holderShare = Object.freeze({ holder: o.holder, share });
  checkHolderShare(setup, holderShare);
  return holderShare;
}
