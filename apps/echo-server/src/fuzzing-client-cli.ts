#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runFuzzingClient } from './fuzzing-client.js';

// Usage: node dist/fuzzing-client-cli.js [--url ws://127.0.0.1:9003] [--agent websock-client] [--cases 1,2,3]
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:9003' },
    agent: { type: 'string', default: 'websock-client' },
    cases: { type: 'string' },
  },
});
const cases = values.cases?.split(',').map(Number);
runFuzzingClient({
  url: values.url,
  agent: values.agent,
  ...(cases === undefined ? {} : { cases }),
  onCase: (index, total) => process.stdout.write(`case ${index}/${total}\r`),
}).then(
  (total) => process.stdout.write(`\nran ${total} cases; reports written by the suite\n`),
  (error: unknown) => {
    process.stderr.write(`fuzzing client failed: ${String(error)}\n`);
    process.exit(1);
  },
);
