import { expect } from 'vitest';

/** GET a JSON endpoint of a node. */
export async function getJson(baseUrl: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * The after-check of hostile and fault tests: the node answers GET /health/live and GET /status, and every batch it acknowledged
 * (hex ids) sits in exactly one committed block — walked block by block, so a batch committed twice
 * or lost is seen — and the nullifier count is the sum of their records.
 */
export async function expectLedgerExactlyOnce(baseUrl: string, accepted: readonly { id: string; records: number }[]): Promise<void> {
  expect((await getJson(baseUrl, '/health/live')).status).toBe(200);
  const status = await getJson(baseUrl, '/status');
  expect(status.status).toBe(200);
  const wanted = new Set(accepted.map((a) => a.id));
  // Commits are asynchronous to the Ack: wait (briefly) until every accepted id is committed.
  const deadline = Date.now() + 10_000;
  // A batch's location is visible as soon as its block's transaction commits, the head a moment later.
  let height = Number((await getJson(baseUrl, '/status')).body['height']);
  for (const id of wanted) {
    for (;;) {
      const b = await getJson(baseUrl, `/batch/${id}`);
      if (b.status === 200 && b.body['status'] === 'committed') {
        height = Math.max(height, Number(b.body['height']));
        break;
      }
      if (Date.now() > deadline) expect({ id, status: b.status, batchStatus: b.body['status'] }).toEqual({ id, status: 200, batchStatus: 'committed' });
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const seen = new Map<string, number>();
  for (let h = 1; h <= height; h++) {
    const block = await getJson(baseUrl, `/blocks/${h}`);
    for (const id of (block.body['txIds'] as string[] | undefined) ?? []) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  for (const id of wanted) expect({ id, times: seen.get(id) ?? 0 }).toEqual({ id, times: 1 });
  const after = await getJson(baseUrl, '/status');
  expect(after.status).toBe(200);
  expect(after.body['nullifiers']).toBe(accepted.reduce((n, a) => n + a.records, 0));
}
