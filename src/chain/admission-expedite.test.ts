// A block held for bodies waits for those being checked here, not for the whole worker queue:
// `Chain.expediteAdmission` moves their checks (and their submitters' earlier batches, which a
// lane accepts first anyway) to the front of the real worker pool's queue.
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import type { Chain } from './chain.js';
import { idleSchedule, openTestChain } from '../test-helpers/chain.js';
import { ORANGE_FR, tempDataDir, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { forge, type ForgedBatch } from '../test-helpers/forge.js';
import { freshRecords } from '../test-helpers/records.js';

describe('expediting admission for a held block', () => {
  let chain: Chain | undefined;
  let cleanup: (() => void) | undefined;
  afterEach(async () => {
    await chain?.close();
    cleanup?.();
    chain = undefined;
  });

  async function open(): Promise<Chain> {
    const data = tempDataDir();
    cleanup = data.cleanup;
    chain = await openTestChain(data.dir, { workers: 1, deps: { schedule: idleSchedule } });
    return chain;
  }

  const batches = (c: Chain, submitter: number, counterparty: number, n: number): ForgedBatch[] =>
    Array.from({ length: n }, (_, i) => forge(freshRecords(submitter, counterparty, 64, `expedite-${submitter}`), { submitter, counterparty, sequence: BigInt(i + 1), chain: c.identity }));

  /** Submits A1, B1, A2, B2, … from one source; `accepted` fills in the order verdicts land. */
  function submitInterleaved(c: Chain, a: readonly ForgedBatch[], b: readonly ForgedBatch[]): { accepted: string[]; all: Promise<unknown> } {
    const source = c.connectionSource('test');
    const accepted: string[] = [];
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < a.length; i++) {
      for (const [tag, batch] of [['A', a[i]!], ['B', b[i]!]] as const) all.push(c.submit(batch.frame.slice(), source).then(() => accepted.push(`${tag}${i + 1}`)));
    }
    return { accepted, all: Promise.all(all) };
  }

  it('checks the named batch and its submitter\'s earlier ones before the rest of the queue, and returns the ids it does not hold', async () => {
    const c = await open();
    const a = batches(c, TELEKOM_DE, VODAFONE_UK, 8);
    const b = batches(c, ORANGE_FR, VODAFONE_UK, 8);
    const { accepted, all } = submitInterleaved(c, a, b);
    const notHere = forge(freshRecords(TELEKOM_DE, ORANGE_FR, 4, 'expedite-unknown'), { submitter: TELEKOM_DE, counterparty: ORANGE_FR, sequence: 99n, chain: c.identity });
    // A block names B5 (and a batch this node never saw): B2..B5 jump A2..A8; only the unknown one is for peers.
    const unknown = c.expediteAdmission([b[4]!.id, notHere.id]);
    expect(unknown.map(toHex)).toEqual([toHex(notHere.id)]);
    await all;
    expect(accepted).toHaveLength(16);
    const at = (n: string): number => accepted.indexOf(n);
    for (const earlier of ['B2', 'B3', 'B4', 'B5']) expect(at(earlier), `${earlier} in ${accepted.join(' ')}`).toBeLessThan(at('A3'));
    // Each lane still accepts in arrival order.
    for (const tag of ['A', 'B']) {
      const lane = accepted.filter((x) => x.startsWith(tag));
      expect(lane).toEqual(Array.from({ length: 8 }, (_, i) => `${tag}${i + 1}`));
    }
    // Nothing is left to expedite once every verdict is in.
    expect(c.expediteAdmission([b[4]!.id]).map(toHex)).toEqual([toHex(b[4]!.id)]);
  });

  it('without expediting, the same queue is served in arrival order (the test above can fail)', async () => {
    const c = await open();
    const a = batches(c, TELEKOM_DE, VODAFONE_UK, 8);
    const b = batches(c, ORANGE_FR, VODAFONE_UK, 8);
    const { accepted, all } = submitInterleaved(c, a, b);
    await all;
    expect(accepted.indexOf('B5')).toBeGreaterThan(accepted.indexOf('A3'));
  });
});
