#!/usr/bin/env node
// Runs the official Autobahn|Testsuite (Docker image crossbario/autobahn-testsuite) against
// the echo server, over ws:// (port 9001) and wss:// (port 9002), then prints a per-category
// summary of the report. Without Docker it says so and exits non-zero.
//
//   pnpm --filter @websock/echo-server autobahn            # server mode (fuzzingclient)
//   pnpm --filter @websock/echo-server autobahn -- --cases 1.*,2.*
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeReport } from './report-summary.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = join(here, '..');
const autobahnDir = join(appDir, 'autobahn');
const image = 'crossbario/autobahn-testsuite';

const casesArg = process.argv.indexOf('--cases');
const cases = casesArg === -1 ? ['*'] : String(process.argv[casesArg + 1] ?? '*').split(',');

const docker = spawnSync('docker', ['info'], { stdio: 'ignore' });
if (docker.error || docker.status !== 0) {
  console.error('Docker is not available (no docker command, or no running Docker engine).');
  console.error(`This script runs the official suite through the Docker image ${image}; install Docker and retry.`);
  console.error('The conformance suite that runs without Docker: pnpm exec vitest run --project @websock/conformance');
  process.exit(2);
}

const cli = join(appDir, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('Build first: pnpm turbo run build --filter=@websock/echo-server...');
  process.exit(2);
}

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

const run = spawnSync(
  'docker',
  [
    'run',
    '--rm',
    // Host networking: the suite reaches the echo server on 127.0.0.1 (Linux Docker).
    '--network=host',
    '-v',
    `${autobahnDir}:/autobahn`,
    image,
    'wstest',
    '--mode',
    'fuzzingclient',
    '--spec',
    '/autobahn/reports/fuzzingclient.run.json',
  ],
  { stdio: 'inherit', cwd: autobahnDir },
);
stopServers();
if (run.status !== 0) {
  console.error(`wstest exited with ${run.status}`);
  process.exit(1);
}

process.exit(summarizeReport(join(autobahnDir, 'reports', 'servers', 'index.json')) === 0 ? 0 : 1);
