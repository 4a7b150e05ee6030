// Prints the test totals of CI from vitest's JSON reports (one report per Node version),
// the last line always being `tests: N passed, M failed`, and exits non-zero when a test
// failed, a test file failed as a whole, a report is missing, no test ran, or an earlier
// CI step failed.
//
//   node .ci/totals.mjs [--failed-steps N] <report.json>...
//
// Each report is labelled by its file name (`.ci/reports/node-22.json` → `node-22`).
// The totals count tests only. A test file that fails as a whole (it throws at import,
// a hook outside any test fails, or it collects no test) is not a test: it is reported
// on its own line above the totals and fails the run, without changing the counts.
import { existsSync, readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';

const args = process.argv.slice(2);
let failedSteps = 0;
const reportPaths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--failed-steps') failedSteps = Number(args[++i]);
  else reportPaths.push(args[i]);
}

const problems = [];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const path of reportPaths) {
  const label = basename(path, '.json');
  if (!existsSync(path)) {
    problems.push(`${label}: no vitest report at ${path}: the test step did not run to the end`);
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const own = { passed: report.numPassedTests ?? 0, failed: report.numFailedTests ?? 0 };
  passed += own.passed;
  failed += own.failed;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const failedSuites = (report.testResults ?? []).filter(
    (file) => (file.message ?? '') !== '' || (file.assertionResults ?? []).length === 0,
  );
  const suiteNote = failedSuites.length > 0 ? ` (${failedSuites.length} test files failed as a whole)` : '';
  console.log(`${label}: ${own.passed} passed, ${own.failed} failed${suiteNote}`);
  if (own.passed + own.failed === 0) problems.push(`${label}: no test was executed`);
  for (const file of failedSuites) {
    const why = (file.message ?? '').split('\n')[0] || 'no test collected';
    problems.push(`${label}: failed suite ${relative(process.cwd(), file.name ?? '?')}: ${why}`);
  }
}

if (reportPaths.length === 0) problems.push('no vitest report was given');
if (skipped > 0) console.log(`(${skipped} tests skipped or todo)`);
if (failedSteps > 0) problems.push(`${failedSteps} CI step(s) failed`);
if (passed + failed === 0) problems.push('no test was executed: that is a failure');
for (const line of problems) console.log(line);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
