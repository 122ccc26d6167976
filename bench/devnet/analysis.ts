// Pure arithmetic over a replay into a consortium (replies Ack, Committed, Final): the steady window,
// the finalized rate measured between macro blocks, and the two consensus latencies.
import { round, summarise, type LatencySummary, type SteadyWindow } from '../pipeline/analysis.js';
import type { ReplayResult } from '../pipeline/protocol.js';

/** Final replies closer together than this belong to one macro block (macro blocks are ≥ 32 micro blocks apart). */
export const MACRO_EVENT_GAP_MS = 100;

/**
 * The steady window. Paced: from `warmupSec` after the first send to the earliest last send of any
 * submitter. Flat out: to the earliest last Committed reply of any submitter — each submitter keeps
 * `window` batches uncommitted, so the chain has a backlog until one of them runs dry (finality
 * follows the committed backlog a macro block later, so its rate holds over the same span).
 * The warm-up is shortened to a fifth of the span on short runs.
 */
export function devnetSteadyWindow(r: ReplayResult, warmupSec: number): SteadyWindow {
  let end = Math.min(...r.lastSendAt);
  if (r.mode === 'flat') {
    const last = r.submitters.map(() => r.startedAt);
    const rec = r.records;
    for (let i = 0; i < rec.sentAt.length; i++) {
      const at = rec.sentAt[i]! + rec.committedMs[i]!;
      const si = rec.submitterIndex[i]!;
      if (Number.isFinite(at) && at > last[si]!) last[si] = at;
    }
    end = Math.min(...last);
  }
  const span = (end - r.startedAt) / 1000;
  const warm = Math.min(warmupSec, span / 5);
  const start = r.startedAt + warm * 1000;
  return { start, end, startSec: round(warm, 2), endSec: round(span, 2), seconds: round((end - start) / 1000, 2) };
}

/** One macro block as the clients saw it: the first Final reply of a burst, and the CDRs the burst finalized. */
export interface FinalEvent {
  readonly at: number;
  readonly cdrs: number;
  /** The latest Committed reply among the batches it finalized: the client's view of the batch's last micro block. */
  readonly lastCommittedAt: number;
  /** The earliest send among them. */
  readonly firstSentAt: number;
}

/** Final replies grouped into macro blocks (bursts separated by more than `gapMs`), in time order. */
export function finalEvents(r: ReplayResult, gapMs = MACRO_EVENT_GAP_MS): FinalEvent[] {
  const rec = r.records;
  const finals: { at: number; cdrs: number; committedAt: number; sentAt: number }[] = [];
  for (let i = 0; i < rec.sentAt.length; i++) {
    const ms = rec.finalMs[i]!;
    const sent = rec.sentAt[i]!;
    const committed = rec.committedMs[i]!;
    if (Number.isFinite(ms)) finals.push({ at: sent + ms, cdrs: rec.cdrs[i]!, committedAt: Number.isFinite(committed) ? sent + committed : sent + ms, sentAt: sent });
  }
  finals.sort((a, b) => a.at - b.at);
  const events: { at: number; last: number; cdrs: number; lastCommittedAt: number; firstSentAt: number }[] = [];
  for (const f of finals) {
    const e = events.at(-1);
    if (e && f.at - e.last <= gapMs) {
      e.cdrs += f.cdrs;
      e.last = f.at;
      e.lastCommittedAt = Math.max(e.lastCommittedAt, f.committedAt);
      e.firstSentAt = Math.min(e.firstSentAt, f.sentAt);
    } else events.push({ at: f.at, last: f.at, cdrs: f.cdrs, lastCommittedAt: f.committedAt, firstSentAt: f.sentAt });
  }
  return events.map((e) => ({ at: e.at, cdrs: e.cdrs, lastCommittedAt: e.lastCommittedAt, firstSentAt: e.firstSentAt }));
}

export interface FinalizedRate {
  /** CDRs finalized by the macro blocks after the window's first one, per second between its first and last. */
  readonly finalizedCdrPerSec: number;
  readonly finalizedCdrsInWindow: number;
  /** Macro blocks (Final bursts) inside the window; the rate spans from the first to the last. */
  readonly macroBlocksInWindow: number;
  readonly spanSeconds: number;
  /** CDRs whose Committed reply arrived inside the steady window, per second of window. */
  readonly committedCdrPerSec: number;
  /** CDRs whose Ack arrived inside the steady window, per second of window. */
  readonly acceptedCdrPerSec: number;
  /** Whole run: finalized CDRs / (last Final − first send). */
  readonly overallFinalizedCdrPerSec: number;
  readonly finalizedCdrs: number;
  readonly sentCdrs: number;
}

