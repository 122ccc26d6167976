import { Builder, ByteBuffer } from 'flatbuffers';
import { BilateralStatementAction } from './generated/cdrchain/wire/bilateral-statement-action.js';
import { PlainStatementAction } from './generated/cdrchain/wire/plain-statement-action.js';
import { FxRateSetAction } from './generated/cdrchain/wire/fx-rate-set-action.js';
import { SettlementApprovalAction } from './generated/cdrchain/wire/settlement-approval-action.js';
import { SettlementDisclosureAction } from './generated/cdrchain/wire/settlement-disclosure-action.js';
import { SettlementProposalAction } from './generated/cdrchain/wire/settlement-proposal-action.js';
import { SettlementTx } from './generated/cdrchain/wire/settlement-tx.js';
import { CHAIN_IDENTITY_BYTES } from './batch.js';
import { CanonicalWriter } from './bytes.js';
import { addHash, createBytes, createStructVector } from './builder.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { ED25519_SIGNATURE_BYTES } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { sha256 } from '../crypto/hash.js';

export const SETTLEMENT_TX_FILE_IDENTIFIER = 'CDRX';
export const SETTLEMENT_TX_VERSION = 1;
export const BLS_SIGNATURE_WIRE_BYTES = 96;
/** A period id: "2026-11" or "2026-11-30+7d" (docs/settlement.md); printable ASCII. */
export const MAX_PERIOD_ID_BYTES = 32;
const PERIOD_ID = /^[\x21-\x7e]{1,32}$/;
/** At most this many rates per set (six currencies exist) and publisher signatures per set. */
export const MAX_FX_RATES = 16;
export const MAX_PUBLISHER_SIGNATURES = 256;
const FX_RATE_BYTES = 2 + 16 + 16;
const PUBLISHER_SIGNATURE_BYTES = 2 + BLS_SIGNATURE_WIRE_BYTES;
const U128 = 1n << 128n;
/**
 * A proposal names at most this many involved operators, so its frame (68 bytes an operator) stays
 * within the 129 KiB transaction frame every ingest path takes (the committed netting itself takes
 * 2,047); an approval at most as many signers of each kind.
 */
export const MAX_PROPOSAL_OPERATORS = 1900;
export const MAX_APPROVAL_SIGNERS = 1900;
const POINT_BYTES = 64;
/** A plain-mode transfer on the wire: from (u32), to (u32), amount (u128 big-endian). */
const PLAIN_TRANSFER_BYTES = 4 + 4 + 16;
/** A disclosure's sealed openings (HPKE enc ‖ ciphertext ‖ tag) and its opening proof. */
export const SEALED_OPENING_WIRE_BYTES = 96;
export const OPENING_PROOF_WIRE_BYTES = 128;
/** A statement's link proof: circuit version u32 ‖ lines per currency u32 ‖ Groth16 proof (256), big-endian. */
export const LINK_PROOF_WIRE_BYTES = 4 + 4 + 256;
/** Largest frame: a proposal with every bound at its maximum (a rate set is smaller), and the table overhead. */
export const MAX_SETTLEMENT_TX_BYTES = MAX_PROPOSAL_OPERATORS * (POINT_BYTES + 4) + 1024;

/** One rate: major units of the settlement currency per major unit of `currency` (ISO 4217 numeric), num/den. */
export interface WireFxRate {
  readonly currency: number;
  readonly num: bigint;
  readonly den: bigint;
}

export interface WirePublisherSignature {
  /** Index in the genesis' ratePublishers. */
  readonly publisher: number;
  readonly signature: Uint8Array;
}

/** A plain-mode transfer: `from` pays `to` `amount` minor units of the settlement currency. */
export interface WirePlainTransfer {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
}

