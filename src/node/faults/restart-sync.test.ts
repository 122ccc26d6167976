import { afterEach, describe, expect, it } from 'vitest';
import { startValidatorCluster, type ValidatorCluster } from '../../test-helpers/validator-processes.js';
import { expectIdenticalChains, FinalChains } from './final-chains.js';
import { OperatorStream } from './operator-stream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A validator that crashes (SIGKILL) while blocks are being finalized restarts from its LMDB and
 * catches up to the same final chain; a validator that starts late syncs from genesis by range
 * requests. docs/consensus.md §9.
 */
describe('fault suite: crash, restart and late join', () => {
  let cluster: ValidatorCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('a validator kill -9\'d while blocks are finalized (twice) restarts and catches up to the same final chain', async () => {
    cluster = await startValidatorCluster({ validators: 4, proxied: true });
    const c = cluster;
    const victim = 1;
    const streams = [0, 1, 2, 3].map((i) => new OperatorStream(c, c.plmn(i), c.plmn((i + 1) % 4)));
    await Promise.all(streams.map((s, i) => s.submit(i, 3)));
    await c.waitFinal(victim, 8, 30_000);

    // Traffic keeps flowing to the three others while the victim crashes and restarts, three times.
    let traffic = true;
    const background = (async () => {
      while (traffic) {
        await Promise.all([0, 2, 3].map((i) => streams[i]!.submit(i, 2)));
        await sleep(200);
      }
    })();
    try {
      for (let round = 0; round < 2; round++) {
        // Kill right after a final height changes (a batch's commit is then in progress or just done),
        // at a different offset each round.
        const seen = (await c.consensus(victim)).final.height;
        await c.waitFinal(victim, seen + 1, 30_000);
        await sleep([0, 60][round]!);
        await c.kill(victim, 'SIGKILL');
        const othersAtKill = Math.max(...(await Promise.all([0, 2, 3].map((i) => c.consensus(i)))).map((s) => s.final.height));
        await c.start(victim);
        await c.waitFinal(victim, othersAtKill + 8, 60_000);
        c.trace(`round ${round}: killed at ${othersAtKill}, caught up`);
      }
    } finally {
      traffic = false;
      await background;
    }
    await streams[victim]!.submit(victim, 3);

    const chains = new FinalChains(c);
    const acked = streams.flatMap((s) => s.ackedIds);
    await chains.expectAllFinal([0, 1, 2, 3], acked, 60_000);
    // No double signing after a crash: no fork proof anywhere.
    for (const i of [0, 1, 2, 3]) expect(await c.metric(i, 'cdrchain_consensus_fork_proofs_total'), `validator ${i}`).toBe(0);
  }, 200_000);

  it('a late joiner, started after the others finalized several batches and an epoch, syncs from genesis', async () => {
    // Blocks more than 16 above a validator's last final block are range-synced, not held as orphans.
    // Info logs: the joiner says when it range-syncs.
    cluster = await startValidatorCluster({ validators: 4, proxied: true, start: [0, 1, 2], localPolicy: { maxBlocksAhead: 16 }, logLevel: 'info' });
    const c = cluster;
    const streams = [0, 1, 2, 3].map((i) => new OperatorStream(c, c.plmn(i), c.plmn((i + 1) % 4)));
    await Promise.all([0, 1, 2].map((i) => streams[i]!.submit(i, 5)));
    await Promise.all([0, 1, 2].map((i) => c.waitFinal(i, 24, 60_000)));
    c.trace('three at final 24');

    await c.start(3);
    const othersNow = Math.max(...(await Promise.all([0, 1, 2].map((i) => c.consensus(i)))).map((s) => s.final.height));
    await c.waitFinal(3, othersNow, 60_000);
    c.trace(`late joiner synced to ${othersNow}`);
    const chains = new FinalChains(c);
    expectIdenticalChains(await Promise.all([0, 1, 2, 3].map((i) => chains.view(i))));
    expect(c.logs(3)).toContain('range sync: asking a peer for final blocks');

    // Synced, it takes part: its operator's batches become final everywhere.
    await streams[3]!.submit(3, 4);
    const acked = streams.flatMap((s) => s.ackedIds);
    expect(acked).toHaveLength(19);
    await chains.expectAllFinal([0, 1, 2, 3], acked, 60_000);
  }, 150_000);
});
