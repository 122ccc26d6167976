import { randomBytes } from 'node:crypto';
import { IngestClient } from '../client/ingest-client.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { TELEKOM_DE, VODAFONE_UK } from './devnet.js';
import { forge, type ForgedBatch } from './forge.js';

/** Records with random fields; commitments below 2^253, so canonical field elements (a real Merkle tree). */
export function randomRecords(n: number): Uint8Array {
  const r = new Uint8Array(randomBytes(n * PUBLIC_RECORD_BYTES));
  for (let at = RECORD_OFFSET.commitment; at < r.length; at += PUBLIC_RECORD_BYTES) r[at]! &= 0x1f;
  return r;
}

export interface SubmittedBatch extends ForgedBatch {
  readonly height: number;
}

/**
 * Submits `groups` groups of `perGroup` batches of `records` records each to a node and waits for
 * every commit; a group's commits are awaited together, so blocks hold one or several batches.
 */
export async function submitBatches(ingestUrl: string, o: { groups: number; perGroup: number; records: number; firstSequence?: bigint; submitter?: number; counterparty?: number }): Promise<SubmittedBatch[]> {
  const client = await IngestClient.connect(ingestUrl);
  const out: SubmittedBatch[] = [];
  let sequence = o.firstSequence ?? 1n;
  try {
    for (let g = 0; g < o.groups; g++) {
      // Acks one by one (in sequence order, whatever retries happen), commits awaited per group.
      const group: Promise<SubmittedBatch>[] = [];
      for (let i = 0; i < o.perGroup; i++) {
        const batch = forge(randomRecords(o.records), { sequence, submitter: o.submitter ?? TELEKOM_DE, counterparty: o.counterparty ?? VODAFONE_UK });
        const { committed } = await client.submit(batch.frame, sequence++);
        group.push(committed.then(({ height }) => ({ ...batch, height })));
      }
      out.push(...(await Promise.all(group)));
    }
  } finally {
    await client.close();
  }
  return out;
}
