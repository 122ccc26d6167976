// Devnet benchmark, CDR/s over time: finalized CDRs per second (they arrive in bursts, one per macro
// block) in the flat-out and paced phases, and the single node's committed CDR/s on the same frames,
// from bench/results/devnet.json. Drawn as running totals (slope = CDR/s): the bursts of a few
// hundred thousand CDRs in one second would flatten a per-second plot.
import type { PlotSpec } from './render-plot.js';
import { rateOverTimeSpec, type RateSeries } from './rate-over-time-spec.js';
import type { ResultReader } from './bench-result.js';

export function devnetRateSpec(r: ResultReader): PlotSpec {
  const n = r.num('validators');
  const fmt = (x: number) => x.toLocaleString('en-US');
  const series: RateSeries[] = [];
  if (r.has('singleNode.committedPerSecond')) {
    series.push({ label: `single node, committed (${fmt(r.num('singleNode.rates.committedCdrPerSec'))} CDR/s steady)`, perSecond: r.series('singleNode.committedPerSecond') });
  }
  series.push({ label: `${n} validators flat out, finalized (${fmt(r.num('throughput.rates.finalizedCdrPerSec'))} CDR/s between macro blocks)`, perSecond: r.series('throughput.finalizedPerSecond') });
  if (r.has('latency.finalizedPerSecond')) {
    series.push({ label: `${n} validators paced at ${fmt(r.num('latency.targetRateCdrPerSec'))} CDR/s, finalized`, perSecond: r.series('latency.finalizedPerSecond') });
  }
  const target = r.has('targets.finalizedCdrPerSec.target') ? r.num('targets.finalizedCdrPerSec.target') : undefined;
  return rateOverTimeSpec({
    title: `Devnet, ${n} validators: CDRs final over time (slope = CDR/s)`,
    subtitle: [
      `${n} validator processes and the replay co-hosted on 2 cores; CDRs count when final (in a macro block)`,
      `running totals: finality comes in steps, one per macro block; run ${r.str('date').slice(0, 10)}${r.doc['quick'] === true ? ' (quick)' : ''}`,
    ],
    series,
    smoothSeconds: 1,
    cumulative: true,
    yTitle: 'CDRs so far',
    ...(target !== undefined ? { reference: { value: target, label: `target slope ${fmt(target)} CDR/s` } } : {}),
  });
}
