// Closed settlement periods on real chains (LMDB, verification workers): a block at or after a
// period's close time refuses the period's batches (every validator alike), a producer leaves them
// out, the commit evicts what can no longer be included (and the batch then reads `evicted`,
// reason period_closed), and admission refuses them with
// period_closed once the committed head has closed the period.
import { afterEach, describe, expect, it } from 'vitest';
import { Operator } from '../client/operator.js';
import { decodeBatch } from '../codec/batch.js';
import { BlockKind, type BlockHeaderFields } from '../codec/block.js';
import { BLOCK_VERSION } from '../codec/limits.js';
import { sha256MerkleRoot } from '../crypto/hash.js';
import { periodContaining, type SettlementPeriod } from '../settlement/settlement-period.js';
import { idleSchedule, openTestChain } from '../test-helpers/chain.js';
import { TELEKOM_DE, tempDataDir, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { Chain } from './chain.js';
import { DEFAULT_GENESIS_SETTLEMENT } from './genesis-settlement.js';
import { BatchRejectedError, RejectCode } from './reject.js';
import { InvalidBlockError, type BlockCandidate } from './state-transition.js';

const telekom = Operator.devnet(TELEKOM_DE);
const vodafone = Operator.devnet(VODAFONE_UK);

describe('closed settlement periods', () => {
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
    return {
      chain, dir: d, close: async () => {
        closed = true;
        await chain.close();
      },
    };
  }

  function periodOf(frame: Uint8Array): SettlementPeriod {
    return periodContaining(DEFAULT_GENESIS_SETTLEMENT.periods, Number(decodeBatch(frame).header.periodStart));
  }

  function candidate(chain: Chain, ids: readonly Uint8Array[], timestampMs: bigint, cdrCount: number): BlockCandidate {
    const head = chain.committed.head;
    const header: BlockHeaderFields = {
      version: BLOCK_VERSION, kind: BlockKind.Micro, height: BigInt(head.height + 1), prevHash: head.hash,
      timestampMs, producer: TELEKOM_DE, txRoot: sha256MerkleRoot(ids), txCount: ids.length, cdrCount,
    };
    return { header, txIds: ids };
  }

  it('a block at the close time refuses a batch of the period, on every node alike; one a millisecond earlier takes it', async () => {
    const [{ chain: a }, { chain: b }] = [await open(), await open()];
    const batch = telekom.batch(traffic(TELEKOM_DE, VODAFONE_UK, 8, 'pc-1'), 1n);
    const period = periodOf(batch.frame);
    for (const c of [a, b]) await c.submitTx(batch.frame.slice(), c.httpSource);
    const id = a.mempool.get(batch.id)!.id;
    for (const c of [a, b]) {
      let err: unknown;
      try {
        c.transition.apply(candidate(c, [id], period.closesAtMs, 8));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidBlockError);
      expect((err as InvalidBlockError).reason).toBe('period_closed');
      expect((err as Error).message).toContain(`period ${period.id} closed at ${new Date(Number(period.closesAtMs)).toISOString()}`);
      // A millisecond before the close the same block is valid.
      expect(c.transition.apply(candidate(c, [id], period.closesAtMs - 1n, 8)).txIds).toHaveLength(1);
    }
  });

  it('a producer leaves the batch out, the block that closes the period evicts it (restart too), and admission then refuses the period', async () => {
    const opened = await open();
    const a = opened.chain;
    const late = telekom.batch(traffic(TELEKOM_DE, VODAFONE_UK, 5, 'pc-2'), 1n);
    const period = periodOf(late.frame);
    await a.submitTx(late.frame.slice(), a.httpSource);
    expect(a.mempool.size).toBe(1);

    const built = a.builder.build({ producer: TELEKOM_DE, timestampMs: period.closesAtMs })!;
    expect(built.writes.txIds).toHaveLength(0);
    await a.committer.commit(built);
    expect(a.committed.headTimestampMs).toBe(period.closesAtMs);
    expect(a.mempool.size).toBe(0);
    expect(a.mempool.get(late.id)).toBeUndefined();
    expect(a.builder.hasReady()).toBe(false);
    // It says so: GET /batch/{id} and /txns/{hash} answer evicted, with why and at which height.
    const evicted = { status: 'evicted', eviction: { reason: 'period_closed', height: a.committed.head.height } };
    expect(a.queries.batch(late.id)?.view).toMatchObject(evicted);
    expect(a.queries.tx(late.id)?.view).toMatchObject(evicted);
    expect(String(a.queries.batch(late.id)?.view.eviction?.detail)).toContain(`settlement period ${period.id} closed`);

    // Admission: the committed head has closed the period; nothing is recorded.
    const again = telekom.batch(traffic(TELEKOM_DE, VODAFONE_UK, 5, 'pc-3'), 2n);
    expect(periodOf(again.frame).id).toBe(period.id);
    const refused = await a.submitTx(again.frame.slice(), a.httpSource).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(BatchRejectedError);
    expect((refused as BatchRejectedError).code).toBe(RejectCode.PeriodClosed);
    expect((refused as BatchRejectedError).reason).toBe('period_closed');
    expect((refused as BatchRejectedError).detail).toMatch(new RegExp(`settlement period ${period.id} .* closed at ${new Date(Number(period.closesAtMs)).toISOString()}.*late records are refused`));
    expect(a.mempool.size).toBe(0);
    expect(a.lastAcceptedSequence(TELEKOM_DE)).toBe(1n);
    // Another submitter too (the rule is the period's, not the submitter's).
    const other = vodafone.batch(traffic(VODAFONE_UK, TELEKOM_DE, 3, 'pc-4'), 1n);
    await expect(a.submitTx(other.frame.slice(), a.httpSource)).rejects.toMatchObject({ code: RejectCode.PeriodClosed });

    // The eviction is durable: a restart does not bring the batch back.
    await opened.close();
    const { chain: reopened } = await open(opened.dir);
    expect(reopened.mempool.size).toBe(0);
    expect(reopened.committed.headTimestampMs).toBe(period.closesAtMs);
    expect(reopened.queries.batch(late.id)?.view).toMatchObject({ status: 'evicted', eviction: { reason: 'period_closed' } });
    await expect(reopened.submitTx(again.frame.slice(), reopened.httpSource)).rejects.toMatchObject({ code: RejectCode.PeriodClosed });
  });
});
