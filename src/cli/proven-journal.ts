// The operator's journal of its proven batches (`cdrchain prove --save FILE`, one JSON line each): the
// batch's context and its chunks' totals, pair-private (totals are the pair's secret data, never
// public). A pair opens its charge aggregates from both operators' journals to prove the link
// (`cdrchain bilateral --proven FILE`, docs/settlement.md "The link").

import { appendFileSync, readFileSync } from 'node:fs';
import type { ProvenBatchTotals } from '../proofs/charge-aggregate.js';
import type { ChunkTotals } from '../proofs/totals.js';
import { CliError, EXIT } from './errors.js';

export interface ProvenBatchLine {
  type: 'proven_batch';
  batch: string;
  submitter: number;
  counterparty: number;
  sequence: string;
  /** The header's period_start (unix seconds): which settlement period's aggregate it joined. */
  periodStart: string;
  /** Per chunk, in chunk order. */
  totals: { currency: number; charge: string; durationSec: string; volumeBytes: string }[];
}

export function provenBatchLine(batch: string, header: { submitter: number; counterparty: number; sequence: bigint; periodStart: bigint }, totals: readonly ChunkTotals[]): ProvenBatchLine {
  return {
    type: 'proven_batch', batch, submitter: header.submitter, counterparty: header.counterparty,
    sequence: header.sequence.toString(), periodStart: header.periodStart.toString(),
    totals: totals.map((t) => ({ currency: t.currency, charge: t.charge.toString(), durationSec: t.durationSec.toString(), volumeBytes: t.volumeBytes.toString() })),
  };
}

export function appendProvenBatch(file: string, line: ProvenBatchLine): void {
  appendFileSync(file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
}

/** Every journal's lines, a batch listed twice counted once. CliError (usage) for unreadable or malformed lines. */
export function readProvenJournals(files: readonly string[]): ProvenBatchLine[] {
  const byBatch = new Map<string, ProvenBatchLine>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
    }
    text.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') return;
      let l: Partial<ProvenBatchLine>;
      try {
        l = JSON.parse(raw) as Partial<ProvenBatchLine>;
      } catch {
        throw new CliError(`${file}:${i + 1} is not JSON`, EXIT.usage);
      }
      if (l.type !== 'proven_batch' || typeof l.batch !== 'string' || !Array.isArray(l.totals) || typeof l.submitter !== 'number' || typeof l.counterparty !== 'number') {
        throw new CliError(`${file}:${i + 1} is not a proven batch line (cdrchain prove --save)`, EXIT.usage);
      }
      byBatch.set(l.batch, l as ProvenBatchLine);
    });
  }
  return [...byBatch.values()].sort((a, b) => (a.batch < b.batch ? -1 : a.batch > b.batch ? 1 : 0));
}

/** The proven batches billed by `biller` to `billed` whose period_start is in [start, end), as openChargeAggregate takes them. */
export function provenBatchesOf(lines: readonly ProvenBatchLine[], chain: Uint8Array, biller: number, billed: number, window: { startSeconds: number; endSeconds: number }): ProvenBatchTotals[] {
  return lines
    .filter((l) => l.submitter === biller && l.counterparty === billed && Number(l.periodStart) >= window.startSeconds && Number(l.periodStart) < window.endSeconds)
    .map((l) => ({
      context: { chainId: chain, submitter: l.submitter, counterparty: l.counterparty, sequence: BigInt(l.sequence) },
      totals: l.totals.map((t) => ({ currency: t.currency, charge: BigInt(t.charge), durationSec: BigInt(t.durationSec), volumeBytes: BigInt(t.volumeBytes) })),
    }));
}
