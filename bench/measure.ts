import Benchmark from 'benchmark';

/**
 * Mean seconds per call of each named function: benchmark.js suites run `rounds` times, keeping
 * each contender's best mean. Other processes share these 2 cores; a load spike during one
 * contender's turn would otherwise skew the ratios.
 */
export function measureBest(
  cases: Record<string, () => unknown>,
  opts: { maxTime: number; rounds: number; minSamples: number },
): Record<string, number> {
  const best: Record<string, number> = {};
  for (let round = 0; round < opts.rounds; round++) {
    const suite = new Benchmark.Suite();
    for (const [name, fn] of Object.entries(cases)) suite.add(name, fn, { maxTime: opts.maxTime, minSamples: opts.minSamples });
    suite.on('cycle', (event: Benchmark.Event) => {
      const bench = event.target;
      const error: unknown = (bench as { error?: unknown }).error;
      if (error !== undefined) throw error;
      const name = bench.name ?? '?';
      best[name] = Math.min(best[name] ?? Infinity, bench.stats?.mean ?? Infinity);
    });
    suite.run({ async: false });
  }
  return best;
}
