#!/usr/bin/env node
// CI only: after `npm test` failed, run the test files that failed once more, each in a fresh vitest run.
// A file that passes on its second run is reported loudly as FLAKY (the run still passes: one
// timing-dependent multi-process test must not throw away everything else); a file that fails again fails CI.
// Reads the JSON report that `.ci/run` asks vitest for.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';

const report = process.argv[2];
if (!report) {
  console.error('usage: rerun-failed-tests.mjs <vitest-json-report>');
  process.exit(2);
}
let json;
try {
  json = JSON.parse(readFileSync(report, 'utf8'));
} catch (e) {
  console.error(`rerun-failed-tests: no usable vitest report at ${report} (${e.message}): the test run failed before reporting`);
  process.exit(1);
}
const failed = (json.testResults ?? []).filter((f) => f.status !== 'passed').map((f) => relative(process.cwd(), f.name));
// A run that failed without a failed file (a type error in the config, an unhandled error between tests) is not retried.
if (failed.length === 0) {
  console.error('rerun-failed-tests: vitest failed, but no test file failed: not retrying');
  process.exit(1);
}
if (failed.length > 3) {
  console.error(`rerun-failed-tests: ${failed.length} test files failed; that is not flakiness: not retrying`);
  process.exit(1);
}
const flaky = [];
for (const file of failed) {
  console.error(`\n=== rerunning ${file} once (it failed in the full run) ===`);
  const r = spawnSync('npx', ['vitest', 'run', file], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n=== ${file} failed twice: a real failure ===`);
    process.exit(1);
  }
  flaky.push(file);
}
console.error(`\n${'!'.repeat(72)}\nFLAKY: these test files failed in the full run and passed when run again:\n${flaky.map((f) => `  ${f}`).join('\n')}\nFix them: a flaky test hides real failures.\n${'!'.repeat(72)}\n`);
