// Settlement approval on real chains (LMDB, the WASM VM's netting contract): a period's proposal,
// its approvals and its finality go through blocks; the state lives in system-contract slots, so a
// second node applying the same blocks gets the same state roots, and a restarted node reads it
// back. Expiry then attempt 2; every refusal changes nothing (issue 14 item 5).
import { describe, expect, it } from 'vitest';
import { approvalAction, proposalAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import { toHex } from '../codec/bytes.js';
import { encodeBlock } from '../codec/block.js';
import type { SettlementAction } from '../codec/settlement-tx.js';
import { blsAggregateSignatures, blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { clearingFee, proposalId, signAsOperator, signAsValidator, type SettlementApproval, type SettlementProposal } from '../settlement/approval/index.js';
import { makeBilateralStatement, signBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { randomBlinding, toAffine, commit, commitmentFromAffine, scalar } from '../settlement/commitment/pedersen.js';
import { disclosureAction } from '../client/settlement-tx.js';
import { fromHex } from '../codec/bytes.js';
import { disclosureProofContext, openSealedOpening, sealOpening } from '../settlement/disclosure/transfer-disclosure.js';
import { proveOpening } from '../settlement/disclosure/opening-proof.js';
import { devnetPrivacy } from './genesis-privacy.js';
import { DISCLOSURES_ID } from './settlement-disclosure-state.js';
import { readSlotsIn } from './contract-executor.js';
import { nettedKey } from '../settlement/netting-contract.js';
import { idleTestChains } from '../test-helpers/idle-test-chains.js';
import { ORANGE_FR, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { Chain, SettlementDraft } from './chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed, devnetSettlementBank } from './genesis.js';
import { BatchRejectedError, RejectCode } from './reject.js';
import { APPROVALS_ID } from './settlement-approval-state.js';
import { STATEMENTS_ID } from './settlement-state.js';

const blsSecret = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;
const OPERATORS = DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b);
const DEC_2025 = '2025-12';
const DEC_2025_KEY = BigInt(Date.UTC(2025, 11, 1) / 1000);
const VOLUME = 10_000_000n;
const CLOSES_AT_MS = BigInt(Date.UTC(2026, 0, 4));

describe('settlement approval on chain', () => {
  const { open, restart } = idleTestChains();

  const sequences = new Map<number, bigint>();
  function frame(submitter: number, action: SettlementAction, period = DEC_2025): Uint8Array {
    const sequence = (sequences.get(submitter) ?? 0n) + 1n;
    sequences.set(submitter, sequence);
    return signSettlementTx({ submitter, sequence, period, action, seed: devnetBatchSeed(submitter) }).frame;
  }

  function statementFrame(chain: Chain, first: number, second: number, owes: bigint, owed: bigint, blinding = randomBlinding()): Uint8Array {
    const s = makeBilateralStatement({ chain: toHex(chain.identity), periodId: DEC_2025, currency: 'XDR', first, second }, { firstOwesSecond: owes, secondOwesFirst: owed, blinding });
    return frame(first, statementAction({ statement: s, firstSignature: signBilateralStatement(s, blsSecret(first)), secondSignature: signBilateralStatement(s, blsSecret(second)) }));
  }

  function proposalOf(d: SettlementDraft, proposer: number, over: Partial<SettlementProposal> = {}): SettlementProposal {
    return {
      chain: d.chain, periodId: d.periodId, currency: d.currency, operators: d.operators, outcome: { mode: 'committed', transfers: d.transfers },
      settledVolume: VOLUME, clearingFee: clearingFee(VOLUME, d.clearingFeeRate), deadlineHeight: d.deadlineHeight, attempt: d.attempt, proposer, ...over,
    };
  }

  /** One signer in both roles when it is an involved operator and a validator: its signature twice in the aggregate. */
  function approvalBy(p: SettlementProposal, plmn: number, roles: { operator: boolean; validator: boolean }): SettlementApproval {
    const parts: SettlementApproval[] = [];
    if (roles.operator) parts.push(signAsOperator(p, plmn, blsSecret(plmn)));
    if (roles.validator) parts.push(signAsValidator(p, plmn, blsSecret(plmn)));
    return { operators: roles.operator ? [plmn] : [], validators: roles.validator ? [plmn] : [], signature: blsAggregateSignatures(parts.map((x) => x.signature)) };
  }

  /** Submits to every chain; a block built on the first, applied on the others (state roots compared), committed on all. */
  async function block(chains: readonly Chain[], frames: readonly Uint8Array[], timestampMs?: bigint, alreadyPending = 0): Promise<Uint8Array> {
    for (const c of chains) for (const f of frames) await c.submitTx(f.slice(), c.httpSource);
    const [a, ...rest] = chains as [Chain, ...Chain[]];
    const proposal = { producer: TELEKOM_DE, timestampMs: timestampMs ?? a.committed.headTimestampMs + 1n };
    // An empty block (the builder makes none) from the state transition itself.
    const built = a.builder.build(proposal) ?? (() => {
      const writes = a.transition.propose(proposal, []);
      return { bytes: encodeBlock(writes.header, new Uint8Array(0)), writes, startedAt: 0 };
    })();
    expect(built.writes.txIds).toHaveLength(frames.length + alreadyPending);
    for (const c of rest) {
      const checked = c.transition.apply({ header: built.writes.header, txIds: built.writes.txIds }, built.writes.stateRoot);
      expect(toHex(checked.stateRoot)).toBe(toHex(built.writes.stateRoot));
      await c.committer.commit({ bytes: built.bytes, writes: checked });
    }
    await a.committer.commit(built);
    return built.writes.stateRoot;
  }

  async function refused(chain: Chain, f: Uint8Array, code: RejectCode): Promise<void> {
    const before = { size: chain.mempool.size, view: JSON.stringify(chain.settlementPeriod(DEC_2025)) };
    const err = await chain.submitTx(f.slice(), chain.httpSource).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(BatchRejectedError);
    expect((err as BatchRejectedError).code, (err as Error).message).toBe(code);
    expect(chain.mempool.size).toBe(before.size);
    expect(JSON.stringify(chain.settlementPeriod(DEC_2025))).toBe(before.view);
  }

  async function withStatements(chains: readonly Chain[]): Promise<void> {
    // Three of the six operators have traffic: pairs (O, V) and (V, T); the others are not involved.
    const a = chains[0]!;
    await block(chains, [statementFrame(a, ORANGE_FR, VODAFONE_UK, 1_250_000n, 400_000n), statementFrame(a, VODAFONE_UK, TELEKOM_DE, 300_000n, 900_000n)]);
    // 2025-12 closes at its end plus 3 days' grace: a block at that time closes it.
    await block(chains, [], CLOSES_AT_MS);
  }

  it('propose → approvals → final on two nodes with equal state roots; the state survives a restart; the fee is split', async () => {
    const [a, b] = [await open(), await open()];
    await withStatements([a, b]);
    const draft = a.settlementDraft(DEC_2025);
    expect(draft.operators).toEqual([ORANGE_FR, VODAFONE_UK, TELEKOM_DE]);
    // N_k of the netting open to each operator's net position (here checked with the pair blindings unknown: N sums to the identity).
    expect(draft.transfers).toHaveLength(3);
    expect(b.settlementDraft(DEC_2025)).toEqual(draft);
    const p = proposalOf(draft, ORANGE_FR);
    const id = proposalId(p);
    await block([a, b], [frame(ORANGE_FR, proposalAction(p, signAsOperator(p, ORANGE_FR, blsSecret(ORANGE_FR)).signature))]);
    for (const c of [a, b]) {
      expect(c.settlementPeriod(DEC_2025).settlement).toMatchObject({
        status: 'proposed', attempt: 1, id, proposer: ORANGE_FR, deadline: p.deadlineHeight,
        operators: { signed: 1, involved: 3, missing: [VODAFONE_UK, TELEKOM_DE] }, votingPower: { signed: '0', threshold: '2/3' },
      });
    }
    // Statements are fixed while the proposal is live.
    await refused(a, statementFrame(a, ORANGE_FR, TELEKOM_DE, 1n, 2n), RejectCode.ProposalPending);
    // Vodafone and Telekom sign as operators and validators; Orange as a validator; one more validator
    // (5 of 6 equal powers > 2/3) completes it. Approvals merge across transactions and in one block.
    await block([a, b], [
      frame(VODAFONE_UK, approvalAction(id, approvalBy(p, VODAFONE_UK, { operator: true, validator: true }))),
      frame(TELEKOM_DE, approvalAction(id, approvalBy(p, TELEKOM_DE, { operator: true, validator: true }))),
    ]);
    expect(a.settlementPeriod(DEC_2025).settlement).toMatchObject({ status: 'proposed', operators: { signed: 3, missing: [] }, votingPower: { signed: '2' } });
    const others = OPERATORS.filter((op) => ![ORANGE_FR, VODAFONE_UK, TELEKOM_DE].includes(op));
    // An involved operator approving twice is refused; so is an operator not involved, as an operator.
    await refused(a, frame(VODAFONE_UK, approvalAction(id, approvalBy(p, VODAFONE_UK, { operator: true, validator: false }))), RejectCode.DuplicateApproval);
    await refused(a, frame(others[0]!, approvalAction(id, approvalBy(p, others[0]!, { operator: true, validator: false }))), RejectCode.NotAParty);
    const root = await block([a, b], [
      frame(ORANGE_FR, approvalAction(id, approvalBy(p, ORANGE_FR, { operator: false, validator: true }))),
      frame(others[0]!, approvalAction(id, approvalBy(p, others[0]!, { operator: false, validator: true }))),
      frame(others[1]!, approvalAction(id, approvalBy(p, others[1]!, { operator: false, validator: true }))),
    ]);
    for (const c of [a, b]) {
      const view = c.settlementPeriod(DEC_2025);
      expect(view.netted).toBe(true);
      expect(view.settlement).toMatchObject({ status: 'final', attempt: 1, id, finalAt: c.committed.head.height });
      const fees = (view.settlement as { fees: { fee: string; toProducers: string; toValidators: string; shares: { validator: number; amount: string }[] } }).fees;
      // 0.05 % of 10,000,000 = 5,000; no block was produced in 2025-12 (the chain starts in 2026), so validators take it all by power.
      expect(fees).toMatchObject({ fee: '5000', toProducers: '0', toValidators: '5000' });
      expect(fees.shares.map((s) => s.validator)).toEqual(OPERATORS);
      expect(fees.shares.reduce((s, x) => s + BigInt(x.amount), 0n)).toBe(5000n);
      expect(c.committed.contracts.slot(STATEMENTS_ID, nettedKey(DEC_2025_KEY))).toBe(6n);
    }
    expect(root).toHaveLength(32);
    // A second settlement of a settled period, and approvals of it, are refused; so are statements of it.
    await refused(a, frame(ORANGE_FR, proposalAction({ ...p, attempt: 2 }, signAsOperator({ ...p, attempt: 2 }, ORANGE_FR, blsSecret(ORANGE_FR)).signature)), RejectCode.AlreadySettled);
    await refused(a, frame(others[2]!, approvalAction(id, approvalBy(p, others[2]!, { operator: false, validator: true }))), RejectCode.AlreadySettled);
    // Restarted: the state is read back from LMDB.
    const view = JSON.stringify(a.settlementPeriod(DEC_2025));
    const again = await restart(a);
    expect(JSON.stringify(again.settlementPeriod(DEC_2025))).toBe(view);
    expect(again.committed.contracts.slot(APPROVALS_ID, DEC_2025_KEY << 32n)).toBe(2n);
  });

  it('disclosures: each involved operator posts its sealed transfer opening, recorded alike on two nodes; wrong, repeated, outside and unnamed ones change nothing; a lying sealed copy is the bank\'s to find', async () => {
    const [a, b] = [await open(), await open()];
    // Pairs (O, V) and (V, T) with known blindings: N_O = −C_OV, N_V = C_OV − C_VT, N_T = C_VT.
    const [r1, r2] = [randomBlinding(), randomBlinding()];
    await block([a, b], [statementFrame(a, ORANGE_FR, VODAFONE_UK, 1_250_000n, 400_000n, r1), statementFrame(a, VODAFONE_UK, TELEKOM_DE, 300_000n, 900_000n, r2)]);
    await block([a, b], [], CLOSES_AT_MS);
    const draft = a.settlementDraft(DEC_2025);
    const p = proposalOf(draft, ORANGE_FR);
    const id = proposalId(p);
    await block([a, b], [frame(ORANGE_FR, proposalAction(p, signAsOperator(p, ORANGE_FR, blsSecret(ORANGE_FR)).signature))]);
    const openings = new Map([[ORANGE_FR, { net: -850_000n, blinding: scalar(-r1) }], [VODAFONE_UK, { net: 1_450_000n, blinding: scalar(r1 - r2) }], [TELEKOM_DE, { net: -600_000n, blinding: r2 }]]);
    const bank = devnetSettlementBank();
    const disclose = (operator: number, opening: { net: bigint; blinding: bigint }, proposal = id) => disclosureAction({
      chain: a.identity, periodId: DEC_2025, proposalId: proposal, operator, transfer: draft.transfers[draft.operators.indexOf(operator)] ?? draft.transfers[0]!,
      opening, operatorKey: devnetPrivacy().encryptionKeys.get(operator)!, bankKey: bank.bank.encryptionKey,
    });
    const slots = (c: Chain): string => JSON.stringify([...readSlotsIn(c.committed.contracts, DISCLOSURES_ID, DEC_2025_KEY << 32n, (DEC_2025_KEY + 1n) << 32n)].map(([k, v]) => [k.toString(), v.toString()]));

    // A second disclosure while the first is pending here is refused too (duplicate_disclosure).
    const orangeFirst = frame(ORANGE_FR, await disclose(ORANGE_FR, openings.get(ORANGE_FR)!));
    await a.submitTx(orangeFirst.slice(), a.httpSource);
    await refused(a, frame(ORANGE_FR, await disclose(ORANGE_FR, openings.get(ORANGE_FR)!)), RejectCode.DuplicateDisclosure);
    sequences.set(ORANGE_FR, sequences.get(ORANGE_FR)! - 1n);
    await b.submitTx(orangeFirst.slice(), b.httpSource);
    await block([a, b], [frame(TELEKOM_DE, await disclose(TELEKOM_DE, openings.get(TELEKOM_DE)!))], undefined, 1);
    expect(slots(b)).toBe(slots(a));
    const before = slots(a);
    // Refused, nothing recorded: an opening that does not open Vodafone's T_k, a second one of Orange's, an operator not involved, another proposal.
    const others = OPERATORS.filter((op) => ![ORANGE_FR, VODAFONE_UK, TELEKOM_DE].includes(op));
    await refused(a, frame(VODAFONE_UK, await disclose(VODAFONE_UK, { ...openings.get(VODAFONE_UK)!, net: 1_450_001n })), RejectCode.BadOpening);
    await refused(a, frame(ORANGE_FR, await disclose(ORANGE_FR, openings.get(ORANGE_FR)!)), RejectCode.DuplicateDisclosure);
    await refused(a, frame(others[0]!, await disclose(others[0]!, openings.get(ORANGE_FR)!)), RejectCode.NotAParty);
    await refused(a, frame(VODAFONE_UK, await disclose(VODAFONE_UK, openings.get(VODAFONE_UK)!, 'ab'.repeat(32))), RejectCode.NoProposal);
    expect(slots(a)).toBe(before);
    expect(a.settlementDisclosure(DEC_2025, VODAFONE_UK)).toBeUndefined();
    // What the chain cannot see: a proof of the right opening beside a sealed copy of another. Recorded; the bank finds it when it opens it.
    const ctxV = { chain: a.identity, periodId: DEC_2025, proposalId: fromHex(id, 32), operator: VODAFONE_UK };
    const lying = await sealOpening(ctxV, 'bank', bank.bank.encryptionKey, { net: 1n, blinding: 1n });
    const own = await sealOpening(ctxV, 'operator', devnetPrivacy().encryptionKeys.get(VODAFONE_UK)!, openings.get(VODAFONE_UK)!);
    const tV = draft.transfers[draft.operators.indexOf(VODAFONE_UK)]!;
    const proof = proveOpening(tV, openings.get(VODAFONE_UK)!.net, openings.get(VODAFONE_UK)!.blinding, disclosureProofContext(ctxV, own, lying));
    await block([a, b], [frame(VODAFONE_UK, { kind: 'disclosure', proposalId: fromHex(id, 32), toOperator: own, toBank: lying, proof })]);
    const told = await openSealedOpening(ctxV, 'bank', bank.encryptionPrivateKey, fromHex(a.settlementDisclosure(DEC_2025, VODAFONE_UK)!.toBank));
    expect(commit(told.net, told.blinding).equals(commitmentFromAffine(tV))).toBe(false);
    openings.set(VODAFONE_UK, { net: 1n, blinding: 1n });
    // The bank opens every sealed copy from either node: Orange's and Telekom's open their T_k, Vodafone's says what it was made to say.
    let sum = 0n;
    for (const [op, opening] of openings) {
      const view = b.settlementDisclosure(DEC_2025, op)!;
      expect(view).toMatchObject({ operator: op, proposalId: id, attempt: 1, settlement: 'proposed' });
      const opened = await openSealedOpening({ chain: a.identity, periodId: DEC_2025, proposalId: fromHex(id, 32), operator: op }, 'bank', bank.encryptionPrivateKey, fromHex(view.toBank));
      expect(opened).toEqual(opening);
      sum += opened.net;
    }
    expect(sum).not.toBe(0n); // Vodafone's sealed copy lies: the bank's check (bank-open) reports it, exit 10
  });

  it('refusals change nothing: an open period, T_k that differ from the netting, a non-party signature, a bad signature, a pending proposal, no proposal', async () => {
    const chain = await open();
    await withStatements([chain]);
    const draft = chain.settlementDraft(DEC_2025);
    const sign = (p: SettlementProposal, by = ORANGE_FR): Uint8Array => signAsOperator(p, by, blsSecret(by)).signature;
    // No proposal yet: an approval names none.
    const p = proposalOf(draft, ORANGE_FR);
    await refused(chain, frame(VODAFONE_UK, approvalAction(proposalId(p), approvalBy(p, VODAFONE_UK, { operator: true, validator: true }))), RejectCode.NoProposal);
    // An open period (the chain's current month).
    const open2026 = { ...p, periodId: '2026-01' };
    await refused(chain, frame(ORANGE_FR, proposalAction(open2026, sign(open2026)), '2026-01'), RejectCode.PeriodOpen);
    // T_k that are not the netting's: Orange's and Vodafone's swapped; or a transfer moved by a commitment to 1.
    const swapped = proposalOf({ ...draft, transfers: [draft.transfers[1]!, draft.transfers[0]!, draft.transfers[2]!] }, ORANGE_FR);
    await refused(chain, frame(ORANGE_FR, proposalAction(swapped, sign(swapped))), RejectCode.BadNettingInput);
    const moved = toAffine(commit(1n, 0n).add(commit(0n, 0n)));
    const off = proposalOf({ ...draft, transfers: [moved, draft.transfers[1]!, draft.transfers[2]!] }, ORANGE_FR);
    await refused(chain, frame(ORANGE_FR, proposalAction(off, sign(off))), RejectCode.BadNettingInput);
    // Involved operators that are not those with statements.
    const fewer = proposalOf({ ...draft, operators: [ORANGE_FR, VODAFONE_UK], transfers: draft.transfers.slice(0, 2) }, ORANGE_FR);
    await refused(chain, frame(ORANGE_FR, proposalAction(fewer, sign(fewer))), RejectCode.BadNettingInput);
    // A wrong fee, a wrong attempt.
    const fee = { ...p, clearingFee: p.clearingFee + 1n };
    await refused(chain, frame(ORANGE_FR, proposalAction(fee, sign(fee))), RejectCode.BadNettingInput);
    const attempt = { ...p, attempt: 2 };
    await refused(chain, frame(ORANGE_FR, proposalAction(attempt, sign(attempt))), RejectCode.BadNettingInput);
    // A proposer that is not involved; a proposal signed by another key than the proposer's.
    const outsider = OPERATORS.find((op) => ![ORANGE_FR, VODAFONE_UK, TELEKOM_DE].includes(op))!;
    await refused(chain, frame(outsider, proposalAction({ ...p, proposer: outsider }, sign({ ...p, proposer: outsider }, outsider))), RejectCode.NotAParty);
    await refused(chain, frame(ORANGE_FR, proposalAction(p, sign(p, VODAFONE_UK))), RejectCode.BadSignature);
    // The good one, then a second proposal while it is live.
    await block([chain], [frame(ORANGE_FR, proposalAction(p, sign(p)))]);
    const id = proposalId(p);
    await refused(chain, frame(VODAFONE_UK, proposalAction({ ...p, proposer: VODAFONE_UK }, sign({ ...p, proposer: VODAFONE_UK }, VODAFONE_UK))), RejectCode.ProposalPending);
    // A signer outside the consortium's validators, a bad aggregate, an approval of another proposal.
    await refused(chain, frame(VODAFONE_UK, approvalAction(id, { operators: [], validators: [99_999], signature: signAsValidator(p, 99_999, blsSecret(VODAFONE_UK)).signature })), RejectCode.NotAParty);
    await refused(chain, frame(VODAFONE_UK, approvalAction(id, { operators: [VODAFONE_UK], validators: [], signature: signAsOperator(p, VODAFONE_UK, blsSecret(TELEKOM_DE)).signature })), RejectCode.BadSignature);
    await refused(chain, frame(VODAFONE_UK, approvalAction(proposalId(fee), approvalBy(fee, VODAFONE_UK, { operator: true, validator: false }))), RejectCode.NoProposal);
    // The proposer approving again as an operator is a duplicate.
    await refused(chain, frame(ORANGE_FR, approvalAction(id, approvalBy(p, ORANGE_FR, { operator: true, validator: false }))), RejectCode.DuplicateApproval);
  });

  it('a proposal not approved by its deadline expires in block order; attempt 2 is proposed and approved, old signatures do not count', async () => {
    const [a, b] = [await open(), await open()];
    await withStatements([a, b]);
    const d1 = a.settlementDraft(DEC_2025, 2);
    const p1 = proposalOf(d1, ORANGE_FR);
    expect(p1.deadlineHeight).toBe(a.committed.head.height + 3);
    await block([a, b], [frame(ORANGE_FR, proposalAction(p1, signAsOperator(p1, ORANGE_FR, blsSecret(ORANGE_FR)).signature))]);
    await block([a, b], [frame(VODAFONE_UK, approvalAction(proposalId(p1), approvalBy(p1, VODAFONE_UK, { operator: true, validator: true })))]);
    // The next block is the deadline block: approvals still count in it.
    expect(a.committed.head.height + 1).toBe(p1.deadlineHeight);
    expect(a.settlementPeriod(DEC_2025).settlement).toMatchObject({ status: 'proposed', deadline: p1.deadlineHeight });
    await block([a, b], []);
    // Past it, in block order on every node: the view reads it expired for the next block.
    expect(a.settlementPeriod(DEC_2025).settlement).toMatchObject({ status: 'expired', attempt: 1, expiredAt: p1.deadlineHeight + 1 });
    await refused(a, frame(TELEKOM_DE, approvalAction(proposalId(p1), approvalBy(p1, TELEKOM_DE, { operator: true, validator: true }))), RejectCode.ProposalExpired);
    // Statements may come in again after expiry (nothing is netted until final): the netting changes.
    await block([a, b], [statementFrame(a, ORANGE_FR, TELEKOM_DE, 50_000n, 0n)]);
    const d2 = a.settlementDraft(DEC_2025);
    expect(d2.transfers).not.toEqual(d1.transfers);
    expect(d2.attempt).toBe(2);
    const p2 = proposalOf(d2, VODAFONE_UK);
    await block([a, b], [frame(VODAFONE_UK, proposalAction(p2, signAsOperator(p2, VODAFONE_UK, blsSecret(VODAFONE_UK)).signature))]);
    expect(b.settlementPeriod(DEC_2025).settlement).toMatchObject({ status: 'proposed', attempt: 2, id: proposalId(p2), operators: { signed: 1 }, votingPower: { signed: '0' } });
    // Vodafone's attempt-1 approval does not verify against attempt 2.
    await refused(a, frame(TELEKOM_DE, approvalAction(proposalId(p2), approvalBy(p1, TELEKOM_DE, { operator: true, validator: true }))), RejectCode.BadSignature);
    const signers = OPERATORS.filter((op) => op !== VODAFONE_UK);
    const all = [VODAFONE_UK, ...signers].map((op) => approvalBy(p2, op, { operator: op !== VODAFONE_UK && p2.operators.includes(op), validator: true }));
    const merged: SettlementApproval = {
      operators: all.flatMap((x) => x.operators).sort((x, y) => x - y),
      validators: all.flatMap((x) => x.validators).sort((x, y) => x - y),
      signature: blsAggregateSignatures(all.map((x) => x.signature)),
    };
    await block([a, b], [frame(TELEKOM_DE, approvalAction(proposalId(p2), merged))]);
    for (const c of [a, b]) expect(c.settlementPeriod(DEC_2025).settlement).toMatchObject({ status: 'final', attempt: 2, id: proposalId(p2) });
  });
});
