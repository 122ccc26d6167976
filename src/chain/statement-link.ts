// Admission's check of a committed statement's link proof (docs/settlement.md, "The link"): the public
// statement is built here, from this node's committed state — the pair's two billing aggregates of the
// period, the period's recorded rate set, the statement's C — never from the frame beyond C; the
// Groth16 verification runs on the worker pool. Aggregates are final at the period's close and
// link-proved statements are taken only from it, so every validator builds the same statement.

import { RejectCode } from '../codec/ingest-reply.js';
import { LinkInputError } from '../proofs/link/link-errors.js';
import { IDENTITY, linkPublicSignals, linkRates, type LinkStatement } from '../proofs/link/link-statement.js';
import { CommitmentError } from '../settlement/errors.js';
import type { AffinePoint } from '../settlement/commitment/pedersen.js';
import type { ChargeAggregate } from '../storage/index.js';
import type { VerifyLinkProofTask, VerifyProofOutcome } from '../workers/proof-task.js';
import type { GenesisCircuit } from './genesis-circuits.js';
import type { GenesisSettlement } from './genesis-settlement.js';
import type { InterpretedSettlementTx } from './settlement-rules.js';
import { SettlementTxRefusedError } from './settlement-rules.js';
import { rateSetOf, type SlotReader } from './settlement-state.js';

export interface StatementLinkDeps {
  /** The genesis' link circuits (linkCircuits()). */
  readonly circuits: readonly GenesisCircuit[];
  readonly settlement: GenesisSettlement;
  /** The chain's identity (hex). */
  readonly chain: string;
  readonly state: SlotReader;
  readonly chargeAggregate: (submitter: number, counterparty: number, period: string) => ChargeAggregate | undefined;
  /** A `proof` job on the pool. */
  readonly verify: (task: VerifyLinkProofTask) => Promise<VerifyProofOutcome>;
}

const refused = (message: string): SettlementTxRefusedError => new SettlementTxRefusedError('bad_link_proof', message);

function pointOf(a: ChargeAggregate | undefined): AffinePoint {
  return a === undefined ? IDENTITY : { x: BigInt(`0x${a.x}`), y: BigInt(`0x${a.y}`) };
}

/** The link's public statement as this node's state gives it; SettlementTxRefusedError('bad_link_proof') when it has none. */
export function linkStatementFromState(t: Extract<InterpretedSettlementTx, { kind: 'statement' }>, deps: Omit<StatementLinkDeps, 'verify' | 'circuits'>): LinkStatement {
  const recorded = rateSetOf(deps.state, t.period);
  if (recorded === undefined) throw refused(`period ${t.period.id} has no rate set on chain: a link proof converts at the period's recorded rates`);
  let rates;
  try {
    rates = linkRates({ chain: deps.chain, periodId: t.period.id, base: deps.settlement.currency, rates: recorded.rates, override: recorded.override });
  } catch (err) {
    if (err instanceof LinkInputError) throw refused(err.message);
    throw err;
  }
  const { first, second } = t.signed.statement;
  return Object.freeze({
    billedByFirst: pointOf(deps.chargeAggregate(first, second, t.period.id)),
    billedBySecond: pointOf(deps.chargeAggregate(second, first, t.period.id)),
    commitment: t.signed.statement.commitment,
    rates: Object.freeze(rates),
  });
}

/** Resolves when the statement's link proof verifies; rejects with SettlementTxRefusedError('bad_link_proof'). */
export async function checkStatementLink(t: Extract<InterpretedSettlementTx, { kind: 'statement' }>, deps: StatementLinkDeps): Promise<void> {
  const bytes = t.linkProof;
  if (bytes === undefined) return; // interpretSettlementTx refuses a missing one where the genesis asks for it
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0);
  const lines = view.getUint32(4);
  const circuit = deps.circuits.find((c) => c.version === version && c.linesPerCurrency === lines);
  if (circuit === undefined) {
    const registered = deps.circuits.map((c) => `v${c.version} with ${c.linesPerCurrency} lines`).join(', ') || 'none';
    throw refused(`no link circuit v${version} with ${lines} lines per currency is registered (registered: ${registered})`);
  }
  let signals: string[];
  try {
    signals = linkPublicSignals(linkStatementFromState(t, deps));
  } catch (err) {
    if (err instanceof CommitmentError) throw refused(`a point of the link statement is not a commitment: ${err.message}`);
    throw err;
  }
  const outcome = await deps.verify({ vkey: circuit.vkeyBytes, signals, proof: bytes.slice(8) });
  if (outcome.code !== RejectCode.None) throw refused(outcome.detail);
}

/** The statement frame's link proof bytes: circuit version u32 ‖ lines per currency u32 ‖ Groth16 proof (256), big-endian. */
export function encodeLinkProof(version: number, lines: number, proof: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + proof.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, version);
  view.setUint32(4, lines);
  out.set(proof, 8);
  return out;
}
