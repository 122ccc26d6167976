// The bilateral link proof (docs/proofs.md §8): constraints of the built size, prove and verify on one
// core each (single-threaded curve, as one worker of a pool), with the load average beside the figures.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/proofs/link.js [--proofs 5] [--verifies 30]
//
// Writes bench/results/link.json.
import { loadavg } from 'node:os';
import { loadLinkArtifacts } from '../../src/proofs/link/link-artifacts.js';
import { TEST_LINK_LINES } from '../../src/proofs/link/link-circuit.js';
import { proveLink, verifyLink } from '../../src/proofs/link/link-proof.js';
import { linkWitness } from '../../src/proofs/link/link-witness.js';
import { releaseProofCurve, useSingleThreadProofCurve } from '../../src/proofs/curve.js';
import { fxRateSet } from '../../src/settlement/fx/fx-rate-book.js';
import { parseDecimal } from '../../src/settlement/fx/rational.js';
import { resultEnvelope, writeResult } from '../machine.js';

const intArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const [A, B] = [23415, 26201];
const rates = fxRateSet({ chain: '00'.repeat(32), periodId: '2026-11', base: 'XDR', rates: new Map([['EUR', parseDecimal('0.8731')], ['GBP', parseDecimal('1.0214')], ['USD', parseDecimal('0.7532')], ['SGD', parseDecimal('0.5611')], ['INR', parseDecimal('0.0089')]]), override: false });
// Every line slot of the test size used: one line per direction and currency.
const currencies = ['EUR', 'GBP', 'USD', 'SGD', 'INR', 'XDR'] as const;
const numeric = { EUR: 978, GBP: 826, USD: 840, SGD: 702, INR: 356, XDR: 960 } as const;
const lines = currencies.map((c, i) => ({ partner: B, service: 'data' as const, currency: c, receivable: 1_000_003n * BigInt(i + 1), payable: 777_777n * BigInt(i + 2) }));
const opening = (f: (i: number) => bigint, blinding: bigint) => ({ totals: new Map(currencies.map((c, i) => [numeric[c], f(i) + 5n] as const)), blinding });

await useSingleThreadProofCurve();
const artifacts = loadLinkArtifacts(TEST_LINK_LINES);
const w = linkWitness({
  first: A, second: B, operator: A, lines, rates, linesPerCurrency: TEST_LINK_LINES, statementBlinding: 123_456_789n,
  billedByFirst: opening((i) => 1_000_003n * BigInt(i + 1), 42n), billedBySecond: opening((i) => 777_777n * BigInt(i + 2), 43n),
});
const proveMs: number[] = [];
const load: number[] = [loadavg()[0]!];
let proof = await proveLink(artifacts, w); // warm-up
for (let i = 0; i < intArg('proofs', 5); i++) {
  const t = performance.now();
  proof = await proveLink(artifacts, w);
  proveMs.push(performance.now() - t);
}
const verifyMs: number[] = [];
for (let i = 0; i < intArg('verifies', 30); i++) {
  const t = performance.now();
  if (!(await verifyLink(artifacts.verificationKey, w.statement, proof))) throw new Error('the link proof does not verify');
  verifyMs.push(performance.now() - t);
}
load.push(loadavg()[0]!);
await releaseProofCurve();
const result = {
  ...resultEnvelope(),
  circuit: artifacts.name, constraints: artifacts.constraints, linesPerCurrency: TEST_LINK_LINES, publicInputs: 18,
  proveMs: { median: median(proveMs), min: Math.min(...proveMs), runs: proveMs.length },
  verifyMs: { median: median(verifyMs), min: Math.min(...verifyMs), runs: verifyMs.length },
  loadAverage1m: load,
};
console.log(`${artifacts.name} (${artifacts.constraints} constraints): prove median ${result.proveMs.median.toFixed(0)} ms (min ${result.proveMs.min.toFixed(0)}), verify median ${result.verifyMs.median.toFixed(1)} ms (min ${result.verifyMs.min.toFixed(1)}), one core, load average ${load.map((l) => l.toFixed(1)).join(' → ')}`);
console.log(`wrote ${writeResult('link', result)}`);
