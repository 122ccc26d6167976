// ChainBranches.select on a real chain (LMDB, verification workers): what a producer puts in its block.
import { afterEach, describe, expect, it } from 'vitest';
import { Operator } from '../../client/operator.js';
import { toHex } from '../../codec/bytes.js';
import { idleSchedule, openTestChain } from '../../test-helpers/chain.js';
import { TELEKOM_DE, tempDataDir, traffic, VODAFONE_UK } from '../../test-helpers/devnet.js';
import type { Chain } from '../chain.js';
import { signDeploy } from '../../client/contract-tx.js';
import { counterContract, sumContract } from '../../test-helpers/contracts.js';
import { devnetBatchSeed } from '../genesis.js';
import { RejectCode } from '../reject.js';

describe('ChainBranches.select', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(): Promise<Chain> {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const chain = await openTestChain(data.dir, { deps: { schedule: idleSchedule } });
    cleanups.push(() => chain.close());
    return chain;
  }

  it('takes a submitter\'s batches in sequence order even when they were admitted out of order', async () => {
    const chain = await open();
    const telekom = Operator.devnet(TELEKOM_DE, chain.identity);
    const vodafone = Operator.devnet(VODAFONE_UK, chain.identity);
    const t = [...telekom.batches(traffic(TELEKOM_DE, VODAFONE_UK, 30, 'sel-t'), 10, 1n)];
    const v = [...vodafone.batches(traffic(VODAFONE_UK, TELEKOM_DE, 20, 'sel-v'), 10, 1n)];
    // Relayed frames (another validator's, or bodies fetched for a block) may come in any sequence order.
    const relayed = chain.connectionSource('peer test', { relayed: true });
    for (const b of [t[2]!, v[0]!, t[0]!, v[1]!, t[1]!]) await chain.submitTx(b.frame.slice(), relayed);

    const picked = chain.branches.select(chain.branches.committedHex, 100);
    const seq = (e: { submitter: number; sequence: bigint }) => `${e.submitter}:${e.sequence}`;
    // Admission order of submitters (t, v, t, v, t), each submitter's own in sequence order.
    expect(picked.map(seq)).toEqual([`${TELEKOM_DE}:1`, `${VODAFONE_UK}:1`, `${TELEKOM_DE}:2`, `${VODAFONE_UK}:2`, `${TELEKOM_DE}:3`]);
    expect(picked.map((e) => toHex(e.id))).toEqual([t[0]!, v[0]!, t[1]!, v[1]!, t[2]!].map((b) => toHex(b.id)));
    // The block the producer would build from them is valid.
    const writes = chain.branches.propose(chain.branches.committedHex, { producer: TELEKOM_DE, timestampMs: chain.committed.headTimestampMs + 1n }, picked);
    expect(writes.txIds).toHaveLength(5);

    // Capped: the first slots, still in sequence order per submitter.
    expect(chain.branches.select(chain.branches.committedHex, 3).map(seq)).toEqual([`${TELEKOM_DE}:1`, `${VODAFONE_UK}:1`, `${TELEKOM_DE}:2`]);
    expect(chain.branches.hasPending(chain.branches.committedHex)).toBe(true);
  });
  it('admits a relayed contract transaction whose sequence its sender already holds here, and a block takes only the first of the two', async () => {
    const chain = await open();
    const seed = devnetBatchSeed(TELEKOM_DE);
    const mine = signDeploy({ sender: TELEKOM_DE, sequence: 1n, gasLimit: 1n, container: sumContract(), seed, chain: chain.identity });
    const theirs = signDeploy({ sender: TELEKOM_DE, sequence: 1n, gasLimit: 1n, container: counterContract(), seed, chain: chain.identity });
    await chain.submitTx(mine.frame.slice(), chain.httpSource);
    await expect(chain.submitTx(theirs.frame.slice(), chain.httpSource)).rejects.toMatchObject({ code: RejectCode.Replay });
    // Another validator took the other one first: a block may name it, so it must be admissible here.
    await chain.submitTx(theirs.frame.slice(), chain.connectionSource('peer test', { relayed: true }));
    expect(chain.mempool.size).toBe(2);
    const picked = chain.branches.select(chain.branches.committedHex, 100);
    expect(picked.map((e) => toHex(e.id))).toEqual([toHex(mine.hash)]);
    expect(chain.branches.propose(chain.branches.committedHex, { producer: TELEKOM_DE, timestampMs: chain.committed.headTimestampMs + 1n }, picked).txIds).toHaveLength(1);
  });
});