/** The six actions of a settlement transaction (schemas/settlement-tx.fbs). */
export type SettlementAction =
  | {
      readonly kind: 'fx_rate_set';
      /** ISO 4217 numeric of the currency the rates are quoted in. */
      readonly base: number;
      readonly override: boolean;
      readonly rates: readonly WireFxRate[];
      readonly signatures: readonly WirePublisherSignature[];
    }
  | {
      readonly kind: 'statement';
      readonly first: number;
      readonly second: number;
      readonly currency: number;
      /** The commitment's affine coordinates (each below 2^256). */
      readonly x: bigint;
      readonly y: bigint;
      readonly firstSignature: Uint8Array;
      readonly secondSignature: Uint8Array;
      /** The link proof (LINK_PROOF_WIRE_BYTES: circuit version, lines per currency, Groth16 proof), when carried. */
      readonly linkProof?: Uint8Array;
    }
  | {
      /** Plain mode: both gross directions of the pair in the clear (each below 2^128). */
      readonly kind: 'plain_statement';
      readonly first: number;
      readonly second: number;
      readonly currency: number;
      readonly firstOwesSecond: bigint;
      readonly secondOwesFirst: bigint;
      readonly firstSignature: Uint8Array;
      readonly secondSignature: Uint8Array;
    }
  | {
      readonly kind: 'proposal';
      readonly attempt: number;
      readonly deadline: bigint;
      readonly settledVolume: bigint;
      readonly clearingFee: bigint;
      /** The involved operators, consortium order. */
      readonly operators: readonly number[];
      /** T_k per involved operator (affine x, y, each below 2^256). */
      readonly transfers: readonly { readonly x: bigint; readonly y: bigint }[];
      readonly proposerSignature: Uint8Array;
      /** Present exactly in plain mode (then `transfers` is empty): the netting's transfers. */
      readonly plainTransfers?: readonly WirePlainTransfer[];
    }
  | {
      readonly kind: 'approval';
      readonly proposalId: Uint8Array;
      readonly operators: readonly number[];
      readonly validators: readonly number[];
      readonly signature: Uint8Array;
    }
  | {
      readonly kind: 'disclosure';
      readonly proposalId: Uint8Array;
      /** The submitter's transfer opening sealed to itself, and to the settlement bank. */
      readonly toOperator: Uint8Array;
      readonly toBank: Uint8Array;
      readonly proof: Uint8Array;
    };

/** The signed content of a settlement transaction. */
export interface SettlementTxFields {
  readonly version: number;
  readonly submitter: number;
  readonly sequence: bigint;
  readonly period: string;
  readonly action: SettlementAction;
}

/** A verified settlement transaction frame; byte fields are views into `bytes`. */
export interface DecodedSettlementTx extends SettlementTxFields {
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
}

const FX_SPEC: TableSpec = {
  name: 'FxRateSetAction',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 1 },
    { index: 2, kind: 'vector', elementSize: FX_RATE_BYTES, maxLength: MAX_FX_RATES },
    { index: 3, kind: 'vector', elementSize: PUBLISHER_SIGNATURE_BYTES, maxLength: MAX_PUBLISHER_SIGNATURES },
  ],
  required: [2, 3],
};

const STATEMENT_SPEC: TableSpec = {
  name: 'BilateralStatementAction',
  fields: [
    { index: 0, kind: 'scalar', size: 4 },
    { index: 1, kind: 'scalar', size: 4 },
    { index: 2, kind: 'scalar', size: 2 },
    { index: 3, kind: 'struct', size: 32 },
    { index: 4, kind: 'struct', size: 32 },
    { index: 5, kind: 'vector', elementSize: 1, maxLength: BLS_SIGNATURE_WIRE_BYTES },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: BLS_SIGNATURE_WIRE_BYTES },
    { index: 7, kind: 'vector', elementSize: 1, maxLength: LINK_PROOF_WIRE_BYTES },
  ],
  required: [3, 4, 5, 6],
};

const PROPOSAL_SPEC: TableSpec = {
  name: 'SettlementProposalAction',
  fields: [
    { index: 0, kind: 'scalar', size: 4 },
    { index: 1, kind: 'scalar', size: 8 },
    { index: 2, kind: 'vector', elementSize: 1, maxLength: 16 },
    { index: 3, kind: 'vector', elementSize: 1, maxLength: 16 },
    { index: 4, kind: 'vector', elementSize: 4, maxLength: MAX_PROPOSAL_OPERATORS },
    { index: 5, kind: 'vector', elementSize: 1, maxLength: MAX_PROPOSAL_OPERATORS * POINT_BYTES },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: BLS_SIGNATURE_WIRE_BYTES },
    { index: 7, kind: 'vector', elementSize: PLAIN_TRANSFER_BYTES, maxLength: MAX_PROPOSAL_OPERATORS },
  ],
  required: [2, 3, 4, 5, 6],
};

