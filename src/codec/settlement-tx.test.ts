// The settlement transaction codec (schemas/settlement-tx.fbs): v1 frames written before plain mode
// (a committed proposal, a committed statement) decode to the same fields and hash to the same id;
// plain statements and plain proposals round-trip; a proposal carrying both kinds of transfers is malformed;
// the six actions have distinct canonical tags (v1's 0-3, then plain_statement 4, disclosure 5, the schema's order).
import { describe, expect, it } from 'vitest';
import { Builder } from 'flatbuffers';
import { canonicalSettlementTx, decodeSettlementTx, encodeSettlementTx, LINK_PROOF_WIRE_BYTES, settlementTxHash, SETTLEMENT_TX_VERSION, type SettlementAction } from './settlement-tx.js';
import { addHash } from './builder.js';
import { MalformedFrameError } from './errors.js';
import { PlainStatementAction } from './generated/cdrchain/wire/plain-statement-action.js';
import { SettlementDisclosureAction } from './generated/cdrchain/wire/settlement-disclosure-action.js';
import { SettlementTx } from './generated/cdrchain/wire/settlement-tx.js';

const CHAIN = new Uint8Array(32).fill(9);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** Written by main at afdf1b7 (before plain mode): submitter 20801, sequence 3, period 2025-12, signed with seed 07…07 for chain 09…09. */
const V1_PROPOSAL = '2000000043445258000000001400200000001c0010000c000000000004000800140000001c00000070000000b001000003000000000000000000000041510000400000004cdc0b642fdad6d2fb3ee4f46456ec7eb41f9f423014590a182cc6922b220b5e8dc8b077aea4e31be05817432a58b2d82c4aaa6f825d55df3938137a4685650b00001200280024001800140010000c0008000400120000002400000084000000040100000c0100001c0100002a000000000000000000000001000000600000000505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505050505058000000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000000000000000000000000000000000000040200000041510000775b0000100000000000000000000000000000000000000110000000000000000000000000000000000003e807000000323032352d313200';
const V1_PROPOSAL_ID = 'd3bdcf2e6c5adc3617cd6d318a5a817443cd66202b49fc52f367af14410d725d';
const V1_STATEMENT = '200000004344525800000000000012001c000000180010000c0000000800040012000000180000006c0000008801000003000000000000004151000040000000c54e339573f62a3b3a134d55c882f2fcd6b51dc740105f8b21c7b529efffb5693546bcf157c98166a2755adc8976666abc89357e3706d9e4aaa325de69949b09000012005800540050004e002e000e00080004001200000054000000b40000000000000000000000000000000000000000000000000000000000000000000000000c000000000000000000000000000000000000000000000000000000000000000bc003775b000041510000600000000202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202026000000001010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010107000000323032352d313200';
const V1_STATEMENT_ID = '253ced312f4842308573faf1550270b9d891efbd7aeb64cf1e006b927c9a2593';

function roundTrip(action: SettlementAction): SettlementAction {
  const fields = { version: SETTLEMENT_TX_VERSION, submitter: 20801, sequence: 1n, period: '2025-12', action };
  const decoded = decodeSettlementTx(encodeSettlementTx(fields, new Uint8Array(64)));
  expect(hex(settlementTxHash(decoded, CHAIN))).toBe(hex(settlementTxHash(fields, CHAIN)));
  return decoded.action;
}

