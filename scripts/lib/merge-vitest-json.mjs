// Merges the JSON reports of the test runs (Node 26, Node 24) into one, so that a CI
// counting numPassedTests / numFailedTests counts both. A run that wrote no report
// counts as one failure.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

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
