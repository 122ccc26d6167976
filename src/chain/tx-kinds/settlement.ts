import { toHex } from '../../codec/bytes.js';
import { currencyFromNumeric } from '../../cdr/currency.js';
import { decodeSettlementTx, SETTLEMENT_TX_FILE_IDENTIFIER } from '../../codec/settlement-tx.js';
import type { TxLocation } from '../../storage/index.js';
import type { AdmissionSource } from '../admission-budget.js';
import { InapplicableTxError, type BlockApplication, type BlockTx } from '../block-application.js';
import { interpretSettlementTx, settlementWrites, SettlementTxRefusedError } from '../settlement-rules.js';
import type { AcceptedSettlementTx } from '../settlement-admission.js';
import { TxKind, type AcceptedTx, type StoredTx, type TxAdmitter, type TxCodec, type TxSummary } from './tx-kind.js';

/** A stored settlement transaction as the API shows it (public: rates, or the pair and its commitment, never an amount). */
export interface SettlementTxView {
  type: 'settlement';
  hash: string;
  status: 'pending' | 'committed' | 'evicted';
  height?: number;
  index?: number;
  submitter: number;
  sequence: string;
  period: string;
  action: 'fx_rate_set' | 'statement' | 'plain_statement' | 'proposal' | 'approval' | 'disclosure';
  /** fx_rate_set: the base, the rates as "num/den" per currency, override, the signing publishers. */
  base?: string;
  rates?: Record<string, string>;
  override?: boolean;
  publishers?: number[];
  /** statement: the pair and the commitment (x, y hex). */
  first?: number;
  second?: number;
  currency?: string;
  commitment?: { x: string; y: string };
  /** plain_statement: the pair and both gross directions (minor units, decimal; public in plain mode). */
  firstOwesSecond?: string;
  secondOwesFirst?: string;
  /** proposal: attempt, deadline height, settled volume and fee (minor units, decimal), involved operators, T_k (x, y hex). */
  attempt?: number;
  deadline?: number;
  settledVolume?: string;
  clearingFee?: string;
  operators?: number[];
  transfers?: { x: string; y: string }[];
  /** plain-mode proposal: the transfers (minor units, decimal). */
  plainTransfers?: { from: number; to: number; amount: string }[];
  /** disclosure (and approval): the proposal's id (hex); the sealed openings are read on GET /settlement/{period}/disclosures/{plmn}. */
  proposalId?: string;
  validators?: number[];
  signature: string;
  sizeBytes: number;
}

function currencyName(numeric: number): string {
  try {
    return currencyFromNumeric(numeric);
  } catch {
    return String(numeric);
  }
}

/**
 * Settlement transactions (schemas/settlement-tx.fbs, identifier "CDRX"; issue 14, docs/settlement.md):
 * an FX rate set or a bilateral statement. Admission: src/chain/settlement-admission.ts (signatures,
 * commitment, and the rules against committed state). In a block the rules are checked again
 * against the state the block sees (settlement-rules.ts), deterministically: a statement after its
 * period's end, of a period not netted, for a pair without one; a rate set for a period after the
 * last set's, within the move limit. A block that holds one those rules refuse is invalid; a
 * producer leaves it out (InapplicableTxError).
 */
export const settlementCodec: TxCodec = {
  kind: TxKind.Settlement,
  name: 'settlement',
  fileIdentifiers: [SETTLEMENT_TX_FILE_IDENTIFIER],

  decode(bytes: Uint8Array): TxSummary {
    const tx = decodeSettlementTx(bytes);
    return { kind: TxKind.Settlement, submitter: tx.submitter, sequence: tx.sequence, cdrCount: 0, gasLimit: 0n };
  },

  nullifiers(): undefined {
    return undefined;
  },

  apply(block: BlockApplication, tx: BlockTx): void {
    const decoded = decodeSettlementTx(tx.bytes());
    // Statements' and rate sets' signatures (over the chain identity) are checked at admission; a
    // proposal's and an approval's are checked here again, against the stored proposal (the book).
    const rules = { settlement: block.settlement, operators: block.operators, chain: block.approvals?.chain ?? '', linkProofs: block.linkProofs };
    let writes;
    try {
      writes = settlementWrites(
        interpretSettlementTx(decoded, rules),
        { slot: (id, key) => block.readSlot(id, key), slotsIn: (id, from, to) => block.readSlotsIn(id, from, to) },
        block.block, rules, block.approvals,
      );
    } catch (err) {
      if (err instanceof SettlementTxRefusedError) throw new InapplicableTxError('settlement', `transaction ${tx.index}: ${err.refusal}: ${err.message}`);
      throw err;
    }
    block.noteSequence(TxKind.Settlement, tx.entry.submitter, tx.entry.sequence);
    for (const w of writes) block.contracts().writeSystemSlots(w.id, w.writes);
  },

  view(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredTx {
    return { kind: TxKind.Settlement, view: { ...settlementTxView(id, bytes, location) } };
  },
};

export function settlementTxView(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): SettlementTxView {
  const tx = decodeSettlementTx(bytes);
  const a = tx.action;
  const common = {
    type: 'settlement' as const,
    hash: toHex(id),
    status: location ? ('committed' as const) : ('pending' as const),
    ...(location ? { height: location.height, index: location.index } : {}),
    submitter: tx.submitter,
    sequence: tx.sequence.toString(),
    period: tx.period,
    action: a.kind,
  };
  const tail = { signature: toHex(tx.signature), sizeBytes: bytes.length };
  const hex64 = (v: bigint): string => v.toString(16).padStart(64, '0');
  if (a.kind === 'proposal') {
    return {
      ...common, attempt: a.attempt, deadline: Number(a.deadline), settledVolume: a.settledVolume.toString(), clearingFee: a.clearingFee.toString(),
      operators: [...a.operators], transfers: a.transfers.map((t) => ({ x: hex64(t.x), y: hex64(t.y) })),
      ...(a.plainTransfers ? { plainTransfers: a.plainTransfers.map((t) => ({ from: t.from, to: t.to, amount: t.amount.toString() })) } : {}), ...tail,
    };
  }
  if (a.kind === 'disclosure') return { ...common, proposalId: toHex(a.proposalId), ...tail };
  if (a.kind === 'approval') {
    return { ...common, proposalId: toHex(a.proposalId), operators: [...a.operators], validators: [...a.validators], ...tail };
  }
  if (a.kind === 'fx_rate_set') {
    return {
      ...common,
      base: currencyName(a.base),
      rates: Object.fromEntries(a.rates.map((r) => [currencyName(r.currency), `${r.num}/${r.den}`])),
      override: a.override,
      publishers: a.signatures.map((s) => s.publisher),
      ...tail,
    };
  }
  if (a.kind === 'plain_statement') {
    return {
      ...common, first: a.first, second: a.second, currency: currencyName(a.currency),
      firstOwesSecond: a.firstOwesSecond.toString(), secondOwesFirst: a.secondOwesFirst.toString(), ...tail,
    };
  }
  return {
    ...common,
    first: a.first,
    second: a.second,
    currency: currencyName(a.currency),
    commitment: { x: a.x.toString(16).padStart(64, '0'), y: a.y.toString(16).padStart(64, '0') },
    ...tail,
  };
}

/** Settlement admission as the kind's `admit`. */
export function settlementAdmitter(
  admission: { submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedSettlementTx> },
): TxAdmitter {
  return {
    async admit(frame, source, onWellFormed): Promise<AcceptedTx> {
      const { id, submitter, sequence } = await admission.submit(frame, source, onWellFormed);
      return { id, kind: TxKind.Settlement, submitter, sequence };
    },
  };
}
