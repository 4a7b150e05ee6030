// Prints `tests: N passed, M failed` from vitest's JSON report as the last line of CI,
// and exits non-zero when a test failed, no test ran, or an earlier CI step failed.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, failedStepsArg = '0'] = process.argv.slice(2);
const failedSteps = Number(failedStepsArg);

let passed = 0;
let failed = 0;
if (reportPath && existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (skipped > 0) console.log(`(${skipped} tests skipped or todo)`);
} else {
  console.log(`no vitest report at ${reportPath}: the test step did not run to the end`);
}

if (passed + failed === 0) console.log('no test was executed: that is a failure');
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 || failedSteps > 0 ? 1 : 0);
