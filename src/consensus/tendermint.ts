/**
 * Tendermint for one macro height, as a pure state machine: inputs (start, proposals, votes,
 * timeouts) return actions (propose, vote, schedule a timeout, decide); no I/O, no clock, no
 * signatures checked here. It follows Algorithm 1 of "The latest gossip on BFT consensus" (Buchman,
 * Kwon, Milosevic, arXiv:1807.04938); comments name the paper's line numbers. Like core-rs-albatross'
 * tendermint crate it takes only the first proposal of a round from its proposer, and relies on the
 * caller for proposal validity (`valid` flags; `markValid` upgrades a value once its parents arrive).
 *
 * Values are identified by their hash (hex); the driver keeps the blocks. Votes are counted in
 * voting power by validator index; a validator's first vote per (round, step) counts and a different
 * second one is reported as an equivocation and ignored.
 */

export type TmStep = 'propose' | 'prevote' | 'precommit';
export type VoteStep = 'prevote' | 'precommit';

export interface TendermintParams {
  readonly height: number;
  /** Voting power by validator index. */
  readonly powers: readonly number[];
  /** Power of a quorum (more than 2/3) and of "f + 1" (more than 1/3). */
  readonly quorum: number;
  readonly oneThirdPlus: number;
  /** This validator's index; undefined for an observer (never proposes or votes). */
  readonly self: number | undefined;
  /** The proposer's index for a round. */
  readonly proposer: (round: number) => number;
  /** Timeout of each step in `round` (paper: timeoutPropose/Prevote/Precommit(round)). */
  readonly timeoutMs: (round: number) => number;
  /** Rounds above this are never started. */
  readonly maxRound: number;
}

/** The durable part of a validator's state at one height (restored after a restart). */
export interface LockSnapshot {
  readonly lockedRound: number;
  readonly lockedValue: string | undefined;
  readonly validRound: number;
  readonly validValue: string | undefined;
}

export type TmAction =
  /** Propose `validValue` (re-proposal, with `validRound`) or a new block when undefined. */
  | { readonly type: 'propose'; readonly round: number; readonly validValue: string | undefined; readonly validRound: number }
  /** Sign and broadcast a vote; `value` undefined is nil. `lock` is the state to persist with it. */
  | { readonly type: 'vote'; readonly step: VoteStep; readonly round: number; readonly value: string | undefined; readonly lock: LockSnapshot }
  | { readonly type: 'schedule'; readonly step: TmStep; readonly round: number; readonly ms: number }
  /** A quorum precommitted `value` in `round`: signers (ascending) and their signatures, in that order. */
  | { readonly type: 'decide'; readonly round: number; readonly value: string; readonly signers: readonly number[]; readonly signatures: readonly Uint8Array[] }
  | { readonly type: 'equivocation'; readonly validator: number; readonly step: VoteStep; readonly round: number };

interface CastVote {
  readonly value: string | undefined;
  readonly signature: Uint8Array;
}

interface RoundVotes {
  readonly prevote: Map<number, CastVote>;
  readonly precommit: Map<number, CastVote>;
}

/** Tally selectors: values are 64-hex hashes, so these never collide with one. */
const NIL = 'nil';
const ANY = 'any';

export class TendermintMachine {
  private round = -1;
  private step: TmStep = 'propose';
  private decided: string | undefined;
  private lockedRound = -1;
  private lockedValue: string | undefined;
  private validRound = -1;
  private validValue: string | undefined;
  /** The first proposal of each round from its proposer. */
  private readonly proposals = new Map<number, { readonly value: string; readonly validRound: number }>();
  /** Validity of values the caller has judged. */
  private readonly validity = new Map<string, boolean>();
  private readonly votes = new Map<number, RoundVotes>();
  /** Who sent anything (proposal or vote) per round: the f+1 round-skip rule (line 55). */
  private readonly senders = new Map<number, Set<number>>();
  /** "for the first time" guards, per round. */
  private readonly prevoteTimeoutScheduled = new Set<number>();
  private readonly precommitTimeoutScheduled = new Set<number>();
  private readonly line36Fired = new Set<number>();
  private out: TmAction[] = [];

  constructor(
    private readonly p: TendermintParams,
    lock?: LockSnapshot,
  ) {
    if (lock) {
      this.lockedRound = lock.lockedRound;
      this.lockedValue = lock.lockedValue;
      this.validRound = lock.validRound;
      this.validValue = lock.validValue;
    }
  }

