#!/usr/bin/env node
// Runs the official Autobahn|Testsuite in fuzzing-server mode (Docker image
// crossbario/autobahn-testsuite) and drives it with the websock client, then prints a
// per-category summary. Without Docker it says so and exits non-zero.
//
//   pnpm --filter @websock/echo-server autobahn:client
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeReport } from './report-summary.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = join(here, '..');
const autobahnDir = join(appDir, 'autobahn');
const image = 'crossbario/autobahn-testsuite';

const docker = spawnSync('docker', ['info'], { stdio: 'ignore' });
if (docker.error || docker.status !== 0) {
  console.error('Docker is not available (no docker command, or no running Docker engine).');
  console.error(`This script runs the official suite through the Docker image ${image}; install Docker and retry.`);
  process.exit(2);
}
const driver = join(appDir, 'dist', 'fuzzing-client-cli.js');
if (!existsSync(driver)) {
  console.error('Build first: pnpm turbo run build --filter=@websock/echo-server...');
  process.exit(2);
}

const suite = spawn(
  'docker',
  [
    'run',
    '--rm',
    '--network=host',
    '-v',
    `${autobahnDir}:/autobahn`,
    image,
    'wstest',
    '--mode',
    'fuzzingserver',
    '--spec',
    '/autobahn/fuzzingserver.json',
  ],
  { stdio: 'inherit' },
);
process.on('exit', () => suite.exitCode === null && suite.kill('SIGTERM'));
await new Promise((resolve) => setTimeout(resolve, 3000));

const run = spawnSync(process.execPath, [driver, '--url', 'ws://127.0.0.1:9003'], { stdio: 'inherit' });
suite.kill('SIGTERM');
if (run.status !== 0) process.exit(1);

process.exit(summarizeReport(join(autobahnDir, 'reports', 'clients', 'index.json')) === 0 ? 0 : 1);
