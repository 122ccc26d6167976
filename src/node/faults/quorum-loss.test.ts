import { afterEach, describe, expect, it } from 'vitest';
import { startValidatorCluster, type ValidatorCluster } from '../../test-helpers/validator-processes.js';
import { expectIdenticalChains, FinalChains } from './final-chains.js';
import { OperatorStream } from './operator-stream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Losing the quorum (docs/consensus.md §14.3): with half of the voting power down or cut off,
 * nothing becomes final and nothing conflicting is final; once a quorum is back, finality resumes on
 * the one chain and every batch acknowledged meanwhile becomes final once.
 */
describe('fault suite: no quorum, no finality, no fork', () => {
  let cluster: ValidatorCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  /** Final heights of `who` do not move for `ms` (after a settle for a decision already on its way). */
  async function expectFinalStalled(c: ValidatorCluster, who: readonly number[], ms: number): Promise<number[]> {
    await sleep(1_000);
    const before = (await Promise.all(who.map((i) => c.consensus(i)))).map((s) => s.final.height);
    await sleep(ms);
    const after = (await Promise.all(who.map((i) => c.consensus(i)))).map((s) => s.final.height);
    expect(after, `final heights moved without a quorum: ${before.join(',')} -> ${after.join(',')}`).toEqual(before);
    return after;
  }

  it('two of 4 killed: no finality and no fork; resumes when one returns', async () => {
    cluster = await startValidatorCluster({ validators: 4, proxied: true });
    const c = cluster;
    const streams = [0, 1, 2, 3].map((i) => new OperatorStream(c, c.plmn(i), c.plmn((i + 1) % 4)));
    await Promise.all(streams.map((s, i) => s.submit(i, 5)));
    await Promise.all([0, 1, 2, 3].map((i) => c.waitFinal(i, 8, 30_000)));

    await Promise.all([c.kill(2), c.kill(3)]);
    // Still admitted (and acknowledged) by the two that are up, but not final anywhere.
    await Promise.all([streams[0]!.submit(0, 5), streams[1]!.submit(1, 5)]);
    c.trace('2 and 3 killed');
    const stalled = await expectFinalStalled(c, [0, 1], 3_000);
    c.trace('stalled');
    const chains = new FinalChains(c);
    expectIdenticalChains(await Promise.all([0, 1].map((i) => chains.view(i))));

    await c.start(2);
    await Promise.all([streams[2]!.submit(2, 5), streams[0]!.submit(0, 5)]);
    const resumed = Math.max(...stalled) + 8;
    await Promise.all([0, 1, 2].map((i) => c.waitFinal(i, resumed, 60_000)));
    c.trace('2 back, finality resumed');
    const acked = streams.flatMap((s) => s.acked.map((a) => a.id));
    expect(acked).toHaveLength(40);
    await chains.expectAllFinal([0, 1, 2], acked, 60_000);
  }, 150_000);

  it('a 2|2 partition: no finality on either side while it lasts, and it heals with no fork', async () => {
    cluster = await startValidatorCluster({ validators: 4, proxied: true });
    const c = cluster;
    const mesh = c.mesh!;
    const streams = [0, 1, 2, 3].map((i) => new OperatorStream(c, c.plmn(i), c.plmn((i + 1) % 4)));
    await Promise.all(streams.map((s, i) => s.submit(i, 5)));
    await Promise.all([0, 1, 2, 3].map((i) => c.waitFinal(i, 8, 30_000)));

    mesh.partition([c.plmn(0), c.plmn(1)], [c.plmn(2), c.plmn(3)], 'cut');
    // Each side acknowledges its operators' batches; neither side can finalize them.
    await Promise.all(streams.map((s, i) => s.submit(i, 5)));
    c.trace('partitioned');
    const stalled = await expectFinalStalled(c, [0, 1, 2, 3], 3_000);
    c.trace('stalled');
    const chains = new FinalChains(c);
    expectIdenticalChains(await Promise.all([0, 1, 2, 3].map((i) => chains.view(i))));

    mesh.healAll();
    // Each operator keeps submitting to its own validator (see failover.test.ts for one that switches).
    await Promise.all(streams.map((s, i) => s.submit(i, 3)));
    await Promise.all([0, 1, 2, 3].map((i) => c.waitFinal(i, Math.max(...stalled) + 8, 60_000)));
    c.trace('healed, finality resumed');
    const acked = streams.flatMap((s) => s.acked.map((a) => a.id));
    expect(acked).toHaveLength(52);
    await chains.expectAllFinal([0, 1, 2, 3], acked, 60_000);
  }, 150_000);
});
