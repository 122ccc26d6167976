import { describe, expect, it } from 'vitest';
import { BatchOutcome, type ReplayResult } from '../pipeline/protocol.js';
import { consensusLatencies, devnetSteadyWindow, finalEvents, finalizedRate, microTail } from './analysis.js';

const T0 = 1_000_000;

interface B {
  si: number;
  sent: number;
  ack: number;
  com: number;
  fin: number;
  cdrs?: number;
}

function replay(mode: 'flat' | 'paced', batches: B[]): ReplayResult {
  return {
    mode, rateCdrPerSec: undefined, window: 4, submitters: [1, 2], startedAt: T0, waitFor: 'final',
    lastSendAt: [0, 1].map((si) => T0 + Math.max(...batches.filter((b) => b.si === si).map((b) => b.sent))),
    finishedAt: T0 + 100_000,
    records: {
      submitterIndex: batches.map((b) => b.si),
      cdrs: batches.map((b) => b.cdrs ?? 1000),
      sentAt: batches.map((b) => T0 + b.sent),
      scheduledAt: batches.map(() => Number.NaN),
      ackMs: batches.map((b) => b.ack),
      committedMs: batches.map((b) => b.com),
      finalMs: batches.map((b) => b.fin),
      outcome: batches.map((b) => (Number.isFinite(b.fin) ? BatchOutcome.Committed : BatchOutcome.NotFinal)),
    },
    nacks: {}, errors: [], cpuUserMs: 0, cpuSystemMs: 0, peakRssBytes: 0, stoppedBy: 'dataset-end',
  };
}

/**
 * Two submitters each send a batch every 100 ms for 20 s; each is committed 50 ms later and final at
 * the next macro block, one every second (at whole seconds + 500 ms), a few ms apart per validator.
 */
function steadyChain(): ReplayResult {
  const bs: B[] = [];
  for (let i = 0; i < 200; i++) {
    for (const si of [0, 1]) {
      const sent = i * 100;
      const com = 50;
      const macroAt = Math.ceil((sent + com + 1 - 500) / 1000) * 1000 + 500;
      bs.push({ si, sent, ack: 10, com, fin: macroAt - sent + si * 3 });
    }
  }
  return replay('flat', bs);
}

