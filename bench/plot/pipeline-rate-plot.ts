// Pipeline benchmark, committed CDR/s over time: the flat-out phase and the paced (latency) phase of
// bench/results/pipeline.json, per second of each run, against the 40,000 CDR/s target.
import type { PlotSpec } from './render-plot.js';
import { rateOverTimeSpec } from './rate-over-time-spec.js';
import type { ResultReader } from './bench-result.js';

export function pipelineRateSpec(r: ResultReader): PlotSpec {
  const flat = r.series('throughput.committedPerSecond');
  const series = [
    { label: `flat out, batches of ${r.num('throughput.batchSize')}: ${r.num('throughput.rates.committedCdrPerSec').toLocaleString('en-US')} CDR/s in the steady window`, perSecond: flat },
  ];
  if (r.has('latency.committedPerSecond')) {
    series.push({
      label: `paced at ${r.num('latency.targetRateCdrPerSec').toLocaleString('en-US')} CDR/s, batches of ${r.num('latency.batchSize')} (the latency phase)`,
      perSecond: r.series('latency.committedPerSecond'),
    });
  }
  const target = r.has('targets.committedCdrPerSec.target') ? r.num('targets.committedCdrPerSec.target') : undefined;
  return rateOverTimeSpec({
    title: 'Single-node pipeline: committed CDR/s over time',
    subtitle: [
      'one node (2 verification workers) and the replay process sharing 2 cores, every check on',
      `thin: each second; bold: 5 s rolling mean; run ${r.str('date').slice(0, 10)}${r.doc['quick'] === true ? ' (quick)' : ''}`,
    ],
    series,
    smoothSeconds: 5,
    ...(target !== undefined ? { reference: { value: target, label: `target ≥ ${target.toLocaleString('en-US')} CDR/s` } } : {}),
    yTitle: 'CDRs committed per second',
  });
}
