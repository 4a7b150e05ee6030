#!/usr/bin/env node
// Runs the official Autobahn|Testsuite (Docker image crossbario/autobahn-testsuite) against
// the echo server, over ws:// (port 9001) and wss:// (port 9002), then prints a per-category
// summary of the report. Without Docker it says so and exits non-zero.
//
//   pnpm --filter @websock/echo-server autobahn            # server mode (fuzzingclient)
//   pnpm --filter @websock/echo-server autobahn -- --cases 1.*,2.*
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appDir, autobahnDir, requireBuilt, requireDocker, summarizeReport, wstestArgs } from './autobahn-common.mjs';

const casesArg = process.argv.indexOf('--cases');
const cases = casesArg === -1 ? ['*'] : String(process.argv[casesArg + 1] ?? '*').split(',');

requireDocker('The conformance suite that runs without Docker: pnpm exec vitest run --project @websock/conformance');
const cli = join(appDir, 'dist', 'cli.js');
requireBuilt(cli);

const servers = [
  spawn(process.execPath, [cli, '--port', '9001', '--deflate'], { stdio: 'inherit' }),
  spawn(process.execPath, [cli, '--port', '9002', '--tls-self-signed', '--deflate'], { stdio: 'inherit' }),
];
const stopServers = () => {
  for (const server of servers) if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', stopServers);
await new Promise((resolve) => setTimeout(resolve, 1500));

const config = JSON.parse(readFileSync(join(autobahnDir, 'fuzzingclient.json'), 'utf8'));
config.cases = cases;
mkdirSync(join(autobahnDir, 'reports'), { recursive: true });
writeFileSync(join(autobahnDir, 'reports', 'fuzzingclient.run.json'), JSON.stringify(config, null, 2));

const run = spawnSync('docker', wstestArgs('fuzzingclient', '/autobahn/reports/fuzzingclient.run.json'), {
  stdio: 'inherit',
  cwd: autobahnDir,
});
stopServers();
if (run.status !== 0) {
  console.error(`wstest exited with ${run.status}`);
  process.exit(1);
}

process.exit(summarizeReport(join(autobahnDir, 'reports', 'servers', 'index.json')) === 0 ? 0 : 1);
