#!/usr/bin/env node
// Runs the official Autobahn|Testsuite in fuzzing-server mode (Docker image
// crossbario/autobahn-testsuite) and drives it with the websock client, then prints a
// per-category summary. Without Docker it says so and exits non-zero.
//
//   pnpm --filter @websock/echo-server autobahn:client
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { appDir, autobahnDir, requireBuilt, requireDocker, summarizeReport, wstestArgs } from './autobahn-common.mjs';

requireDocker();
const driver = join(appDir, 'dist', 'fuzzing-client-cli.js');
requireBuilt(driver);

const suite = spawn('docker', wstestArgs('fuzzingserver', '/autobahn/fuzzingserver.json'), { stdio: 'inherit' });
process.on('exit', () => suite.exitCode === null && suite.kill('SIGTERM'));
await new Promise((resolve) => setTimeout(resolve, 3000));

const run = spawnSync(process.execPath, [driver, '--url', 'ws://127.0.0.1:9003'], { stdio: 'inherit' });
suite.kill('SIGTERM');
if (run.status !== 0) process.exit(1);

process.exit(summarizeReport(join(autobahnDir, 'reports', 'clients', 'index.json')) === 0 ? 0 : 1);
