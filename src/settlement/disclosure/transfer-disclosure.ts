// The opening (net_k, ρ_k) of an operator's transfer commitment T_k, sealed with HPKE (RFC 9180,
// the suite of the privacy code's key wraps: DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
// AES-256-GCM) to one reader: the operator itself (its genesis privacy key) or the consortium's
// settlement bank (genesis `settlement.bank.encryptionKey`). docs/settlement.md, "Disclosure of
// transfer openings".
//
//   info      = "cdrchain:transfer-opening:1" ‖ chain (32) ‖ SHA-256(period) ‖ proposal id (32) ‖ operator u32 ‖ reader (0 operator, 1 bank)
//   plaintext = net as a 128-bit two's-complement big-endian integer (16) ‖ ρ mod ℓ big-endian (32)
//   sealed    = enc (32) ‖ ciphertext (48 + 16 tag)                                            96 bytes
//
// The info binds a sealed opening to its chain, period, proposal, operator and reader: presented
// for another of any of them it does not open.

import type { webcrypto } from 'node:crypto';
import { sha256 } from '../../crypto/hash.js';
import { HPKE_SUITE, X25519_KEY_BYTES } from '../../privacy/key-wrap.js';
import { SettlementError } from '../errors.js';
import { JUBJUB_ORDER } from '../commitment/pedersen.js';

export const SEALED_OPENING_BYTES = 32 + 48 + 16;
const INFO_TAG = new TextEncoder().encode('cdrchain:transfer-opening:1');
const I128 = 1n << 127n;

export type OpeningReader = 'operator' | 'bank';

/** What a sealed opening is bound to. */
export interface OpeningContext {
  /** The chain identity (32 bytes). */
  readonly chain: Uint8Array;
  readonly periodId: string;
  /** The proposal's id (32 bytes): T_k is the one it names. */
  readonly proposalId: Uint8Array;
  readonly operator: number;
}

export interface TransferOpening {
  /** The net position, minor units of the settlement currency (receives > 0). */
  readonly net: bigint;
  /** ρ_k mod ℓ. */
  readonly blinding: bigint;
}

/** A sealed opening that does not open, or inputs that cannot be sealed. */
export class DisclosureError extends SettlementError {
  override readonly name = 'DisclosureError';
  constructor(message: string) {
    super('bad_commitment', message);
  }
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
}

/** The bytes a context contributes to HPKE's info and to the opening proof's challenge. */
export function openingContextBytes(c: OpeningContext): Uint8Array {
  if (c.chain.length !== 32 || c.proposalId.length !== 32) throw new DisclosureError('the chain identity and the proposal id are 32 bytes each');
  const out = new Uint8Array(32 + 32 + 32 + 4);
  out.set(c.chain, 0);
  out.set(sha256(new TextEncoder().encode(c.periodId)), 32);
  out.set(c.proposalId, 64);
  out.set(u32(c.operator), 96);
  return out;
}

/** What a disclosure's opening proof is bound to: the context and both ciphertexts. */
export function disclosureProofContext(c: OpeningContext, toOperator: Uint8Array, toBank: Uint8Array): Uint8Array {
  const ctx = openingContextBytes(c);
  const out = new Uint8Array(ctx.length + 64);
  out.set(ctx, 0);
  out.set(sha256(toOperator), ctx.length);
  out.set(sha256(toBank), ctx.length + 32);
  return out;
}

function info(c: OpeningContext, reader: OpeningReader): Uint8Array {
  const ctx = openingContextBytes(c);
  const out = new Uint8Array(INFO_TAG.length + ctx.length + 1);
  out.set(INFO_TAG, 0);
  out.set(ctx, INFO_TAG.length);
  out[out.length - 1] = reader === 'operator' ? 0 : 1;
  return out;
}

function encodeOpening(o: TransferOpening): Uint8Array {
  if (o.net < -I128 || o.net >= I128) throw new DisclosureError(`a net position of ${o.net} does not fit 128 bits`);
  if (o.blinding < 0n || o.blinding >= JUBJUB_ORDER) throw new DisclosureError('a blinding is taken mod ℓ');
  const hex = (BigInt.asUintN(128, o.net).toString(16).padStart(32, '0')) + o.blinding.toString(16).padStart(64, '0');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function decodeOpening(b: Uint8Array): TransferOpening {
  const hex = Buffer.from(b).toString('hex');
  const blinding = BigInt(`0x${hex.slice(32)}`);
  if (b.length !== 48 || blinding >= JUBJUB_ORDER) throw new DisclosureError('the sealed opening is not a net position and a blinding');
  return { net: BigInt.asIntN(128, BigInt(`0x${hex.slice(0, 32)}`)), blinding };
}

/** Seals `opening` to `readerPublicKey` (X25519, 32 bytes). */
export async function sealOpening(ctx: OpeningContext, reader: OpeningReader, readerPublicKey: Uint8Array, opening: TransferOpening): Promise<Uint8Array> {
  if (readerPublicKey.length !== X25519_KEY_BYTES) throw new DisclosureError(`an X25519 public key is ${X25519_KEY_BYTES} bytes`);
  let sealed: { ct: ArrayBuffer; enc: ArrayBuffer };
  try {
    const recipientPublicKey = await HPKE_SUITE.kem.deserializePublicKey(readerPublicKey);
    sealed = await HPKE_SUITE.seal({ recipientPublicKey, info: info(ctx, reader) }, encodeOpening(opening));
  } catch (err) {
    if (err instanceof DisclosureError) throw err;
    throw new DisclosureError(`the ${reader}'s public key is not a usable X25519 key`);
  }
  const out = new Uint8Array(SEALED_OPENING_BYTES);
  out.set(new Uint8Array(sealed.enc), 0);
  out.set(new Uint8Array(sealed.ct), 32);
  return out;
}

/** Opens a sealed opening with the reader's X25519 private key; DisclosureError when it does not open. */
export async function openSealedOpening(ctx: OpeningContext, reader: OpeningReader, readerPrivateKey: Uint8Array, sealed: Uint8Array): Promise<TransferOpening> {
  if (sealed.length !== SEALED_OPENING_BYTES) throw new DisclosureError(`a sealed opening is ${SEALED_OPENING_BYTES} bytes`);
  let key: webcrypto.CryptoKey;
  try {
    key = await HPKE_SUITE.kem.deserializePrivateKey(readerPrivateKey);
  } catch {
    throw new DisclosureError('the private key is not a usable X25519 key');
  }
  let pt: ArrayBuffer;
  try {
    pt = await HPKE_SUITE.open({ recipientKey: key, enc: sealed.subarray(0, 32), info: info(ctx, reader) }, sealed.subarray(32));
  } catch {
    throw new DisclosureError(`the sealed opening does not open for this ${reader}, operator ${ctx.operator} and proposal`);
  }
  return decodeOpening(new Uint8Array(pt));
}
