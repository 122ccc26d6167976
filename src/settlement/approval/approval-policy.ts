// Who approves a settlement and what it costs: every operator involved in the period signs, and
// validators holding more than `threshold` of the voting power sign for the consortium. Keys are
// the registered BLS keys (proof of possession at registration), so one aggregate signature over
// the proposal verifies them all (fastAggregateVerify: every signer signs the same bytes).

import { blsPublicKeyIsValid } from '../../crypto/bls/bls.js';
import { SettlementOptionsError } from '../errors.js';
import { compare, rational, type Rational } from '../fx/rational.js';

export interface ApprovalValidator {
  readonly id: number;
  readonly publicKey: Uint8Array;
  readonly votingPower: number;
}

export interface ApprovalPolicyInput {
  /** Operators' registered BLS keys (id, key), in consortium order. */
  readonly operators: readonly { readonly id: number; readonly publicKey: Uint8Array }[];
  readonly validators: readonly ApprovalValidator[];
  /** Share of total voting power that must be exceeded (default 2/3: more than two thirds). */
  readonly threshold?: Rational;
  /** Clearing fee on settled volume (default 5/10,000 = 0.05 %). */
  readonly clearingFeeRate?: Rational;
  /** Producers' part of the clearing fee; the rest goes to validators by voting power (default 1/2). */
  readonly producerShare?: Rational;
  /** Most blocks between a proposal and its deadline (default 7,200: hours at sub-second blocks). */
  readonly maxApprovalBlocks?: number;
}

export interface ApprovalPolicy {
  readonly operatorKeys: ReadonlyMap<number, Uint8Array>;
  readonly validators: readonly ApprovalValidator[];
  readonly totalVotingPower: bigint;
  readonly threshold: Rational;
  readonly clearingFeeRate: Rational;
  readonly producerShare: Rational;
  readonly maxApprovalBlocks: number;
}

const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;

function fraction(name: string, r: Rational, max: Rational): Rational {
  if (typeof r.num !== 'bigint' || typeof r.den !== 'bigint' || r.den <= 0n || r.num < 0n || compare(r, max) > 0) {
    throw new SettlementOptionsError(`${name} must be a rational in [0, ${max.num}/${max.den}]`);
  }
  return rational(r.num, r.den);
}

export function approvalPolicy(input: ApprovalPolicyInput): ApprovalPolicy {
  const operatorKeys = new Map<number, Uint8Array>();
  for (const { id, publicKey } of input.operators) {
    if (!isU32(id)) throw new SettlementOptionsError(`operator ${String(id)} is not a u32 id`);
    if (operatorKeys.has(id)) throw new SettlementOptionsError(`operator ${id} is listed twice`);
    if (!blsPublicKeyIsValid(publicKey)) throw new SettlementOptionsError(`operator ${id}'s key is not a valid BLS public key`);
    operatorKeys.set(id, Uint8Array.from(publicKey));
  }
  if (input.validators.length === 0) throw new SettlementOptionsError('at least one validator is needed');
  const seen = new Set<number>();
  let total = 0n;
  const validators = input.validators.map((v) => {
    if (!isU32(v.id) || seen.has(v.id)) throw new SettlementOptionsError(`validator ${String(v.id)} is not a u32 id listed once`);
    seen.add(v.id);
    if (!Number.isSafeInteger(v.votingPower) || v.votingPower < 1) throw new SettlementOptionsError(`validator ${v.id}'s voting power must be a positive integer`);
    if (!blsPublicKeyIsValid(v.publicKey)) throw new SettlementOptionsError(`validator ${v.id}'s key is not a valid BLS public key`);
    total += BigInt(v.votingPower);
    return Object.freeze({ id: v.id, publicKey: Uint8Array.from(v.publicKey), votingPower: v.votingPower });
  });
  validators.sort((a, b) => a.id - b.id);
  const one = rational(1n);
  const threshold = fraction('threshold', input.threshold ?? rational(2n, 3n), one);
  if (threshold.num === 0n) throw new SettlementOptionsError('threshold must be positive');
  const maxApprovalBlocks = input.maxApprovalBlocks ?? 7_200;
  if (!Number.isSafeInteger(maxApprovalBlocks) || maxApprovalBlocks < 1) throw new SettlementOptionsError('maxApprovalBlocks must be a positive integer');
  return Object.freeze({
    operatorKeys,
    validators: Object.freeze(validators),
    totalVotingPower: total,
    threshold,
    clearingFeeRate: fraction('clearingFeeRate', input.clearingFeeRate ?? rational(5n, 10_000n), rational(1n, 10n)),
    producerShare: fraction('producerShare', input.producerShare ?? rational(1n, 2n), one),
    maxApprovalBlocks,
  });
}

/** Whether `power` of the policy's total exceeds the threshold (exact: power · den > total · num). */
export function exceedsThreshold(policy: ApprovalPolicy, power: bigint): boolean {
  return power * policy.threshold.den > policy.totalVotingPower * policy.threshold.num;
}
