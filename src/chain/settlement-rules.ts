import { CdrValueError } from '../cdr/errors.js';
import { currencyFromNumeric, type Currency } from '../cdr/currency.js';
import type { DecodedSettlementTx } from '../codec/settlement-tx.js';
import { verifyBilateralStatement, type SignedBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { plainBilateralStatement, verifyPlainStatement, type SignedPlainStatement } from '../settlement/plain-statement.js';
import { SettlementError } from '../settlement/errors.js';
import { assertFxRateSetFollows, fxRateSet, verifyFxRateSet, type FxRateSet, type SignedFxRateSet } from '../settlement/fx/fx-rate-book.js';
import { rational, type Rational } from '../settlement/fx/rational.js';
import { parsePeriodId, type SettlementPeriod } from '../settlement/settlement-period.js';
import type { GenesisSettlement } from './genesis-settlement.js';
import type { BlockAt } from '../settlement/approval/index.js';
import { ApprovalRefusedError, approvalWrites, proposalLive, type ApprovalJudgement, type ApprovalRefusal, type SettlementApprovalRules, type SlotRangeReader, type SlotWrites } from './settlement-approval-rules.js';
import { toHex, fromHex } from '../codec/bytes.js';
import { disclosureProofContext } from '../settlement/disclosure/transfer-disclosure.js';
import { verifyOpeningProof } from '../settlement/disclosure/opening-proof.js';
import { readStoredSettlement } from './settlement-approval-state.js';
import { DISCLOSURES_ID, disclosureWrites, readDisclosure } from './settlement-disclosure-state.js';
import { FX_RATES_ID, isNetted, latestRateSet, pairOf, periodKey, PLAIN_STATEMENTS_ID, plainStatementWrites, rateSetWrites, recordedPlainStatement, recordedStatement, STATEMENTS_ID, statementWrites, type SlotReader } from './settlement-state.js';

/** Why a settlement transaction is refused (mapped to a RejectCode at admission, to InvalidBlockError in a block). */
export type SettlementRefusal =
  | 'not_party' // a statement submitted by an operator outside its pair
  | 'unknown_pair' // a statement's pair is not two operators in consortium order
  | 'wrong_mode' // a statement or proposal of the other mode than the genesis' (committed / plain); a disclosure in plain mode
  | 'bad_amount' // a plain statement's amount is 2^96 or more
  | 'bad_period' // the period id does not parse under the consortium's rule
  | 'bad_rate' // wrong base or currency, unknown currency, a bad rate, a period not after the last set's
  | 'rate_move_too_large'
  | 'bad_signature' // a publisher's or operator's BLS signature does not verify, too few of them, no publishers
  | 'bad_commitment' // not a point of the prime-order subgroup
  | 'period_not_ended' // a statement before its period's end
  | 'already_netted'
  | 'duplicate_statement' // the pair already has a statement for the period: the first stands
  | 'bad_opening' // a disclosure whose proof does not open the proposal's T_k of its submitter
  | 'duplicate_disclosure' // the operator has disclosed its opening of this proposal already
  | 'no_settlement_bank' // a disclosure on a chain whose genesis names no settlement bank
  | 'missing_link_proof' // a committed statement without a link proof where the genesis registers the link circuit
  | 'bad_link_proof' // a link proof that is malformed, of no registered circuit, or does not verify (admission only)
  | ApprovalRefusal; // a proposal or an approval (settlement-approval-rules.ts); proposal_pending also for a statement while a proposal is live

export class SettlementTxRefusedError extends Error {
  override readonly name = 'SettlementTxRefusedError';
  constructor(
    readonly refusal: SettlementRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** What a settlement transaction is judged against: the genesis' rules, in consortium order. */
export interface SettlementTxRules {
  readonly settlement: GenesisSettlement;
  /** PLMN ids ascending (consortium order). */
  readonly operators: readonly number[];
  /** The chain's identity (hex): what statements and rate sets are signed for. */
  readonly chain: string;
  /**
   * Committed statements carry a link proof (the genesis registers `cdrchain/bilateral-link`): they
   * are taken only from their period's close, when the charge aggregates are final.
   */
  readonly linkProofs?: boolean;
}

/** A settlement transaction read against the rules, before any signature or state is looked at. */
export type InterpretedSettlementTx =
  | { readonly kind: 'statement'; readonly period: SettlementPeriod; readonly pair: number; readonly signed: SignedBilateralStatement; readonly linkProof?: Uint8Array }
  | { readonly kind: 'plain_statement'; readonly period: SettlementPeriod; readonly pair: number; readonly signed: SignedPlainStatement }
  | { readonly kind: 'fx_rate_set'; readonly period: SettlementPeriod; readonly signed: SignedFxRateSet }
  | { readonly kind: 'disclosure'; readonly period: SettlementPeriod; readonly submitter: number; readonly action: Extract<DecodedSettlementTx['action'], { kind: 'disclosure' }> }
  | ApprovalJudgement;

const refused = (refusal: SettlementRefusal, message: string): SettlementTxRefusedError => new SettlementTxRefusedError(refusal, message);

function currencyOf(numeric: number, what: string): Currency {
  try {
    return currencyFromNumeric(numeric);
  } catch (err) {
    if (err instanceof CdrValueError) throw refused('bad_rate', `${what}: ISO 4217 numeric ${numeric} is no currency the consortium settles in`);
    throw err;
  }
}

/** Library errors as refusals. */
function asRefusal(err: unknown): never {
  if (err instanceof SettlementError) {
    const code = err.code;
    const refusal: SettlementRefusal =
      code === 'bad_signature' ? 'bad_signature'
        : code === 'bad_commitment' ? 'bad_commitment'
          : code === 'rate_move_too_large' ? 'rate_move_too_large'
            : code === 'bad_period' ? 'bad_period'
              : code === 'bad_amount' ? 'bad_amount'
                : 'bad_rate';
    throw refused(refusal, err.message);
  }
  throw err;
}

export function isApprovalTx(t: InterpretedSettlementTx): t is ApprovalJudgement {
  return t.kind === 'proposal' || t.kind === 'approval';
}

/** The pure reading: pair, party, mode, currency, period, rates. No cryptography, no state. */
export function interpretSettlementTx(tx: DecodedSettlementTx, rules: SettlementTxRules): InterpretedSettlementTx {
  const { settlement } = rules;
  let period: SettlementPeriod;
  try {
    period = parsePeriodId(settlement.periods, tx.period);
  } catch (err) {
    asRefusal(err);
  }
  const a = tx.action;
  if (a.kind === 'disclosure') {
    if (settlement.mode !== 'committed') throw refused('wrong_mode', `this consortium settles in ${settlement.mode} mode: its transfers are plain, there is no opening to disclose`);
    if (settlement.bank === undefined) throw refused('no_settlement_bank', 'the genesis names no settlement bank: transfer openings have nobody to be disclosed to');
    return { kind: 'disclosure', period, submitter: tx.submitter, action: a };
  }
  if (a.kind === 'proposal' || a.kind === 'approval') {
    if (a.kind === 'proposal') {
      const mode = a.plainTransfers === undefined ? 'committed' : 'plain';
      if (mode !== settlement.mode) throw refused('wrong_mode', `this consortium settles in ${settlement.mode} mode: a ${mode}-mode proposal is not taken`);
    }
    return a.kind === 'proposal' ? { kind: 'proposal', period, submitter: tx.submitter, action: a } : { kind: 'approval', period, submitter: tx.submitter, action: a };
  }
  if (a.kind === 'plain_statement') {
    if (tx.submitter !== a.first && tx.submitter !== a.second) throw refused('not_party', `operator ${tx.submitter} is not party to the ${a.first}-${a.second} statement it submits`);
    const pair = pairOf(rules.operators, a.first, a.second);
    if (pair === undefined) throw refused('unknown_pair', `${a.first}-${a.second} is not a pair of consortium operators in consortium order (first's PLMN id below second's)`);
    if (settlement.mode !== 'plain') throw refused('wrong_mode', `this consortium settles in ${settlement.mode} mode: it records no plain statements (amounts in the clear)`);
    const currency = currencyOf(a.currency, 'statement currency');
    if (currency !== settlement.currency) throw refused('bad_rate', `a statement is in the settlement currency ${settlement.currency}, not ${currency}`);
    let statement;
    try {
      statement = plainBilateralStatement({ chain: rules.chain, periodId: period.id, currency, first: a.first, second: a.second, firstOwesSecond: a.firstOwesSecond, secondOwesFirst: a.secondOwesFirst });
    } catch (err) {
      asRefusal(err);
    }
    return { kind: 'plain_statement', period, pair, signed: { statement, firstSignature: a.firstSignature, secondSignature: a.secondSignature } };
  }
  if (a.kind === 'statement') {
    if (tx.submitter !== a.first && tx.submitter !== a.second) throw refused('not_party', `operator ${tx.submitter} is not party to the ${a.first}-${a.second} statement it submits`);
    const pair = pairOf(rules.operators, a.first, a.second);
    if (pair === undefined) throw refused('unknown_pair', `${a.first}-${a.second} is not a pair of consortium operators in consortium order (first's PLMN id below second's)`);
    if (settlement.mode !== 'committed') throw refused('wrong_mode', `this consortium settles in ${settlement.mode} mode: it records no committed statements`);
    const currency = currencyOf(a.currency, 'statement currency');
    if (currency !== settlement.currency) throw refused('bad_rate', `a statement is in the settlement currency ${settlement.currency}, not ${currency}`);
    if (rules.linkProofs === true && a.linkProof === undefined) {
      throw refused('missing_link_proof', 'this consortium registers the bilateral link circuit: a committed statement carries the proof linking it to the pair\'s proven traffic (cdrchain bilateral makes it)');
    }
    return {
      kind: 'statement',
      period,
      pair,
      signed: {
        statement: { chain: rules.chain, periodId: period.id, currency, first: a.first, second: a.second, commitment: { x: a.x, y: a.y } },
        firstSignature: a.firstSignature,
        secondSignature: a.secondSignature,
      },
      ...(a.linkProof !== undefined ? { linkProof: a.linkProof } : {}),
    };
  }
  const base = currencyOf(a.base, 'rate set base');
  const rates = new Map<Currency, Rational>();
  for (const r of a.rates) {
    const c = currencyOf(r.currency, 'rate');
    if (rates.has(c)) throw refused('bad_rate', `${c} is listed twice`);
    if (r.den === 0n) throw refused('bad_rate', `${c} rate has a zero denominator`);
    rates.set(c, rational(r.num, r.den));
  }
  let set: FxRateSet;
  try {
    set = fxRateSet({ chain: rules.chain, periodId: period.id, base, rates, override: a.override });
  } catch (err) {
    asRefusal(err);
  }
  if (base !== settlement.currency) throw refused('bad_rate', `rate set is quoted in ${base}; the consortium settles in ${settlement.currency}`);
  return { kind: 'fx_rate_set', period, signed: { set, signatures: a.signatures.map((s) => ({ publisher: s.publisher, signature: s.signature })) } };
}

/**
 * The cryptography, at admission (a pure function of the frame and the genesis, so every validator
 * that admits the transaction agrees): both operators' BLS signatures and the commitment's subgroup
 * membership (verifyBilateralStatement), or the publishers' signatures and thresholds (verifyFxRateSet).
 */
export function verifySettlementSignatures(t: InterpretedSettlementTx, rules: SettlementTxRules, blsKeyOf: (plmn: number) => Uint8Array | undefined): void {
  // A proposal's and an approval's signatures are verified by the book against the stored proposal
  // (settlementWrites); a disclosure's proof against the stored T_k there too.
  if (isApprovalTx(t) || t.kind === 'disclosure') return;
  try {
    if (t.kind === 'statement') {
      verifyBilateralStatement(t.signed, blsKeyOf);
      return;
    }
    if (t.kind === 'plain_statement') {
      verifyPlainStatement(t.signed, blsKeyOf);
      return;
    }
    const policy = rules.settlement.fx;
    if (policy === undefined) throw refused('bad_signature', 'the genesis names no rate publishers: this chain takes no rate sets');
    verifyFxRateSet(policy, rules.chain, t.signed);
  } catch (err) {
    asRefusal(err);
  }
}

/**
 * What the chain's state at a block (committed, branch and earlier transactions of the block:
 * `state`) decides, and the writes the transaction makes: a statement after its period's end, of a
 * period not netted, for a pair without one (the first stands; a correction is a statement in a
 * later period); a rate set for a period after the last set's, within the move limit unless an
 * override. Deterministic: no clock but the block's timestamp.
 */
export function settlementWrites(t: InterpretedSettlementTx, state: SlotRangeReader, at: BlockAt, rules: SettlementTxRules, approvals: SettlementApprovalRules | undefined): SlotWrites[] {
  const key = periodKey(t.period);
  const blockTimestampMs = at.timestampMs;
  if (isApprovalTx(t)) {
    try {
      return approvalWrites(t, state, at, { currency: rules.settlement.currency, operators: rules.operators, periods: rules.settlement.periods, mode: rules.settlement.mode }, approvals).writes;
    } catch (err) {
      if (err instanceof ApprovalRefusedError) throw refused(err.refusal, err.message);
      throw err;
    }
  }
  if (t.kind === 'disclosure') return [{ id: DISCLOSURES_ID, writes: disclosureWritesFor(t, state, at, rules) }];
  if (t.kind === 'statement' || t.kind === 'plain_statement') {
    const mode = t.kind === 'plain_statement' ? 'plain' : 'committed';
    const endMs = BigInt(t.period.endSeconds) * 1000n;
    if (blockTimestampMs < endMs) {
      throw refused('period_not_ended', `period ${t.period.id} ends at ${new Date(Number(endMs)).toISOString()}; the chain is at ${new Date(Number(blockTimestampMs)).toISOString()}: its statements are taken from its end`);
    }
    if (t.kind === 'statement' && rules.linkProofs === true && blockTimestampMs < t.period.closesAtMs) {
      throw refused('period_not_ended', `period ${t.period.id} closes at ${new Date(Number(t.period.closesAtMs)).toISOString()}; the chain is at ${new Date(Number(blockTimestampMs)).toISOString()}: link-proved statements are taken from the close, when the pair's charge aggregates are final`);
    }
    if (isNetted(state, key, mode)) throw refused('already_netted', `period ${t.period.id} is already netted`);
    const live = proposalLive(state, key, rules.operators, at.height);
    if (live !== undefined) {
      throw refused('proposal_pending', `period ${t.period.id} has a settlement proposal (${live.id}) awaiting approval until height ${live.deadline}: its statements are fixed until it is final or expires`);
    }
    const s = t.signed.statement;
    const recorded = t.kind === 'plain_statement' ? recordedPlainStatement(state, key, t.pair) : recordedStatement(state, key, t.pair);
    if (recorded !== undefined) {
      throw refused('duplicate_statement', `the ${s.first}-${s.second} pair already has a statement for period ${t.period.id}: the first stands, a correction is a statement in a later period`);
    }
    if (t.kind === 'plain_statement') {
      const p = t.signed.statement;
      return [{ id: PLAIN_STATEMENTS_ID, writes: plainStatementWrites(key, t.pair, p.firstOwesSecond, p.secondOwesFirst) }];
    }
    return [{ id: STATEMENTS_ID, writes: statementWrites(key, t.pair, t.signed.statement.commitment) }];
  }
  const policy = rules.settlement.fx;
  if (policy === undefined) throw refused('bad_signature', 'the genesis names no rate publishers: this chain takes no rate sets');
  const last = latestRateSet(state, rules.settlement.periods);
  try {
    assertFxRateSetFollows(policy, rules.settlement.periods, t.signed.set, last && {
      set: { chain: rules.chain, periodId: last.period.id, base: policy.base, rates: last.rates, override: last.override },
      startSeconds: last.period.startSeconds,
    });
  } catch (err) {
    asRefusal(err);
  }
  return [{ id: FX_RATES_ID, writes: rateSetWrites(t.period, t.signed.set.rates, t.signed.set.override) }];
}

/**
 * A disclosure (docs/settlement.md, "Disclosure of transfer openings"): the period's stored proposal
 * must be the one it names, live or final (an expired one's T_k settle nothing); the submitter must be
 * involved, not have disclosed for this attempt, and its proof must show an opening of its T_k bound
 * to the two ciphertexts. The node checks the proof, never an opening: it sees none.
 */
function disclosureWritesFor(t: Extract<InterpretedSettlementTx, { kind: 'disclosure' }>, state: SlotReader, at: BlockAt, rules: SettlementTxRules): [bigint, bigint][] {
  const key = periodKey(t.period);
  const stored = readStoredSettlement(state, key, rules.operators);
  const named = toHex(t.action.proposalId);
  if (stored === undefined || stored.id !== named) throw refused('no_proposal', `period ${t.period.id} has no proposal ${named}: an opening is disclosed for the proposal whose T_k it opens`);
  if (stored.status === 'proposed' && at.height > stored.deadline) throw refused('proposal_expired', `the proposal ${named} expired at height ${stored.deadline + 1}: its transfers settle nothing`);
  const i = stored.involved.indexOf(t.submitter);
  if (i < 0) throw refused('not_a_party', `operator ${t.submitter} is not involved in the ${t.period.id} settlement: it has no transfer to disclose`);
  const index = rules.operators.indexOf(t.submitter);
  if (readDisclosure(state, key, index)?.attempt === stored.attempt) {
    throw refused('duplicate_disclosure', `operator ${t.submitter} has disclosed its opening of proposal ${named} already: the first stands`);
  }
  const context = disclosureProofContext({ chain: fromHex(rules.chain, 32), periodId: t.period.id, proposalId: t.action.proposalId, operator: t.submitter }, t.action.toOperator, t.action.toBank);
  if (!verifyOpeningProof(stored.transfers[i]!, t.action.proof, context)) {
    throw refused('bad_opening', `the disclosure's proof does not open operator ${t.submitter}'s transfer commitment T_k of proposal ${named}`);
  }
  return disclosureWrites(key, index, { attempt: stored.attempt, toOperator: t.action.toOperator, toBank: t.action.toBank });
}
