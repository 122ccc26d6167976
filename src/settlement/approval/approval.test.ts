import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blsKeyPairFromSeed, type BlsKeyPair } from '../../crypto/bls/bls.js';
import { commitPairs, netCommitments, pairCount } from '../commitment/committed-netting.js';
import { randomBlinding, toAffine } from '../commitment/pedersen.js';
import { SettlementError } from '../errors.js';
import { rational } from '../fx/rational.js';
import { netBilateralAmounts } from '../netting-reference.js';
import { settlementPeriodOptions } from '../settlement-period.js';
import { approvalPolicy } from './approval-policy.js';
import { clearingFee, splitClearingFee, splitProportionally } from './fee-split.js';
import { mergeApprovals, signAsOperator, signAsValidator, type SettlementApproval } from './settlement-approval.js';
import { SettlementBook, type BlockAt } from './settlement-book.js';
import type { SettlementProposal } from './settlement-proposal.js';

const key = (label: string): BlsKeyPair => blsKeyPairFromSeed(new TextEncoder().encode(label.padEnd(32, '.')));
const CHAIN = 'c0ffee';
const OPS = [101, 202, 303];
const opKeys = new Map([...OPS, 404].map((id) => [id, key(`operator ${id}`)] as const));
const VALIDATORS = [1, 2, 3, 4];
const valKeys = new Map(VALIDATORS.map((id) => [id, key(`validator ${id}`)] as const));
const policy = approvalPolicy({
  operators: [...opKeys].map(([id, k]) => ({ id, publicKey: k.publicKey })),
  validators: VALIDATORS.map((id) => ({ id, publicKey: valKeys.get(id)!.publicKey, votingPower: 1 })),
  maxApprovalBlocks: 100,
});
const periods = settlementPeriodOptions();
// November 2026 closes at 2026-12-04T00:00Z (end + 3 days' grace).
const OPEN: BlockAt = { height: 10, timestampMs: BigInt(Date.UTC(2026, 11, 3)) };
const CLOSED: BlockAt = { height: 20, timestampMs: BigInt(Date.UTC(2026, 11, 4)) };

/** A committed-mode proposal for 2026-11 from real Pedersen commitments of random bilateral amounts. */
function committedNetting(): { nets: ReturnType<typeof toAffine>[] } {
  const pairs = commitPairs(Array.from({ length: pairCount(OPS.length) }, (_, p) => ({ amount: BigInt(p * 1000 - 700), blinding: randomBlinding() })));
  return { nets: netCommitments(OPS.length, pairs).map(toAffine) };
}

function proposal(over: Partial<SettlementProposal> = {}): SettlementProposal {
  const settledVolume = over.settledVolume ?? 2_000_000n;
  return {
    chain: CHAIN,
    periodId: '2026-11',
    currency: 'XDR',
    operators: OPS,
    outcome: { mode: 'committed', transfers: committed.nets },
    settledVolume,
    clearingFee: clearingFee(settledVolume, policy.clearingFeeRate),
    deadlineHeight: CLOSED.height + 50,
    attempt: 1,
    proposer: 101,
    ...over,
  };
}
const committed = committedNetting();

const book = (): SettlementBook => new SettlementBook(policy, periods, CHAIN, () => [{ validator: 1, weight: 7n }, { validator: 3, weight: 3n }]);
const opSign = (p: SettlementProposal, id: number): SettlementApproval => signAsOperator(p, id, opKeys.get(id)!.secretKey);
const valSign = (p: SettlementProposal, id: number): SettlementApproval => signAsValidator(p, id, valKeys.get(id)!.secretKey);
const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof SettlementError) return e.code;
    throw e;
  }
  throw new Error('expected a SettlementError');
};

