import { describe, expect, it } from 'vitest';
import { Operator } from '../../client/operator.js';
import { signDeploy } from '../../client/contract-tx.js';
import { encodePrunedBatch } from '../../codec/pruned-batch.js';
import { TxBody } from '../../codec/generated/cdrchain/wire/tx-body.js';
import { encodeIngestReply, ReplyKind } from '../../codec/ingest-reply.js';
import { sumContract } from '../../test-helpers/contracts.js';
import { ORANGE_FR, TELEKOM_DE, traffic, VODAFONE_UK } from '../../test-helpers/devnet.js';
import { devnetBatchSeed } from '../genesis.js';
import { txCodec, txCodecOf, txCodecs, TxKindRegistry, UnknownTxKindError } from './registry.js';
import { TxKind, type TxAdmitter } from './tx-kind.js';

describe('transaction kinds', () => {
  const batch = Operator.devnet(TELEKOM_DE).batch(traffic(TELEKOM_DE, VODAFONE_UK, 5, 'kinds'), 7n);
  const deploy = signDeploy({ sender: ORANGE_FR, sequence: 3n, gasLimit: 900n, container: sumContract(), seed: devnetBatchSeed(ORANGE_FR) });

  it('are the tags of schemas/tx.fbs\' TxBody union, one codec each, with distinct file identifiers', () => {
    expect(TxKind).toEqual({ CdrBatch: TxBody.CdrBatch, ContractTx: TxBody.ContractTx, BatchProof: TxBody.BatchProof, Verdict: TxBody.Verdict, Settlement: TxBody.Settlement });
    const members = Object.entries(TxBody).filter(([name, v]) => typeof v === 'number' && name !== 'NONE').map(([, v]) => v);
    expect(txCodecs().map((c) => c.kind)).toEqual(members);
    const identifiers = txCodecs().flatMap((c) => c.fileIdentifiers);
    expect(new Set(identifiers).size).toBe(identifiers.length);
  });

  it('are read from a frame\'s file identifier in one place, and decode to what blocks need', () => {
    expect(txCodecOf(batch.frame)?.kind).toBe(TxKind.CdrBatch);
    expect(txCodecOf(batch.frame)!.decode(batch.frame)).toEqual({ kind: TxKind.CdrBatch, submitter: TELEKOM_DE, sequence: 7n, cdrCount: 5, gasLimit: 0n, periodStart: batch.header.periodStart });
    expect(txCodecOf(deploy.frame)!.decode(deploy.frame)).toEqual({ kind: TxKind.ContractTx, submitter: ORANGE_FR, sequence: 3n, cdrCount: 0, gasLimit: 900n });
    expect(txCodec(TxKind.CdrBatch).nullifiers(batch.frame)?.count).toBe(5);
    expect(txCodec(TxKind.ContractTx).nullifiers(deploy.frame)).toBeUndefined();

    // A pruned batch is still a batch (its view and summary stay), with no nullifiers left to restore.
    const stub = encodePrunedBatch({ header: batch.header, signature: new Uint8Array(64), frameBytes: batch.frame.length, prunedAtMs: 1n, height: 3, index: 0, txPath: [] });
    expect(txCodecOf(stub)?.kind).toBe(TxKind.CdrBatch);
    expect(txCodecOf(stub)!.decode(stub).sequence).toBe(7n);
    expect(txCodecOf(stub)!.nullifiers(stub)).toBeUndefined();

    expect(txCodecOf(encodeIngestReply({ kind: ReplyKind.Ack }))).toBeUndefined();
    expect(txCodecOf(new Uint8Array(7))).toBeUndefined();
  });

  it('each need an admitter, and a frame of no known kind is malformed', async () => {
    const admitted: string[] = [];
    const admitter = (name: string): TxAdmitter => ({
      admit: (frame) => {
        admitted.push(name);
        return Promise.resolve({ id: frame.subarray(0, 32), kind: TxKind.CdrBatch, submitter: 0, sequence: 0n });
      },
    });
    expect(() => new TxKindRegistry(new Map([[TxKind.CdrBatch, admitter('batch')]]))).toThrow(/contract_tx has no admitter/);
    expect(() => new TxKindRegistry(new Map([[TxKind.CdrBatch, admitter('batch')], [TxKind.ContractTx, admitter('contract')]]))).toThrow(/batch_proof has no admitter/);
    expect(() => new TxKindRegistry(new Map([[TxKind.CdrBatch, admitter('batch')], [TxKind.ContractTx, admitter('contract')], [TxKind.BatchProof, admitter('proof')]]))).toThrow(/verdict has no admitter/);
    expect(() => new TxKindRegistry(new Map([[TxKind.CdrBatch, admitter('batch')], [TxKind.ContractTx, admitter('contract')], [TxKind.BatchProof, admitter('proof')], [TxKind.Verdict, admitter('verdict')]]))).toThrow(/settlement has no admitter/);
    const registry = new TxKindRegistry(new Map([[TxKind.CdrBatch, admitter('batch')], [TxKind.ContractTx, admitter('contract')], [TxKind.BatchProof, admitter('proof')], [TxKind.Verdict, admitter('verdict')], [TxKind.Settlement, admitter('settlement')]]));
    await registry.handlerOf(deploy.frame).admit(deploy.frame, undefined as never);
    await registry.handlerOf(batch.frame).admit(batch.frame, undefined as never);
    expect(admitted).toEqual(['contract', 'batch']);
    expect(() => registry.handlerOf(encodeIngestReply({ kind: ReplyKind.Ack }))).toThrow(UnknownTxKindError);
  });
});
