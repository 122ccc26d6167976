import type { AffinePoint } from '../settlement/commitment/pedersen.js';
import { proveOpening } from '../settlement/disclosure/opening-proof.js';
import { disclosureProofContext, sealOpening, type TransferOpening } from '../settlement/disclosure/transfer-disclosure.js';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { currencyNumeric } from '../cdr/currency.js';
import { canonicalSettlementTx, encodeSettlementTx, SETTLEMENT_TX_VERSION, settlementTxHash, type SettlementAction, type SettlementTxFields } from '../codec/settlement-tx.js';
import { ed25519Sign, privateKeyObject } from '../crypto/ed25519.js';
import type { SignedBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import type { SignedFxRateSet } from '../settlement/fx/fx-rate-book.js';
import type { SignedPlainStatement } from '../settlement/plain-statement.js';
import type { SettlementApproval, SettlementProposal } from '../settlement/approval/index.js';
import { fromHex } from '../codec/bytes.js';

export interface SignedSettlementTx {
  readonly frame: Uint8Array;
  readonly hash: Uint8Array;
}

/** The wire action of a rate set the publishers signed (src/settlement/fx: signFxRateSet). */
export function fxRateSetAction(signed: SignedFxRateSet): SettlementAction {
  const { set } = signed;
  return {
    kind: 'fx_rate_set',
    base: currencyNumeric(set.base),
    override: set.override,
    rates: [...set.rates].map(([c, r]) => ({ currency: currencyNumeric(c), num: r.num, den: r.den })),
    signatures: signed.signatures.map((s) => ({ publisher: s.publisher, signature: s.signature })),
  };
}

/**
 * The wire action of a statement both operators signed (src/settlement/commitment: signBilateralStatement),
 * with its link proof when the consortium asks for one (encodeLinkProof's bytes, src/chain/statement-link.ts).
 */
export function statementAction(signed: SignedBilateralStatement, linkProof?: Uint8Array): SettlementAction {
  const s = signed.statement;
  return {
    kind: 'statement', first: s.first, second: s.second, currency: currencyNumeric(s.currency),
    x: s.commitment.x, y: s.commitment.y, firstSignature: signed.firstSignature, secondSignature: signed.secondSignature,
    ...(linkProof !== undefined ? { linkProof } : {}),
  };
}

/** The wire action of a plain-mode statement both operators signed (src/settlement/plain-statement.ts: signPlainStatement). */
export function plainStatementAction(signed: SignedPlainStatement): SettlementAction {
  const s = signed.statement;
  return {
    kind: 'plain_statement', first: s.first, second: s.second, currency: currencyNumeric(s.currency),
    firstOwesSecond: s.firstOwesSecond, secondOwesFirst: s.secondOwesFirst, firstSignature: signed.firstSignature, secondSignature: signed.secondSignature,
  };
}

/**
 * The wire action of a proposal signed by its proposer (src/settlement/approval: signAsOperator).
 * The chain fills in what it knows: the proposer is the submitter, chain and currency are its own.
 */
export function proposalAction(p: SettlementProposal, proposerSignature: Uint8Array): SettlementAction {
  const common = { kind: 'proposal', attempt: p.attempt, deadline: BigInt(p.deadlineHeight), settledVolume: p.settledVolume, clearingFee: p.clearingFee, operators: [...p.operators], proposerSignature } as const;
  // Plain mode: the transfers in the clear, no commitments (their presence marks the mode on the wire).
  if (p.outcome.mode === 'plain') return { ...common, transfers: [], plainTransfers: p.outcome.transfers.map((t) => ({ from: t.from, to: t.to, amount: t.amount })) };
  return { ...common, transfers: p.outcome.transfers.map((t) => ({ x: t.x, y: t.y })) };
}

/** The wire action of approvals (one signer or an aggregate) of the proposal with id `proposalId` (hex). */
export function approvalAction(proposalId: string, a: SettlementApproval): SettlementAction {
  return { kind: 'approval', proposalId: fromHex(proposalId, 32), operators: [...a.operators], validators: [...a.validators], signature: a.signature };
}

/**
 * A disclosure of the submitter's transfer opening (net_k, ρ_k) for proposal `proposalId`
 * (docs/settlement.md, "Disclosure of transfer openings"): sealed with HPKE to the operator's own
 * X25519 key and to the settlement bank's, with a proof of knowledge of an opening of its T_k bound
 * to both ciphertexts. A wrong opening gives a proof the chain refuses (bad_opening).
 */
export async function disclosureAction(o: {
  chain: Uint8Array; periodId: string; proposalId: string; operator: number; transfer: AffinePoint;
  opening: TransferOpening; operatorKey: Uint8Array; bankKey: Uint8Array;
}): Promise<SettlementAction> {
  const ctx = { chain: o.chain, periodId: o.periodId, proposalId: fromHex(o.proposalId, 32), operator: o.operator };
  const toOperator = await sealOpening(ctx, 'operator', o.operatorKey, o.opening);
  const toBank = await sealOpening(ctx, 'bank', o.bankKey, o.opening);
  const proof = proveOpening(o.transfer, o.opening.net, o.opening.blinding, disclosureProofContext(ctx, toOperator, toBank));
  return { kind: 'disclosure', proposalId: ctx.proposalId, toOperator, toBank, proof };
}

/**
 * Signs and encodes a settlement transaction with the submitter's batch key seed, for chain
 * `chain` (GET /status `genesisHash`; default: the embedded devnet). `period` is the period id the
 * rate set or statement names. POST /tx takes the frame.
 */
export function signSettlementTx(o: {
  submitter: number; sequence: bigint; period: string; action: SettlementAction; seed: Uint8Array; chain?: Uint8Array;
}): SignedSettlementTx {
  const fields: SettlementTxFields = { version: SETTLEMENT_TX_VERSION, submitter: o.submitter, sequence: o.sequence, period: o.period, action: o.action };
  const chain = o.chain ?? devnetChainIdentity();
  const signature = ed25519Sign(canonicalSettlementTx(fields, chain), privateKeyObject(o.seed));
  return { frame: encodeSettlementTx(fields, signature), hash: settlementTxHash(fields, chain) };
}
