import type { KeyObject } from 'node:crypto';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { decodeBatch } from '../codec/batch.js';
import { privateKeyObject } from '../crypto/ed25519.js';
import { periodOf, sealBatch, signBatch, type BuiltBatch } from '../cdr/batch-builder.js';
import { CdrDeriver, type PrivateParts } from '../cdr/derive.js';
import type { GenesisPrivacy } from '../chain/genesis-privacy.js';
import { BatchSealer } from './sealed-batches.js';
import type { Cdr } from '../cdr/model.js';
import { devnetSecrets, type OperatorSecrets } from '../cdr/operator-secrets.js';
import { PoseidonWasm } from '../wasm/poseidon.js';

/**
 * An operator's client side: its signing key, its secrets, the chain it signs for, and the hashing
 * to turn CDRs into batches.
 */
export class Operator {
  private readonly deriver: CdrDeriver;
  private sealer: BatchSealer | undefined;

  constructor(
    readonly plmn: number,
    private readonly signingKey: KeyObject,
    private readonly secrets: OperatorSecrets,
    /** The identity of the chain its batches are for (GET /status `genesisHash`); only that chain accepts them. */
    readonly chain: Uint8Array,
    private readonly poseidon: PoseidonWasm = PoseidonWasm.load(),
  ) {
    this.deriver = new CdrDeriver(secrets, poseidon);
  }

  /** The devnet operator `plmn`, with its well-known INSECURE keys, signing for `chain` (default: the embedded devnet). */
  static devnet(plmn: number, chain: Uint8Array = devnetChainIdentity()): Operator {
    return new Operator(plmn, privateKeyObject(devnetBatchSeed(plmn)), devnetSecrets(plmn), chain);
  }

  /** Public records of `cdrs` (all of this submitter, one counterparty). */
  publicRecords(cdrs: readonly Cdr[]): Uint8Array {
    return this.deriver.publicRecords(cdrs);
  }

  /** Seals records into a signed frame. */
  seal(records: Uint8Array, counterparty: number, sequence: bigint, period: { periodStart: bigint; periodEnd: bigint }): BuiltBatch {
    return sealBatch(records, { submitter: this.plmn, counterparty, sequence, ...period }, this.chain, this.signingKey, this.poseidon);
  }

  /**
   * One signed batch of `cdrs` with their payloads sealed (issue 13, P2): encrypted, each record's
   * payload_hash the hash of its ciphertext, the keys wrapped for this operator, the counterparty and
   * the lawful-access key of `privacy` (the genesis' section). A sealed batch cannot be re-sequenced:
   * the sequence is bound into every record key; seal it again.
   */
  async sealedBatch(cdrs: readonly Cdr[], sequence: bigint, privacy: GenesisPrivacy): Promise<BuiltBatch> {
    const first = checkBatchCdrs(cdrs, this.plmn);
    const privates: PrivateParts = { payloads: [], pseudonyms: [] };
    const records = this.deriver.publicRecords(cdrs, privates);
    this.sealer ??= new BatchSealer(this.plmn, privacy);
    const counterparty = first.counterparty;
    const params = { submitter: this.plmn, counterparty, sequence, ...periodOf(cdrs.map((c) => c.startTime)) };
    return this.sealer.seal({
      chain: this.chain, counterparty, sequence, pairSecret: this.secrets.pairSecret(counterparty), records,
      payloads: privates.payloads, pseudonyms: privates.pseudonyms, startTimes: cdrs.map((c) => c.startTime),
      signingKey: this.signingKey,
      sign: (r) => sealBatch(r, params, this.chain, this.signingKey, this.poseidon),
    });
  }

  /** The same batch as `built` (one of ours) under another sequence: re-signed, no hashing of records again. */
  resequence(built: BuiltBatch, sequence: bigint): BuiltBatch {
    if (decodeBatch(built.frame).sealed !== undefined) throw new RangeError('a sealed batch cannot be re-sequenced: seal its CDRs again');
    return signBatch(decodeBatch(built.frame).records, { ...built.header, sequence }, this.chain, this.signingKey);
  }

  /** One signed batch of `cdrs` (non-empty, one counterparty), with the next `sequence`. */
  batch(cdrs: readonly Cdr[], sequence: bigint): BuiltBatch {
    const first = checkBatchCdrs(cdrs, this.plmn);
    return this.seal(this.publicRecords(cdrs), first.counterparty, sequence, periodOf(cdrs.map((c) => c.startTime)));
  }

  /**
   * Cuts a CDR stream into batches of at most `batchSize`, one counterparty each (a change of
   * counterparty closes the batch), numbered from `firstSequence`.
   */
  *batches(cdrs: Iterable<Cdr>, batchSize: number, firstSequence: bigint): Generator<BuiltBatch> {
    let sequence = firstSequence;
    let pending: Cdr[] = [];
    for (const c of cdrs) {
      if (pending.length > 0 && (pending.length >= batchSize || c.counterparty !== pending[0]!.counterparty)) {
        yield this.batch(pending, sequence++);
        pending = [];
      }
      pending.push(c);
    }
    if (pending.length > 0) yield this.batch(pending, sequence);
  }
}

/** The first CDR of a batch, after checking they all belong to `plmn` and share one counterparty. */
function checkBatchCdrs(cdrs: readonly Cdr[], plmn: number): Cdr {
  const first = cdrs[0];
  if (!first) throw new RangeError('a batch needs at least one CDR');
  for (const c of cdrs) {
    if (c.submitter !== plmn) throw new RangeError(`CDR ${c.recordId} was submitted by ${c.submitter}, not ${plmn}`);
    if (c.counterparty !== first.counterparty) throw new RangeError('a batch covers one counterparty');
  }
  return first;
}
