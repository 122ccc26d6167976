import { toHex } from '../../codec/bytes.js';
import { CONTRACT_TX_FILE_IDENTIFIER, contractIdOf, ContractTxKind, decodeContractTx } from '../../codec/contract-tx.js';
import type { TxLocation } from '../../storage/index.js';
import type { BlockApplication, BlockTx } from '../block-application.js';
import type { AdmissionSource } from '../admission-budget.js';
import type { AcceptedContractTx } from '../contract-admission.js';
import { TxKind, type AcceptedTx, type StoredTx, type TxAdmitter, type TxCodec, type TxSummary } from './tx-kind.js';

/** A stored contract transaction and where it stands on the chain. */
export interface ContractTxView {
  type: 'contract_deploy' | 'contract_call';
  hash: string;
  status: 'pending' | 'committed' | 'evicted';
  height?: number;
  index?: number;
  sender: number;
  sequence: string;
  gasLimit: string;
  /** Call: the contract called; deploy: the id it creates. */
  contract: string;
  code?: string;
  calldata?: string;
  signature: string;
  sizeBytes: number;
}

/**
 * Contract deploys and calls (schemas/contract-tx.fbs, identifier "CDRC"). Admission:
 * src/chain/contract-admission.ts. In a block a transaction moves its sender's contract sequence (a
 * space apart from batch sequences) and executes in block order (src/chain/contract-executor.ts).
 */
export const contractTxCodec: TxCodec = {
  kind: TxKind.ContractTx,
  name: 'contract_tx',
  fileIdentifiers: [CONTRACT_TX_FILE_IDENTIFIER],

  decode(bytes: Uint8Array): TxSummary {
    const tx = decodeContractTx(bytes);
    return { kind: TxKind.ContractTx, submitter: tx.sender, sequence: tx.sequence, cdrCount: 0, gasLimit: tx.gasLimit };
  },

  nullifiers(): undefined {
    return undefined;
  },

  apply(block: BlockApplication, tx: BlockTx): void {
    const decoded = decodeContractTx(tx.bytes());
    block.advanceSequence(TxKind.ContractTx, decoded.sender, decoded.sequence);
    block.contracts().apply(decoded, tx.entry.id, tx.index);
  },

  view(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredTx {
    return { kind: TxKind.ContractTx, view: { ...contractTxView(id, bytes, location) } };
  },
};

export function contractTxView(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): ContractTxView {
  const tx = decodeContractTx(bytes);
  const deploy = tx.kind === ContractTxKind.Deploy;
  return {
    type: deploy ? 'contract_deploy' : 'contract_call',
    hash: toHex(id),
    status: location ? 'committed' : 'pending',
    ...(location ? { height: location.height, index: location.index } : {}),
    sender: tx.sender,
    sequence: tx.sequence.toString(),
    gasLimit: tx.gasLimit.toString(),
    contract: toHex(deploy ? contractIdOf(tx.sender, tx.sequence, tx.code) : tx.contract),
    ...(deploy ? { code: toHex(tx.code) } : { calldata: toHex(tx.calldata) }),
    signature: toHex(tx.signature),
    sizeBytes: bytes.length,
  };
}

/** Contract admission (with the chain's metrics and events around it) as the kind's `admit`. */
export function contractTxAdmitter(
  admission: { submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedContractTx> },
): TxAdmitter {
  return {
    async admit(frame, source, onWellFormed): Promise<AcceptedTx> {
      const { id, sender, sequence } = await admission.submit(frame, source, onWellFormed);
      return { id, kind: TxKind.ContractTx, submitter: sender, sequence };
    },
  };
}
