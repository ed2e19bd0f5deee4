// Merges the JSON reports of the test runs (Node 26, Node 24) into one, so that a CI
// counting numPassedTests / numFailedTests counts both. A run that wrote no report
// counts as one failure.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [out, ...inputs] = process.argv.slice(2);
const merged = { numTotalTests: 0, numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, success: true, testResults: [] };
for (const file of inputs) {
  if (!existsSync(file)) {
    merged.numFailedTests += 1;
    merged.success = false;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const key of ['numTotalTests', 'numPassedTests', 'numFailedTests', 'numPendingTests']) merged[key] += report[key] ?? 0;
  merged.success &&= report.success !== false;
  merged.testResults.push(...(report.testResults ?? []));
}
writeFileSync(out, JSON.stringify(merged));

// Tests that failed once and passed on their retry (vitest.config.ts): listed, with the
// first line of the first failure, so a flaky test is seen and mended, never hidden.
const retried = merged.testResults.flatMap((file) =>
  (file.assertionResults ?? [])
    .filter((t) => t.status === 'passed' && (t.failureMessages ?? []).length > 0)
    .map((t) => `${path.relative(process.cwd(), file.name)} > ${t.fullName}: ${String(t.failureMessages[0]).split('\n')[0].slice(0, 200)}`),
);
if (retried.length > 0) {
  console.error(`\nPassed only on a retry (${retried.length}):`);
  for (const line of retried) console.error(`  ${line}`);
}

// The failures again at the very end, where a CI log's tail shows them.
const failed = merged.testResults.flatMap((file) =>
  (file.assertionResults ?? []).filter((t) => t.status === 'failed').map((t) => `${path.relative(process.cwd(), file.name)} > ${t.fullName}`),
);
const missing = inputs.filter((file) => !existsSync(file));
if (failed.length > 0 || missing.length > 0) {
  console.error(`\nFailed (${failed.length + missing.length}):`);
  for (const line of failed) console.error(`  ${line}`);
  for (const file of missing) console.error(`  no report: ${path.basename(file)}`);
}