  get height(): number {
    return this.p.height;
  }
  get currentRound(): number {
    return this.round;
  }
  get currentStep(): TmStep {
    return this.step;
  }
  get decision(): string | undefined {
    return this.decided;
  }
  get started(): boolean {
    return this.round >= 0;
  }
  lockState(): LockSnapshot {
    return { lockedRound: this.lockedRound, lockedValue: this.lockedValue, validRound: this.validRound, validValue: this.validValue };
  }

  /**
   * Starts round 0 (or `round`) unless already at or beyond it, then applies the rules to what arrived
   * before (proposals and votes are kept while the height is not started).
   */
  start(round = 0): TmAction[] {
    if (this.round < round && this.decided === undefined) {
      this.startRound(round);
      this.evaluate();
    }
    return this.flush();
  }

  /**
   * A proposal for `round` from `from` with `value` (hash) and `validRound` (−1: none), and whether
   * the value is valid here. Only the first from the round's proposer counts.
   */
  proposal(round: number, from: number, value: string, validRound: number, valid: boolean): TmAction[] {
    if (from !== this.p.proposer(round) || this.proposals.has(round) || validRound >= round || validRound < -1) return this.flush();
    this.proposals.set(round, { value, validRound });
    this.judge(value, valid);
    this.noteSender(round, from);
    this.evaluate();
    return this.flush();
  }

  /** A value judged invalid earlier turned valid (its parent chain arrived and applied). */
  markValid(value: string): TmAction[] {
    this.judge(value, true);
    this.evaluate();
    return this.flush();
  }

  /** A verified vote. */
  vote(step: VoteStep, round: number, from: number, value: string | undefined, signature: Uint8Array): TmAction[] {
    if (from < 0 || from >= this.p.powers.length) return this.flush();
    const rv = this.roundVotes(round);
    const cast = rv[step];
    const prior = cast.get(from);
    if (prior !== undefined) {
      if (prior.value !== value) this.out.push({ type: 'equivocation', validator: from, step, round });
      return this.flush();
    }
    cast.set(from, { value, signature });
    this.noteSender(round, from);
    this.evaluate();
    return this.flush();
  }

  /** A timeout scheduled by a 'schedule' action fired (lines 57, 61, 65). */
  timeout(step: TmStep, round: number): TmAction[] {
    if (this.decided !== undefined || round !== this.round) return this.flush();
    if (step === 'propose' && this.step === 'propose') {
      this.castVote('prevote', undefined); // line 59
      this.step = 'prevote';
    } else if (step === 'prevote' && this.step === 'prevote') {
      this.castVote('precommit', undefined); // line 63
      this.step = 'precommit';
    } else if (step === 'precommit') {
      this.startRound(this.round + 1); // line 67
    }
    this.evaluate();
    return this.flush();
  }

  /** Power of `step` votes in `round` for a value (hash), 'nil' or 'any'. */
  powerFor(round: number, step: VoteStep, value: string): number {
    const rv = this.votes.get(round);
    if (rv === undefined) return 0;
    let p = 0;
    for (const [i, v] of rv[step]) {
      if (value === ANY || (value === NIL ? v.value === undefined : v.value === value)) p += this.p.powers[i]!;
    }
    return p;
  }

  // ---- the rules ----

  private startRound(round: number): void {
    if (round > this.p.maxRound) return;
    this.round = round; // line 11
    this.step = 'propose';
    if (this.p.self !== undefined && this.p.proposer(round) === this.p.self) {
      // lines 14–19: the caller builds (or re-proposes validValue), signs, and feeds the proposal back.
      this.out.push({ type: 'propose', round, validValue: this.validValue, validRound: this.validRound });
    }
    // line 21 (also for the proposer: if it cannot build, it must not wait forever in this step).
    this.out.push({ type: 'schedule', step: 'propose', round, ms: this.p.timeoutMs(round) });
  }

