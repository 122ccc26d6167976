// Settlement transactions on real chains (LMDB, the WASM VM's contract storage): FX rate sets signed
// by the genesis' rate publishers and bilateral statements signed by both operators of a pair are
// admitted, recorded by blocks where docs/settlement.md says (the netting contract's storage), and
// every refusal leaves nothing behind.
import { describe, expect, it } from 'vitest';
import { fxRateSetAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import { toHex } from '../codec/bytes.js';
import { sha256MerkleRoot } from '../crypto/hash.js';
import { Builder } from 'flatbuffers';
import { addHash } from '../codec/builder.js';
import { SettlementTx } from '../codec/generated/cdrchain/wire/settlement-tx.js';
import { FxRateSetAction } from '../codec/generated/cdrchain/wire/fx-rate-set-action.js';
import { BilateralStatementAction } from '../codec/generated/cdrchain/wire/bilateral-statement-action.js';
import { decodeSettlementTx, type SettlementAction } from '../codec/settlement-tx.js';
import { MalformedFrameError } from '../codec/errors.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { makeBilateralStatement, signBilateralStatement, type BilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { JUBJUB_P, randomBlinding, type AffinePoint } from '../settlement/commitment/pedersen.js';
import { signFxRateSet, type FxRateSet } from '../settlement/fx/fx-rate-book.js';
import { rational } from '../settlement/fx/rational.js';
import { nettedKey, pairKey } from '../settlement/netting-contract.js';
import type { Stores } from '../storage/index.js';
import { idleTestChains } from '../test-helpers/idle-test-chains.js';
import { ORANGE_FR, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { Chain } from './chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed } from './genesis.js';
import { BatchRejectedError, RejectCode } from './reject.js';
import { FX_RATES_ID, STATEMENTS_ID } from './settlement-state.js';
import { InvalidBlockError } from './state-transition.js';
import { TxKind } from './tx-kinds/tx-kind.js';

const blsSecret = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;
/** Consortium order (PLMN ascending) and the devnet's publisher order (its validators, the same). */
const OPERATORS = DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b);
/** Period 2025-12 ended at the devnet genesis' timestamp (2026-01-01T00:00Z): its statements are taken at once. */
const DEC_2025 = '2025-12';
const DEC_2025_KEY = BigInt(Date.UTC(2025, 11, 1) / 1000);
/** Pair (ORANGE_FR, VODAFONE_UK) = operators 0 and 1: pair index 0; (VODAFONE_UK, TELEKOM_DE) = 1 and 2. */
const PAIR_OV = 0;

describe('settlement transactions', () => {
  const { open, restart } = idleTestChains();


  const sequences = new Map<number, bigint>();
  function frame(submitter: number, period: string, action: SettlementAction): Uint8Array {
    const sequence = (sequences.get(submitter) ?? 0n) + 1n;
    sequences.set(submitter, sequence);
    return signSettlementTx({ submitter, sequence, period, action, seed: devnetBatchSeed(submitter) }).frame;
  }

  function statement(chain: Chain, first: number, second: number, opts: { period?: string; commitment?: AffinePoint; signers?: [number, number]; currency?: 'XDR' | 'EUR' } = {}): { action: SettlementAction; statement: BilateralStatement } {
    const fields = { chain: toHex(chain.identity), periodId: opts.period ?? DEC_2025, currency: opts.currency ?? 'XDR', first, second };
    const made = makeBilateralStatement(fields, { firstOwesSecond: 1_250_000n, secondOwesFirst: 400_000n, blinding: randomBlinding() });
    const s = opts.commitment ? { ...made, commitment: opts.commitment } : made;
    const [a, b] = opts.signers ?? [first, second];
    return { statement: s, action: statementAction({ statement: s, firstSignature: signBilateralStatement(s, blsSecret(a)), secondSignature: signBilateralStatement(s, blsSecret(b)) }) };
  }

  function rateSet(chain: Chain, period: string, eur: bigint, signers: readonly number[], override = false): SettlementAction {
    // EUR per XDR ~ 1.15: `eur` / 100 XDR per EUR's reciprocal is irrelevant here; rates are exact fractions.
    const set: FxRateSet = { chain: toHex(chain.identity), periodId: period, base: 'XDR', rates: new Map([['EUR', rational(eur, 100n)], ['USD', rational(75n, 100n)]]), override };
    return fxRateSetAction({ set, signatures: signers.map((i) => signFxRateSet(set, i, blsSecret(OPERATORS[i]!))) });
  }

  async function refused(chain: Chain, f: Uint8Array, source = chain.httpSource): Promise<BatchRejectedError> {
    const before = { size: chain.mempool.size };
    const err = await chain.submitTx(f.slice(), source).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(BatchRejectedError);
    expect(chain.mempool.size).toBe(before.size); // nothing recorded
    return err as BatchRejectedError;
  }

  async function commitBlock(chain: Chain, timestampMs = chain.committed.headTimestampMs + 1n): Promise<readonly Uint8Array[]> {
    const built = chain.builder.build({ producer: TELEKOM_DE, timestampMs })!;
    await chain.committer.commit(built);
    return built.writes.txIds;
  }

  function withRates(a: SettlementAction, rates: readonly { currency: number; num: bigint; den: bigint }[]): SettlementAction {
    if (a.kind !== 'fx_rate_set') throw new Error('rate sets only');
    return { ...a, rates };
  }

  function withSignaturesOf(a: SettlementAction, b: SettlementAction): SettlementAction {
    if (a.kind !== 'fx_rate_set' || b.kind !== 'fx_rate_set') throw new Error('rate sets only');
    return { ...a, signatures: b.signatures };
  }

  const stores = (chain: Chain): Stores => (chain as unknown as { stores: Stores }).stores;

  it('frames round-trip, and a frame with both actions or none is malformed', () => {
    const action: SettlementAction = { kind: 'statement', first: ORANGE_FR, second: VODAFONE_UK, currency: 960, x: 5n, y: JUBJUB_P - 1n, firstSignature: new Uint8Array(96).fill(1), secondSignature: new Uint8Array(96).fill(2) };
    const s = decodeSettlementTx(signSettlementTx({ submitter: ORANGE_FR, sequence: 3n, period: DEC_2025, action, seed: devnetBatchSeed(ORANGE_FR) }).frame);
    expect({ ...s.action, firstSignature: [...(s.action as { firstSignature: Uint8Array }).firstSignature] }).toEqual({ ...action, firstSignature: [...action.firstSignature] });
    expect([s.submitter, s.sequence, s.period]).toEqual([ORANGE_FR, 3n, DEC_2025]);
    const fx: SettlementAction = { kind: 'fx_rate_set', base: 960, override: true, rates: [{ currency: 978, num: (1n << 100n) + 7n, den: 3n }], signatures: [{ publisher: 4, signature: new Uint8Array(96).fill(9) }] };
    const f = decodeSettlementTx(signSettlementTx({ submitter: ORANGE_FR, sequence: 1n, period: '2026-01', action: fx, seed: devnetBatchSeed(ORANGE_FR) }).frame).action;
    expect(f.kind === 'fx_rate_set' && [f.base, f.override, f.rates, f.signatures[0]!.publisher, f.signatures[0]!.signature[95]]).toEqual([960, true, fx.rates, 4, 9]);
    // Exactly one action: the schema's union rule is the decoder's.
    const raw = (fx: boolean, st: boolean): Uint8Array => {
      const bld = new Builder(512);
      const period = bld.createString(DEC_2025);
      const sig = bld.createByteVector(new Uint8Array(64));
      let fxOff = 0;
      let stOff = 0;
      if (fx) {
        const empty = bld.createByteVector(new Uint8Array(0));
        fxOff = FxRateSetAction.createFxRateSetAction(bld, 960, false, empty, empty);
      }
      if (st) {
        const s96a = bld.createByteVector(new Uint8Array(96));
        const s96b = bld.createByteVector(new Uint8Array(96));
        BilateralStatementAction.startBilateralStatementAction(bld);
        BilateralStatementAction.addFirst(bld, ORANGE_FR);
        BilateralStatementAction.addSecond(bld, VODAFONE_UK);
        addHash(bld, BilateralStatementAction.addCommitmentX, new Uint8Array(32));
        addHash(bld, BilateralStatementAction.addCommitmentY, new Uint8Array(32));
        BilateralStatementAction.addFirstSignature(bld, s96a);
        BilateralStatementAction.addSecondSignature(bld, s96b);
        stOff = BilateralStatementAction.endBilateralStatementAction(bld);
      }
      SettlementTx.startSettlementTx(bld);
      SettlementTx.addSubmitter(bld, ORANGE_FR);
      SettlementTx.addSequence(bld, 1n);
      SettlementTx.addPeriod(bld, period);
      if (fxOff) SettlementTx.addFxRateSet(bld, fxOff);
      if (stOff) SettlementTx.addStatement(bld, stOff);
      SettlementTx.addSignature(bld, sig);
      SettlementTx.finishSettlementTxBuffer(bld, SettlementTx.endSettlementTx(bld));
      return bld.asUint8Array();
    };
    expect(() => decodeSettlementTx(raw(true, false))).not.toThrow();
    expect(decodeSettlementTx(raw(false, true)).action.kind).toBe('statement');
    expect(() => decodeSettlementTx(raw(true, true))).toThrow(/exactly one of fx_rate_set, statement, proposal, approval, plain_statement and disclosure/);
    expect(() => decodeSettlementTx(raw(false, false))).toThrow(/exactly one of fx_rate_set, statement, proposal, approval, plain_statement and disclosure/);
    expect(() => decodeSettlementTx(raw(false, false))).toThrow(MalformedFrameError);
  });

  it('a statement signed by both operators is admitted and a block records its commitment at the netting contract\'s keys; a second node applies the block to the same state root', async () => {
    const [a, b] = [await open(), await open()];
    const { action, statement: s } = statement(a, ORANGE_FR, VODAFONE_UK);
    const f = frame(ORANGE_FR, DEC_2025, action);
    for (const c of [a, b]) {
      const accepted = await c.submitTx(f.slice(), c.httpSource);
      expect(accepted.kind).toBe(TxKind.Settlement);
    }
    const built = a.builder.build({ producer: TELEKOM_DE, timestampMs: a.committed.headTimestampMs + 1n })!;
    expect(built.writes.txIds).toHaveLength(1);
    const checked = b.transition.apply({ header: built.writes.header, txIds: built.writes.txIds }, built.writes.stateRoot);
    expect(toHex(checked.stateRoot)).toBe(toHex(built.writes.stateRoot));
    await a.committer.commit(built);
    await b.committer.commit({ bytes: built.bytes, writes: checked });
    for (const c of [a, b]) {
      expect(c.committed.contracts.slot(STATEMENTS_ID, pairKey(DEC_2025_KEY, PAIR_OV, 0))).toBe(s.commitment.x);
      expect(c.committed.contracts.slot(STATEMENTS_ID, pairKey(DEC_2025_KEY, PAIR_OV, 1))).toBe(s.commitment.y);
      expect(c.committed.committedSequence(TxKind.Settlement, ORANGE_FR)).toBe(sequences.get(ORANGE_FR));
      expect(c.mempool.size).toBe(0);
    }
    const view = a.kinds.get(TxKind.Settlement).view(built.writes.txIds[0]!, f, { height: 1, index: 0 }).view;
    expect(view).toMatchObject({ type: 'settlement', action: 'statement', period: DEC_2025, first: ORANGE_FR, second: VODAFONE_UK, currency: 'XDR', status: 'committed' });

    // The pair's second statement for the period is refused (the first stands), after a restart too; so is a statement of a netted period.
    expect((await refused(a, frame(VODAFONE_UK, DEC_2025, statement(a, ORANGE_FR, VODAFONE_UK).action))).code).toBe(RejectCode.DuplicateStatement);
    const again = await restart(a);
    expect(again.settlementPeriod(DEC_2025)).toMatchObject({ statements: 1, pairs: 15, ended: true, netted: false });
    expect(again.lastAcceptedSettlementSequence(ORANGE_FR)).toBe(sequences.get(ORANGE_FR));
    expect((await refused(again, frame(VODAFONE_UK, DEC_2025, statement(again, ORANGE_FR, VODAFONE_UK).action))).code).toBe(RejectCode.DuplicateStatement);
    await stores(again).env.transaction(() => stores(again).contracts.writeSlots(STATEMENTS_ID, [[nettedKey(DEC_2025_KEY), 6n]]));
    const netted = await refused(again, frame(TELEKOM_DE, DEC_2025, statement(again, VODAFONE_UK, TELEKOM_DE).action));
    expect(again.settlementPeriod(DEC_2025).netted).toBe(true);
    expect([netted.code, netted.reason]).toEqual([RejectCode.AlreadyNetted, 'already_netted']);
  });

  it('refuses a non-party submitter, an unknown or unordered pair, a bad signature, a commitment outside the subgroup, an open period, another currency: each with its code, nothing recorded', async () => {
    const chain = await open();
    const cases: [string, Uint8Array, RejectCode, RegExp][] = [
      ['non-party', frame(TELEKOM_DE, DEC_2025, statement(chain, ORANGE_FR, VODAFONE_UK).action), RejectCode.NotParty, /not party to the 20801-23415 statement/],
      ['unordered pair', frame(ORANGE_FR, DEC_2025, statement(chain, VODAFONE_UK, ORANGE_FR).action), RejectCode.UnknownOperator, /consortium order/],
      ['unknown operator', frame(ORANGE_FR, DEC_2025, statement(chain, ORANGE_FR, 99_999).action), RejectCode.UnknownOperator, /not a pair of consortium operators/],
      ['bad signature', frame(ORANGE_FR, DEC_2025, statement(chain, ORANGE_FR, VODAFONE_UK, { signers: [ORANGE_FR, TELEKOM_DE] }).action), RejectCode.BadSignature, /operator 23415's signature .* does not verify/],
      ['small-order commitment', frame(ORANGE_FR, DEC_2025, statement(chain, ORANGE_FR, VODAFONE_UK, { commitment: { x: 0n, y: JUBJUB_P - 1n } }).action), RejectCode.BadCommitment, /subgroup/],
      ['open period', frame(ORANGE_FR, '2026-01', statement(chain, ORANGE_FR, VODAFONE_UK, { period: '2026-01' }).action), RejectCode.PeriodNotEnded, /period 2026-01 ends at 2026-02-01T00:00:00.000Z/],
      ['other currency', frame(ORANGE_FR, DEC_2025, statement(chain, ORANGE_FR, VODAFONE_UK, { currency: 'EUR' }).action), RejectCode.BadRate, /settlement currency XDR, not EUR/],
      ['bad period id', frame(ORANGE_FR, '2025-13', statement(chain, ORANGE_FR, VODAFONE_UK).action), RejectCode.OutOfRange, /is not a month/],
    ];
    for (const [what, f, code, message] of cases) {
      const err = await refused(chain, f);
      expect(err.code, what).toBe(code);
      expect(err.detail, what).toMatch(message);
    }
    expect(chain.committed.contracts.slot(STATEMENTS_ID, pairKey(DEC_2025_KEY, PAIR_OV, 0))).toBe(0n);
    // A pair's second statement while the first is pending is refused too.
    await chain.submitTx(frame(ORANGE_FR, DEC_2025, statement(chain, ORANGE_FR, VODAFONE_UK).action), chain.httpSource);
    expect((await refused(chain, frame(VODAFONE_UK, DEC_2025, statement(chain, ORANGE_FR, VODAFONE_UK).action))).code).toBe(RejectCode.DuplicateStatement);
  });

  it('a block holding two statements of one pair is refused; a producer records the first, and the commit evicts the other', async () => {
    const [a, b] = [await open(), await open()];
    const first = frame(ORANGE_FR, DEC_2025, statement(a, ORANGE_FR, VODAFONE_UK).action);
    const second = frame(VODAFONE_UK, DEC_2025, statement(a, ORANGE_FR, VODAFONE_UK).action);
    // A validator takes a relayed second statement (another validator may have taken it first).
    for (const c of [a, b]) {
      await c.submitTx(first.slice(), c.httpSource);
      await c.submitTx(second.slice(), c.connectionSource('peer', { relayed: true }));
    }
    const ids = [...a.mempool.durablePrefix()].map((e) => e.id);
    const header = a.builder.build({ producer: TELEKOM_DE, timestampMs: a.committed.headTimestampMs + 1n })!.writes.header;
    let err: unknown;
    try {
      b.transition.apply({ header: { ...header, txCount: 2, txRoot: sha256MerkleRoot(ids) }, txIds: ids }, null);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidBlockError);
    expect((err as InvalidBlockError).reason).toBe('settlement');
    expect((err as Error).message).toMatch(/duplicate_statement/);

    const txIds = await commitBlock(a);
    expect(txIds.map(toHex)).toEqual([toHex(ids[0]!)]);
    expect(a.mempool.size).toBe(0);
    // The eviction is durable, and the evicted statement says why.
    const reopened = await restart(a);
    expect(reopened.mempool.size).toBe(0);
    expect(reopened.queries.tx(ids[1]!)?.view).toMatchObject({ status: 'evicted', eviction: { reason: 'settlement_refused' } });
  });

  it('a relayed transaction with a sequence its submitter already holds here is admitted, a client\'s is not, and one block takes both', async () => {
    const chain = await open();
    const sign = (first: number, second: number) => signSettlementTx({ submitter: VODAFONE_UK, sequence: 1n, period: DEC_2025, action: statement(chain, first, second).action, seed: devnetBatchSeed(VODAFONE_UK) });
    const [mine, theirs] = [sign(VODAFONE_UK, TELEKOM_DE), sign(ORANGE_FR, VODAFONE_UK)];
    await chain.submitTx(mine.frame.slice(), chain.httpSource);
    expect((await refused(chain, theirs.frame.slice())).code).toBe(RejectCode.Replay);
    // Another validator took Vodafone's other sequence-1 transaction: a block may name it, so it must be admissible here.
    await chain.submitTx(theirs.frame.slice(), chain.connectionSource('peer', { relayed: true }));
    expect((await commitBlock(chain)).map(toHex).sort()).toEqual([toHex(mine.hash), toHex(theirs.hash)].sort());
    expect(chain.committed.committedSequence(TxKind.Settlement, VODAFONE_UK)).toBe(1n);
  });

  it('rate sets: publishers sign, the move limit holds unless an override has the override threshold, periods move forward', async () => {
    const chain = await open();
    await chain.submitTx(frame(ORANGE_FR, '2026-01', rateSet(chain, '2026-01', 115n, [0])), chain.httpSource);
    await commitBlock(chain);
    const jan = BigInt(Date.UTC(2026, 0, 1) / 1000) << 32n;
    expect(chain.committed.contracts.slot(FX_RATES_ID, 0n)).toBe(jan >> 32n);
    expect([chain.committed.contracts.slot(FX_RATES_ID, jan + 0n), chain.committed.contracts.slot(FX_RATES_ID, jan + 1n)]).toEqual([23n, 20n]); // EUR 115/100

    const cases: [string, SettlementAction, string, RejectCode, RegExp][] = [
      ['a 20 % move', rateSet(chain, '2026-02', 138n, [1]), '2026-02', RejectCode.RateMoveTooLarge, /EUR moves from 1.15 to 1.38 XDR/],
      ['an override with 4 of 6', rateSet(chain, '2026-02', 138n, [0, 1, 2, 3], true), '2026-02', RejectCode.BadSignature, /an override needs 5 publisher signatures, got 4/],
      ['a publisher signing another set', withSignaturesOf(rateSet(chain, '2026-02', 116n, [0]), rateSet(chain, '2026-02', 117n, [0])), '2026-02', RejectCode.BadSignature, /publisher 0's signature does not verify/],
      ['no signature', rateSet(chain, '2026-02', 116n, []), '2026-02', RejectCode.BadSignature, /needs 1 publisher signatures, got 0/],
      ['a period not after the last', rateSet(chain, '2025-12', 116n, [0]), '2025-12', RejectCode.BadRate, /not after 2026-01/],
      ['an unknown currency (JPY, 392)', withRates(rateSet(chain, '2026-02', 116n, [0]), [{ currency: 392, num: 1n, den: 150n }]), '2026-02', RejectCode.BadRate, /ISO 4217 numeric 392 is no currency the consortium settles in/],
      ['a currency listed twice', withRates(rateSet(chain, '2026-02', 116n, [0]), [{ currency: 978, num: 1n, den: 1n }, { currency: 978, num: 2n, den: 1n }]), '2026-02', RejectCode.BadRate, /EUR is listed twice/],
      ['another base (EUR)', { ...(rateSet(chain, '2026-02', 116n, [0]) as Extract<SettlementAction, { kind: 'fx_rate_set' }>), base: 978, rates: [] }, '2026-02', RejectCode.BadRate, /quoted in EUR; the consortium settles in XDR/],
      ['a rate of 10^30', withRates(rateSet(chain, '2026-02', 116n, [0]), [{ currency: 978, num: 10n ** 30n, den: 1n }]), '2026-02', RejectCode.BadRate, /below 10\^30/],
    ];
    for (const [what, action, period, code, message] of cases) {
      const err = await refused(chain, frame(VODAFONE_UK, period, action));
      expect(err.code, what).toBe(code);
      expect(err.detail, what).toMatch(message);
    }
    // Within 10 %, or an override signed by 5 of the 6 publishers: accepted.
    await chain.submitTx(frame(VODAFONE_UK, '2026-02', rateSet(chain, '2026-02', 138n, [0, 1, 2, 3, 5], true)), chain.httpSource);
    await commitBlock(chain);
    await chain.submitTx(frame(VODAFONE_UK, '2026-03', rateSet(chain, '2026-03', 151n, [2])), chain.httpSource);
    await commitBlock(chain);
    expect(chain.committed.contracts.slot(FX_RATES_ID, 0n)).toBe(BigInt(Date.UTC(2026, 2, 1) / 1000));
  });
});