describe('devnet analysis', () => {
  it('groups Final replies into macro blocks', () => {
    const events = finalEvents(steadyChain());
    expect(events.length).toBe(21);
    expect(events[1]!.at).toBe(T0 + 1500);
    // 10 batches a second from each of two submitters
    expect(events[5]!.cdrs).toBe(20_000);
  });

  it('measures the finalized rate between macro blocks, not over a window cut mid-step', () => {
    const r = steadyChain();
    const w = devnetSteadyWindow(r, 2);
    // flat: to the earliest last Committed (sent 19,900 + 50 ms)
    expect(w.endSec).toBeCloseTo(19.95, 5);
    const rate = finalizedRate(r, w);
    // 20 batches of 1,000 a second, exactly, whatever the window's edges
    expect(rate.finalizedCdrPerSec).toBe(20_000);
    expect(rate.macroBlocksInWindow).toBe(18);
    expect(rate.committedCdrPerSec).toBeGreaterThan(19_000);
    expect(rate.committedCdrPerSec).toBeLessThan(21_000);
    expect(rate.finalizedCdrs).toBe(400_000);
    // A naive count over the window would be off by part of a step: 2.0 s .. 19.95 s holds 18 macro blocks' worth.
    expect(Math.round((18 * 20_000) / w.seconds)).not.toBe(20_000);
  });

  it('a window with fewer than two macro blocks falls back to count / window', () => {
    const r = steadyChain();
    const rate = finalizedRate(r, { start: T0 + 1_600, end: T0 + 2_400, startSec: 1.6, endSec: 2.4, seconds: 0.8 });
    expect(rate.macroBlocksInWindow).toBe(0);
    expect(rate.finalizedCdrPerSec).toBe(0);
    const one = finalizedRate(r, { start: T0 + 1_400, end: T0 + 2_400, startSec: 1.4, endSec: 2.4, seconds: 1 });
    expect(one.macroBlocksInWindow).toBe(1);
    expect(one.finalizedCdrPerSec).toBe(20_000);
  });

  it('macro blocks bunched in a burst (a backlog finalized at once) fall back to count / window', () => {
    // 100 batches sent over 10 s, all finalized by three macro blocks within 0.5 s at 60 s.
    const bs: B[] = [];
    for (let i = 0; i < 100; i++) bs.push({ si: i % 2, sent: i * 100, ack: 10, com: 50, fin: 60_000 + (i % 3) * 250 - i * 100 });
    const r = replay('flat', bs);
    const w = { start: T0, end: T0 + 100_000, startSec: 0, endSec: 100, seconds: 100 };
    const rate = finalizedRate(r, w);
    expect(rate.macroBlocksInWindow).toBeGreaterThanOrEqual(2);
    expect(rate.finalizedCdrPerSec).toBe(1_000); // 100,000 CDRs over the 100 s window, not over the 0.5 s burst
  });

  it('micro confirmation is send→Committed; macro finality is Committed→Final per batch', () => {
    const r = steadyChain();
    const l = consensusLatencies(r, T0, T0 + 30_000);
    expect(l.microConfirm.p99Ms).toBe(50);
    expect(l.macroFinality.count).toBe(400);
    // a batch committed just after a macro block waits almost a second for the next
    expect(l.macroFinality.maxMs).toBeGreaterThan(900);
    expect(l.macroFinality.maxMs).toBeLessThan(1_010);
    expect(l.sendToFinal.p99Ms).toBeLessThan(1_060);
    // per macro block, from the last batch committed before it (sent at x.400 s, committed x.450) to the burst at x.500
    expect(l.macroAfterLastMicro.count).toBe(21);
    expect(l.macroAfterLastMicro.p50Ms).toBe(50);
  });

  it('paced: the window ends at the earliest last send; batches never final are left out of finality', () => {
    const bs: B[] = [];
    for (let i = 0; i < 50; i++) bs.push({ si: 0, sent: i * 200, ack: 5, com: 40, fin: i < 45 ? 600 : Number.NaN }, { si: 1, sent: i * 200 + 100, ack: 5, com: 40, fin: 600 });
    const r = replay('paced', bs);
    const w = devnetSteadyWindow(r, 1);
    expect(w.endSec).toBeCloseTo(9.8, 5);
    const l = consensusLatencies(r, w.start, w.end);
    expect(l.microConfirm.count).toBe(l.sendToAck.count);
    expect(l.macroFinality.count).toBe(l.microConfirm.count - 5);
    expect(l.macroFinality.p99Ms).toBe(560);
  });

  it('a macro block final after traffic stopped (empty micro blocks at the idle cadence) is reported apart, not as finality after the last micro block', () => {
    // Paced for 10 s; macro blocks at x.500 s while traffic flows, then the tail's at 16.5 s (traffic ended at 9.9 s).
    const bs: B[] = [];
    for (let i = 0; i < 100; i++) {
      const sent = i * 100;
      const macroAt = sent >= 9_450 ? 16_500 : Math.ceil((sent + 50 + 1 - 500) / 1000) * 1000 + 500;
      bs.push({ si: i % 2, sent, ack: 5, com: 50, fin: macroAt - sent });
    }
    const r = replay('paced', bs);
    const w = devnetSteadyWindow(r, 0);
    const l = consensusLatencies(r, w.start, w.end);
    expect(l.macroAfterLastMicro.count).toBe(10); // 0.5 s .. 9.5 s
    expect(l.macroAfterLastMicro.maxMs).toBe(50);
    expect(l.macroAfterTraffic.count).toBe(1);
    expect(l.macroAfterTraffic.maxMs).toBe(16_500 - 9_950);
  });

  it('splits the micro-confirmation tail at the Ack and counts the batches that waited across a macro round', () => {
    // The steady chain (macro rounds from x.450 to x.500 s), with two kinds of slow batch:
    // 5% sent at x.300 s, acked late and committed after the round (at x.550 s), and 2.5% sent at x.700 s,
    // slow to admit (Ack at x.900 s) but clear of any round.
    const bs: B[] = [];
    for (let i = 0; i < 200; i++) {
      for (const si of [0, 1]) {
        const sent = i * 100;
        const [ack, com] = i % 20 === 3 ? [120, 250] : i % 40 === 7 ? [200, 260] : [10, 50];
        const macroAt = Math.ceil((sent + com + 1 - 500) / 1000) * 1000 + 500;
        bs.push({ si, sent, ack, com, fin: macroAt - sent + si * 3 });
      }
    }
    const t = microTail(replay('flat', bs), T0, T0 + 30_000);
    expect(t.ackToCommitted.p50Ms).toBe(40);
    const [p95, p99] = t.tails;
    expect(p95).toMatchObject({ quantile: 0.95, thresholdMs: 250, count: 30, acrossMacroShare: 0.667 });
    expect(p95!.ackMsMean).toBeCloseTo((20 * 120 + 10 * 200) / 30, 1);
    expect(p95!.afterAckMsMean).toBeCloseTo((20 * 130 + 10 * 60) / 30, 1);
    expect(p99).toMatchObject({ quantile: 0.99, thresholdMs: 260, count: 10, ackMsMean: 200, afterAckMsMean: 60, acrossMacroShare: 0 });
  });
});
