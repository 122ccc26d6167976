import { decodeBatch } from '../../codec/batch.js';
import { decodeBatchProofTx, isBatchProofTxFrame } from '../../codec/batch-proof-tx.js';
import { decodeVerdictTx, isVerdictTxFrame } from '../../codec/verdict-tx.js';
import { decodeContractTx, isContractTxFrame } from '../../codec/contract-tx.js';
import { MalformedFrameError, UnsupportedVersionError } from '../../codec/errors.js';
import { decodeSettlementTx, isSettlementTxFrame } from '../../codec/settlement-tx.js';

/** Who a frame says signed it: a batch's submitter, a contract transaction's sender, a batch proof's signer, a settlement transaction's submitter, and its sequence. */
export interface FrameClaim {
  readonly signer: number;
  readonly sequence: bigint;
}

/**
 * The operator a frame claims (structure verified first: the bytes are untrusted), or undefined
 * when it cannot be read — admission then refuses it as malformed, which says nothing of anyone.
 * An authenticated connection or request may only carry its own operator's frames: admission
 * checks a claimed submitter's sequence before the signature, and its answer would tell another
 * operator's sequence to whoever names that operator.
 */
export function frameClaim(frame: Uint8Array): FrameClaim | undefined {
  try {
    if (isContractTxFrame(frame)) {
      const t = decodeContractTx(frame);
      return { signer: t.sender, sequence: t.sequence };
    }
    if (isBatchProofTxFrame(frame)) {
      const t = decodeBatchProofTx(frame);
      return { signer: t.signer, sequence: t.sequence };
    }
    if (isVerdictTxFrame(frame)) {
      // Both operators of the pair signed the verdict; the request's signer must be the one that submits it.
      const t = decodeVerdictTx(frame);
      return { signer: t.submitter, sequence: BigInt(t.revision) };
    }
    if (isSettlementTxFrame(frame)) {
      const t = decodeSettlementTx(frame);
      return { signer: t.submitter, sequence: t.sequence };
    }
    const { header } = decodeBatch(frame);
    return { signer: header.submitter, sequence: header.sequence };
  } catch (err) {
    if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return undefined;
    throw err;
  }
}