/**
 * Finality comes in steps (every macro block finalizes a batch of micro blocks at once), so a count
 * over a fixed window is off by up to one macro block's CDRs. The rate is measured between macro
 * blocks instead: the CDRs of the blocks after the first one in the window, over the time from the
 * first to the last. With fewer than two in the window, or when they span less than half of it (a
 * burst), it falls back to count / window.
 */
export function finalizedRate(r: ReplayResult, w: SteadyWindow, gapMs = MACRO_EVENT_GAP_MS): FinalizedRate {
  const events = finalEvents(r, gapMs);
  const inside = events.filter((e) => e.at >= w.start && e.at <= w.end);
  const windowSec = (w.end - w.start) / 1000;
  let finalized = 0;
  let spanSeconds = windowSec;
  const span = inside.length >= 2 ? (inside.at(-1)!.at - inside[0]!.at) / 1000 : 0;
  // Between macro blocks only when they span most of the window: a few macro blocks finalizing a
  // backlog in one burst (a saturated devnet catching up) would give a rate for under a second.
  if (inside.length >= 2 && span >= windowSec / 2) {
    for (const e of inside.slice(1)) finalized += e.cdrs;
    spanSeconds = span;
  } else {
    for (const e of inside) finalized += e.cdrs;
  }
  const rec = r.records;
  let acc = 0;
  let com = 0;
  let sent = 0;
  for (let i = 0; i < rec.sentAt.length; i++) {
    const t = rec.sentAt[i]!;
    const cdrs = rec.cdrs[i]!;
    sent += cdrs;
    const ackAt = t + rec.ackMs[i]!;
    const comAt = t + rec.committedMs[i]!;
    if (ackAt >= w.start && ackAt <= w.end) acc += cdrs;
    if (comAt >= w.start && comAt <= w.end) com += cdrs;
  }
  const total = events.reduce((n, e) => n + e.cdrs, 0);
  const last = events.at(-1)?.at ?? r.startedAt;
  return {
    finalizedCdrPerSec: spanSeconds > 0 ? Math.round(finalized / spanSeconds) : 0,
    finalizedCdrsInWindow: finalized,
    macroBlocksInWindow: inside.length,
    spanSeconds: round(spanSeconds, 2),
    committedCdrPerSec: windowSec > 0 ? Math.round(com / windowSec) : 0,
    acceptedCdrPerSec: windowSec > 0 ? Math.round(acc / windowSec) : 0,
    overallFinalizedCdrPerSec: last > r.startedAt ? Math.round(total / ((last - r.startedAt) / 1000)) : 0,
    finalizedCdrs: total,
    sentCdrs: sent,
  };
}

export interface ConsensusLatencies {
  /** Send → Committed (in a micro block on the head's branch): micro-block confirmation. */
  readonly microConfirm: LatencySummary;
  /** Committed → Final per batch: how long after its micro block a batch waits for its macro block. */
  readonly macroFinality: LatencySummary;
  /**
   * Per macro block: from the last Committed reply among the batches it finalized (the client's view of
   * the consensus batch's last micro block that carried CDRs) to its first Final reply. This is the
   * simulator's "finality after the batch's last micro block"; `macroFinality` adds the wait for the
   * rest of the 32-block batch. Only macro blocks final by the window's end: their batch's micro blocks
   * were all made while traffic flowed, so its last Committed reply is its last micro block's.
   */
  readonly macroAfterLastMicro: LatencySummary;
  /**
   * The same measure for the macro blocks final after the window's end (the run's tail): once traffic
   * stops, the rest of the batch is empty micro blocks at `emptyBlockIntervalMs` (500 ms), so the last
   * Committed reply is not the batch's last micro block and this measures the idle cadence, not finality.
   */
  readonly macroAfterTraffic: LatencySummary;
  readonly sendToFinal: LatencySummary;
  readonly sendToAck: LatencySummary;
  /** Paced: send − schedule. */
  readonly sendLateness: LatencySummary;
}

