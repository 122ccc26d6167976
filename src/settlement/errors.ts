// Typed errors of the settlement domain. Each carries a machine-readable `code`; the API, wire and
// CLI map codes to statuses and exit codes at their edge, never here.

export type SettlementErrorCode =
  | 'bad_options' // a consortium rule or option object is invalid
  | 'bad_period' // a period id does not parse or is not aligned to the rule
  | 'period_closed' // a record for a period that has closed
  | 'unknown_currency'
  | 'missing_rate'
  | 'bad_rate' // a rate that is not a positive rational, or a rate set that is inconsistent
  | 'bad_signature' // a rate set or statement whose signatures do not verify or are not from who they must be
  | 'rate_move_too_large' // a rate moved more than the limit without a k-of-n override
  | 'bad_amount' // an amount that is not an integer in range
  | 'bad_netting_input' // bilateral amounts or commitments that do not describe a consortium
  | 'bad_commitment' // a commitment that is not a point of the prime-order subgroup, or does not open
  | 'transfer_mismatch' // an operator's settlement transfer is not its net position
  | 'nets_not_zero' // net positions (or committed transfers) that do not sum to zero
  | 'already_netted' // a second netting of a netted period
  | 'period_open' // a settlement proposed for a period that has not closed
  | 'already_settled' // a second settlement of a settled period
  | 'proposal_pending' // a proposal while another for the period awaits approval
  | 'no_proposal' // an approval for a period with no live proposal
  | 'proposal_expired' // an approval after the proposal's deadline
  | 'not_a_party' // a signature from an operator or validator that is not party to the settlement
  | 'duplicate_approval' // a signer that has already approved the proposal
  | 'approval_incomplete' // approvals that lack an involved operator or the consortium threshold
  | 'statement_unbalanced'; // an operator statement whose lines do not add up to its net and transfer

export class SettlementError extends Error {
  override readonly name: string = 'SettlementError';
  constructor(
    readonly code: SettlementErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class SettlementOptionsError extends SettlementError {
  override readonly name = 'SettlementOptionsError';
  constructor(message: string) {
    super('bad_options', message);
  }
}

export class PeriodFormatError extends SettlementError {
  override readonly name = 'PeriodFormatError';
  constructor(message: string) {
    super('bad_period', message);
  }
}

/** A record (batch) names a period that closed before the block that would hold it. */
export class PeriodClosedError extends SettlementError {
  override readonly name = 'PeriodClosedError';
  constructor(
    readonly periodId: string,
    readonly closedAtMs: bigint,
    readonly blockTimestampMs: bigint,
  ) {
    super('period_closed', `period ${periodId} closed at ${new Date(Number(closedAtMs)).toISOString()}; a block at ${new Date(Number(blockTimestampMs)).toISOString()} takes no records for it`);
  }
}

export class UnknownCurrencyError extends SettlementError {
  override readonly name = 'UnknownCurrencyError';
  constructor(readonly currency: string) {
    super('unknown_currency', `unknown currency "${currency}"`);
  }
}

export class MissingRateError extends SettlementError {
  override readonly name = 'MissingRateError';
  constructor(
    readonly from: string,
    readonly to: string,
    readonly periodId: string,
  ) {
    super('missing_rate', `no ${from}/${to} rate for period ${periodId}`);
  }
}

export class BadRateError extends SettlementError {
  override readonly name = 'BadRateError';
  constructor(message: string) {
    super('bad_rate', message);
  }
}

export class BadSignatureError extends SettlementError {
  override readonly name = 'BadSignatureError';
  constructor(message: string) {
    super('bad_signature', message);
  }
}

export class RateMoveTooLargeError extends SettlementError {
  override readonly name = 'RateMoveTooLargeError';
  constructor(
    readonly currency: string,
    message: string,
  ) {
    super('rate_move_too_large', message);
  }
}

export class AmountError extends SettlementError {
  override readonly name = 'AmountError';
  constructor(message: string) {
    super('bad_amount', message);
  }
}

export class NettingInputError extends SettlementError {
  override readonly name = 'NettingInputError';
  constructor(message: string) {
    super('bad_netting_input', message);
  }
}

export class CommitmentError extends SettlementError {
  override readonly name = 'CommitmentError';
  constructor(message: string) {
    super('bad_commitment', message);
  }
}

/** The settlement contract refused a netting (docs/settlement.md); `operator` is the index it names, if any. */
export class NettingRejectedError extends SettlementError {
  override readonly name = 'NettingRejectedError';
  constructor(
    code: SettlementErrorCode,
    message: string,
    readonly operator?: number,
  ) {
    super(code, message);
  }
}

/** A settlement proposal or approval refused by the approval rules (docs/settlement.md, "Approval"). */
export class ApprovalError extends SettlementError {
  override readonly name = 'ApprovalError';
  constructor(
    code: Extract<SettlementErrorCode, 'period_open' | 'already_settled' | 'proposal_pending' | 'no_proposal' | 'proposal_expired' | 'not_a_party' | 'duplicate_approval' | 'approval_incomplete' | 'bad_netting_input'>,
    message: string,
  ) {
    super(code, message);
  }
}

/** An operator statement whose figures do not add up (gross lines, fees, net position, transfer). */
export class StatementUnbalancedError extends SettlementError {
  override readonly name = 'StatementUnbalancedError';
  constructor(message: string) {
    super('statement_unbalanced', message);
  }
}
