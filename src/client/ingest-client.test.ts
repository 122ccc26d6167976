import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { MAX_CONTRACT_TX_FRAME_BYTES } from '../codec/contract-tx.js';
import { RejectCode } from '../codec/ingest-reply.js';
import type { CdrNode } from '../node/node.js';
import { startTestNode, tempDataDir, TELEKOM_DE, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import { forge, type ForgedBatch } from '../test-helpers/forge.js';
import { BatchNackError, IngestClient, type SubmitResult } from './ingest-client.js';
import { Operator } from './operator.js';

type Outcome = { ok: true; result: SubmitResult } | { ok: false; error: BatchNackError };

/** Settles a submit into a value, so several can be awaited without unhandled rejections. */
function settle(p: Promise<SubmitResult>): Promise<Outcome> {
  return p.then(
    (result) => ({ ok: true, result }),
    (error: unknown) => {
      if (error instanceof BatchNackError) return { ok: false, error };
      throw error;
    },
  );
}

function withTimeout<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Bytes the node cannot read as a batch: it answers Malformed with sequence 0. */
const garbage = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

/** A frame with the contract transaction identifier over the size limit: TooLarge, sequence 0. */
function oversizedContractFrame(): Uint8Array {
  const f = new Uint8Array(MAX_CONTRACT_TX_FRAME_BYTES + 1);
  f.set(Buffer.from('CDRC'), 4);
  return f;
}

describe('IngestClient: replies matched to the right batch', () => {
  const data = tempDataDir();
  let node: CdrNode;
  let client: IngestClient;
  let sequence = 0n;
  let seedCounter = 0;
  const op = Operator.devnet(TELEKOM_DE);
  const batch = (records = 200): ForgedBatch =>
    forge(op.publicRecords(traffic(TELEKOM_DE, VODAFONE_UK, records, `ingest-client-${++seedCounter}`)), { sequence: ++sequence });

  beforeAll(async () => {
    node = await startTestNode(data.dir);
    client = await IngestClient.connect(node.ingestUrl);
  });
  afterAll(async () => {
    await client.close();
    await node.stop();
    data.cleanup();
  });

  it('a sequence-0 Nack fails the unreadable batch only, never the oldest outstanding one', async () => {
    // The valid batches take a worker round trip; the unreadable frame is refused at once, so its
    // Nack (sequence 0) arrives while the older valid batch is still outstanding.
    const first = batch();
    const third = batch();
    const unreadableSequence = ++sequence;
    const outcomes = await withTimeout(
      Promise.all([
        settle(client.submit(first.frame, first.header.sequence, first.id)),
        settle(client.submit(garbage(300), unreadableSequence)),
        settle(client.submit(third.frame, third.header.sequence, third.id)),
      ]),
      'every reply',
    );
    const [a, bad, c] = outcomes;
    expect(a!.ok && toHex(a!.result.batchId)).toBe(toHex(first.id));
    expect(c!.ok && toHex(c!.result.batchId)).toBe(toHex(third.id));
    expect(bad!.ok).toBe(false);
    if (!bad!.ok) {
      expect(bad!.error.code).toBe(RejectCode.Malformed);
      expect(bad!.error.sequence).toBe(unreadableSequence);
    }
    // The batches acknowledged are the ones on the node.
    for (const b of [first, third]) expect((await fetch(`${node.url}/batch/${toHex(b.id)}`)).status).toBe(200);
  });

  it('holds new batches until unattributed Nacks are placed, then carries on', async () => {
    const before = batch();
    const unreadable = ++sequence;
    const pBefore = settle(client.submit(before.frame, before.header.sequence));
    const pBad = settle(client.submit(garbage(120), unreadable));
    const after = batch(5);
    // Submitted while the Nack may still be unplaced: it must neither be blamed nor be lost.
    const pAfter = settle(client.submit(after.frame, after.header.sequence));
    const [b, bad, a] = await withTimeout(Promise.all([pBefore, pBad, pAfter]), 'every reply');
    expect(b!.ok).toBe(true);
    expect(a!.ok).toBe(true);
    expect(!bad!.ok && bad!.error.code).toBe(RejectCode.Malformed);
  });

  it('two unreadable frames with different reasons: both fail, neither valid batch does, and the reason says it is ambiguous', async () => {
    const first = batch();
    const second = batch();
    const s1 = ++sequence;
    const s2 = ++sequence;
    const last = batch(5);
    const outcomes = await withTimeout(
      Promise.all([
        settle(client.submit(first.frame, first.header.sequence)),
        settle(client.submit(garbage(64), s1)),
        settle(client.submit(second.frame, second.header.sequence)),
        settle(client.submit(oversizedContractFrame(), s2)),
        settle(client.submit(last.frame, last.header.sequence)),
      ]),
      'every reply',
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false, true]);
    for (const o of [outcomes[1]!, outcomes[3]!]) {
      if (o.ok) continue;
      expect(o.error.code).toBe(RejectCode.Internal);
      expect(o.error.detail).toMatch(/malformed, too_large|too_large, malformed/);
      expect(o.error.detail).toMatch(/unknown/);
    }
    expect(outcomes[1]!.ok || outcomes[1]!.error.sequence).toBe(s1);
    expect(outcomes[3]!.ok || outcomes[3]!.error.sequence).toBe(s2);
  });

  it('refuses sequence 0 itself: the node could not tell its Nack from an unreadable frame', async () => {
    await expect(client.submit(batch(1).frame, 0n)).rejects.toBeInstanceOf(RangeError);
    sequence--; // that batch was never sent
  });
});
