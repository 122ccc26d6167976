import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchNackError, IngestClient } from '../client/ingest-client.js';
import { RejectCode } from '../codec/ingest-reply.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import type { CdrNode } from '../node/node.js';
import { startTestNode, tempDataDir, TELEKOM_DE, VODAFONE_UK, ORANGE_FR } from '../test-helpers/devnet.js';
import { forge } from '../test-helpers/forge.js';

/** Records with fresh random nullifiers (zero commitments: canonical field elements). */
function records(n: number): Uint8Array {
  const r = new Uint8Array(n * PUBLIC_RECORD_BYTES);
  for (let i = 0; i < n; i++) r.set(randomBytes(32), i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.nullifier);
  return r;
}

/** The same nullifiers as `victim`'s, in otherwise new records. */
function squat(victim: Uint8Array): Uint8Array {
  const r = records(victim.length / PUBLIC_RECORD_BYTES);
  for (let at = RECORD_OFFSET.nullifier; at < r.length; at += PUBLIC_RECORD_BYTES) r.set(victim.subarray(at, at + 32), at);
  return r;
}

describe('nullifiers are scoped to their submitter', () => {
  const data = tempDataDir();
  let node: CdrNode;
  let client: IngestClient;
  beforeAll(async () => {
    node = await startTestNode(data.dir);
    client = await IngestClient.connect(node.ingestUrl);
  });
  afterAll(async () => {
    await client?.close();
    await node?.stop();
    data.cleanup();
  });

  async function nackOf(p: Promise<unknown>): Promise<RejectCode | undefined> {
    try {
      await p;
      return undefined;
    } catch (err) {
      if (err instanceof BatchNackError) return err.code;
      throw err;
    }
  }

  it('a member registering another member\'s record ids first cannot get its batch refused; a real duplicate still is', async () => {
    const a = records(50);
    // B (Vodafone) learns A's (Telekom's) nullifiers and registers them first.
    const first = forge(squat(a), { submitter: VODAFONE_UK, counterparty: ORANGE_FR, sequence: 1n });
    await (await client.submit(first.frame, 1n)).committed;
    // A's own batch is still accepted and committed.
    const own = forge(a, { submitter: TELEKOM_DE, counterparty: VODAFONE_UK, sequence: 1n });
    await (await client.submit(own.frame, 1n)).committed;
    // A real duplicate of A (one record billed again, new sequence) is refused.
    const again = squat(a.subarray(10 * PUBLIC_RECORD_BYTES, 11 * PUBLIC_RECORD_BYTES));
    const dup = forge(new Uint8Array([...records(3), ...again]), { submitter: TELEKOM_DE, counterparty: VODAFONE_UK, sequence: 2n });
    expect(await nackOf(client.submit(dup.frame, 2n))).toBe(RejectCode.DuplicateRecord);
    // ... and B's duplicate of its own squat too.
    const bDup = forge(squat(a.subarray(0, PUBLIC_RECORD_BYTES)), { submitter: VODAFONE_UK, counterparty: ORANGE_FR, sequence: 2n });
    expect(await nackOf(client.submit(bDup.frame, 2n))).toBe(RejectCode.DuplicateRecord);
    const status = (await (await fetch(`${node.url}/status`)).json()) as { nullifiers: number };
    expect(status.nullifiers).toBe(100);
  });
});