  /** Applies every rule whose condition holds until none does. */
  private evaluate(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.step1()) return;
    }
  }

  private step1(): boolean {
    if (this.tryDecide()) return true;
    if (this.decided !== undefined) return false;
    // Not started: the driver has not reached the height's parent, so it can judge no proposal. Others'
    // messages must not start a round here (line 55 would, and its propose timeout would then run out
    // while the parent is still on its way, for a nil prevote).
    if (this.round < 0) return false;
    if (this.trySkipRound()) return true;
    const r = this.round;
    const proposal = this.proposals.get(r);
    // lines 22–27
    if (this.step === 'propose' && proposal && proposal.validRound === -1 && this.validity.has(proposal.value)) {
      const ok = this.validity.get(proposal.value) === true && (this.lockedRound === -1 || this.lockedValue === proposal.value);
      this.castVote('prevote', ok ? proposal.value : undefined);
      this.step = 'prevote';
      return true;
    }
    // lines 28–33
    if (
      this.step === 'propose' && proposal && proposal.validRound >= 0 && proposal.validRound < r &&
      this.validity.has(proposal.value) && this.powerFor(proposal.validRound, 'prevote', proposal.value) >= this.p.quorum
    ) {
      const ok = this.validity.get(proposal.value) === true && (this.lockedRound <= proposal.validRound || this.lockedValue === proposal.value);
      this.castVote('prevote', ok ? proposal.value : undefined);
      this.step = 'prevote';
      return true;
    }
    // lines 34–35
    if (this.step === 'prevote' && !this.prevoteTimeoutScheduled.has(r) && this.powerFor(r, 'prevote', ANY) >= this.p.quorum) {
      this.prevoteTimeoutScheduled.add(r);
      this.out.push({ type: 'schedule', step: 'prevote', round: r, ms: this.p.timeoutMs(r) });
      return true;
    }
    // lines 36–43 (the value is the round's proposal; any proposal carrying the same hash is the same value)
    if ((this.step === 'prevote' || this.step === 'precommit') && !this.line36Fired.has(r) && proposal && this.validity.get(proposal.value) === true &&
      this.powerFor(r, 'prevote', proposal.value) >= this.p.quorum) {
      this.line36Fired.add(r);
      if (this.step === 'prevote') {
        this.lockedValue = proposal.value;
        this.lockedRound = r;
        this.castVote('precommit', proposal.value);
        this.step = 'precommit';
      }
      this.validValue = proposal.value;
      this.validRound = r;
      return true;
    }
    // lines 44–46
    if (this.step === 'prevote' && this.powerFor(r, 'prevote', NIL) >= this.p.quorum) {
      this.castVote('precommit', undefined);
      this.step = 'precommit';
      return true;
    }
    // lines 47–48
    if (!this.precommitTimeoutScheduled.has(r) && this.powerFor(r, 'precommit', ANY) >= this.p.quorum) {
      this.precommitTimeoutScheduled.add(r);
      this.out.push({ type: 'schedule', step: 'precommit', round: r, ms: this.p.timeoutMs(r) });
      return true;
    }
    return false;
  }

  /** Lines 49–54: a quorum of precommits for a value we hold and judged valid, in any round. */
  private tryDecide(): boolean {
    if (this.decided !== undefined) return false;
    const rounds = [...this.votes.keys()].sort((a, b) => a - b);
    for (const r of rounds) {
      const tallies = new Map<string, number>();
      for (const [i, v] of this.votes.get(r)!.precommit) {
        if (v.value !== undefined) tallies.set(v.value, (tallies.get(v.value) ?? 0) + this.p.powers[i]!);
      }
      for (const [value, power] of tallies) {
        if (power < this.p.quorum || this.validity.get(value) !== true) continue;
        this.decided = value;
        const signers = [...this.votes.get(r)!.precommit].filter(([, v]) => v.value === value).map(([i]) => i).sort((a, b) => a - b);
        const cast = this.votes.get(r)!.precommit;
        this.out.push({ type: 'decide', round: r, value, signers, signatures: signers.map((i) => cast.get(i)!.signature) });
        return true;
      }
    }
    return false;
  }

  /** Line 55: more than a third of the power already sent messages for a later round. */
  private trySkipRound(): boolean {
    let target = -1;
    for (const [r, who] of this.senders) {
      if (r <= this.round || r <= target) continue;
      let p = 0;
      for (const i of who) p += this.p.powers[i]!;
      if (p >= this.p.oneThirdPlus) target = r;
    }
    if (target < 0) return false;
    this.startRound(target);
    return true;
  }

  private castVote(step: VoteStep, value: string | undefined): void {
    if (this.p.self === undefined) return;
    this.out.push({ type: 'vote', step, round: this.round, value, lock: this.lockState() });
  }

  private judge(value: string, valid: boolean): void {
    if (this.validity.get(value) !== true) this.validity.set(value, valid);
  }

  private roundVotes(round: number): RoundVotes {
    let rv = this.votes.get(round);
    if (rv === undefined) this.votes.set(round, (rv = { prevote: new Map(), precommit: new Map() }));
    return rv;
  }

  private noteSender(round: number, from: number): void {
    let s = this.senders.get(round);
    if (s === undefined) this.senders.set(round, (s = new Set()));
    s.add(from);
  }

  private flush(): TmAction[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
