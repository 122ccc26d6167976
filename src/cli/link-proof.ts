// `cdrchain bilateral --proven`: the statement's link proof (docs/settlement.md, "The link"), made on the
// operator's side from its settled lines, the statement's blinding, the period's rates and the openings of
// the pair's two billing aggregates (from both operators' proven-batch journals), checked first against
// the aggregates the chain holds so a missing batch is named before seconds of proving.

import { NodeApiError, type NodeApiClient } from '../client/node-api-client.js';
import { CircuitArtifactsError, WitnessError } from '../proofs/errors.js';
import { chargeAggregateOpens, openChargeAggregate } from '../proofs/charge-aggregate.js';
import { releaseProofCurve } from '../proofs/curve.js';
import { encodeProof } from '../proofs/proof-codec.js';
import { loadLinkArtifacts } from '../proofs/link/link-artifacts.js';
import { LINK_CIRCUIT } from '../proofs/link/link-circuit.js';
import { LinkInputError } from '../proofs/link/link-errors.js';
import { proveLink } from '../proofs/link/link-proof.js';
import { linkWitness } from '../proofs/link/link-witness.js';
import { encodeLinkProof } from '../chain/statement-link.js';
import type { FxRateSet } from '../settlement/fx/fx-rate-book.js';
import type { StatementLineInput } from '../settlement/statement/operator-statement.js';
import { CliError, EXIT } from './errors.js';
import { provenBatchesOf, readProvenJournals } from './proven-journal.js';

export interface LinkProofInput {
  readonly api: NodeApiClient;
  readonly chain: Uint8Array;
  readonly periodId: string;
  readonly window: { readonly startSeconds: number; readonly endSeconds: number };
  readonly me: number;
  readonly partner: number;
  readonly lines: readonly StatementLineInput[];
  readonly rates: FxRateSet;
  readonly statementBlinding: bigint;
  readonly pairSecret: Uint8Array;
  readonly journals: readonly string[];
  readonly linesPerCurrency: number;
}

/** The frame's link proof bytes (encodeLinkProof); CliError: usage for inputs that cannot be linked, rejected when the journals miss a proven batch. */
export async function statementLinkProof(i: LinkProofInput): Promise<Uint8Array> {
  const [first, second] = i.me < i.partner ? [i.me, i.partner] : [i.partner, i.me];
  const journal = readProvenJournals(i.journals);
  const opening = async (biller: number, billed: number) => {
    const batches = provenBatchesOf(journal, i.chain, biller, billed, i.window);
    const o = openChargeAggregate(i.pairSecret, batches);
    const onChain = await i.api.chargeAggregate(biller, billed, i.periodId).catch((err: unknown) => {
      if (err instanceof NodeApiError && err.status === 404) return undefined;
      throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
    });
    const opens = onChain === undefined
      ? batches.length === 0
      : chargeAggregateOpens({ x: BigInt(`0x${onChain.commitment.x}`), y: BigInt(`0x${onChain.commitment.y}`) }, o);
    if (!opens) {
      throw new CliError(`the journals' ${batches.length} proven batches of ${biller} → ${billed} do not open the chain's aggregate for ${i.periodId} (${onChain?.batches ?? 0} batches): pass every proven batch of the pair (cdrchain prove --save), both operators'`, EXIT.rejected);
    }
    return o;
  };
  const billedByFirst = await opening(first, second);
  const billedBySecond = await opening(second, first);
  try {
    const artifacts = loadLinkArtifacts(i.linesPerCurrency);
    const w = linkWitness({ first, second, operator: i.me, lines: i.lines, rates: i.rates, billedByFirst, billedBySecond, statementBlinding: i.statementBlinding, linesPerCurrency: i.linesPerCurrency });
    return encodeLinkProof(LINK_CIRCUIT.version, i.linesPerCurrency, encodeProof(await proveLink(artifacts, w)));
  } catch (err) {
    if (err instanceof LinkInputError) throw new CliError(`the settled lines cannot be linked to the proven traffic (${err.reason}): ${err.message}`, EXIT.usage);
    if (err instanceof CircuitArtifactsError || err instanceof WitnessError) throw new CliError(err.message, EXIT.usage);
    throw err;
  } finally {
    await releaseProofCurve();
  }
}