describe('settlement approval', () => {
  it('becomes final once every involved operator and more than two thirds of voting power have signed', () => {
    const b = book();
    const p = proposal();
    expect(b.propose(p, opSign(p, 101), CLOSED, { mode: 'committed', nets: committed.nets }).status).toBe('proposed');
    b.approve('2026-11', opSign(p, 202), CLOSED);
    b.approve('2026-11', mergeApprovals(valSign(p, 1), valSign(p, 2)), CLOSED);
    const pending = b.approve('2026-11', opSign(p, 303), { ...CLOSED, height: 21 });
    // Every operator, but only 2 of 4 voting power: not final.
    expect(pending.status).toBe('proposed');
    if (pending.status !== 'proposed') throw new Error('unreachable');
    expect(pending.progress).toMatchObject({ missingOperators: [], validatorPower: 2n, complete: false });
    const final = b.approve('2026-11', valSign(p, 4), { ...CLOSED, height: 22 });
    expect(final.status).toBe('final');
    if (final.status !== 'final') throw new Error('unreachable');
    expect(final.finalAt).toBe(22);
    expect(final.approval.operators).toEqual([101, 202, 303]);
    expect(final.approval.validators).toEqual([1, 2, 4]);
    expect(final.fees.shares.reduce((s, x) => s + x.amount, 0n)).toBe(p.clearingFee);
    expect(p.clearingFee).toBe(1_000n); // 2,000,000 · 0.05 %
    // Producers' half by blocks (7:3), validators' half by power (1:1:1:1).
    expect(final.fees.shares).toEqual([
      { validator: 1, amount: 350n + 125n },
      { validator: 2, amount: 125n },
      { validator: 3, amount: 150n + 125n },
      { validator: 4, amount: 125n },
    ]);
  });

  it('refuses a proposal for a period that has not closed, and changes nothing', () => {
    const b = book();
    const p = proposal();
    expect(code(() => b.propose(p, opSign(p, 101), OPEN))).toBe('period_open');
    expect(b.state('2026-11')).toBeUndefined();
  });

  it('refuses a second settlement of a settled period', () => {
    const b = book();
    const p = proposal();
    b.propose(p, opSign(p, 101), CLOSED);
    b.approve('2026-11', [202, 303].map((id) => opSign(p, id)).reduce(mergeApprovals), CLOSED);
    b.approve('2026-11', [1, 2, 3].map((id) => valSign(p, id)).reduce(mergeApprovals), CLOSED);
    expect(b.state('2026-11')?.status).toBe('final');
    const again = proposal({ attempt: 2 });
    expect(code(() => b.propose(again, opSign(again, 101), CLOSED))).toBe('already_settled');
    expect(code(() => b.approve('2026-11', valSign(p, 4), CLOSED))).toBe('already_settled');
  });

  it('refuses signatures from non-parties, forged signatures and repeated signers', () => {
    const b = book();
    const p = proposal();
    b.propose(p, opSign(p, 101), CLOSED);
    // 404 is a consortium operator but not involved in this period's settlement.
    expect(code(() => b.approve('2026-11', opSign(p, 404), CLOSED))).toBe('not_a_party');
    expect(code(() => b.approve('2026-11', signAsValidator(p, 9, valKeys.get(1)!.secretKey), CLOSED))).toBe('not_a_party');
    // 202's name on 303's signature.
    const forged = { ...opSign(p, 303), operators: [202] };
    expect(code(() => b.approve('2026-11', forged, CLOSED))).toBe('bad_signature');
    b.approve('2026-11', opSign(p, 202), CLOSED);
    expect(code(() => b.approve('2026-11', opSign(p, 202), CLOSED))).toBe('duplicate_approval');
    const s = b.state('2026-11');
    expect(s?.status === 'proposed' && s.approval.operators).toEqual([101, 202]);
  });

  it('refuses a proposal signed by someone other than its proposer, or by a non-party proposer', () => {
    const b = book();
    const p = proposal();
    expect(code(() => b.propose(p, opSign(p, 202), CLOSED))).toBe('not_a_party');
    const outsider = proposal({ proposer: 404 });
    expect(code(() => b.propose(outsider, opSign(outsider, 404), CLOSED))).toBe('bad_netting_input');
    expect(b.state('2026-11')).toBeUndefined();
  });

  it('expires a proposal at its deadline; a new attempt can be proposed and old approvals do not count for it', () => {
    const b = book();
    const p = proposal({ deadlineHeight: 25 });
    b.propose(p, opSign(p, 101), CLOSED);
    expect(code(() => b.propose(proposal({ attempt: 2 }), opSign(proposal({ attempt: 2 }), 101), CLOSED))).toBe('proposal_pending');
    b.approve('2026-11', opSign(p, 202), { ...CLOSED, height: 25 });
    expect(code(() => b.approve('2026-11', opSign(p, 303), { ...CLOSED, height: 26 }))).toBe('proposal_expired');
    expect(b.expire(26)).toEqual(['2026-11']);
    expect(b.state('2026-11')).toMatchObject({ status: 'expired', expiredAt: 26 });
    const at: BlockAt = { ...CLOSED, height: 30 };
    const wrongAttempt = proposal({ deadlineHeight: 60 });
    expect(code(() => b.propose(wrongAttempt, opSign(wrongAttempt, 101), at))).toBe('bad_netting_input');
    const p2 = proposal({ attempt: 2, deadlineHeight: 60 });
    expect(b.propose(p2, opSign(p2, 101), at).status).toBe('proposed');
    // 202's signature of attempt 1 does not verify for attempt 2.
    expect(code(() => b.approve('2026-11', { ...opSign(p, 202) }, at))).toBe('bad_signature');
  });

  it('refuses a wrong fee, a deadline out of range, and transfers that are not the netting', () => {
    const b = book();
    const badFee = proposal({ clearingFee: 999n });
    expect(code(() => b.propose(badFee, opSign(badFee, 101), CLOSED))).toBe('bad_netting_input');
    const late = proposal({ deadlineHeight: CLOSED.height + 101 });
    expect(code(() => b.propose(late, opSign(late, 101), CLOSED))).toBe('bad_netting_input');
    const p = proposal();
    const other = committedNetting();
    expect(code(() => b.propose(p, opSign(p, 101), CLOSED, { mode: 'committed', nets: other.nets }))).toBe('bad_netting_input');
    expect(b.state('2026-11')).toBeUndefined();
  });

  it('checks plain-mode transfers: at most n − 1, between involved operators, summing to the settled volume', () => {
    const { transfers } = netBilateralAmounts(OPS, [
      { debtor: 101, creditor: 202, amount: 500n },
      { debtor: 202, creditor: 303, amount: 300n },
      { debtor: 303, creditor: 101, amount: 100n },
    ]);
    const volume = transfers.reduce((s, t) => s + t.amount, 0n);
    const b = book();
    const plain = proposal({ outcome: { mode: 'plain', transfers }, settledVolume: volume, clearingFee: clearingFee(volume, policy.clearingFeeRate) });
    expect(b.propose(plain, opSign(plain, 101), CLOSED, { mode: 'plain', transfers }).status).toBe('proposed');
    const b2 = book();
    const wrongSum = proposal({ outcome: { mode: 'plain', transfers }, settledVolume: volume + 1n, clearingFee: clearingFee(volume + 1n, policy.clearingFeeRate) });
    expect(code(() => b2.propose(wrongSum, opSign(wrongSum, 101), CLOSED))).toBe('bad_netting_input');
    const tooMany = [...transfers, { from: 101, to: 303, amount: 1n }, { from: 303, to: 202, amount: 1n }];
    const many = proposal({ outcome: { mode: 'plain', transfers: tooMany }, settledVolume: volume + 2n });
    expect(code(() => b2.propose(many, opSign(many, 101), CLOSED))).toBe('bad_netting_input');
  });
});

