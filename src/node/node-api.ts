import type { NodeApi } from '../api/node-api.js';
import { ApprovalRefusedError } from '../chain/settlement-approval-rules.js';
import { SettlementDraftRefusedError } from '../api/settlement-draft.js';
import type { Chain } from '../chain/chain.js';
import { settlementRules } from '../chain/genesis.js';
import type { TxKind } from '../chain/tx-kinds/tx-kind.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { monthIndex } from '../reconciliation/period.js';
import type { ConsensusStatus } from './validator-role.js';

/** What a validator adds to the API: relaying what clients submit, and its consensus status. */
export interface ValidatorApi {
  relay(kind: TxKind, frame: Uint8Array): void;
  status(): ConsensusStatus;
  /** The height of the non-final block on the head's branch that names `id`. */
  confirmedHeight(id: Uint8Array): number | undefined;
}

/** The API's view of a chain: only what src/api/ needs, nothing of the chain's internals. */
export function chainNodeApi(chain: Chain, validator?: ValidatorApi): NodeApi {
  const { queries } = chain;
  return {
    events: chain.events,
    verdicts: {
      history: (pair, period) => chain.verdicts(pair.a, pair.b, monthIndex(period)).map((v) => {
        const view = chain.queries.tx(fromHex(v.txHash, 32))?.view;
        const height = view?.status === 'committed' && typeof view.height === 'number' ? view.height : undefined;
        return { ...v, status: height === undefined ? 'pending' : 'committed', ...(height === undefined ? {} : { height }) };
      }),
    },
    ...(validator ? { consensus: () => validator.status() } : {}),
    ingest: {
      maxBatchRecords: chain.limits.maxBatchRecords,
      maxBatchProofFrameBytes: chain.maxBatchProofFrameBytes,
      sealedPayloads: (chain.genesis.privacy?.sealedPayloads ?? 'off') !== 'off',
      connectionSource: (id) => chain.connectionSource(id),
      get httpSource() {
        return chain.httpSource;
      },
      submitTx: async (frame, source, opts) => {
        if (!validator) return chain.submitTx(frame, source, opts);
        // Admission hands the frame's buffer to a worker: keep a copy to relay once it is durable here.
        const copy = frame.slice();
        const accepted = await chain.submitTx(frame, source, opts);
        validator.relay(accepted.kind, copy);
        return accepted;
      },
    },
    queries: {
      status() {
        const head = queries.chainHead();
        return {
          chainId: chain.genesis.chainId,
          genesisHash: toHex(chain.identity),
          height: head.height,
          headHash: toHex(head.hash),
          mempool: queries.mempoolSize(),
          nullifiers: chain.nullifiers.size,
          operators: chain.operators.list().map((o) => ({ plmn: o.plmn, name: o.name })),
          workers: chain.verifierThreads,
          diskBytes: chain.diskBytes(),
          storage: chain.storageStatus(),
          ready: chain.readiness(),
        };
      },
      readiness: () => chain.readiness(),
      sealedSection: (id) => chain.sealedSection(id),
      sealedSectionPrunedAtMs: (id) => chain.sealedSectionPrunedAtMs(id),
      storageStatus: () => chain.storageStatus(),
      operator(plmn) {
        const o = chain.operators.get(plmn);
        if (!o) return undefined;
        return {
          plmn: o.plmn, name: o.name, batchKey: toHex(o.batchKey),
          lastSequence: chain.lastAcceptedSequence(o.plmn) ?? 0n,
          lastContractSequence: chain.lastAcceptedContractSequence(o.plmn) ?? 0n,
          lastProofSequence: chain.lastAcceptedBatchProofSequence(o.plmn) ?? 0n,
          lastSettlementSequence: chain.lastAcceptedSettlementSequence(o.plmn) ?? 0n,
        };
      },
      block: (height) => queries.block(height),
      blocks: (from, limit) => queries.blocks(from, limit),
      batch(id) {
        const stored = queries.batch(id);
        if (!stored) return undefined;
        const { view } = stored;
        if (view.status === 'committed') return { ...stored, view: { ...view, stage: 'final' } };
        if (view.status === 'evicted') return { ...stored, view: { ...view, stage: 'evicted' } };
        const confirmedHeight = validator?.confirmedHeight(id);
        return { ...stored, view: { ...view, ...(confirmedHeight !== undefined ? { stage: 'committed', confirmedHeight } : { stage: 'accepted' }) } };
      },
      tx: (id) => queries.tx(id),
      chargeAggregate: (submitter, counterparty, period) => queries.chargeAggregate(submitter, counterparty, period),
      receipt: (hash) => queries.receipt(hash),
      settlement: (period) => chain.settlementPeriod(period),
      settlementDisclosure: (period, plmn) => chain.settlementDisclosure(period, plmn),
      ...(settlementRules(chain.genesis).bank ? { settlementBankId: settlementRules(chain.genesis).bank!.id } : {}),
      settlementDraft: (period) => {
        let d;
        try {
          d = chain.settlementDraft(period);
        } catch (err) {
          if (err instanceof ApprovalRefusedError) throw new SettlementDraftRefusedError(err.refusal, err.message);
          throw err;
        }
        const hex = (v: bigint): string => v.toString(16).padStart(64, '0');
        return {
          period: d.periodId, chain: d.chain, currency: d.currency, mode: d.mode, operators: [...d.operators],
          transfers: d.transfers.map((t) => ({ x: hex(t.x), y: hex(t.y) })),
          ...(d.plainTransfers ? { plainTransfers: d.plainTransfers.map((t) => ({ from: t.from, to: t.to, amount: t.amount.toString() })) } : {}),
          attempt: d.attempt, deadline: d.deadlineHeight,
          clearingFeeRate: `${d.clearingFeeRate.num}/${d.clearingFeeRate.den}`,
        };
      },
    },
  };
}
