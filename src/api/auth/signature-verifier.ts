import type { KeyObject } from 'node:crypto';
import type { Clock } from '../../chain/clock.js';
import { ed25519Verify, PublicKeyCache } from '../../crypto/ed25519.js';
import { ReplayCache } from './replay-cache.js';
import { componentName, signatureBase, SignatureBaseError, type SignableRequest } from './signature-base.js';
import { SignatureError } from './signature-errors.js';
import {
  BODY_DIGEST_COMPONENT, DEFAULT_MAX_SKEW_SECONDS, hasBody, plmnOfKeyId, REQUIRED_COMPONENTS, SIGNATURE_ALG, SIGNATURE_TAG,
} from './signature-profile.js';
import { parseDictionary, StructuredFieldError, type SfInnerList, type SfMember } from './structured-fields.js';

/** The parts of a request the verifier reads (valid during the synchronous call only). */
export interface VerifiableRequest {
  readonly method: string;
  readonly path: string;
  /** Without '?'. */
  readonly query: string;
  /** A header's value, '' or undefined when absent; `name` in lower case. */
  header(name: string): string | undefined;
}

/** Where the verifier finds an operator's public key: the operator registry (genesis batch keys). */
export interface OperatorKeys {
  get(plmn: number): { readonly batchKey: Uint8Array } | undefined;
}

export interface SignatureVerifierOptions {
  readonly operators: OperatorKeys;
  readonly clock: Pick<Clock, 'now'>;
  /** How far `created` may be from the node's clock, either way (default 300 s). */
  readonly maxSkewSeconds?: number;
  /** Recent signatures remembered per operator (default 16,384). */
  readonly replayCapacityPerOperator?: number;
}

/** A verified request: who signed it. */
export interface VerifiedSignature {
  readonly plmn: number;
  readonly label: string;
  /** The signature covers `content-digest`: the body must then match it (content-digest.ts). */
  readonly coversContentDigest: boolean;
}

const ALLOWED_PARAMS = new Set(['created', 'expires', 'nonce', 'alg', 'keyid', 'tag']);

/**
 * Verifies operator-signed requests (RFC 9421, Ed25519, keyid `plmn:<id>`): the signature base is
 * rebuilt from the request, the key is the operator's batch key, `created` must be within the skew
 * window, and each signature is accepted once (replay cache). Throws SignatureError.
 */
export class OperatorSignatureVerifier {
  private readonly keys = new PublicKeyCache();
  private readonly replays: ReplayCache;
  private readonly maxSkewSeconds: number;

  constructor(private readonly opts: SignatureVerifierOptions) {
    this.maxSkewSeconds = opts.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
    if (!Number.isSafeInteger(this.maxSkewSeconds) || this.maxSkewSeconds < 1) throw new RangeError('maxSkewSeconds must be a positive integer');
    this.replays = new ReplayCache(opts.replayCapacityPerOperator ?? 16_384);
  }