const PLAIN_STATEMENT_SPEC: TableSpec = {
  name: 'PlainStatementAction',
  fields: [
    { index: 0, kind: 'scalar', size: 4 },
    { index: 1, kind: 'scalar', size: 4 },
    { index: 2, kind: 'scalar', size: 2 },
    { index: 3, kind: 'vector', elementSize: 1, maxLength: 16 },
    { index: 4, kind: 'vector', elementSize: 1, maxLength: 16 },
    { index: 5, kind: 'vector', elementSize: 1, maxLength: BLS_SIGNATURE_WIRE_BYTES },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: BLS_SIGNATURE_WIRE_BYTES },
  ],
  required: [3, 4, 5, 6],
};

const APPROVAL_SPEC: TableSpec = {
  name: 'SettlementApprovalAction',
  fields: [
    { index: 0, kind: 'struct', size: 32 },
    { index: 1, kind: 'vector', elementSize: 4, maxLength: MAX_APPROVAL_SIGNERS },
    { index: 2, kind: 'vector', elementSize: 4, maxLength: MAX_APPROVAL_SIGNERS },
    { index: 3, kind: 'vector', elementSize: 1, maxLength: BLS_SIGNATURE_WIRE_BYTES },
  ],
  required: [0, 3],
};

const DISCLOSURE_SPEC: TableSpec = {
  name: 'SettlementDisclosureAction',
  fields: [
    { index: 0, kind: 'struct', size: 32 },
    { index: 1, kind: 'vector', elementSize: 1, maxLength: SEALED_OPENING_WIRE_BYTES },
    { index: 2, kind: 'vector', elementSize: 1, maxLength: SEALED_OPENING_WIRE_BYTES },
    { index: 3, kind: 'vector', elementSize: 1, maxLength: OPENING_PROOF_WIRE_BYTES },
  ],
  required: [0, 1, 2, 3],
};

export const SETTLEMENT_TX_SPEC: TableSpec = {
  name: 'SettlementTx',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 4 },
    { index: 2, kind: 'scalar', size: 8 },
    { index: 3, kind: 'string', maxBytes: MAX_PERIOD_ID_BYTES },
    { index: 4, kind: 'table', table: FX_SPEC },
    { index: 5, kind: 'table', table: STATEMENT_SPEC },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
    { index: 7, kind: 'table', table: PROPOSAL_SPEC },
    { index: 8, kind: 'table', table: APPROVAL_SPEC },
    { index: 9, kind: 'table', table: PLAIN_STATEMENT_SPEC },
    { index: 10, kind: 'table', table: DISCLOSURE_SPEC },
  ],
  required: [3, 6],
};

// 14 characters, NUL-padded to 16 like the other transaction tags, and distinct from them.
const TX_TAG = 'cdrchain:stl:1\0\0';
export const CANONICAL_SETTLEMENT_TX_BYTES = 16 + CHAIN_IDENTITY_BYTES + 2 + 4 + 8 + 32 + 1 + 32;

