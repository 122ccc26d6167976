import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WasmInterpreter } from '../vm/interpreter.js';
import { bjjSumNoble, nodeHostFunctions } from '../vm/node-host.js';
import { Status } from '../vm/opcodes.js';
import { ReferenceInterpreter } from '../vm/reference.js';
import { loadSystemContracts } from '../vm/system/index.js';
import {
  checkCommittedNetting, commit, commitPairs, JUBJUB_ORDER, JUBJUB_P, JubjubPoint, netCommitments, netOpenings, pairwiseAmounts, PEDERSEN_G, toAffine, toAffineBatch,
  transferCommitments, type AffinePoint, type Opening,
} from './commitment/index.js';
import { NettingRejectedError } from './errors.js';
import { netBilateralAmounts, type BilateralAmount } from './netting-reference.js';
import {
  CommittedNettingContract, commitmentStorage, nettedKey, NETTING_COMMITTED_CONTRACT, NETTING_GAS, pairKey, PlainNettingContract, plainPairWords,
  statementStorage,
} from './netting-contract.js';
import { syntheticConsortium } from './random-consortium.js';

const system = loadSystemContracts();
const host = nodeHostFunctions();
const committed = CommittedNettingContract.from(system, WasmInterpreter.load(), host);
const plain = PlainNettingContract.from(system, WasmInterpreter.load(), host);
const PERIOD = 202_612n;

/** Plain-mode storage from a consortium's directed amounts. */
function plainStorage(operators: readonly number[], amounts: readonly BilateralAmount[], period = PERIOD) {
  const owed = new Map(amounts.map((a) => [`${a.debtor}>${a.creditor}`, a.amount]));
  return statementStorage(period, plainPairWords(operators, (d, c) => owed.get(`${d}>${c}`) ?? 0n));
}

const blindingOf = (seed: string, p: number): bigint => BigInt(`0x${createHash('sha512').update(`${seed}:${p}`).digest('hex')}`) % JUBJUB_ORDER;

/** A committed consortium: pair commitments, the reference nets, and the operators' correct transfers. */
function committedConsortium(n: number, seed: string) {
  const { operators, amounts } = syntheticConsortium(n, seed);
  const openings: Opening[] = pairwiseAmounts(operators, amounts).map((amount, p) => ({ amount, blinding: blindingOf(seed, p) }));
  const pairs = commitPairs(openings);
  const nets = netOpenings(n, openings);
  return {
    operators, amounts, openings, nets,
    pairs: toAffineBatch(pairs),
    referenceNets: toAffineBatch(netCommitments(n, pairs)),
    transfers: toAffineBatch(transferCommitments(nets)),
  };
}

const shift = (a: AffinePoint, by: JubjubPoint): AffinePoint => toAffine(JubjubPoint.fromAffine(a).add(by));