/** Latencies of the batches sent inside [from, to] (epoch ms) that reached each stage. */
export function consensusLatencies(r: ReplayResult, from: number, to: number): ConsensusLatencies {
  const rec = r.records;
  const micro: number[] = [];
  const macro: number[] = [];
  const final: number[] = [];
  const ack: number[] = [];
  const late: number[] = [];
  for (let i = 0; i < rec.sentAt.length; i++) {
    const t = rec.sentAt[i]!;
    if (t < from || t > to) continue;
    const c = rec.committedMs[i]!;
    const f = rec.finalMs[i]!;
    if (Number.isFinite(rec.ackMs[i]!)) ack.push(rec.ackMs[i]!);
    if (Number.isFinite(c)) micro.push(c);
    if (Number.isFinite(f)) final.push(f);
    if (Number.isFinite(c) && Number.isFinite(f)) macro.push(Math.max(0, f - c));
    const s = rec.scheduledAt[i]!;
    if (Number.isFinite(s)) late.push(t - s);
  }
  const events = finalEvents(r).filter((e) => e.firstSentAt >= from && e.firstSentAt <= to);
  const afterLast = events.filter((e) => e.at <= to).map((e) => Math.max(0, e.at - e.lastCommittedAt));
  const afterTraffic = events.filter((e) => e.at > to).map((e) => Math.max(0, e.at - e.lastCommittedAt));
  return {
    microConfirm: summarise(micro), macroFinality: summarise(macro), macroAfterLastMicro: summarise(afterLast), macroAfterTraffic: summarise(afterTraffic),
    sendToFinal: summarise(final), sendToAck: summarise(ack), sendLateness: summarise(late),
  };
}

/** The batches at or above one micro-confirmation quantile, and where their time went. */
export interface MicroTailShare {
  readonly quantile: number;
  readonly thresholdMs: number;
  readonly count: number;
  /** Mean send → Ack (the submitter's validator admitting the batch). */
  readonly ackMsMean: number;
  /** Mean Ack → Committed (a producer admitting it too, its slot, the block reaching the submitter's validator). */
  readonly afterAckMsMean: number;
  /** Share whose Ack → Committed overlaps a macro round (from its batch's last Committed reply to its first Final): micro production waits for finality there. */
  readonly acrossMacroShare: number;
}

export interface MicroTail {
  readonly ackToCommitted: LatencySummary;
  readonly tails: readonly MicroTailShare[];
}

/**
 * Which batches make up the micro-confirmation tail (issue 12): for the batches sent inside [from, to],
 * send → Committed split at the Ack, and for the slowest 5% and 1% how much of it is admission at the
 * submitter's validator, how much comes after, and how many waited across a macro round.
 */
export function microTail(r: ReplayResult, from: number, to: number): MicroTail {
  const rec = r.records;
  const rows: { micro: number; ack: number; ackAt: number; committedAt: number }[] = [];
  for (let i = 0; i < rec.sentAt.length; i++) {
    const t = rec.sentAt[i]!;
    if (t < from || t > to) continue;
    const c = rec.committedMs[i]!;
    const a = rec.ackMs[i]!;
    if (Number.isFinite(c) && Number.isFinite(a)) rows.push({ micro: c, ack: a, ackAt: t + a, committedAt: t + c });
  }
  const rounds = finalEvents(r).map((e) => ({ start: e.lastCommittedAt, end: e.at }));
  const sorted = rows.map((x) => x.micro).sort((a, b) => a - b);
  const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : round(xs.reduce((s, x) => s + x, 0) / xs.length, 2));
  const tails = [0.95, 0.99].map((q): MicroTailShare => {
    const thresholdMs = sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const tail = rows.filter((x) => x.micro >= thresholdMs);
    const across = tail.filter((x) => rounds.some((m) => m.start < x.committedAt && m.end > x.ackAt)).length;
    return {
      quantile: q, thresholdMs: round(thresholdMs, 2), count: tail.length,
      ackMsMean: mean(tail.map((x) => x.ack)), afterAckMsMean: mean(tail.map((x) => x.micro - x.ack)),
      acrossMacroShare: tail.length === 0 ? 0 : round(across / tail.length, 3),
    };
  });
  return { ackToCommitted: summarise(rows.map((x) => Math.max(0, x.micro - x.ack))), tails };
}
