// Approvals of a settlement proposal: BLS signatures of involved operators and of validators over
// the proposal's bytes, carried as one aggregate with the signers' ids. Partial approvals merge by
// adding signatures, so approvals can be gathered one transaction at a time or off chain.

import { blsAggregateSignatures, blsFastAggregateVerify, blsSign } from '../../crypto/bls/bls.js';
import { ApprovalError, BadSignatureError } from '../errors.js';
import { exceedsThreshold, type ApprovalPolicy } from './approval-policy.js';
import { encodeSettlementProposal, type SettlementProposal } from './settlement-proposal.js';

export interface SettlementApproval {
  /** Involved operators that signed, ascending. */
  readonly operators: readonly number[];
  /** Validators that signed, ascending. */
  readonly validators: readonly number[];
  /** The aggregate of their signatures over encodeSettlementProposal(proposal). */
  readonly signature: Uint8Array;
}

export interface ApprovalProgress {
  /** Involved operators that have not signed, in consortium order. */
  readonly missingOperators: readonly number[];
  /** Voting power of the validators that signed. */
  readonly validatorPower: bigint;
  readonly complete: boolean;
}

export function signAsOperator(proposal: SettlementProposal, operator: number, secretKey: Uint8Array): SettlementApproval {
  return Object.freeze({ operators: [operator], validators: [], signature: blsSign(secretKey, encodeSettlementProposal(proposal)) });
}

export function signAsValidator(proposal: SettlementProposal, validator: number, secretKey: Uint8Array): SettlementApproval {
  return Object.freeze({ operators: [], validators: [validator], signature: blsSign(secretKey, encodeSettlementProposal(proposal)) });
}

function ascendingUnique(ids: readonly number[], what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) throw new ApprovalError('not_a_party', `${what} ${String(id)} is not a u32 id`);
    if (i > 0 && ids[i - 1]! >= id) throw new ApprovalError('not_a_party', `${what} ids must be ascending and distinct`);
  }
}

/**
 * Checks that every signer is a party — an operator involved in the proposal, or a validator of
 * the policy — and that the aggregate verifies over the proposal (ApprovalError `not_a_party`,
 * BadSignatureError).
 */
export function verifySettlementApproval(policy: ApprovalPolicy, proposal: SettlementProposal, approval: SettlementApproval): void {
  ascendingUnique(approval.operators, 'operator');
  ascendingUnique(approval.validators, 'validator');
  if (approval.operators.length + approval.validators.length === 0) throw new ApprovalError('not_a_party', 'an approval needs at least one signer');
  const keys: Uint8Array[] = [];
  for (const op of approval.operators) {
    const key = policy.operatorKeys.get(op);
    if (!proposal.operators.includes(op) || key === undefined) throw new ApprovalError('not_a_party', `operator ${op} is not party to the ${proposal.periodId} settlement`);
    keys.push(key);
  }
  for (const id of approval.validators) {
    const v = policy.validators.find((x) => x.id === id);
    if (v === undefined) throw new ApprovalError('not_a_party', `validator ${id} is not a validator of this consortium`);
    keys.push(v.publicKey);
  }
  if (!blsFastAggregateVerify(keys, encodeSettlementProposal(proposal), approval.signature)) {
    throw new BadSignatureError(`the approval of the ${proposal.periodId} settlement (attempt ${proposal.attempt}) does not verify`);
  }
}

/** Two approvals with no signer in common, as one. ApprovalError `duplicate_approval` otherwise. */
export function mergeApprovals(a: SettlementApproval, b: SettlementApproval): SettlementApproval {
  const union = (x: readonly number[], y: readonly number[], what: string): number[] => {
    for (const id of y) if (x.includes(id)) throw new ApprovalError('duplicate_approval', `${what} ${id} has already approved`);
    return [...x, ...y].sort((p, q) => p - q);
  };
  return Object.freeze({
    operators: union(a.operators, b.operators, 'operator'),
    validators: union(a.validators, b.validators, 'validator'),
    signature: blsAggregateSignatures([a.signature, b.signature]),
  });
}

/** How far an (already verified) approval is from final: every involved operator, and the threshold. */
export function approvalProgress(policy: ApprovalPolicy, proposal: SettlementProposal, approval: SettlementApproval | undefined): ApprovalProgress {
  const signed = approval?.operators ?? [];
  const missingOperators = proposal.operators.filter((op) => !signed.includes(op));
  let validatorPower = 0n;
  for (const id of approval?.validators ?? []) validatorPower += BigInt(policy.validators.find((v) => v.id === id)?.votingPower ?? 0);
  return Object.freeze({ missingOperators, validatorPower, complete: missingOperators.length === 0 && exceedsThreshold(policy, validatorPower) });
}
