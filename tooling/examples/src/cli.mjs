// `pnpm check:examples`: type-checks every ```ts example of the READMEs and docs, and runs the
// ones marked `run`. Exit code 1 on any failure.
import { collectExamples, runExample, sourceEntries, typeCheck } from './examples.mjs';

const started = Date.now();
const examples = collectExamples();
const checked = examples.filter((example) => !example.skip);
const entries = sourceEntries();
let failed = false;

for (const example of examples.filter((e) => e.skip)) {
  console.log(`skipped ${example.file}:${example.line} (no-check: ${example.skip})`);
}
const diagnostics = await typeCheck(checked, entries);
if (diagnostics.length > 0) {
  failed = true;
  console.error(diagnostics.join('\n'));
}
for (const example of checked.filter((e) => e.run)) {
  try {
    await runExample(example, entries);
    console.log(`ran ${example.file}:${example.line}`);
  } catch (error) {
    failed = true;
    console.error(error.message);
  }
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `${checked.length} examples type-checked, ${checked.filter((e) => e.run).length} run, ` +
    `${examples.length - checked.length} skipped, in ${seconds} s: ${failed ? 'FAILED' : 'OK'}`,
);
process.exit(failed ? 1 : 0);