describe('netting-plain system contract', () => {
  it.each([2, 3, 5, 17, 40, 100])('agrees exactly with netting-reference.ts on %i operators, every pair a relation', (n) => {
    for (const seed of [`plain-${n}-a`, `plain-${n}-b`]) {
      const { operators, amounts } = syntheticConsortium(n, seed);
      const want = netBilateralAmounts(operators, amounts);
      const got = plain.net(PERIOD, operators, plainStorage(operators, amounts));
      expect(got.positions).toEqual(want.positions);
      expect(got.transfers).toEqual(want.transfers);
      expect(got.transfers.length).toBeLessThanOrEqual(n - 1);
      expect(got.storageWrites).toEqual([[nettedKey(PERIOD), BigInt(n)]]);
    }
  });

  it('handles amounts up to 2^128 − 1 without overflow', () => {
    for (const n of [2, 9, 30]) {
      const consortium = syntheticConsortium(n, `plain-huge-${n}`);
      const operators = consortium.operators;
      // Non-zero amounts moved to just below 2^128.
      const amounts = consortium.amounts.map((a) => ({ ...a, amount: a.amount === 0n ? 0n : (1n << 128n) - a.amount }));
      expect(amounts.some((a) => a.amount > 1n << 127n)).toBe(true);
      const got = plain.net(PERIOD, operators, plainStorage(operators, amounts));
      expect(got).toMatchObject(netBilateralAmounts(operators, amounts));
    }
  });

  it('cancels cycles, skips zero positions and breaks ties in consortium order', () => {
    const operators = [101, 102, 103, 104, 105];
    const amounts: BilateralAmount[] = [
      // a triangle that cancels completely
      { debtor: 101, creditor: 102, amount: 50n }, { debtor: 102, creditor: 103, amount: 50n }, { debtor: 103, creditor: 101, amount: 50n },
      // 104 and 105 each owe 102 the same: a tie between payers
      { debtor: 104, creditor: 102, amount: 7n }, { debtor: 105, creditor: 102, amount: 7n },
    ];
    const got = plain.net(PERIOD, operators, plainStorage(operators, amounts));
    expect(got.positions.map((p) => p.net)).toEqual([0n, 14n, 0n, -7n, -7n]);
    expect(got.transfers).toEqual([{ from: 104, to: 102, amount: 7n }, { from: 105, to: 102, amount: 7n }]);
    expect(got).toMatchObject(netBilateralAmounts(operators, amounts));
    // Nothing owed at all: no transfers.
    expect(plain.net(PERIOD, [1, 2], statementStorage(PERIOD, [[0n, 0n]])).transfers).toEqual([]);
  });

  it('refuses an amount of 2^128 or more, and a second netting of the period, writing nothing', () => {
    const { operators, amounts } = syntheticConsortium(4, 'plain-bad');
    const storage = plainStorage(operators, amounts);
    storage.set(pairKey(PERIOD, 4, 1), 1n << 128n); // pair (1, 3)
    const err = catchError(() => plain.net(PERIOD, operators, storage));
    expect(err).toBeInstanceOf(NettingRejectedError);
    expect(err).toMatchObject({ code: 'bad_netting_input', operator: 1 });

    const done = plainStorage(operators, amounts);
    done.set(nettedKey(PERIOD), 4n);
    expect(catchError(() => plain.net(PERIOD, operators, done))).toMatchObject({ code: 'already_netted' });
    // Another period in the same storage is unaffected.
    expect(plain.net(PERIOD + 1n, operators, plainStorage(operators, amounts, PERIOD + 1n)).positions).toEqual(netBilateralAmounts(operators, amounts).positions);
  });
});

