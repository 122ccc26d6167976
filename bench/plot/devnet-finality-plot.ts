// Devnet benchmark, latency distribution: micro-block confirmation (send→Committed) and Committed→Final
// per CDR batch in the paced phase of bench/results/devnet.json, with the send→Final total. The macro
// finality target is per macro block (after the Albatross batch's last micro block): its p99 is named
// beside the target line, since the per-CDR-batch curve also waits for the rest of the batch.
import type { PlotSpec } from './render-plot.js';
import { latencyCdfSpec, type LatencyDistribution } from './latency-cdf-spec.js';
import type { ResultReader } from './bench-result.js';

export function devnetFinalitySpec(r: ResultReader): PlotSpec {
  const n = r.num('validators');
  const micro = r.distribution('latency.latency.microConfirm');
  const macro = r.distribution('latency.latency.macroFinality');
  const series: LatencyDistribution[] = [
    { label: 'micro-block confirmation: send → Committed', points: micro.points },
    { label: 'Committed → Final per CDR batch', points: macro.points },
  ];
  if (r.has('latency.latency.sendToFinal')) series.push({ label: 'send → Final (both)', points: r.distribution('latency.latency.sendToFinal').points });
  const target = r.has('targets.macroFinalityP99Ms.target') ? r.num('targets.macroFinalityP99Ms.target') : undefined;
  return latencyCdfSpec({
    title: `Devnet, ${n} validators: micro and macro finality latency`,
    subtitle: [
      `paced at ${r.num('latency.targetRateCdrPerSec').toLocaleString('en-US')} CDR/s, batches of ${r.num('latency.batchSize')}; ${micro.count.toLocaleString('en-US')} batches of the steady window`,
      micro.fromCdf ? 'points: p50 and p99' : 'drawn through the recorded quantiles only (p50, p90, p99, p99.9, max); points: p50 and p99',
      `run ${r.str('date').slice(0, 10)}${r.has('targets.microConfirmP99Ms.target') ? `; micro p99 target ${r.num('targets.microConfirmP99Ms.target')} ms` : ''}`,
    ],
    series,
    ...(target !== undefined
      ? { reference: { ms: target, label: `macro p99 target ${target.toLocaleString('en-US')} ms${r.has('macroFinalityP99Ms') ? ` (per macro block: ${Math.round(r.num('macroFinalityP99Ms')).toLocaleString('en-US')})` : ''}` } }
      : {}),
  });
}
