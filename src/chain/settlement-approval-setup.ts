import { approvalPolicy, type ApprovalPolicy } from '../settlement/approval/index.js';
import { CommittedNettingContract, PlainNettingContract } from '../settlement/netting-contract.js';
import type { SystemContracts } from '../vm/system/index.js';
import { settlementKeys, type Genesis } from './genesis.js';
import type { PeriodProducers } from './period-producers.js';
import type { SettlementApprovalRules } from './settlement-approval-rules.js';

/**
 * Who approves a settlement on this chain (docs/settlement.md, "Approval on chain"): every involved
 * operator with its registered BLS key — a validator's key, or the genesis `settlementKey` of an
 * operator that does not validate (settlementKeys) — and validators holding
 * more than two thirds of the voting power. A validator that is also an involved operator signs in
 * both roles: its key enters the aggregate twice (its signature added twice), and counts once as
 * the operator and once, with its power, as a validator. Without consensus validators there is no
 * policy and proposals are refused.
 */
export function approvalPolicyOf(genesis: Genesis): ApprovalPolicy | undefined {
  const validators = genesis.consensus?.validators ?? [];
  if (validators.length === 0) return undefined;
  const operators = [...settlementKeys(genesis)].map(([id, publicKey]) => ({ id, publicKey }));
  return approvalPolicy({ operators, validators: validators.map((v) => ({ id: v.plmn, publicKey: v.blsKey, votingPower: v.power })) });
}

export function settlementApprovalRules(genesis: Genesis, chain: string, system: SystemContracts, producers: PeriodProducers): SettlementApprovalRules {
  const netting = CommittedNettingContract.from(system);
  const plainNetting = PlainNettingContract.from(system);
  return { chain, policy: approvalPolicyOf(genesis), netting, plainNetting, producersOf: (period) => producers.of(period) };
}