describe('netting-committed system contract', () => {
  it.each([2, 3, 10, 100])('computes the committed nets of src/settlement/commitment on %i operators', (n) => {
    const c = committedConsortium(n, `committed-${n}`);
    const got = committed.net(PERIOD, n, c.transfers, commitmentStorage(PERIOD, c.pairs));
    expect(got.nets).toEqual(c.referenceNets);
    expect(got.nets).toEqual(c.transfers);
    expect(got.storageWrites).toEqual([[nettedKey(PERIOD), BigInt(n)]]);
    // The nets open to the plain reference positions with the summed blindings.
    const plainNets = netBilateralAmounts(c.operators, c.amounts).positions.map((p) => p.net);
    expect(c.nets.map((o) => o.amount)).toEqual(plainNets);
    got.nets.forEach((net, k) => expect(JubjubPoint.fromAffine(net).equals(commit(plainNets[k]!, c.nets[k]!.blinding))).toBe(true));
  });

  it('runs the same in the reference interpreter (gas and output)', () => {
    const c = committedConsortium(6, 'committed-diff');
    const code = system.get(NETTING_COMMITTED_CONTRACT).container;
    const words = [6n, PERIOD, ...c.transfers.flatMap((t) => [t.x, t.y])];
    const calldata = new Uint8Array(words.length * 32);
    words.forEach((w, i) => calldata.set(Buffer.from(w.toString(16).padStart(64, '0'), 'hex'), 32 * i));
    const ctx = { address: 0n, caller: 0n, height: 0n, timestampMs: 0n, calldata, gasLimit: NETTING_GAS };
    const storage = commitmentStorage(PERIOD, c.pairs);
    const wasm = WasmInterpreter.create().execute(code, ctx, storage, host);
    const ref = new ReferenceInterpreter().execute(code, ctx, storage, host);
    expect(wasm.status).toBe(Status.Success);
    expect(ref).toEqual(wasm);
  });

  it("runs the same with @noble/curves' BJJ_SUM, in both interpreters, refusals included", () => {
    const c = committedConsortium(7, 'committed-noble');
    const code = system.get(NETTING_COMMITTED_CONTRACT).container;
    const words = [7n, PERIOD, ...c.transfers.flatMap((t) => [t.x, t.y])];
    const calldata = new Uint8Array(words.length * 32);
    words.forEach((w, i) => calldata.set(Buffer.from(w.toString(16).padStart(64, '0'), 'hex'), 32 * i));
    const ctx = { address: 0n, caller: 0n, height: 0n, timestampMs: 0n, calldata, gasLimit: NETTING_GAS };
    const nobleHost = { ...host, bjjSum: bjjSumNoble };
    const offCurve = commitmentStorage(PERIOD, c.pairs);
    offCurve.set(pairKey(PERIOD, 4, 1), c.pairs[4]!.y + 1n);
    const nonCanonical = commitmentStorage(PERIOD, c.pairs);
    nonCanonical.set(pairKey(PERIOD, 9, 0), c.pairs[9]!.x + JUBJUB_P);
    const statuses: Status[] = [];
    for (const storage of [commitmentStorage(PERIOD, c.pairs), offCurve, nonCanonical]) {
      const wasm = WasmInterpreter.create().execute(code, ctx, storage, host);
      expect(WasmInterpreter.create().execute(code, ctx, storage, nobleHost)).toEqual(wasm);
      expect(new ReferenceInterpreter().execute(code, ctx, storage, nobleHost)).toEqual(wasm);
      expect(new ReferenceInterpreter().execute(code, ctx, storage, host)).toEqual(wasm);
      statuses.push(wasm.status);
    }
    expect(statuses).toEqual([Status.Success, Status.Reverted, Status.Reverted]);
  });

  const c = committedConsortium(8, 'committed-bad');
  const storage = () => commitmentStorage(PERIOD, c.pairs);
  const G = PEDERSEN_G;

  it('refuses a transfer that does not match its net, naming the operator', () => {
    // Value moved from operator 5 to operator 2: the transfers still sum to the identity.
    const transfers = [...c.transfers];
    transfers[2] = shift(transfers[2]!, G);
    transfers[5] = shift(transfers[5]!, G.negate());
    const err = catchError(() => committed.net(PERIOD, 8, transfers, storage()));
    expect(err).toBeInstanceOf(NettingRejectedError);
    expect(err).toMatchObject({ code: 'transfer_mismatch', operator: 2 });
    // The TypeScript check finds the same operators; the contract names the first.
    const points = c.pairs.map((p) => JubjubPoint.fromAffine(p));
    expect(checkCommittedNetting(8, points, transfers.map((t) => JubjubPoint.fromAffine(t)))).toEqual({ ok: false, sumIsIdentity: true, mismatched: [2, 5] });
    // Swapping two operators' transfers is a mismatch too.
    const swapped = [...c.transfers];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(catchError(() => committed.net(PERIOD, 8, swapped, storage()))).toMatchObject({ code: 'transfer_mismatch', operator: 0 });
  });

  it('refuses transfers that do not sum to zero', () => {
    const transfers = [...c.transfers];
    transfers[3] = shift(transfers[3]!, G);
    expect(catchError(() => committed.net(PERIOD, 8, transfers, storage()))).toMatchObject({ code: 'nets_not_zero' });
  });

  it('refuses malformed commitments and transfers, with no state change', () => {
    // Pair (0, 1) off the curve: operator 0 is the first whose net reads it.
    const offCurve = storage();
    offCurve.set(pairKey(PERIOD, 0, 1), c.pairs[0]!.y + 1n);
    expect(catchError(() => committed.net(PERIOD, 8, c.transfers, offCurve))).toMatchObject({ code: 'bad_commitment', operator: 0 });
    // Pair (2, 5) with a coordinate ≥ p: operator 2's debit.
    const p25 = 2 * 8 - 3 + (5 - 2 - 1);
    const nonCanonical = storage();
    nonCanonical.set(pairKey(PERIOD, p25, 0), c.pairs[p25]!.x + JUBJUB_P);
    expect(catchError(() => committed.net(PERIOD, 8, c.transfers, nonCanonical))).toMatchObject({ code: 'bad_commitment', operator: 2 });
    // A missing statement reads as (0, 0), which is not a point.
    const missing = storage();
    missing.delete(pairKey(PERIOD, 27, 0));
    missing.delete(pairKey(PERIOD, 27, 1));
    expect(catchError(() => committed.net(PERIOD, 8, c.transfers, missing))).toMatchObject({ code: 'bad_commitment' });
    const badTransfer = [...c.transfers];
    badTransfer[7] = { x: 0n, y: 0n };
    expect(catchError(() => committed.net(PERIOD, 8, badTransfer, storage()))).toMatchObject({ code: 'bad_commitment' });

    // The raw execution: reverted, no storage writes, no events.
    const code = system.get(NETTING_COMMITTED_CONTRACT).code;
    const words = [8n, PERIOD, ...c.transfers.flatMap((t) => [t.x, t.y])];
    const calldata = new Uint8Array(words.length * 32);
    words.forEach((w, i) => calldata.set(Buffer.from(w.toString(16).padStart(64, '0'), 'hex'), 32 * i));
    const ctx = { address: 0n, caller: 0n, height: 0n, timestampMs: 0n, calldata, gasLimit: NETTING_GAS };
    const reverted = WasmInterpreter.load().executeCode(code, ctx, offCurve, host);
    expect(reverted.status).toBe(Status.Reverted);
    expect(reverted.storageWrites).toEqual([]);
    expect(reverted.events).toEqual([]);
    // Calldata that is not 2 + 2n words: code 1.
    const short = WasmInterpreter.load().executeCode(code, { ...ctx, calldata: calldata.subarray(0, calldata.length - 32) }, storage(), host);
    expect(short.status).toBe(Status.Reverted);
    expect(BigInt(`0x${Buffer.from(short.output.subarray(0, 32)).toString('hex')}`)).toBe(1n);
    expect(short.storageWrites).toEqual([]);
  });

  it('refuses the honest transfers when a stored commitment carries a small-order component', () => {
    // (0, −1) has order 2: on the curve, so BJJ_SUM takes it, but the pair's commitment then opens
    // to nothing and the nets of both its operators move off their transfers.
    const dirty = storage();
    const bad = toAffine(JubjubPoint.fromAffine(c.pairs[0]!).add(JubjubPoint.fromAffine({ x: 0n, y: JUBJUB_P - 1n })));
    dirty.set(pairKey(PERIOD, 0, 0), bad.x);
    dirty.set(pairKey(PERIOD, 0, 1), bad.y);
    expect(catchError(() => committed.net(PERIOD, 8, c.transfers, dirty))).toMatchObject({ code: 'transfer_mismatch', operator: 0 });
  });

  it('refuses a second netting of the period', () => {
    const done = storage();
    done.set(nettedKey(PERIOD), 8n);
    expect(catchError(() => committed.net(PERIOD, 8, c.transfers, done))).toMatchObject({ code: 'already_netted' });
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
