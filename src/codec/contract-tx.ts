import { Builder, ByteBuffer } from 'flatbuffers';
import { ContractTx } from './generated/cdrchain/wire/contract-tx.js';
import { ContractTxKind } from './generated/cdrchain/wire/contract-tx-kind.js';
import { CHAIN_IDENTITY_BYTES } from './batch.js';
import { CanonicalWriter } from './bytes.js';
import { addHash, createBytes } from './builder.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { ED25519_SIGNATURE_BYTES } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { sha256 } from '../crypto/hash.js';

export { ContractTxKind };

export const CONTRACT_TX_FILE_IDENTIFIER = 'CDRC';
export const CONTRACT_TX_VERSION = 1;
/** A bytecode container: 8-byte header plus at most 64 KiB of code (docs/vm.md). */
export const MAX_DEPLOY_CODE_BYTES = 8 + 65_536;
/** The VM's calldata limit. */
export const MAX_CALLDATA_BYTES = 128 * 1024;
/** Largest contract transaction frame: code or calldata plus room for the table and signature. */
export const MAX_CONTRACT_TX_FRAME_BYTES = MAX_CALLDATA_BYTES + 1024;

/** The signed content of a contract transaction. */
export interface ContractTxFields {
  readonly version: number;
  readonly kind: ContractTxKind;
  readonly sender: number;
  readonly sequence: bigint;
  readonly gasLimit: bigint;
  /** Call: the contract id; Deploy: all zero. */
  readonly contract: Uint8Array;
  /** Deploy: the bytecode container; Call: empty. */
  readonly code: Uint8Array;
  /** Call: the input; Deploy: empty. */
  readonly calldata: Uint8Array;
}

/** A verified contract transaction frame; byte fields are views into `bytes`. */
export interface DecodedContractTx extends ContractTxFields {
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
}

export const CONTRACT_TX_SPEC: TableSpec = {
  name: 'ContractTx',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 1 },
    { index: 2, kind: 'scalar', size: 4 },
    { index: 3, kind: 'scalar', size: 8 },
    { index: 4, kind: 'scalar', size: 8 },
    { index: 5, kind: 'struct', size: 32 },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: MAX_DEPLOY_CODE_BYTES },
    { index: 7, kind: 'vector', elementSize: 1, maxLength: MAX_CALLDATA_BYTES },
    { index: 8, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
  ],
  required: [8],
};

// 14 characters, NUL-padded to 16: the same width as the batch tag, and distinct from it.
// Version 2 added the chain identity.
const TX_TAG = 'cdrchain:ctx:2\0\0';
export const CANONICAL_CONTRACT_TX_BYTES = 16 + CHAIN_IDENTITY_BYTES + 2 + 1 + 4 + 8 + 8 + 32 + 32 + 32;
const CONTRACT_ID_TAG = new TextEncoder().encode('cdrchain:contract:');

/**
 * The bytes the sender signs and the transaction hash covers: fixed layout, big-endian,
 * domain-tagged, bound to chain `chain` (its identity; frames do not carry it).
 */
export function canonicalContractTx(t: ContractTxFields, chain: Uint8Array): Uint8Array {
  return new CanonicalWriter(CANONICAL_CONTRACT_TX_BYTES)
    .tag(TX_TAG)
    .raw(chain, CHAIN_IDENTITY_BYTES)
    .u16(t.version)
    .u8(t.kind)
    .u32(t.sender)
    .u64(t.sequence)
    .u64(t.gasLimit)
    .raw(t.contract, 32)
    .raw(sha256(t.code), 32)
    .raw(sha256(t.calldata), 32)
    .finish();
}

/** The transaction's hash on chain `chain` (its id in the tx store, blocks and receipts). */
export function contractTxHash(t: ContractTxFields, chain: Uint8Array): Uint8Array {
  return sha256(canonicalContractTx(t, chain));
}

/** The id of the contract a deploy creates: depends on who deployed what, and when (their sequence). */
export function contractIdOf(sender: number, sequence: bigint, code: Uint8Array): Uint8Array {
  const fixed = new CanonicalWriter(12).u32(sender).u64(sequence).finish();
  return sha256(CONTRACT_ID_TAG, fixed, sha256(code));
}

export function encodeContractTx(t: ContractTxFields, signature: Uint8Array): Uint8Array {
  const builder = new Builder(t.code.length + t.calldata.length + 256);
  const code = t.code.length > 0 ? createBytes(builder, t.code) : 0;
  const calldata = t.calldata.length > 0 ? createBytes(builder, t.calldata) : 0;
  const sig = createBytes(builder, signature);
  ContractTx.startContractTx(builder);
  ContractTx.addVersion(builder, t.version);
  ContractTx.addKind(builder, t.kind);
  ContractTx.addSender(builder, t.sender);
  ContractTx.addSequence(builder, t.sequence);
  ContractTx.addGasLimit(builder, t.gasLimit);
  if (t.kind === ContractTxKind.Call) addHash(builder, ContractTx.addContract, t.contract);
  if (code) ContractTx.addCode(builder, code);
  if (calldata) ContractTx.addCalldata(builder, calldata);
  ContractTx.addSignature(builder, sig);
  ContractTx.finishContractTxBuffer(builder, ContractTx.endContractTx(builder));
  return builder.asUint8Array();
}

/** True when `frame` carries the contract transaction file identifier (offset 4). */
export function isContractTxFrame(frame: Uint8Array): boolean {
  if (frame.length < 8) return false;
  for (let i = 0; i < 4; i++) if (frame[4 + i] !== CONTRACT_TX_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/**
 * Verifies the frame's structure, then reads it. Throws MalformedFrameError or
 * UnsupportedVersionError; signature, sender and sequence belong to admission.
 */
export function decodeContractTx(bytes: Uint8Array): DecodedContractTx {
  verifyRoot(bytes, CONTRACT_TX_SPEC, CONTRACT_TX_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const tx = ContractTx.getRootAsContractTx(bb);
  const version = tx.version();
  if (version !== CONTRACT_TX_VERSION) throw new UnsupportedVersionError('contract transaction', version, tx.sequence());
  const kind = tx.kind() as number;
  const fields: DecodedContractTx = {
    version,
    kind,
    sender: tx.sender(),
    sequence: tx.sequence(),
    gasLimit: tx.gasLimit(),
    contract: structBytes(bb, tx.bb_pos, 14),
    code: vectorBytes(bb, tx.bb_pos, 16, 1),
    calldata: vectorBytes(bb, tx.bb_pos, 18, 1),
    signature: vectorBytes(bb, tx.bb_pos, 20, 1),
    bytes,
  };
  // Each kind carries exactly its own fields, so one signed content has one meaning.
  if (kind === ContractTxKind.Deploy) {
    if (fields.code.length === 0) throw new MalformedFrameError('a deploy carries no code');
    if (fields.calldata.length > 0) throw new MalformedFrameError('a deploy carries calldata');
    if (fields.contract.some((b) => b !== 0)) throw new MalformedFrameError('a deploy names a contract');
  } else if (kind === ContractTxKind.Call) {
    if (fields.code.length > 0) throw new MalformedFrameError('a call carries code');
  } else {
    throw new MalformedFrameError(`unknown contract transaction kind ${kind}`);
  }
  return fields;
}