function u128Bytes(v: bigint): Uint8Array {
  if (v < 0n || v >= U128) throw new RangeError(`${v} is not an unsigned 128-bit integer`);
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function u256Bytes(v: bigint): Uint8Array {
  if (v < 0n || v >= 1n << 256n) throw new RangeError(`${v} is not an unsigned 256-bit integer`);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function bigEndian(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** The action's content in a fixed layout (big-endian, counts first): what the transaction hash covers. */
function canonicalAction(a: SettlementAction): Uint8Array {
  if (a.kind === 'disclosure') {
    return new CanonicalWriter(32 + 2 * SEALED_OPENING_WIRE_BYTES + OPENING_PROOF_WIRE_BYTES)
      .raw(a.proposalId, 32).raw(a.toOperator, SEALED_OPENING_WIRE_BYTES).raw(a.toBank, SEALED_OPENING_WIRE_BYTES).raw(a.proof, OPENING_PROOF_WIRE_BYTES)
      .finish();
  }
  if (a.kind === 'proposal') {
    const w = new CanonicalWriter(4 + 8 + 16 + 16 + 4 + 4 * a.operators.length + 4 + POINT_BYTES * a.transfers.length + BLS_SIGNATURE_WIRE_BYTES)
      .u32(a.attempt).u64(a.deadline).raw(u128Bytes(a.settledVolume), 16).raw(u128Bytes(a.clearingFee), 16).u32(a.operators.length);
    for (const op of a.operators) w.u32(op);
    w.u32(a.transfers.length);
    for (const t of a.transfers) w.raw(u256Bytes(t.x), 32).raw(u256Bytes(t.y), 32);
    w.raw(a.proposerSignature, BLS_SIGNATURE_WIRE_BYTES);
    const committed = w.finish();
    // Plain mode appends its transfers after a marker; a committed proposal's bytes are as before (v1 hashes unchanged).
    if (a.plainTransfers === undefined) return committed;
    const p = new CanonicalWriter(4 + 4 + PLAIN_TRANSFER_BYTES * a.plainTransfers.length).u32(0x706c_6e00).u32(a.plainTransfers.length);
    for (const t of a.plainTransfers) p.u32(t.from).u32(t.to).raw(u128Bytes(t.amount), 16);
    const tail = p.finish();
    const out = new Uint8Array(committed.length + tail.length);
    out.set(committed);
    out.set(tail, committed.length);
    return out;
  }
  if (a.kind === 'plain_statement') {
    return new CanonicalWriter(4 + 4 + 2 + 16 + 16 + 2 * BLS_SIGNATURE_WIRE_BYTES)
      .u32(a.first).u32(a.second).u16(a.currency).raw(u128Bytes(a.firstOwesSecond), 16).raw(u128Bytes(a.secondOwesFirst), 16)
      .raw(a.firstSignature, BLS_SIGNATURE_WIRE_BYTES).raw(a.secondSignature, BLS_SIGNATURE_WIRE_BYTES)
      .finish();
  }
  if (a.kind === 'approval') {
    const w = new CanonicalWriter(32 + 4 + 4 * a.operators.length + 4 + 4 * a.validators.length + BLS_SIGNATURE_WIRE_BYTES).raw(a.proposalId, 32).u32(a.operators.length);
    for (const op of a.operators) w.u32(op);
    w.u32(a.validators.length);
    for (const v of a.validators) w.u32(v);
    return w.raw(a.signature, BLS_SIGNATURE_WIRE_BYTES).finish();
  }
  if (a.kind === 'statement') {
    const w = new CanonicalWriter(4 + 4 + 2 + 32 + 32 + 2 * BLS_SIGNATURE_WIRE_BYTES + (a.linkProof === undefined ? 0 : 8 + LINK_PROOF_WIRE_BYTES))
      .u32(a.first).u32(a.second).u16(a.currency).raw(u256Bytes(a.x), 32).raw(u256Bytes(a.y), 32)
      .raw(a.firstSignature, BLS_SIGNATURE_WIRE_BYTES).raw(a.secondSignature, BLS_SIGNATURE_WIRE_BYTES);
    // A link proof is appended after a marker; a statement without one keeps its bytes (and hash).
    if (a.linkProof !== undefined) w.u32(0x6c6e_6b00).u32(a.linkProof.length).raw(a.linkProof, LINK_PROOF_WIRE_BYTES);
    return w.finish();
  }
  const w = new CanonicalWriter(2 + 1 + 2 + a.rates.length * FX_RATE_BYTES + 2 + a.signatures.length * PUBLISHER_SIGNATURE_BYTES)
    .u16(a.base).u8(a.override ? 1 : 0).u16(a.rates.length);
  for (const r of a.rates) w.u16(r.currency).raw(u128Bytes(r.num), 16).raw(u128Bytes(r.den), 16);
  w.u16(a.signatures.length);
  for (const s of a.signatures) w.u16(s.publisher).raw(s.signature, BLS_SIGNATURE_WIRE_BYTES);
  return w.finish();
}

// Tags 0-3 are v1's (their hashes unchanged); the appended actions follow the schema's field order.
const ACTION_TAGS: Readonly<Record<SettlementAction['kind'], number>> = { fx_rate_set: 0, statement: 1, proposal: 2, approval: 3, plain_statement: 4, disclosure: 5 };

function u32Vector(builder: Builder, values: readonly number[]): number {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setUint32(4 * i, v, true));
  return createStructVector(builder, bytes, 4);
}

/** Whether the table at `tablePos` sets the field at vtable offset `vt` (an empty vector is present). */
function hasField(bb: ByteBuffer, tablePos: number, vt: number): boolean {
  return bb.__offset(tablePos, vt) !== 0;
}

function readU32s(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(4 * i, true));
}

/**
 * The bytes the submitter signs and the transaction hash covers: fixed layout, big-endian,
 * domain-tagged, bound to chain `chain`; the period id and the action by SHA-256.
 */
export function canonicalSettlementTx(t: SettlementTxFields, chain: Uint8Array): Uint8Array {
  return new CanonicalWriter(CANONICAL_SETTLEMENT_TX_BYTES)
    .tag(TX_TAG)
    .raw(chain, CHAIN_IDENTITY_BYTES)
    .u16(t.version)
    .u32(t.submitter)
    .u64(t.sequence)
    .raw(sha256(new TextEncoder().encode(t.period)), 32)
    .u8(ACTION_TAGS[t.action.kind])
    .raw(sha256(canonicalAction(t.action)), 32)
    .finish();
}

/** The transaction's hash on chain `chain` (its id in the tx store and blocks). */
export function settlementTxHash(t: SettlementTxFields, chain: Uint8Array): Uint8Array {
  return sha256(canonicalSettlementTx(t, chain));
}

export function encodeSettlementTx(t: SettlementTxFields, signature: Uint8Array): Uint8Array {
  const builder = new Builder(1024);
  const period = builder.createString(t.period);
  let fx = 0;
  let statement = 0;
  let proposal = 0;
  let approval = 0;
  let plainStatement = 0;
  let disclosure = 0;
  const a = t.action;
  if (a.kind === 'plain_statement') {
    const owes = createBytes(builder, u128Bytes(a.firstOwesSecond));
    const owed = createBytes(builder, u128Bytes(a.secondOwesFirst));
    const s1 = createBytes(builder, a.firstSignature);
    const s2 = createBytes(builder, a.secondSignature);
    PlainStatementAction.startPlainStatementAction(builder);
    PlainStatementAction.addFirst(builder, a.first);
    PlainStatementAction.addSecond(builder, a.second);
    PlainStatementAction.addCurrency(builder, a.currency);
    PlainStatementAction.addFirstOwesSecond(builder, owes);
    PlainStatementAction.addSecondOwesFirst(builder, owed);
    PlainStatementAction.addFirstSignature(builder, s1);
    PlainStatementAction.addSecondSignature(builder, s2);
    plainStatement = PlainStatementAction.endPlainStatementAction(builder);
  } else if (a.kind === 'disclosure') {
    const toOperator = createBytes(builder, a.toOperator);
    const toBank = createBytes(builder, a.toBank);
    const proof = createBytes(builder, a.proof);
    SettlementDisclosureAction.startSettlementDisclosureAction(builder);
    addHash(builder, SettlementDisclosureAction.addProposalId, a.proposalId);
    SettlementDisclosureAction.addToOperator(builder, toOperator);
    SettlementDisclosureAction.addToBank(builder, toBank);
    SettlementDisclosureAction.addProof(builder, proof);
    disclosure = SettlementDisclosureAction.endSettlementDisclosureAction(builder);
  } else if (a.kind === 'proposal') {
    const volume = createBytes(builder, u128Bytes(a.settledVolume));
    const fee = createBytes(builder, u128Bytes(a.clearingFee));
    const ops = u32Vector(builder, a.operators);
    const points = new Uint8Array(POINT_BYTES * a.transfers.length);
    a.transfers.forEach((p, i) => {
      points.set(u256Bytes(p.x), POINT_BYTES * i);
      points.set(u256Bytes(p.y), POINT_BYTES * i + 32);
    });
    const transfers = createBytes(builder, points);
    const sig = createBytes(builder, a.proposerSignature);
    let plain = 0;
    if (a.plainTransfers !== undefined) {
      const bytes = new Uint8Array(PLAIN_TRANSFER_BYTES * a.plainTransfers.length);
      const view = new DataView(bytes.buffer);
      a.plainTransfers.forEach((p, i) => {
        view.setUint32(PLAIN_TRANSFER_BYTES * i, p.from, true);
        view.setUint32(PLAIN_TRANSFER_BYTES * i + 4, p.to, true);
        bytes.set(u128Bytes(p.amount), PLAIN_TRANSFER_BYTES * i + 8);
      });
      plain = createStructVector(builder, bytes, PLAIN_TRANSFER_BYTES);
    }
    SettlementProposalAction.startSettlementProposalAction(builder);
    SettlementProposalAction.addAttempt(builder, a.attempt);
    SettlementProposalAction.addDeadline(builder, a.deadline);
    SettlementProposalAction.addSettledVolume(builder, volume);
    SettlementProposalAction.addClearingFee(builder, fee);
    SettlementProposalAction.addOperators(builder, ops);
    SettlementProposalAction.addTransfers(builder, transfers);
    SettlementProposalAction.addProposerSignature(builder, sig);
    if (a.plainTransfers !== undefined) SettlementProposalAction.addPlainTransfers(builder, plain);
    proposal = SettlementProposalAction.endSettlementProposalAction(builder);
  } else if (a.kind === 'approval') {
    const ops = u32Vector(builder, a.operators);
    const vals = u32Vector(builder, a.validators);
    const sig = createBytes(builder, a.signature);
    SettlementApprovalAction.startSettlementApprovalAction(builder);
    addHash(builder, SettlementApprovalAction.addProposalId, a.proposalId);
    SettlementApprovalAction.addOperators(builder, ops);
    SettlementApprovalAction.addValidators(builder, vals);
    SettlementApprovalAction.addSignature(builder, sig);
    approval = SettlementApprovalAction.endSettlementApprovalAction(builder);
  } else if (a.kind === 'fx_rate_set') {
    const rates = new Uint8Array(a.rates.length * FX_RATE_BYTES);
    const rv = new DataView(rates.buffer);
    a.rates.forEach((r, i) => {
      rv.setUint16(i * FX_RATE_BYTES, r.currency, true);
      rates.set(u128Bytes(r.num), i * FX_RATE_BYTES + 2);
      rates.set(u128Bytes(r.den), i * FX_RATE_BYTES + 18);
    });
    const sigs = new Uint8Array(a.signatures.length * PUBLISHER_SIGNATURE_BYTES);
    const sv = new DataView(sigs.buffer);
    a.signatures.forEach((s, i) => {
      if (s.signature.length !== BLS_SIGNATURE_WIRE_BYTES) throw new RangeError(`a publisher signature is ${BLS_SIGNATURE_WIRE_BYTES} bytes`);
      sv.setUint16(i * PUBLISHER_SIGNATURE_BYTES, s.publisher, true);
      sigs.set(s.signature, i * PUBLISHER_SIGNATURE_BYTES + 2);
    });
    const ratesOff = createStructVector(builder, rates, FX_RATE_BYTES);
    const sigsOff = createStructVector(builder, sigs, PUBLISHER_SIGNATURE_BYTES);
    FxRateSetAction.startFxRateSetAction(builder);
    FxRateSetAction.addBase(builder, a.base);
    FxRateSetAction.addOverride(builder, a.override);
    FxRateSetAction.addRates(builder, ratesOff);
    FxRateSetAction.addSignatures(builder, sigsOff);
    fx = FxRateSetAction.endFxRateSetAction(builder);
  } else {
    const s1 = createBytes(builder, a.firstSignature);
    const s2 = createBytes(builder, a.secondSignature);
    const link = a.linkProof === undefined ? 0 : createBytes(builder, a.linkProof);
    BilateralStatementAction.startBilateralStatementAction(builder);
    BilateralStatementAction.addFirst(builder, a.first);
    BilateralStatementAction.addSecond(builder, a.second);
    BilateralStatementAction.addCurrency(builder, a.currency);
    addHash(builder, BilateralStatementAction.addCommitmentX, u256Bytes(a.x));
    addHash(builder, BilateralStatementAction.addCommitmentY, u256Bytes(a.y));
    BilateralStatementAction.addFirstSignature(builder, s1);
    BilateralStatementAction.addSecondSignature(builder, s2);
    if (link !== 0) BilateralStatementAction.addLinkProof(builder, link);
    statement = BilateralStatementAction.endBilateralStatementAction(builder);
  }
  const sig = createBytes(builder, signature);
  SettlementTx.startSettlementTx(builder);
  SettlementTx.addVersion(builder, t.version);
  SettlementTx.addSubmitter(builder, t.submitter);
  SettlementTx.addSequence(builder, t.sequence);
  SettlementTx.addPeriod(builder, period);
  if (fx !== 0) SettlementTx.addFxRateSet(builder, fx);
  if (statement !== 0) SettlementTx.addStatement(builder, statement);
  if (proposal !== 0) SettlementTx.addProposal(builder, proposal);
  if (approval !== 0) SettlementTx.addApproval(builder, approval);
  if (plainStatement !== 0) SettlementTx.addPlainStatement(builder, plainStatement);
  if (disclosure !== 0) SettlementTx.addDisclosure(builder, disclosure);
  SettlementTx.addSignature(builder, sig);
  SettlementTx.finishSettlementTxBuffer(builder, SettlementTx.endSettlementTx(builder));
  return builder.asUint8Array();
}

/** True when `frame` carries the settlement transaction file identifier (offset 4). */
export function isSettlementTxFrame(frame: Uint8Array): boolean {
  if (frame.length < 8) return false;
  for (let i = 0; i < 4; i++) if (frame[4 + i] !== SETTLEMENT_TX_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/**
 * Verifies the frame's structure, then reads it. Throws MalformedFrameError or
 * UnsupportedVersionError; signatures, publishers, the pair, the period and the commitment belong
 * to admission.
 */
export function decodeSettlementTx(bytes: Uint8Array): DecodedSettlementTx {
  verifyRoot(bytes, SETTLEMENT_TX_SPEC, SETTLEMENT_TX_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const tx = SettlementTx.getRootAsSettlementTx(bb);
  const version = tx.version();
  if (version !== SETTLEMENT_TX_VERSION) throw new UnsupportedVersionError('settlement transaction', version, tx.sequence());
  const period = tx.period() ?? '';
  if (!PERIOD_ID.test(period)) throw new MalformedFrameError(`period must be 1-${MAX_PERIOD_ID_BYTES} printable ASCII characters`);
  const signature = vectorBytes(bb, tx.bb_pos, 16, 1);
  if (signature.length !== ED25519_SIGNATURE_BYTES) throw new MalformedFrameError(`signature must be ${ED25519_SIGNATURE_BYTES} bytes`);
  const fx = tx.fxRateSet();
  const st = tx.statement();
  const pr = tx.proposal();
  const ap = tx.approval();
  const ps = tx.plainStatement();
  const di = tx.disclosure();
  if ([fx, st, pr, ap, ps, di].filter((x) => x !== null).length !== 1) {
    throw new MalformedFrameError('a settlement transaction carries exactly one of fx_rate_set, statement, proposal, approval, plain_statement and disclosure');
  }
  let action: SettlementAction;
  if (ps !== null) {
    const owes = vectorBytes(bb, ps.bb_pos, 10, 1);
    const owed = vectorBytes(bb, ps.bb_pos, 12, 1);
    const firstSignature = vectorBytes(bb, ps.bb_pos, 14, 1);
    const secondSignature = vectorBytes(bb, ps.bb_pos, 16, 1);
    if (owes.length !== 16 || owed.length !== 16) throw new MalformedFrameError('first_owes_second and second_owes_first are 16 bytes each');
    if (firstSignature.length !== BLS_SIGNATURE_WIRE_BYTES || secondSignature.length !== BLS_SIGNATURE_WIRE_BYTES) {
      throw new MalformedFrameError(`statement signatures must be ${BLS_SIGNATURE_WIRE_BYTES} bytes`);
    }
    action = {
      kind: 'plain_statement', first: ps.first(), second: ps.second(), currency: ps.currency(),
      firstOwesSecond: bigEndian(owes), secondOwesFirst: bigEndian(owed), firstSignature, secondSignature,
    };
  } else if (di !== null) {
    const toOperator = vectorBytes(bb, di.bb_pos, 6, 1);
    const toBank = vectorBytes(bb, di.bb_pos, 8, 1);
    const proof = vectorBytes(bb, di.bb_pos, 10, 1);
    if (toOperator.length !== SEALED_OPENING_WIRE_BYTES || toBank.length !== SEALED_OPENING_WIRE_BYTES) throw new MalformedFrameError(`sealed openings are ${SEALED_OPENING_WIRE_BYTES} bytes each`);
    if (proof.length !== OPENING_PROOF_WIRE_BYTES) throw new MalformedFrameError(`an opening proof is ${OPENING_PROOF_WIRE_BYTES} bytes`);
    action = { kind: 'disclosure', proposalId: structBytes(bb, di.bb_pos, 4), toOperator, toBank, proof };
  } else if (pr !== null) {
    const volume = vectorBytes(bb, pr.bb_pos, 8, 1);
    const fee = vectorBytes(bb, pr.bb_pos, 10, 1);
    const points = vectorBytes(bb, pr.bb_pos, 14, 1);
    const proposerSignature = vectorBytes(bb, pr.bb_pos, 16, 1);
    if (volume.length !== 16 || fee.length !== 16) throw new MalformedFrameError('settled_volume and clearing_fee are 16 bytes each');
    if (points.length % POINT_BYTES !== 0) throw new MalformedFrameError(`transfers are ${POINT_BYTES} bytes each`);
    if (proposerSignature.length !== BLS_SIGNATURE_WIRE_BYTES) throw new MalformedFrameError(`the proposer signature is ${BLS_SIGNATURE_WIRE_BYTES} bytes`);
    const plainPresent = hasField(bb, pr.bb_pos, 18);
    let plainTransfers: WirePlainTransfer[] | undefined;
    if (plainPresent) {
      if (points.length !== 0) throw new MalformedFrameError('a plain-mode proposal carries no transfer commitments');
      const raw = vectorBytes(bb, pr.bb_pos, 18, PLAIN_TRANSFER_BYTES);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      plainTransfers = Array.from({ length: raw.length / PLAIN_TRANSFER_BYTES }, (_, i) => {
        const at = PLAIN_TRANSFER_BYTES * i;
        return { from: view.getUint32(at, true), to: view.getUint32(at + 4, true), amount: bigEndian(raw.subarray(at + 8, at + PLAIN_TRANSFER_BYTES)) };
      });
    }
    action = {
      kind: 'proposal',
      attempt: pr.attempt(),
      deadline: pr.deadline(),
      settledVolume: bigEndian(volume),
      clearingFee: bigEndian(fee),
      operators: readU32s(vectorBytes(bb, pr.bb_pos, 12, 4)),
      transfers: Array.from({ length: points.length / POINT_BYTES }, (_, i) => ({
        x: bigEndian(points.subarray(POINT_BYTES * i, POINT_BYTES * i + 32)),
        y: bigEndian(points.subarray(POINT_BYTES * i + 32, POINT_BYTES * (i + 1))),
      })),
      proposerSignature,
      ...(plainTransfers ? { plainTransfers } : {}),
    };
  } else if (ap !== null) {
    const signature = vectorBytes(bb, ap.bb_pos, 10, 1);
    if (signature.length !== BLS_SIGNATURE_WIRE_BYTES) throw new MalformedFrameError(`an approval signature is ${BLS_SIGNATURE_WIRE_BYTES} bytes`);
    action = {
      kind: 'approval',
      proposalId: structBytes(bb, ap.bb_pos, 4),
      operators: readU32s(vectorBytes(bb, ap.bb_pos, 6, 4)),
      validators: readU32s(vectorBytes(bb, ap.bb_pos, 8, 4)),
      signature,
    };
  } else if (fx !== null) {
    const rates = vectorBytes(bb, fx.bb_pos, 8, FX_RATE_BYTES);
    const sigs = vectorBytes(bb, fx.bb_pos, 10, PUBLISHER_SIGNATURE_BYTES);
    const rv = new DataView(rates.buffer, rates.byteOffset, rates.byteLength);
    const sv = new DataView(sigs.buffer, sigs.byteOffset, sigs.byteLength);
    action = {
      kind: 'fx_rate_set',
      base: fx.base(),
      override: fx.override(),
      rates: Array.from({ length: rates.length / FX_RATE_BYTES }, (_, i) => {
        const at = i * FX_RATE_BYTES;
        return { currency: rv.getUint16(at, true), num: bigEndian(rates.subarray(at + 2, at + 18)), den: bigEndian(rates.subarray(at + 18, at + 34)) };
      }),
      signatures: Array.from({ length: sigs.length / PUBLISHER_SIGNATURE_BYTES }, (_, i) => {
        const at = i * PUBLISHER_SIGNATURE_BYTES;
        return { publisher: sv.getUint16(at, true), signature: sigs.subarray(at + 2, at + PUBLISHER_SIGNATURE_BYTES) };
      }),
    };
  } else {
    const s = st!;
    const firstSignature = vectorBytes(bb, s.bb_pos, 14, 1);
    const secondSignature = vectorBytes(bb, s.bb_pos, 16, 1);
    if (firstSignature.length !== BLS_SIGNATURE_WIRE_BYTES || secondSignature.length !== BLS_SIGNATURE_WIRE_BYTES) {
      throw new MalformedFrameError(`statement signatures must be ${BLS_SIGNATURE_WIRE_BYTES} bytes`);
    }
    const linkProof = hasField(bb, s.bb_pos, 18) ? vectorBytes(bb, s.bb_pos, 18, 1) : undefined;
    if (linkProof !== undefined && linkProof.length !== LINK_PROOF_WIRE_BYTES) throw new MalformedFrameError(`a link proof is ${LINK_PROOF_WIRE_BYTES} bytes`);
    action = {
      kind: 'statement',
      first: s.first(),
      second: s.second(),
      currency: s.currency(),
      x: bigEndian(structBytes(bb, s.bb_pos, 10)),
      y: bigEndian(structBytes(bb, s.bb_pos, 12)),
      firstSignature,
      secondSignature,
      ...(linkProof !== undefined ? { linkProof } : {}),
    };
  }
  return { version, submitter: tx.submitter(), sequence: tx.sequence(), period, action, signature, bytes };
}
