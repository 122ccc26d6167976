import { toHex } from '../../codec/bytes.js';
import { IngestClient } from '../../client/ingest-client.js';
import { Operator } from '../../client/operator.js';
import { traffic } from '../../test-helpers/devnet.js';
import type { ValidatorCluster } from '../../test-helpers/validator-processes.js';

/** A batch a validator acknowledged (Ack: durable there and relayed). */
export interface AckedBatch {
  readonly id: string;
  readonly sequence: bigint;
  readonly validator: number;
}

/**
 * One devnet operator submitting signed batches to validators of a cluster, with its own
 * sequence, remembering every batch a validator acknowledged: what the fault suite's invariant
 * counts. A batch that got no Ack (its validator died first) is not counted, and its sequence
 * is not reused: the next batch takes a higher one (a node may have stored it without acking).
 */
export class OperatorStream {
  readonly acked: AckedBatch[] = [];
  /** Distinct ids acknowledged (a resubmitted batch acked by two validators is one batch). */
  get ackedIds(): string[] {
    return [...new Set(this.acked.map((a) => a.id))];
  }
  /** Batches sent that got no Ack (connection lost, Nack): never counted. */
  readonly unacked: { readonly sequence: bigint; readonly reason: string }[] = [];
  private readonly operator: Operator;
  /** Every batch frame sent, by id (hex): what a failover resubmits. */
  private readonly frames = new Map<string, { readonly frame: Uint8Array; readonly sequence: bigint; readonly id: Uint8Array }>();
  private next = 1n;
  private round = 0;

  constructor(
    private readonly cluster: ValidatorCluster,
    readonly plmn: number,
    private readonly counterparty: number,
    private readonly cdrsPerBatch = 20,
  ) {
    this.operator = Operator.devnet(plmn, cluster.chain);
  }

  /** Submits `count` batches to validator `validator` over one WS /ingest connection; resolves with the acks. */
  async submit(validator: number, count: number): Promise<AckedBatch[]> {
    const cdrs = traffic(this.plmn, this.counterparty, count * this.cdrsPerBatch, `${this.plmn}:${this.round++}`);
    const first = this.next;
    const batches = [...this.operator.batches(cdrs, this.cdrsPerBatch, first)];
    this.next = first + BigInt(batches.length);
    for (const b of batches) this.frames.set(toHex(b.id), { frame: b.frame, sequence: b.header.sequence, id: b.id });
    return this.send(validator, batches.map((b) => ({ frame: b.frame, sequence: b.header.sequence, id: b.id })));
  }

  /**
   * Failover: sends batches already sent (to another validator) again, same frames and sequences, in
   * sequence order, to `validator`. A batch acked twice is one batch (one id): the invariant counts it once.
   */
  async resubmit(validator: number, ids: readonly string[]): Promise<AckedBatch[]> {
    const list = ids.map((id) => {
      const f = this.frames.get(id);
      if (!f) throw new Error(`batch ${id} was not sent by operator ${this.plmn}`);
      return f;
    });
    list.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
    return this.send(validator, list);
  }

  private async send(validator: number, batches: readonly { readonly frame: Uint8Array; readonly sequence: bigint; readonly id: Uint8Array }[]): Promise<AckedBatch[]> {
    const client = await IngestClient.connect(this.cluster.ingestUrl(validator), { window: 8 });
    const out: AckedBatch[] = [];
    try {
      const results = await Promise.allSettled(batches.map((b) => client.submit(b.frame, b.sequence, b.id)));
      for (const [k, r] of results.entries()) {
        const b = batches[k]!;
        if (r.status === 'fulfilled') {
          const a = { id: toHex(r.value.batchId), sequence: b.sequence, validator };
          this.acked.push(a);
          out.push(a);
        } else {
          this.unacked.push({ sequence: b.sequence, reason: r.reason instanceof Error ? r.reason.message : String(r.reason) });
        }
      }
    } finally {
      await client.close().catch(() => undefined);
    }
    return out;
  }
}
