// Verdicts are state (issue 13, P5): on real chains (LMDB), a block takes a verdict only as the
// (pair, period)'s next revision after the committed one; a block holding two revision-1 verdicts of
// one pair is refused (`verdict`), a producer takes the first, its commit records it in VerdictStore
// and in the state root (a second node gets the same root), and the other, still pending, is evicted
// and reads `evicted` (verdict_overtaken) — across a restart too. A next revision naming the committed
// one is taken by the next block.
import { afterEach, describe, expect, it } from 'vitest';
import { sha256MerkleRoot } from '../crypto/hash.js';
import { privateKeyObject } from '../crypto/ed25519.js';
import { operatorPair } from '../reconciliation/pair.js';
import { monthIndex } from '../reconciliation/period.js';
import { computeVerdict, signVerdict, verdictFrame, verdictTxHash } from '../reconciliation/verdict.js';
import { idleSchedule, openTestChain } from '../test-helpers/chain.js';
import { ORANGE_FR, TELEKOM_DE, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import { toHex } from '../codec/bytes.js';
import type { Chain } from './chain.js';
import { devnetBatchSeed } from './genesis.js';
import { InvalidBlockError, stateChangesRoot } from './state-transition.js';

const pair = operatorPair(ORANGE_FR, VODAFONE_UK);
/** A past month without traffic: the verdicts' zero counts are the node's (it has no index here anyway). */
const period = { year: 2025, month: 12 };

describe('verdicts recorded at block commit', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(dir?: string): Promise<{ chain: Chain; dir: string; close: () => Promise<void> }> {
    let d = dir;
    if (d === undefined) {
      const data = tempDataDir();
      cleanups.push(data.cleanup);
      d = data.dir;
    }
    const chain = await openTestChain(d, { deps: { schedule: idleSchedule } });
    let closed = false;
    cleanups.push(() => (closed ? undefined : chain.close()));
    return { chain, dir: d, close: async () => { closed = true; await chain.close(); } };
  }

  function verdict(chain: Chain, durationSec: number, supersedes?: { hash: Uint8Array; revision: number }) {
    const v = computeVerdict({
      pair, period, counts: { indexedHeight: 0, matched: 0, mismatched: 0, onlyA: 0, onlyB: 0 }, events: [],
      tolerances: { durationSec, volumeBytes: 0n, chargePpm: 5000, chargeMinor: 0n }, ...(supersedes ? { supersedes } : {}),
    });
    const signed = [pair.a, pair.b].reduce((w, plmn) => signVerdict(w, plmn, privateKeyObject(devnetBatchSeed(plmn)), chain.identity), v);
    return { frame: verdictFrame(signed, pair.a), id: verdictTxHash(signed.fields, chain.identity) };
  }

  it('two revision-1 verdicts: a block holding both is refused, a producer records the first (state root, same on a second node), the other is evicted; the next revision follows the committed one', async () => {
    const opened = await open();
    const a = opened.chain;
    const { chain: b } = await open();
    const first = verdict(a, 1);
    const second = verdict(a, 2);
    for (const c of [a, b]) {
      await c.submitTx(first.frame.slice(), c.httpSource);
      // A client's competing revision 1 is refused while one is pending here; a relayed one is admitted.
      await expect(c.submitTx(second.frame.slice(), c.httpSource)).rejects.toMatchObject({ reason: 'verdict_conflict' });
      await c.submitTx(second.frame.slice(), c.connectionSource('peer', { relayed: true }));
    }
    const ids = [first.id, second.id];
    const built = a.builder.build({ producer: TELEKOM_DE, timestampMs: a.committed.headTimestampMs + 1n })!;
    expect(built.writes.txIds.map(toHex)).toEqual([toHex(first.id)]);
    expect(built.writes.verdicts.map((v) => v.verdict.txHash)).toEqual([toHex(first.id)]);
    // The verdict is in the state root: the same block without it as state has another root.
    const { header } = built.writes;
    expect(toHex(built.writes.stateRoot)).not.toBe(toHex(stateChangesRoot(Number(header.height), built.writes.sequences, undefined)));
    let err: unknown;
    try {
      b.transition.apply({ header: { ...header, txCount: 2, txRoot: sha256MerkleRoot(ids) }, txIds: ids }, null);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidBlockError);
    expect((err as InvalidBlockError).reason).toBe('verdict');
    // The second node applies the producer's block to the same state root.
    expect(toHex(b.transition.apply({ header, txIds: built.writes.txIds }, built.writes.stateRoot).stateRoot)).toBe(toHex(built.writes.stateRoot));

    await a.committer.commit(built);
    const height = a.committed.head.height;
    expect(a.verdicts(pair.a, pair.b, monthIndex(period))).toMatchObject([{ txHash: toHex(first.id), revision: 1, height }]);
    expect(a.mempool.size).toBe(0);
    await until(() => a.queries.tx(second.id)?.view.status === 'evicted');
    expect(a.queries.tx(second.id)?.view).toMatchObject({ type: 'verdict', status: 'evicted', eviction: { reason: 'verdict_overtaken', height } });

    // Revision 2 names the committed revision 1: admitted and taken by the next block.
    const next = verdict(a, 3, { hash: first.id, revision: 1 });
    await a.submitTx(next.frame.slice(), a.httpSource);
    const built2 = a.builder.build({ producer: TELEKOM_DE, timestampMs: a.committed.headTimestampMs + 1n })!;
    expect(built2.writes.verdicts.map((v) => v.verdict.revision)).toEqual([2]);
    await a.committer.commit(built2);
    expect(a.verdicts(pair.a, pair.b, monthIndex(period)).map((v) => v.txHash)).toEqual([toHex(first.id), toHex(next.id)]);

    // A restart keeps the committed chain and the eviction.
    await opened.close();
    const { chain: reopened } = await open(opened.dir);
    expect(reopened.verdicts(pair.a, pair.b, monthIndex(period)).map((v) => v.revision)).toEqual([1, 2]);
    expect(reopened.queries.tx(second.id)?.view).toMatchObject({ status: 'evicted', eviction: { reason: 'verdict_overtaken', height } });
    expect(reopened.mempool.size).toBe(0);
  });
});

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
