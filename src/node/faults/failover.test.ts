import { afterEach, describe, expect, it } from 'vitest';
import { startValidatorCluster, type ValidatorCluster } from '../../test-helpers/validator-processes.js';
import { FinalChains } from './final-chains.js';
import { OperatorStream } from './operator-stream.js';

/**
 * An operator whose own validator is cut off fails over to another validator. What the cut-off
 * validator acknowledged but could not relay reaches the others when it reconnects (TxRelay re-sends
 * its pending transactions to a peer that connects), and blocks take a submitter's batches in any
 * sequence order, so the operator's later batches, final meanwhile, do not make those unincludable.
 */
describe('fault suite: operator failover across a cut', () => {
  let cluster: ValidatorCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  async function isolatedOperator(): Promise<{ c: ValidatorCluster; streams: OperatorStream[]; stranded: string[] }> {
    cluster = await startValidatorCluster({ validators: 4, proxied: true });
    const c = cluster;
    const streams = [0, 1, 2, 3].map((i) => new OperatorStream(c, c.plmn(i), c.plmn((i + 1) % 4)));
    await Promise.all(streams.map((s, i) => s.submit(i, 2)));
    await Promise.all([0, 1, 2, 3].map((i) => c.waitFinal(i, 8, 30_000)));
    c.trace('final 8 everywhere');
    c.mesh!.isolate(c.plmn(0), 'cut');
    // Durable on validator 0 and acknowledged; its relay reaches nobody.
    const stranded = (await streams[0]!.submit(0, 4)).map((a) => a.id);
    expect(stranded).toHaveLength(4);
    return { c, streams, stranded };
  }

  it('resubmitting the un-final batches to the new validator first: every acknowledged batch is final once everywhere', async () => {
    const { c, streams, stranded } = await isolatedOperator();
    expect(await streams[0]!.resubmit(1, stranded)).toHaveLength(4);
    await Promise.all([streams[0]!.submit(1, 3), streams[1]!.submit(1, 3), streams[2]!.submit(2, 3), streams[3]!.submit(3, 3)]);
    const chains = new FinalChains(c);
    const acked = streams.flatMap((s) => s.ackedIds);
    expect(acked).toHaveLength(8 + 4 + 12);
    await chains.expectAllFinal([1, 2, 3], acked, 60_000);
    c.trace('final on the majority');

    c.mesh!.healAll();
    // Validator 0 rejoins: it holds the same 4 batches (same ids) and must not put them in a block again.
    await chains.expectAllFinal([0, 1, 2, 3], acked, 60_000);
  }, 150_000);

  it('failing over without resubmitting: the batches the cut-off validator acknowledged become final once it is back', async () => {
    const { c, streams, stranded } = await isolatedOperator();
    await streams[0]!.submit(1, 3);
    const later = streams[0]!.ackedIds.filter((id) => !stranded.includes(id));
    const chains = new FinalChains(c);
    await chains.expectAllFinal([1, 2, 3], later, 60_000);
    c.mesh!.healAll();
    c.trace('final on the majority; healing');
    await chains.expectAllFinal([0, 1, 2, 3], streams.flatMap((s) => s.ackedIds), 60_000);
  }, 150_000);
});