describe('settlement transaction codec', () => {
  it('decodes v1 frames from before plain mode to the same transaction and id', () => {
    const p = decodeSettlementTx(bytes(V1_PROPOSAL));
    expect(p.action).toMatchObject({ kind: 'proposal', attempt: 1, deadline: 42n, settledVolume: 1000n, clearingFee: 1n, operators: [20801, 23415], transfers: [{ x: 1n, y: 2n }, { x: 3n, y: 4n }] });
    expect(p.action).not.toHaveProperty('plainTransfers');
    expect(hex(settlementTxHash(p, CHAIN))).toBe(V1_PROPOSAL_ID);
    const s = decodeSettlementTx(bytes(V1_STATEMENT));
    expect(s.action).toMatchObject({ kind: 'statement', first: 20801, second: 23415, currency: 960, x: 11n, y: 12n });
    expect(hex(settlementTxHash(s, CHAIN))).toBe(V1_STATEMENT_ID);
    // Re-encoded by this version: the same bytes.
    expect(hex(encodeSettlementTx(p, p.signature))).toBe(V1_PROPOSAL);
  });

  it('a statement carries a 264-byte link proof covered by its id; without one its bytes and id are v1\'s; another length is malformed', () => {
    const s = decodeSettlementTx(bytes(V1_STATEMENT));
    expect(s.action).not.toHaveProperty('linkProof');
    const linked = { ...s.action, linkProof: new Uint8Array(LINK_PROOF_WIRE_BYTES).fill(5) } as SettlementAction;
    expect(roundTrip(linked)).toEqual(linked);
    const fields = (action: SettlementAction) => ({ version: SETTLEMENT_TX_VERSION, submitter: 20801, sequence: 1n, period: '2025-12', action });
    const other = { ...linked, linkProof: new Uint8Array(LINK_PROOF_WIRE_BYTES).fill(6) } as SettlementAction;
    expect(hex(settlementTxHash(fields(other), CHAIN))).not.toBe(hex(settlementTxHash(fields(linked), CHAIN)));
    expect(hex(settlementTxHash(fields(s.action), CHAIN))).not.toBe(hex(settlementTxHash(fields(linked), CHAIN)));
    const short = encodeSettlementTx(fields({ ...linked, linkProof: new Uint8Array(LINK_PROOF_WIRE_BYTES - 1) } as SettlementAction), new Uint8Array(64));
    expect(() => decodeSettlementTx(short)).toThrow(MalformedFrameError);
  });

  it('round-trips plain statements and plain proposals (an empty transfer list stays plain)', () => {
    const statement: SettlementAction = {
      kind: 'plain_statement', first: 20801, second: 310260, currency: 960, firstOwesSecond: (1n << 96n) - 1n, secondOwesFirst: 0n,
      firstSignature: new Uint8Array(96).fill(1), secondSignature: new Uint8Array(96).fill(2),
    };
    expect(roundTrip(statement)).toEqual(statement);
    const proposal: SettlementAction = {
      kind: 'proposal', attempt: 2, deadline: 9n, settledVolume: 30n, clearingFee: 0n, operators: [20801, 23415, 310260], transfers: [],
      proposerSignature: new Uint8Array(96).fill(3), plainTransfers: [{ from: 20801, to: 23415, amount: 10n }, { from: 20801, to: 310260, amount: 20n }],
    };
    expect(roundTrip(proposal)).toEqual(proposal);
    expect(roundTrip({ ...proposal, plainTransfers: [] })).toMatchObject({ plainTransfers: [] });
    // The plain transfers are covered by the id: another amount, another id.
    const other = { ...proposal, plainTransfers: [{ from: 20801, to: 23415, amount: 11n }, { from: 20801, to: 310260, amount: 20n }] };
    const fields = (action: SettlementAction) => ({ version: SETTLEMENT_TX_VERSION, submitter: 20801, sequence: 1n, period: '2025-12', action });
    expect(hex(settlementTxHash(fields(other), CHAIN))).not.toBe(hex(settlementTxHash(fields(proposal), CHAIN)));
  });

  it('six actions: a disclosure round-trips beside a plain statement, each with its own canonical tag; a frame with both is malformed', () => {
    const disclosure: SettlementAction = {
      kind: 'disclosure', proposalId: new Uint8Array(32).fill(4), toOperator: new Uint8Array(96).fill(5), toBank: new Uint8Array(96).fill(6), proof: new Uint8Array(128).fill(7),
    };
    expect(roundTrip(disclosure)).toEqual(disclosure);
    const statement: SettlementAction = {
      kind: 'plain_statement', first: 20801, second: 23415, currency: 960, firstOwesSecond: 5n, secondOwesFirst: 6n,
      firstSignature: new Uint8Array(96).fill(1), secondSignature: new Uint8Array(96).fill(2),
    };
    const fields = (action: SettlementAction) => ({ version: SETTLEMENT_TX_VERSION, submitter: 20801, sequence: 1n, period: '2025-12', action });
    // The action tag sits before the action's 32-byte digest.
    const tag = (action: SettlementAction): number => { const c = canonicalSettlementTx(fields(action), CHAIN); return c[c.length - 33]!; };
    expect([tag(statement), tag(disclosure)]).toEqual([4, 5]);
    expect(tag(decodeSettlementTx(bytes(V1_PROPOSAL)).action)).toBe(2);
    expect(tag(decodeSettlementTx(bytes(V1_STATEMENT)).action)).toBe(1);

    // Both appended actions set in one frame (fields 9 and 10): not one action.
    const b = new Builder(1024);
    const period = b.createString('2025-12');
    const owes = PlainStatementAction.createFirstOwesSecondVector(b, new Uint8Array(16));
    const owed = PlainStatementAction.createSecondOwesFirstVector(b, new Uint8Array(16));
    const s1 = PlainStatementAction.createFirstSignatureVector(b, new Uint8Array(96));
    const s2 = PlainStatementAction.createSecondSignatureVector(b, new Uint8Array(96));
    PlainStatementAction.startPlainStatementAction(b);
    PlainStatementAction.addFirstOwesSecond(b, owes);
    PlainStatementAction.addSecondOwesFirst(b, owed);
    PlainStatementAction.addFirstSignature(b, s1);
    PlainStatementAction.addSecondSignature(b, s2);
    const ps = PlainStatementAction.endPlainStatementAction(b);
    const toOperator = SettlementDisclosureAction.createToOperatorVector(b, new Uint8Array(96));
    const toBank = SettlementDisclosureAction.createToBankVector(b, new Uint8Array(96));
    const proof = SettlementDisclosureAction.createProofVector(b, new Uint8Array(128));
    SettlementDisclosureAction.startSettlementDisclosureAction(b);
    addHash(b, SettlementDisclosureAction.addProposalId, new Uint8Array(32));
    SettlementDisclosureAction.addToOperator(b, toOperator);
    SettlementDisclosureAction.addToBank(b, toBank);
    SettlementDisclosureAction.addProof(b, proof);
    const di = SettlementDisclosureAction.endSettlementDisclosureAction(b);
    const sig = SettlementTx.createSignatureVector(b, new Uint8Array(64));
    SettlementTx.startSettlementTx(b);
    SettlementTx.addVersion(b, SETTLEMENT_TX_VERSION);
    SettlementTx.addSubmitter(b, 20801);
    SettlementTx.addSequence(b, 1n);
    SettlementTx.addPeriod(b, period);
    SettlementTx.addPlainStatement(b, ps);
    SettlementTx.addDisclosure(b, di);
    SettlementTx.addSignature(b, sig);
    SettlementTx.finishSettlementTxBuffer(b, SettlementTx.endSettlementTx(b));
    expect(() => decodeSettlementTx(b.asUint8Array())).toThrow(/exactly one of fx_rate_set, statement, proposal, approval, plain_statement and disclosure/);
  });

  it('a proposal with both commitments and plain transfers is malformed', () => {
    const both: SettlementAction = {
      kind: 'proposal', attempt: 1, deadline: 9n, settledVolume: 0n, clearingFee: 0n, operators: [20801, 23415], transfers: [{ x: 1n, y: 2n }, { x: 3n, y: 4n }],
      proposerSignature: new Uint8Array(96), plainTransfers: [],
    };
    const frame = encodeSettlementTx({ version: SETTLEMENT_TX_VERSION, submitter: 20801, sequence: 1n, period: '2025-12', action: both }, new Uint8Array(64));
    expect(() => decodeSettlementTx(frame)).toThrow(MalformedFrameError);
  });
});
