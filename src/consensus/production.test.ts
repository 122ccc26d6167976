import { describe, expect, it } from 'vitest';
import { sha256 } from '../crypto/hash.js';
import { BlsSigner } from './bls-crypto.js';
import { memberKey } from './in-process-consortium.js';
import { Heights, consensusPolicy } from './policy.js';
import { drawProducer } from './producer-draw.js';
import { planSlot, produceDelayOnPending, type SlotInputs } from './production.js';
import { ValidatorSet } from './validator-set.js';

const set = ValidatorSet.create([1, 2, 3, 4].map((id) => ({ id, power: 1, publicKey: new BlsSigner(id, memberKey(id)).publicKey })));
const chain = sha256(Buffer.from('production test'));
const entropy = sha256(Buffer.from('seed'));
const policy = consensusPolicy();
const base: SlotInputs = { headHeight: 4, nextMacroHeight: 32, heights: new Heights(policy), policy, set, chain, batchSeedEntropy: entropy, self: undefined, hasPending: false };
const owner = drawProducer(set, chain, entropy, 5, 0).id;

describe('the slot decision', () => {
  it('the slot owner builds after the empty-block interval, or the minimum separation with transactions waiting', () => {
    expect(planSlot({ ...base, self: owner })).toEqual({ kind: 'micro', height: 5, producer: owner, produceInMs: 500, skipVoteInMs: 2000 });
    expect(planSlot({ ...base, self: owner, hasPending: true })).toMatchObject({ produceInMs: 20 });
  });

  it('once an empty block shows that a batch\'s transactions wait for the macro block, the rest of the batch follows at the minimum separation', () => {
    expect(planSlot({ ...base, self: owner, finalityWaits: true })).toMatchObject({ produceInMs: 20 });
    expect(planSlot({ ...base, self: owner, finalityWaits: false })).toMatchObject({ produceInMs: 500 });
  });

  it('everyone else only arms the skip vote; an observer too', () => {
    const other = set.validators.map((v) => v.id).find((id) => id !== owner)!;
    expect(planSlot({ ...base, self: other, hasPending: true })).toEqual({ kind: 'micro', height: 5, producer: owner, produceInMs: undefined, skipVoteInMs: 2000 });
    expect(planSlot(base)).toMatchObject({ produceInMs: undefined, skipVoteInMs: 2000 });
  });

  it('the macro height goes to Tendermint; beyond it, nothing until it is final', () => {
    expect(planSlot({ ...base, headHeight: 31 })).toEqual({ kind: 'macro', height: 32 });
    expect(planSlot({ ...base, headHeight: 32 })).toEqual({ kind: 'await_finality' });
  });

  it('transactions arriving early wait for the minimum separation; late ones go at once', () => {
    expect(produceDelayOnPending(1000, 1005, 4, base.heights, policy)).toBe(15);
    expect(produceDelayOnPending(1000, 1400, 4, base.heights, policy)).toBe(0);
  });

  it('the first micro block after a macro block does not wait for the separation: the round gathered its transactions', () => {
    const after = drawProducer(set, chain, entropy, 33, 0).id;
    expect(planSlot({ ...base, headHeight: 32, nextMacroHeight: 64, self: after, hasPending: true })).toMatchObject({ height: 33, produceInMs: 0 });
    expect(planSlot({ ...base, headHeight: 32, nextMacroHeight: 64, self: after })).toMatchObject({ produceInMs: 500 });
    expect(produceDelayOnPending(1000, 1005, 32, base.heights, policy)).toBe(0);
  });
});
