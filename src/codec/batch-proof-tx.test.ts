// The batch proof transaction's role (docs/settlement.md, "The link"): a billing proof keeps the frame and
// id it had before roles; a view round-trips and is covered by the id; an unknown role is malformed.
import { describe, expect, it } from 'vitest';
import { Builder } from 'flatbuffers';
import { batchProofTxHash, BATCH_PROOF_TX_VERSION, decodeBatchProofTx, encodeBatchProofTx, type BatchProofTxFields } from './batch-proof-tx.js';
import { addHash, createBytes } from './builder.js';
import { MalformedFrameError } from './errors.js';
import { BatchProofTx } from './generated/cdrchain/wire/batch-proof-tx.js';

const CHAIN = new Uint8Array(32).fill(9);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fields: BatchProofTxFields = {
  version: BATCH_PROOF_TX_VERSION, signer: 26201, sequence: 3n, batchId: new Uint8Array(32).fill(1),
  circuitId: 'cdrchain/batch-chunk', circuitVersion: 2, proof: new Uint8Array(9 + 320).fill(4),
};

describe('batch proof transaction codec: the role', () => {
  it('billing is the default: the same frame and id as without a role; a view round-trips under another id', () => {
    const billing = encodeBatchProofTx({ ...fields, role: 'billing' }, new Uint8Array(64));
    expect(hex(billing)).toBe(hex(encodeBatchProofTx(fields, new Uint8Array(64))));
    expect(decodeBatchProofTx(billing)).not.toHaveProperty('role');
    expect(hex(batchProofTxHash({ ...fields, role: 'billing' }, CHAIN))).toBe(hex(batchProofTxHash(fields, CHAIN)));
    const view = decodeBatchProofTx(encodeBatchProofTx({ ...fields, role: 'view' }, new Uint8Array(64)));
    expect(view.role).toBe('view');
    expect(hex(batchProofTxHash(view, CHAIN))).not.toBe(hex(batchProofTxHash(fields, CHAIN)));
  });

  it('an unknown role is malformed', () => {
    const b = new Builder(1024);
    const circuit = b.createString(fields.circuitId);
    const proof = createBytes(b, fields.proof);
    const sig = createBytes(b, new Uint8Array(64));
    BatchProofTx.startBatchProofTx(b);
    BatchProofTx.addVersion(b, 1);
    BatchProofTx.addSigner(b, fields.signer);
    BatchProofTx.addSequence(b, fields.sequence);
    addHash(b, BatchProofTx.addBatchId, fields.batchId);
    BatchProofTx.addCircuitId(b, circuit);
    BatchProofTx.addCircuitVersion(b, 2);
    BatchProofTx.addProof(b, proof);
    BatchProofTx.addSignature(b, sig);
    BatchProofTx.addRole(b, 2);
    BatchProofTx.finishBatchProofTxBuffer(b, BatchProofTx.endBatchProofTx(b));
    expect(() => decodeBatchProofTx(b.asUint8Array())).toThrow(MalformedFrameError);
  });
});
