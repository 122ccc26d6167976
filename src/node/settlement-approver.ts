import type { Chain } from '../chain/chain.js';
import type { BlockCommittedEvent } from '../chain/events.js';
import { BatchRejectedError } from '../chain/reject.js';
import { TxKind } from '../chain/tx-kinds/tx-kind.js';
import { approvalAction, signSettlementTx } from '../client/settlement-tx.js';
import { blsAggregateSignatures, blsSign } from '../crypto/bls/bls.js';
import type { Logger } from '../log.js';
import { encodeSettlementProposal } from '../settlement/approval/index.js';

export interface SettlementApproverConfig {
  /** This validator's PLMN id: its validator id, and its operator id when it is an involved operator. */
  readonly plmn: number;
  /** Its BLS secret key (the genesis' key for it). */
  readonly blsSecretKey: Uint8Array;
  /** Its operator's Ed25519 batch key seed: approvals travel as settlement transactions it submits. */
  readonly batchSeed: Uint8Array;
}

/**
 * A validator approving settlements (docs/settlement.md, "Approval on chain"): after each committed
 * block that carries a proposal or an approval, for each period it names, when the live proposal
 * is what this node's own netting gives (Chain.settlementToApprove) and this validator has not
 * signed it in a role it holds — as an involved operator and as a validator, the same key twice in
 * the aggregate — it signs the proposal's bytes with its BLS key and submits the approval here
 * (admitted like any transaction, then relayed to the other validators by gossip). A proposal it
 * cannot check is logged and left alone: nothing is signed blindly.
 */
export class SettlementApprover {
  private readonly signed = new Set<string>();
  private readonly listener: (e: BlockCommittedEvent) => void;

  constructor(
    private readonly chain: Chain,
    private readonly config: SettlementApproverConfig,
    private readonly relay: (kind: TxKind, frame: Uint8Array) => void,
    private readonly log: Logger,
  ) {
    this.listener = (e) => this.onBlock(e);
    chain.events.on('blockCommitted', this.listener);
  }

  private onBlock(e: BlockCommittedEvent): void {
    const periods = new Set<string>();
    for (const id of e.txIds) {
      const view = this.chain.queries.tx(id)?.view;
      if (view?.type !== 'settlement') continue;
      const action = view['action'];
      const period = view['period'];
      if ((action === 'proposal' || action === 'approval') && typeof period === 'string') periods.add(period);
    }
    for (const period of [...periods].sort()) {
      this.consider(period).catch((err: unknown) => this.log.warn({ err, period }, 'could not submit a settlement approval'));
    }
  }

  /** Signs and submits this validator's approval of the period's live proposal, if it owes one. */
  async consider(period: string): Promise<void> {
    const found = this.chain.settlementToApprove(period);
    if ('refused' in found) {
      if (found.refused.startsWith('netting') || found.refused.startsWith('the proposal')) this.log.warn({ period, reason: found.refused }, 'not approving a settlement proposal');
      return;
    }
    const { plmn } = this.config;
    const asOperator = found.proposal.operators.includes(plmn) && !found.approval.operators.includes(plmn);
    const isValidator = this.chain.approvals?.policy?.validators.some((v) => v.id === plmn) ?? false;
    const asValidator = isValidator && !found.approval.validators.includes(plmn);
    const key = `${found.id}:${asOperator}:${asValidator}`;
    if ((!asOperator && !asValidator) || this.signed.has(key)) return;
    this.signed.add(key);
    const one = blsSign(this.config.blsSecretKey, encodeSettlementProposal(found.proposal));
    const roles = [asOperator, asValidator].filter(Boolean).length;
    const signature = roles === 1 ? one : blsAggregateSignatures([one, one]);
    const action = approvalAction(found.id, { operators: asOperator ? [plmn] : [], validators: asValidator ? [plmn] : [], signature });
    const sequence = (this.chain.lastAcceptedSettlementSequence(plmn) ?? 0n) + 1n;
    const { frame } = signSettlementTx({ submitter: plmn, sequence, period, action, seed: this.config.batchSeed, chain: this.chain.identity });
    try {
      await this.chain.submitTx(frame.slice(), this.chain.httpSource, { kind: TxKind.Settlement });
    } catch (err) {
      this.signed.delete(key);
      if (err instanceof BatchRejectedError) {
        this.log.info({ period, proposal: found.id, reason: err.reason, detail: err.detail }, 'settlement approval refused here');
        return;
      }
      throw err;
    }
    this.relay(TxKind.Settlement, frame);
    this.log.info({ period, proposal: found.id, attempt: found.proposal.attempt, asOperator, asValidator, sequence: sequence.toString() }, 'approved a settlement proposal');
  }

  stop(): void {
    this.chain.events.off('blockCommitted', this.listener);
  }
}
