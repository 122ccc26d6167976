import { afterEach, describe, expect, it } from 'vitest';
import { startValidatorCluster, type ValidatorCluster } from '../../test-helpers/validator-processes.js';
import { FinalChains } from './final-chains.js';
import { OperatorStream } from './operator-stream.js';

/**
 * Four validator processes (`cdrchain node --validator`), real TLS 1.3 through the project's fault
 * proxy between every pair: batches submitted to every validator end in exactly one final block on
 * each, and the final chains are identical.
 */
describe('fault suite: 4 validator processes finalize', () => {
  let cluster: ValidatorCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('batches acknowledged by each of the 4 validators are final once on all, on one chain', async () => {
    cluster = await startValidatorCluster({ validators: 4, proxied: true });
    const c = cluster;
    const streams = [0, 1, 2, 3].map((i) => new OperatorStream(c, c.plmn(i), c.plmn((i + 1) % 4)));
    c.trace('started');
    await Promise.all(streams.map((s, i) => s.submit(i, 10)));
    c.trace('40 batches acknowledged');
    const acked = streams.flatMap((s) => s.acked.map((a) => a.id));
    expect(acked, streams.flatMap((s) => s.unacked.map((u) => u.reason)).join('\n')).toHaveLength(40);

    const chains = new FinalChains(c);
    const views = await chains.expectAllFinal([0, 1, 2, 3], acked, 30_000);
    c.trace('all final');
    // Macro blocks every 8 heights: the batches span finalized batches of the chain.
    expect(Math.min(...views.map((v) => v.blocks.length - 1))).toBeGreaterThanOrEqual(8);
    for (const v of views) expect(v.blocks.filter((b) => b.height % 8 === 0).every((b) => b.kind === 'macro')).toBe(true);
    const status = await c.consensus(2);
    expect(status.validators.every((v) => v.connected)).toBe(true);
  }, 90_000);

  it('one of 4 killed: the others skip its slots with skip blocks, and the chain goes on finalizing', async () => {
    cluster = await startValidatorCluster({ validators: 4, proxied: true });
    const c = cluster;
    const streams = [0, 1, 2, 3].map((i) => new OperatorStream(c, c.plmn(i), c.plmn((i + 1) % 4)));
    await Promise.all(streams.map((s, i) => s.submit(i, 5)));
    await Promise.all([0, 1, 2, 3].map((i) => c.waitFinal(i, 8, 30_000)));

    c.trace('final 8 everywhere');
    await c.kill(3);
    const killedAt = Math.max(...(await Promise.all([0, 1, 2].map((i) => c.consensus(i)))).map((s) => s.final.height));
    const skipsBefore = await Promise.all([0, 1, 2].map((i) => c.metric(i, 'cdrchain_consensus_blocks_total{kind="skip"}')));
    // Traffic goes on to the three that are up (validator 3's operator now submits to validator 0).
    await Promise.all([streams[0]!.submit(0, 5), streams[1]!.submit(1, 5), streams[2]!.submit(2, 5), streams[3]!.submit(0, 5)]);

    c.trace('validator 3 killed, traffic acknowledged');
    // Two more batches final, and at least one skip block among the final blocks since the kill.
    const chains = new FinalChains(c);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const views = await Promise.all([0, 1, 2].map((i) => chains.view(i)));
      const low = Math.min(...views.map((v) => v.blocks.length - 1));
      const skips = views[0]!.blocks.filter((b) => b.height > killedAt && b.kind === 'skip');
      if (low >= killedAt + 16 && skips.length > 0) {
        // A skip block records the validator that missed the slot: the killed one.
        expect(skips.every((b) => b.producer === c.plmn(3))).toBe(true);
        break;
      }
      if (Date.now() > deadline) throw new Error(`no progress with one validator down: final heights ${views.map((v) => v.blocks.length - 1).join(', ')}, ${skips.length} skip blocks since ${killedAt}\n${c.allLogs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    c.trace('two batches final with skip blocks');
    const skipsAfter = await Promise.all([0, 1, 2].map((i) => c.metric(i, 'cdrchain_consensus_blocks_total{kind="skip"}')));
    for (const [k, n] of skipsAfter.entries()) expect(n, `validator ${k} counted skip blocks`).toBeGreaterThan(skipsBefore[k]!);

    const acked = streams.flatMap((s) => s.acked.map((a) => a.id));
    expect(acked).toHaveLength(40);
    await chains.expectAllFinal([0, 1, 2], acked, 60_000);
    const status = await c.consensus(0);
    expect(status.validators.find((v) => v.plmn === c.plmn(3))?.connected).toBe(false);
  }, 150_000);
});
