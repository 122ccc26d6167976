// Plain-mode settlement on real chains (LMDB, the WASM VM's netting-plain contract; issue 14 items 4,
// 5, 7): statements with both gross amounts in the clear, signed by both operators — one of them an
// operator that does not validate, with its genesis settlementKey — then a proposal carrying the
// contract's transfers, approvals and final on two nodes with equal state roots. Each bad input is
// refused with its code and changes nothing; the modes do not mix in either direction, and a disclosure (committed mode's) is refused.
import { describe, expect, it } from 'vitest';
import { approvalAction, plainStatementAction, proposalAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { encodeBlock } from '../codec/block.js';
import type { SettlementAction } from '../codec/settlement-tx.js';
import { blsAggregateSignatures, blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { clearingFee, proposalId, signAsOperator, signAsValidator, type SettlementApproval, type SettlementProposal } from '../settlement/approval/index.js';
import { makeBilateralStatement, signBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { randomBlinding } from '../settlement/commitment/pedersen.js';
import { nettedKey } from '../settlement/netting-contract.js';
import { netBilateralAmounts, type Transfer } from '../settlement/netting-reference.js';
import { signPlainStatement, type PlainBilateralStatement } from '../settlement/plain-statement.js';
import { idleTestChains } from '../test-helpers/idle-test-chains.js';
import { ORANGE_FR, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { plainModeGenesis, T_MOBILE_US, testSettlementSecret } from '../test-helpers/plain-genesis.js';
import type { Chain, SettlementDraft } from './chain.js';
import { devnetBatchSeed, devnetBlsSeed, devnetGenesis, type Genesis } from './genesis.js';
import { BatchRejectedError, RejectCode } from './reject.js';
import { PLAIN_STATEMENTS_ID } from './settlement-state.js';

const DEC_2025 = '2025-12';
const DEC_2025_KEY = BigInt(Date.UTC(2025, 11, 1) / 1000);
const CLOSES_AT_MS = BigInt(Date.UTC(2026, 0, 4));
/** The registered statement key: a validator's well-known devnet key, T-Mobile US's genesis settlementKey. */
const blsSecret = (plmn: number): Uint8Array => (plmn === T_MOBILE_US ? testSettlementSecret() : blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey);
const VALIDATORS = [ORANGE_FR, VODAFONE_UK, TELEKOM_DE, 40445, 52501];
const OPERATORS = [...VALIDATORS, T_MOBILE_US];

/** Who owes whom (settlement-currency minor units): three pairs, one with the operator that does not validate. */
const PAIRS: readonly [number, number, bigint, bigint][] = [
  [ORANGE_FR, VODAFONE_UK, 1_250_000n, 400_000n],
  [VODAFONE_UK, TELEKOM_DE, 300_000n, 900_000n],
  [VODAFONE_UK, T_MOBILE_US, 700_000n, 50_000n],
];

describe('plain-mode settlement on chain', () => {
  const chains = idleTestChains();
  const open = (genesis: Genesis = plainModeGenesis()): Promise<Chain> => chains.open({ genesis });

  const sequences = new Map<number, bigint>();
  function frame(chain: Chain, submitter: number, action: SettlementAction, period = DEC_2025): Uint8Array {
    const sequence = (sequences.get(submitter) ?? 0n) + 1n;
    sequences.set(submitter, sequence);
    return signSettlementTx({ submitter, sequence, period, action, seed: devnetBatchSeed(submitter), chain: chain.identity }).frame;
  }

  function plainStatement(chain: Chain, first: number, second: number, owes: bigint, owed: bigint): PlainBilateralStatement {
    return { chain: toHex(chain.identity), periodId: DEC_2025, currency: 'XDR', first, second, firstOwesSecond: owes, secondOwesFirst: owed };
  }

  function statementFrame(chain: Chain, first: number, second: number, owes: bigint, owed: bigint, secondSigns?: PlainBilateralStatement): Uint8Array {
    const s = plainStatement(chain, first, second, owes, owed);
    return frame(chain, second, plainStatementAction({ statement: s, firstSignature: signPlainStatement(s, blsSecret(first)), secondSignature: signPlainStatement(secondSigns ?? s, blsSecret(second)) }));
  }

  function proposalOf(d: SettlementDraft, proposer: number, transfers: readonly Transfer[] = d.plainTransfers ?? []): SettlementProposal {
    const volume = transfers.reduce((s, t) => s + t.amount, 0n);
    return {
      chain: d.chain, periodId: d.periodId, currency: d.currency, operators: d.operators, outcome: { mode: 'plain', transfers },
      settledVolume: volume, clearingFee: clearingFee(volume, d.clearingFeeRate), deadlineHeight: d.deadlineHeight, attempt: d.attempt, proposer,
    };
  }

  function approvalBy(p: SettlementProposal, plmn: number, roles: { operator: boolean; validator: boolean }): SettlementApproval {
    const parts: SettlementApproval[] = [];
    if (roles.operator) parts.push(signAsOperator(p, plmn, blsSecret(plmn)));
    if (roles.validator) parts.push(signAsValidator(p, plmn, blsSecret(plmn)));
    return { operators: roles.operator ? [plmn] : [], validators: roles.validator ? [plmn] : [], signature: blsAggregateSignatures(parts.map((x) => x.signature)) };
  }

  async function block(chains: readonly Chain[], frames: readonly Uint8Array[], timestampMs?: bigint): Promise<Uint8Array> {
    for (const c of chains) for (const f of frames) await c.submitTx(f.slice(), c.httpSource);
    const [a, ...rest] = chains as [Chain, ...Chain[]];
    const proposal = { producer: TELEKOM_DE, timestampMs: timestampMs ?? a.committed.headTimestampMs + 1n };
    const built = a.builder.build(proposal) ?? (() => {
      const writes = a.transition.propose(proposal, []);
      return { bytes: encodeBlock(writes.header, new Uint8Array(0)), writes, startedAt: 0 };
    })();
    expect(built.writes.txIds).toHaveLength(frames.length);
    for (const c of rest) {
      const checked = c.transition.apply({ header: built.writes.header, txIds: built.writes.txIds }, built.writes.stateRoot);
      expect(toHex(checked.stateRoot)).toBe(toHex(built.writes.stateRoot));
      await c.committer.commit({ bytes: built.bytes, writes: checked });
    }
    await a.committer.commit(built);
    return built.writes.stateRoot;
  }

  async function refused(chain: Chain, f: Uint8Array, code: RejectCode, message?: RegExp): Promise<void> {
    const before = { size: chain.mempool.size, view: JSON.stringify(chain.settlementPeriod(DEC_2025)) };
    const err = await chain.submitTx(f.slice(), chain.httpSource).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(BatchRejectedError);
    expect((err as BatchRejectedError).code, (err as Error).message).toBe(code);
    if (message) expect((err as Error).message).toMatch(message);
    expect(chain.mempool.size).toBe(before.size);
    expect(JSON.stringify(chain.settlementPeriod(DEC_2025))).toBe(before.view);
  }

  it('statements → proposal with the contract\'s transfers → approvals (the non-validating operator with its settlementKey) → final, equal state roots on two nodes', async () => {
    const [a, b] = [await open(), await open()];
    await block([a, b], PAIRS.map(([f, s, x, y]) => statementFrame(a, f, s, x, y)));
    for (const c of [a, b]) expect(c.settlementPeriod(DEC_2025)).toMatchObject({ mode: 'plain', statements: 3, netted: false });
    await block([a, b], [], CLOSES_AT_MS);

    // The draft is the plain netting contract's answer, which is the TypeScript reference's.
    const draft = a.settlementDraft(DEC_2025);
    const reference = netBilateralAmounts(OPERATORS.sort((x, y) => x - y), PAIRS.flatMap(([f, s, x, y]) => [{ debtor: f, creditor: s, amount: x }, { debtor: s, creditor: f, amount: y }]));
    expect(draft).toMatchObject({ mode: 'plain', operators: [ORANGE_FR, VODAFONE_UK, TELEKOM_DE, T_MOBILE_US], transfers: [] });
    expect(draft.plainTransfers).toEqual(reference.transfers);
    // Nets: Orange −850,000, Vodafone +800,000, Telekom −600,000, T-Mobile +650,000; largest first, 3 ≤ n − 1 transfers.
    expect(draft.plainTransfers).toEqual([
      { from: ORANGE_FR, to: VODAFONE_UK, amount: 800_000n },
      { from: ORANGE_FR, to: T_MOBILE_US, amount: 50_000n },
      { from: TELEKOM_DE, to: T_MOBILE_US, amount: 600_000n },
    ]);
    expect(b.settlementDraft(DEC_2025)).toEqual(draft);

    // T-Mobile US, which does not validate, proposes with its settlementKey; the settled volume is the transfers' sum.
    const p = proposalOf(draft, T_MOBILE_US);
    expect(p.settledVolume).toBe(1_450_000n);
    const id = proposalId(p);
    await block([a, b], [frame(a, T_MOBILE_US, proposalAction(p, signAsOperator(p, T_MOBILE_US, blsSecret(T_MOBILE_US)).signature))]);
    for (const c of [a, b]) {
      expect(c.settlementPeriod(DEC_2025).settlement).toMatchObject({
        status: 'proposed', id, proposer: T_MOBILE_US, operators: { signed: 1, involved: 4 },
        proposal: { mode: 'plain', transfers: [], plainTransfers: draft.plainTransfers!.map((t) => ({ from: t.from, to: t.to, amount: t.amount.toString() })), settledVolume: '1450000' },
      });
      // A validator's node signs what its own netting gives.
      expect(c.settlementToApprove(DEC_2025)).toMatchObject({ id });
    }
    // T-Mobile US cannot approve as a validator; its devnet key is not its registered key.
    await refused(a, frame(a, T_MOBILE_US, approvalAction(id, approvalBy(p, T_MOBILE_US, { operator: false, validator: true }))), RejectCode.NotAParty);
    const wrongKey = { operators: [VODAFONE_UK], validators: [], signature: signAsOperator(p, VODAFONE_UK, blsKeyPairFromSeed(devnetBlsSeed(T_MOBILE_US)).secretKey).signature };
    await refused(a, frame(a, VODAFONE_UK, approvalAction(id, wrongKey)), RejectCode.BadSignature);
    // Two validating operators in both roles: not final yet (Telekom has not signed, 2 of 5 power).
    await block([a, b], [
      frame(a, ORANGE_FR, approvalAction(id, approvalBy(p, ORANGE_FR, { operator: true, validator: true }))),
      frame(a, VODAFONE_UK, approvalAction(id, approvalBy(p, VODAFONE_UK, { operator: true, validator: true }))),
    ]);
    expect(a.settlementPeriod(DEC_2025).settlement).toMatchObject({ status: 'proposed', operators: { signed: 3, missing: [TELEKOM_DE] }, votingPower: { signed: '2' } });
    // Telekom in both roles and one more validator: every involved operator and 4 of 5 (> 2/3): final.
    const root = await block([a, b], [
      frame(a, TELEKOM_DE, approvalAction(id, approvalBy(p, TELEKOM_DE, { operator: true, validator: true }))),
      frame(a, 40445, approvalAction(id, approvalBy(p, 40445, { operator: false, validator: true }))),
    ]);
    expect(root).toHaveLength(32);
    const plainTransfers = draft.plainTransfers!.map((t) => ({ from: t.from, to: t.to, amount: t.amount.toString() }));
    for (const c of [a, b]) {
      const view = c.settlementPeriod(DEC_2025);
      expect(view).toMatchObject({ netted: true, settlement: { status: 'final', id, plainTransfers, proposal: { mode: 'plain', transfers: [], plainTransfers } } });
      // 0.05 % of 1,450,000 = 725.
      expect(view.settlement).toMatchObject({ fees: { fee: '725' } });
      expect(c.committed.contracts.slot(PLAIN_STATEMENTS_ID, nettedKey(DEC_2025_KEY))).toBe(6n);
    }
    // Settled: another proposal, and a statement of the period, are refused.
    const again = { ...p, attempt: 2 };
    await refused(a, frame(a, T_MOBILE_US, proposalAction(again, signAsOperator(again, T_MOBILE_US, blsSecret(T_MOBILE_US)).signature)), RejectCode.AlreadySettled);
    await refused(a, statementFrame(a, ORANGE_FR, TELEKOM_DE, 1n, 0n), RejectCode.AlreadyNetted);
    // A disclosure of a transfer opening (committed mode's) naming this final proposal: there is no T_k to open.
    const disclosure: SettlementAction = { kind: 'disclosure', proposalId: fromHex(id, 32), toOperator: new Uint8Array(96), toBank: new Uint8Array(96), proof: new Uint8Array(128) };
    await refused(a, frame(a, VODAFONE_UK, disclosure), RejectCode.WrongMode, /plain mode: its transfers are plain, there is no opening to disclose/);
    // Restarted: the plain settlement (mode slot, transfers) is read back from LMDB.
    const view = JSON.stringify(a.settlementPeriod(DEC_2025));
    const restarted = await chains.restart(a);
    expect(JSON.stringify(restarted.settlementPeriod(DEC_2025))).toBe(view);
  });

  it('bad input changes nothing: an unbalanced statement, an amount out of range, a wrong key, a non-party, a duplicate; transfers that differ; the wrong mode in each direction', async () => {
    const chain = await open();
    const s = plainStatement(chain, ORANGE_FR, VODAFONE_UK, 1_250_000n, 400_000n);
    // Unbalanced: the two operators signed different amounts (Vodafone signed 1,250,001): the second signature does not verify.
    await refused(chain, statementFrame(chain, ORANGE_FR, VODAFONE_UK, 1_250_000n, 400_000n, { ...s, firstOwesSecond: 1_250_001n }), RejectCode.BadSignature, /23415's signature/);
    // An amount of 2^96 or more.
    const big = { ...s, firstOwesSecond: 1n << 96n };
    const bigFrame = frame(chain, ORANGE_FR, { kind: 'plain_statement', first: ORANGE_FR, second: VODAFONE_UK, currency: 960, firstOwesSecond: big.firstOwesSecond, secondOwesFirst: 0n, firstSignature: new Uint8Array(96), secondSignature: new Uint8Array(96) });
    await refused(chain, bigFrame, RejectCode.BadAmount, /below 2\^96/);
    // T-Mobile US signing with a key that is not its registered settlementKey (its devnet validator-style key).
    const m = plainStatement(chain, VODAFONE_UK, T_MOBILE_US, 1n, 2n);
    const wrongKey = frame(chain, T_MOBILE_US, plainStatementAction({ statement: m, firstSignature: signPlainStatement(m, blsSecret(VODAFONE_UK)), secondSignature: signPlainStatement(m, blsKeyPairFromSeed(devnetBlsSeed(T_MOBILE_US)).secretKey) }));
    await refused(chain, wrongKey, RejectCode.BadSignature, /310260/);
    // Submitted by an operator outside the pair.
    await refused(chain, frame(chain, TELEKOM_DE, plainStatementAction({ statement: s, firstSignature: signPlainStatement(s, blsSecret(ORANGE_FR)), secondSignature: signPlainStatement(s, blsSecret(VODAFONE_UK)) })), RejectCode.NotParty);
    // A committed-mode statement on this plain-mode chain.
    const committed = makeBilateralStatement({ chain: toHex(chain.identity), periodId: DEC_2025, currency: 'XDR', first: ORANGE_FR, second: VODAFONE_UK }, { firstOwesSecond: 1n, secondOwesFirst: 0n, blinding: randomBlinding() });
    await refused(chain, frame(chain, ORANGE_FR, statementAction({ statement: committed, firstSignature: signBilateralStatement(committed, blsSecret(ORANGE_FR)), secondSignature: signBilateralStatement(committed, blsSecret(VODAFONE_UK)) })), RejectCode.WrongMode, /plain mode/);

    // With the three pairs, a statement of two zero amounts (stored as its mark alone): recorded, its pair involved, and a second one a duplicate.
    await block([chain], [...PAIRS.map(([f, sec, x, y]) => statementFrame(chain, f, sec, x, y)), statementFrame(chain, 40445, 52501, 0n, 0n)]);
    expect(chain.settlementPeriod(DEC_2025)).toMatchObject({ statements: 4 });
    await refused(chain, statementFrame(chain, ORANGE_FR, VODAFONE_UK, 1n, 1n), RejectCode.DuplicateStatement);
    await refused(chain, statementFrame(chain, 40445, 52501, 0n, 0n), RejectCode.DuplicateStatement);
    await block([chain], [], CLOSES_AT_MS);
    const draft = chain.settlementDraft(DEC_2025);
    expect(draft.operators).toEqual([ORANGE_FR, VODAFONE_UK, TELEKOM_DE, 40445, 52501, T_MOBILE_US]);
    const t = draft.plainTransfers!;
    const propose = (p: SettlementProposal): Uint8Array => frame(chain, p.proposer, proposalAction(p, signAsOperator(p, p.proposer, blsSecret(p.proposer)).signature));
    // Transfers that differ from the contract's: an amount off by one (the volume follows, so only the netting refuses it), two swapped, one left out, one reversed.
    const offByOne = [{ ...t[0]!, amount: t[0]!.amount + 1n }, t[1]!, t[2]!];
    for (const transfers of [offByOne, [t[1]!, t[0]!, t[2]!], [t[0]!, t[1]!], [{ from: t[0]!.to, to: t[0]!.from, amount: t[0]!.amount }, t[1]!, t[2]!]]) {
      await refused(chain, propose(proposalOf(draft, ORANGE_FR, transfers)), RejectCode.BadNettingInput, /not the netting's|transfers/);
    }
    // A settled volume that is not the transfers' sum.
    const good = proposalOf(draft, ORANGE_FR);
    await refused(chain, propose({ ...good, settledVolume: good.settledVolume + 1n, clearingFee: clearingFee(good.settledVolume + 1n, draft.clearingFeeRate) }), RejectCode.BadNettingInput, /sum/);
    // Involved operators that are not those with statements.
    await refused(chain, propose({ ...good, operators: [ORANGE_FR, VODAFONE_UK, TELEKOM_DE, T_MOBILE_US] }), RejectCode.BadNettingInput);
    // A committed-mode proposal on this plain-mode chain.
    const committedProposal: SettlementProposal = { ...good, outcome: { mode: 'committed', transfers: draft.operators.map(() => ({ x: 0n, y: 1n })) }, settledVolume: 0n, clearingFee: 0n };
    await refused(chain, propose(committedProposal), RejectCode.WrongMode, /committed-mode proposal/);
    expect(chain.settlementPeriod(DEC_2025).settlement).toEqual({ status: 'none' });
  });

  it('a committed-mode chain refuses plain statements and plain proposals (wrong_mode), nothing recorded', async () => {
    const chain = await open(devnetGenesis());
    const s = plainStatement(chain, ORANGE_FR, VODAFONE_UK, 10n, 0n);
    await refused(chain, frame(chain, ORANGE_FR, plainStatementAction({ statement: s, firstSignature: signPlainStatement(s, blsSecret(ORANGE_FR)), secondSignature: signPlainStatement(s, blsSecret(VODAFONE_UK)) })), RejectCode.WrongMode, /committed mode/);
    const p: SettlementProposal = {
      chain: toHex(chain.identity), periodId: DEC_2025, currency: 'XDR', operators: [ORANGE_FR, VODAFONE_UK], outcome: { mode: 'plain', transfers: [{ from: VODAFONE_UK, to: ORANGE_FR, amount: 10n }] },
      settledVolume: 10n, clearingFee: 0n, deadlineHeight: 5, attempt: 1, proposer: ORANGE_FR,
    };
    await refused(chain, frame(chain, ORANGE_FR, proposalAction(p, signAsOperator(p, ORANGE_FR, blsSecret(ORANGE_FR)).signature)), RejectCode.WrongMode, /plain-mode proposal/);
    expect(chain.committed.contracts.slot(PLAIN_STATEMENTS_ID, (DEC_2025_KEY << 32n) + 0x8000_0000n)).toBe(0n);
  });
});
