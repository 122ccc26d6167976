import { describe, expect, it } from 'vitest';
import { TendermintMachine, type TendermintParams, type TmAction } from './tendermint.js';

/** Four validators of power 1 (quorum 3, f+1 = 2); this one is index 0; round r's proposer is r % 4 + 1 (never us unless r % 4 = 3). */
function machine(over: Partial<TendermintParams> = {}, lock?: ConstructorParameters<typeof TendermintMachine>[1]): TendermintMachine {
  return new TendermintMachine({
    height: 32, powers: [1, 1, 1, 1], quorum: 3, oneThirdPlus: 2, self: 0,
    proposer: (r) => (r + 1) % 4, timeoutMs: (r) => 1000 + 500 * r, maxRound: 100, ...over,
  }, lock);
}
const V = 'aa'.repeat(32);
const W = 'bb'.repeat(32);
const sig = (i: number) => new Uint8Array(96).fill(i + 1);
const votes = (a: TmAction[]) => a.filter((x) => x.type === 'vote').map((x) => (x.type === 'vote' ? `${x.step}@${x.round}:${x.value === undefined ? 'nil' : x.value.slice(0, 2)}` : ''));
const types = (a: TmAction[]) => a.map((x) => x.type);

describe('Tendermint state machine (arXiv:1807.04938, Algorithm 1)', () => {
  it('decides a valid proposal in round 0: prevote, lock, precommit, decide with the signers in order', () => {
    const m = machine();
    const start = m.start();
    expect(start).toEqual([{ type: 'schedule', step: 'propose', round: 0, ms: 1000 }]);
    expect(votes(m.proposal(0, 1, V, -1, true))).toEqual(['prevote@0:aa']);
    m.vote('prevote', 0, 0, V, sig(0));
    m.vote('prevote', 0, 1, V, sig(1));
    const a = m.vote('prevote', 0, 2, V, sig(2));
    expect(votes(a)).toEqual(['precommit@0:aa']); // line 36: lock and precommit
    expect(types(a)).toContain('schedule'); // line 34: prevote timeout on a quorum of any prevotes
    expect(m.lockState()).toEqual({ lockedRound: 0, lockedValue: V, validRound: 0, validValue: V });
    m.vote('precommit', 0, 3, V, sig(3));
    m.vote('precommit', 0, 0, V, sig(0));
    const d = m.vote('precommit', 0, 2, V, sig(2));
    const decide = d.find((x) => x.type === 'decide');
    expect(decide).toEqual({ type: 'decide', round: 0, value: V, signers: [0, 2, 3], signatures: [sig(0), sig(2), sig(3)] });
    expect(m.decision).toBe(V);
    expect(m.vote('precommit', 0, 1, V, sig(1))).toEqual([]); // decided: nothing more
  });

  it('prevotes nil for an invalid proposal and on a propose timeout', () => {
    const a = machine();
    a.start();
    expect(votes(a.proposal(0, 1, V, -1, false))).toEqual(['prevote@0:nil']);
    const b = machine();
    b.start();
    expect(votes(b.timeout('propose', 0))).toEqual(['prevote@0:nil']);
    expect(b.timeout('propose', 0)).toEqual([]); // once per round
  });

  it('ignores proposals from anyone but the round proposer, and a second one', () => {
    const m = machine();
    m.start();
    expect(m.proposal(0, 2, V, -1, true)).toEqual([]);
    expect(votes(m.proposal(0, 1, V, -1, true))).toEqual(['prevote@0:aa']);
    expect(m.proposal(0, 1, W, -1, true)).toEqual([]);
  });

  it('nil quorum → precommit nil → precommit timeout → next round, whose proposer we are at round 3', () => {
    const m = machine();
    m.start();
    m.timeout('propose', 0);
    m.vote('prevote', 0, 0, undefined, sig(0)); // the driver feeds our own vote back once sent
    m.vote('prevote', 0, 1, undefined, sig(1));
    expect(votes(m.vote('prevote', 0, 2, undefined, sig(2)))).toEqual(['precommit@0:nil']);
    m.vote('precommit', 0, 0, undefined, sig(0));
    m.vote('precommit', 0, 1, undefined, sig(1));
    const s = m.vote('precommit', 0, 2, undefined, sig(2));
    expect(s).toContainEqual({ type: 'schedule', step: 'precommit', round: 0, ms: 1000 });
    expect(m.timeout('precommit', 0)).toEqual([{ type: 'schedule', step: 'propose', round: 1, ms: 1500 }]);
    expect(m.currentRound).toBe(1);
    const p = machine();
    p.start(3);
    expect(p.start(3)).toEqual([]);
    expect(machine().start(3)[0]).toEqual({ type: 'propose', round: 3, validValue: undefined, validRound: -1 });
  });

  it('a prevote timeout precommits nil; timeouts of old rounds do nothing', () => {
    const m = machine();
    m.start();
    m.proposal(0, 1, V, -1, true);
    m.vote('prevote', 0, 1, W, sig(1));
    m.vote('prevote', 0, 2, undefined, sig(2));
    m.vote('prevote', 0, 3, W, sig(3)); // a quorum of mixed prevotes: no decision on either
    expect(votes(m.timeout('prevote', 0))).toEqual(['precommit@0:nil']);
    expect(m.timeout('prevote', 1)).toEqual([]);
  });

  it('a locked validator prevotes nil for another value, but follows a later polka (lines 28–33)', () => {
    const m = machine();
    m.start();
    m.proposal(0, 1, V, -1, true);
    for (const i of [1, 2]) m.vote('prevote', 0, i, V, sig(i)); // with our own: a polka for V in round 0
    m.vote('prevote', 0, 0, V, sig(0));
    expect(m.lockState().lockedValue).toBe(V);
    // Round 1: another value, no valid round → locked on V: nil.
    for (const i of [1, 2, 3]) m.vote('precommit', 0, i, undefined, sig(i));
    m.timeout('precommit', 0);
    expect(votes(m.proposal(1, 2, W, -1, true))).toEqual(['prevote@1:nil']);
    // Round 2: W re-proposed with valid round 1 and a round-1 polka for W → lockedRound 0 ≤ 1: prevote W.
    for (const i of [1, 2, 3]) m.vote('prevote', 1, i, W, sig(i));
    for (const i of [1, 2, 3]) m.vote('precommit', 1, i, undefined, sig(i));
    m.timeout('precommit', 1);
    expect(m.currentRound).toBe(2);
    expect(votes(m.proposal(2, 3, W, 1, true))).toEqual(['prevote@2:bb']);
  });

  it('keeps the lock across a restart (restored snapshot)', () => {
    const m = machine({}, { lockedRound: 0, lockedValue: V, validRound: 0, validValue: V });
    m.start(1);
    expect(votes(m.proposal(1, 2, W, -1, true))).toEqual(['prevote@1:nil']);
    const proposer = machine({ proposer: () => 0 }, { lockedRound: 0, lockedValue: V, validRound: 0, validValue: V });
    expect(proposer.start(1)[0]).toEqual({ type: 'propose', round: 1, validValue: V, validRound: 0 }); // re-proposes its valid value
  });

  it('jumps to a later round on f+1 power of its messages (line 55)', () => {
    const m = machine();
    m.start();
    m.vote('prevote', 5, 2, undefined, sig(2));
    expect(m.currentRound).toBe(0);
    const a = m.vote('precommit', 5, 3, undefined, sig(3));
    expect(m.currentRound).toBe(5);
    expect(a).toContainEqual({ type: 'schedule', step: 'propose', round: 5, ms: 3500 });
  });

  it('starts no round before start(), whatever arrives; start() then acts on what arrived (line 55, lines 22 and 36)', () => {
    const m = machine();
    // Round 0 messages from three validators while this one has not reached the height's parent.
    expect(m.proposal(0, 1, V, -1, true)).toEqual([]);
    expect(m.vote('prevote', 0, 1, V, sig(1))).toEqual([]);
    expect(m.vote('prevote', 0, 2, V, sig(2))).toEqual([]);
    expect(m.vote('prevote', 0, 3, V, sig(3))).toEqual([]);
    expect(m.started).toBe(false);
    // Started: it prevotes the proposal it holds, sees the quorum of prevotes, locks and precommits.
    const a = m.start();
    expect(votes(a)).toEqual(['prevote@0:aa', 'precommit@0:aa']);
    expect(m.lockState().lockedValue).toBe(V);
    // Messages for a later round from f+1 before start() move it there once started, not before.
    const n = machine();
    n.vote('prevote', 4, 2, undefined, sig(2));
    expect(n.vote('precommit', 4, 3, undefined, sig(3))).toEqual([]);
    expect(n.currentRound).toBe(-1);
    expect(n.start()).toContainEqual({ type: 'schedule', step: 'propose', round: 4, ms: 3000 });
    expect(n.currentRound).toBe(4);
  });

  it('counts the first vote per validator and step; a different second one is an equivocation', () => {
    const m = machine();
    m.start();
    m.vote('prevote', 0, 1, V, sig(1));
    expect(m.vote('prevote', 0, 1, W, sig(1))).toEqual([{ type: 'equivocation', validator: 1, step: 'prevote', round: 0 }]);
    expect(m.vote('prevote', 0, 1, V, sig(1))).toEqual([]);
    expect(m.powerFor(0, 'prevote', V)).toBe(1);
    expect(m.powerFor(0, 'prevote', W)).toBe(0);
  });

  it('decides on a quorum of precommits from an earlier round, and only once the value is known valid', () => {
    const m = machine();
    m.start(2);
    for (const i of [1, 2, 3]) m.vote('precommit', 0, i, V, sig(i));
    expect(m.decision).toBeUndefined(); // the value is unknown here
    m.proposal(0, 1, V, -1, false);
    expect(m.decision).toBeUndefined(); // judged invalid (parents missing)
    const d = m.markValid(V);
    expect(d.find((x) => x.type === 'decide')).toMatchObject({ round: 0, value: V, signers: [1, 2, 3] });
  });

  it('weights votes by power: one validator of power 3 of 5 is not a quorum (Q = 4)', () => {
    const m = machine({ powers: [1, 3, 1], quorum: 4, oneThirdPlus: 2, proposer: () => 1 });
    m.start();
    m.proposal(0, 1, V, -1, true);
    expect(votes(m.vote('prevote', 0, 1, V, sig(1)))).toEqual([]);
    expect(votes(m.vote('prevote', 0, 0, V, sig(0)))).toEqual(['precommit@0:aa']);
  });

  it('an observer tracks decisions but never proposes or votes', () => {
    const m = machine({ self: undefined, proposer: () => 0 });
    const a = m.start();
    expect(types(a)).toEqual(['schedule']);
    expect(votes(m.proposal(0, 0, V, -1, true))).toEqual([]);
    for (const i of [0, 1, 2]) m.vote('precommit', 0, i, V, sig(i));
    expect(m.decision).toBe(V);
  });
});
