// Pipeline benchmark, latency distribution: send→Ack (admitted) and send→Committed per batch in the
// paced phase of bench/results/pipeline.json, against the p99 < 50 ms target.
import type { PlotSpec } from './render-plot.js';
import { latencyCdfSpec } from './latency-cdf-spec.js';
import type { ResultReader } from './bench-result.js';

export function pipelineLatencySpec(r: ResultReader): PlotSpec {
  const ack = r.distribution('latency.latency.sendToAck');
  const committed = r.distribution('latency.latency.sendToCommitted');
  const target = r.has('targets.p99LatencyMs.target') ? r.num('targets.p99LatencyMs.target') : undefined;
  return latencyCdfSpec({
    title: 'Single-node pipeline: batch latency distribution',
    subtitle: [
      `paced at ${r.num('latency.targetRateCdrPerSec').toLocaleString('en-US')} CDR/s, batches of ${r.num('latency.batchSize')}; ${committed.count.toLocaleString('en-US')} batches of the steady window`,
      committed.fromCdf ? 'points: p50 and p99' : 'drawn through the recorded quantiles only (p50, p90, p99, p99.9, max); points: p50 and p99',
      `run ${r.str('date').slice(0, 10)}`,
    ],
    series: [
      { label: 'send → Ack (admitted: verified, nullifiers checked, in the mempool)', points: ack.points },
      { label: 'send → Committed (in a block on disk)', points: committed.points },
    ],
    ...(target !== undefined ? { reference: { ms: target, label: `p99 target ${target} ms` } } : {}),
  });
}