  verify(req: VerifiableRequest): VerifiedSignature {
    const inputHeader = present(req.header('signature-input'));
    const signatureHeader = present(req.header('signature'));
    if (inputHeader === undefined && signatureHeader === undefined) {
      throw new SignatureError('missing', 'this endpoint needs a request signed by an operator (RFC 9421 Signature-Input and Signature headers)');
    }
    if (inputHeader === undefined || signatureHeader === undefined) throw invalid('Signature-Input and Signature come together');
    const inputs = dictionary(inputHeader, 'Signature-Input');
    const signatures = dictionary(signatureHeader, 'Signature');

    // The first signature by a keyid of the form plmn:<id> is the operator's (others, e.g. a proxy's, are not ours to judge).
    let label: string | undefined;
    let params: SfInnerList | undefined;
    for (const [name, member] of inputs) {
      if (member.kind === 'inner-list' && typeof member.params.get('keyid') === 'string' && (member.params.get('keyid') as string).startsWith('plmn:')) {
        label = name;
        params = member;
        break;
      }
    }
    if (!label || !params) throw invalid('no signature in Signature-Input has a keyid of the form plmn:<PLMN id>');
    const keyid = params.params.get('keyid') as string;
    const plmn = plmnOfKeyId(keyid);
    if (plmn === undefined) throw invalid(`keyid "${keyid}" is not plmn:<PLMN id>`);
    const sigMember: SfMember | undefined = signatures.get(label);
    if (!sigMember || sigMember.kind !== 'item' || !(sigMember.value instanceof Uint8Array)) throw invalid(`Signature has no byte sequence labelled ${label}`);
    if (sigMember.value.length !== 64) throw invalid('an Ed25519 signature is 64 bytes');

    // The profile: parameters, algorithm, tag, covered components.
    for (const name of params.params.keys()) if (!ALLOWED_PARAMS.has(name)) throw invalid(`signature parameter "${name}" is not taken`);
    const alg = params.params.get('alg');
    if (alg !== undefined && alg !== SIGNATURE_ALG) throw invalid(`alg must be "${SIGNATURE_ALG}"`);
    if (params.params.get('tag') !== SIGNATURE_TAG) throw invalid(`tag must be "${SIGNATURE_TAG}"`);
    const nonce = params.params.get('nonce');
    if (nonce !== undefined && typeof nonce !== 'string') throw invalid('nonce must be a string');
    const created = params.params.get('created');
    if (typeof created !== 'number') throw invalid('created (an integer, unix seconds) is required');
    const expires = params.params.get('expires');
    if (expires !== undefined && typeof expires !== 'number') throw invalid('expires must be an integer (unix seconds)');
    let covered: string[];
    try {
      covered = params.items.map(componentName);
    } catch (err) {
      if (err instanceof SignatureBaseError) throw invalid(err.message);
      throw err;
    }
    for (const c of REQUIRED_COMPONENTS) if (!covered.includes(c)) throw invalid(`the signature must cover ${REQUIRED_COMPONENTS.join(', ')}; it lacks ${c}`);
    const coversContentDigest = covered.includes(BODY_DIGEST_COMPONENT);
    if (!coversContentDigest && hasBody(req.method, present(req.header('content-length')), present(req.header('transfer-encoding')))) {
      throw invalid(`a request with a body must cover ${BODY_DIGEST_COMPONENT} (RFC 9530)`);
    }

    // Freshness before any cryptography: cheap, and it bounds what the replay cache must hold.
    const nowMs = this.opts.clock.now();
    const nowSec = Math.floor(nowMs / 1000);
    if (Math.abs(nowSec - created) > this.maxSkewSeconds) {
      throw new SignatureError('expired', `signature created ${created - nowSec} s from the node's clock; at most ±${this.maxSkewSeconds} s is taken`);
    }
    if (expires !== undefined && expires <= nowSec) throw new SignatureError('expired', 'signature expired (its expires parameter has passed)');

    const entry = this.opts.operators.get(plmn);
    if (!entry) throw invalid(`keyid ${keyid}: no such operator in this consortium`);
    let base: string;
    try {
      base = signatureBase(signable(req), params);
    } catch (err) {
      if (err instanceof SignatureBaseError) throw invalid(err.message);
      throw err;
    }
    const key: KeyObject = this.keys.get(entry.batchKey);
    if (!ed25519Verify(Buffer.from(base, 'utf8'), sigMember.value, key)) throw invalid('the signature does not verify with the key its keyid names');

    // Only verified signatures are remembered, so nobody but the operator can fill its set.
    let until = (created + this.maxSkewSeconds) * 1000;
    if (expires !== undefined) until = Math.min(until, expires * 1000);
    const seen = this.replays.record(plmn, Buffer.from(sigMember.value).toString('base64'), until, nowMs);
    if (seen === 'replayed') throw new SignatureError('replayed', 'this signature was already used: sign every request afresh');
    if (seen === 'full') throw new SignatureError('busy', `too many signed requests of ${keyid} within ${this.maxSkewSeconds} s; retry shortly`);
    return { plmn, label, coversContentDigest };
  }
}

function present(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function invalid(message: string): SignatureError {
  return new SignatureError('invalid', message);
}

function dictionary(value: string, name: string): Map<string, SfMember> {
  try {
    return parseDictionary(value);
  } catch (err) {
    if (err instanceof StructuredFieldError) throw invalid(`${name} is not a structured dictionary: ${err.message}`);
    throw err;
  }
}

function signable(req: VerifiableRequest): SignableRequest {
  return {
    method: req.method,
    authority: req.header('host') ?? '',
    path: req.path,
    // uWS answers undefined, not '', for a request without a query (whatever its types say).
    query: (req.query as string | undefined) ?? '',
    header: (name) => present(req.header(name)),
  };
}