describe('clearing fee split', () => {
  it('splits to the last minor unit, each part within one unit of its exact share', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.uniqueArray(fc.record({ validator: fc.integer({ min: 0, max: 50 }), weight: fc.bigInt({ min: 0n, max: 10n ** 6n }) }), { selector: (x) => x.validator, minLength: 1, maxLength: 20 }),
        (amount, parts) => {
          fc.pre(parts.some((p) => p.weight > 0n));
          const shares = splitProportionally(amount, parts);
          expect(shares.reduce((s, x) => s + x.amount, 0n)).toBe(amount);
          const total = parts.reduce((s, p) => s + p.weight, 0n);
          for (const s of shares) {
            const w = parts.find((p) => p.validator === s.validator)!.weight;
            const floor = (amount * w) / total;
            expect(s.amount === floor || s.amount === floor + 1n).toBe(true);
          }
        },
      ),
    );
  });

  it('gives producers their share only when blocks were produced, and is independent of input order', () => {
    const validators = [{ validator: 2, weight: 1n }, { validator: 1, weight: 2n }];
    const none = splitClearingFee(101n, [], validators, rational(1n, 2n));
    expect(none.toProducers).toBe(0n);
    expect(none.shares).toEqual([{ validator: 1, amount: 67n }, { validator: 2, amount: 34n }]);
    const a = splitClearingFee(101n, [{ validator: 1, weight: 1n }, { validator: 2, weight: 1n }], validators, rational(1n, 2n));
    const b = splitClearingFee(101n, [{ validator: 2, weight: 1n }, { validator: 1, weight: 1n }], [...validators].reverse(), rational(1n, 2n));
    expect(a).toEqual(b);
    expect(a.toProducers + a.toValidators).toBe(101n);
  });
});
