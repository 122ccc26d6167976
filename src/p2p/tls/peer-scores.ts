import type { MessageVerdict, PeerId } from '../peer-network.js';
import type { MonotonicClock } from './token-bucket.js';

/** Score changes and thresholds (integers: a score is a count of points, not a probability). */
export interface ScoringOptions {
  readonly accept: number;
  readonly ignore: number;
  readonly reject: number;
  readonly penalise: number;
  /** A framing violation (unknown kind, oversized length, truncated frame, bad hello). */
  readonly violation: number;
  /** Highest score a peer can bank, so past good behaviour cannot pay for unlimited abuse. */
  readonly max: number;
  /** At or below this, the peer is disconnected and banned. */
  readonly disconnectBelow: number;
  /** Points a score moves back towards 0 per second. */
  readonly recoveryPerSecond: number;
  /** First ban; each further ban doubles it, up to banMaxMs. */
  readonly banBaseMs: number;
  readonly banMaxMs: number;
}

export const DEFAULT_SCORING: ScoringOptions = Object.freeze({
  accept: 1,
  ignore: 0,
  reject: -10,
  penalise: -50,
  violation: -25,
  max: 100,
  disconnectBelow: -100,
  recoveryPerSecond: 1,
  banBaseMs: 60_000,
  banMaxMs: 3_600_000,
});

interface Entry {
  score: number;
  at: number;
  bans: number;
  bannedUntil: number;
}

/** Scores per peer, kept across its connections, with ban back-off. */
export class PeerScores {
  private readonly entries = new Map<PeerId, Entry>();

  constructor(
    private readonly o: ScoringOptions,
    private readonly clock: MonotonicClock,
  ) {}

  private entry(peer: PeerId): Entry {
    const now = this.clock.now();
    let e = this.entries.get(peer);
    if (!e) {
      e = { score: 0, at: now, bans: 0, bannedUntil: 0 };
      this.entries.set(peer, e);
    }
    const recovered = Math.floor(((now - e.at) * this.o.recoveryPerSecond) / 1000);
    if (recovered > 0) {
      e.score = e.score < 0 ? Math.min(0, e.score + recovered) : Math.max(0, e.score - recovered);
      e.at = now;
    }
    return e;
  }

  score(peer: PeerId): number {
    return this.entry(peer).score;
  }

  deltaFor(verdict: MessageVerdict): number {
    return this.o[verdict];
  }

  /** Applies `delta`; returns the new score and, if it crossed the threshold, the ban it earned (ms). */
  adjust(peer: PeerId, delta: number): { score: number; banMs: number } {
    const e = this.entry(peer);
    e.score = Math.min(this.o.max, e.score + delta);
    if (e.score > this.o.disconnectBelow) return { score: e.score, banMs: 0 };
    const banMs = Math.min(this.o.banMaxMs, this.o.banBaseMs * 2 ** Math.min(e.bans, 30));
    e.bans += 1;
    e.bannedUntil = this.clock.now() + banMs;
    // Served: the peer comes back at 0, one more threshold's worth of abuse away from a longer ban.
    e.score = 0;
    return { score: this.o.disconnectBelow, banMs };
  }

  /** Milliseconds left of the peer's ban, 0 if not banned. */
  bannedForMs(peer: PeerId): number {
    const e = this.entries.get(peer);
    return e ? Math.max(0, Math.ceil(e.bannedUntil - this.clock.now())) : 0;
  }

  /** Every known peer's score, by id (for metrics). */
  snapshot(): Array<[PeerId, number]> {
    return [...this.entries.keys()].sort((a, b) => a - b).map((p) => [p, this.score(p)]);
  }
}
