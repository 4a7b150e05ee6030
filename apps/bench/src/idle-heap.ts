// `node apps/bench/dist/idle-heap.js [--servers websock,ws,minimal-ws,raw-tcp] [--connections 2000] [--out <file>]`
// Where each idle connection's JavaScript heap goes, by object type, per server under test: the
// server process (as in the benchmark) takes a V8 heap snapshot after 100 warm-up connections
// have come and gone, and another with N idle connections open (opened by a separate load
// generator); the difference by type, divided by N, is the table. Writes
// results/idle-heap-latest.md by default (the full server list and count only) and prints it.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Child, describeMachine } from './lib/child.js';
import { breakdownPerConnection, type HeapSnapshot, totalsByType } from './lib/heap-breakdown.js';
import type { LoadReply, ServerSnapshotReply } from './lib/ipc.js';
import { table } from './lib/report.js';
import { findServer, type ServerDef } from './lib/servers.js';
import { findWorkload } from './lib/workloads.js';

const distDir = dirname(fileURLToPath(import.meta.url));
const DEFAULT_SERVERS = ['websock', 'ws', 'minimal-ws', 'raw-tcp'];
const DEFAULT_CONNECTIONS = 2000;
const WARM_CONNECTIONS = 100;

interface Options {
  servers: string[];
  connections: number;
  out: string | undefined;
}

function parse(argv: readonly string[]): Options {
  const options: Options = { servers: DEFAULT_SERVERS, connections: DEFAULT_CONNECTIONS, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new RangeError(`${flag} needs a value`);
    if (flag === '--servers') options.servers = value.split(',').filter(Boolean);
    else if (flag === '--connections') options.connections = Number(value);
    else if (flag === '--out') options.out = value;
    else throw new RangeError(`unknown option ${flag}`);
  }
  if (!Number.isInteger(options.connections) || options.connections < 1) {
    throw new RangeError('--connections needs a positive integer');
  }
  return options;
}

type Ready = Extract<LoadReply, { type: 'ready' }>;

async function measure(server: ServerDef, connections: number, dir: string) {
  const spec = findWorkload('idle');
  if (spec === undefined) throw new Error('no idle workload');
  const generator = new Child('loadgen', join(distDir, 'loadgen.js'), [], { nofile: connections + 256 });
  const child = new Child(server.name, join(distDir, server.script), ['--port', '0'], {
    nodeArgs: ['--expose-gc'],
    env: server.env,
    nofile: connections + 256,
  });
  try {
    const ready = await child.waitForLine(/^ready \S+ port=\d+/, 15_000);
    const port = Number(/port=(\d+)/.exec(ready)?.[1]);
    const tcp = server.protocol === 'tcp';
    const open = async (count: number) => {
      const reply = await generator.request<Ready>({ type: 'setup', spec, port, connections: count, tcp }, 120_000);
      if (reply.failed > 0) throw new Error(`${reply.failed} connections failed: ${reply.firstError}`);
    };
    await open(WARM_CONNECTIONS);
    await generator.request({ type: 'stop' }, 10_000);
    await sleep(200);
    const snapshot = (name: string) =>
      child.request<ServerSnapshotReply>(
        { type: 'heap-snapshot', path: join(dir, `${server.name}-${name}.heapsnapshot`) },
        120_000,
      );
    const before = await snapshot('before');
    await open(connections);
    await sleep(300);
    const after = await snapshot('after');
    await generator.request({ type: 'stop' }, 10_000);
    const load = (path: string) => totalsByType(JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot);
    const rows = breakdownPerConnection(load(before.path), load(after.path), connections);
    const perConnection = (a: number, b: number) => (b - a) / connections;
    return {
      rows,
      heap: perConnection(before.stats.heapUsed + before.stats.external, after.stats.heapUsed + after.stats.external),
    };
  } finally {
    await Promise.all([child.stop(), generator.stop()]);
  }
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const servers = options.servers.map((name) => {
    const server = findServer(name);
    if (server === undefined) throw new RangeError(`unknown server ${name}`);
    return server;
  });
  const machine = describeMachine();
  if (machine.nofileHard < options.connections + 256) {
    throw new RangeError(
      `the open-file limit (${machine.nofileHard}) is too low for ${options.connections} connections`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'websock-idle-heap-'));
  const lines = [
    '# Idle connection heap, by object type',
    '',
    `Run of ${new Date().toISOString()} on ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}: ` +
      `${options.connections.toLocaleString('en-US')} idle connections per server, opened by a separate load generator ` +
      `process after ${WARM_CONNECTIONS} warm-up connections had come and gone. Command: ` +
      `\`node apps/bench/dist/idle-heap.js --connections ${options.connections}\`.`,
    '',
    'Self size of the objects a heap snapshot (after `global.gc()`) holds with the connections open, minus the one ' +
      'taken before they opened, per connection. `(native) Node / ...` rows are what V8 is told of memory ' +
      'outside its heap (the C++ side of a socket); they are in the listed sum but not in "heap+external". ' +
      'Fractions are objects shared by several connections or left over from the opening. Types that moved by less ' +
      'than 4 bytes per connection are left out.',
    '',
  ];
  try {
    for (const server of servers) {
      process.stderr.write(`${server.name}...\n`);
      const result = await measure(server, options.connections, dir);
      const listed = result.rows.reduce((sum, row) => sum + row.bytesPerConnection, 0);
      lines.push(
        `## ${server.name}`,
        '',
        `Listed: ${listed.toFixed(0)} B per connection; heap+external (process.memoryUsage) ${result.heap.toFixed(0)} B. ` +
          "(RSS is for the benchmark's idle rows: writing a snapshot moves it by more than the connections do.)",
        '',
        table(
          ['type', 'objects per connection', 'bytes per connection'],
          result.rows.map((row) => [
            `\`${row.label}\``,
            row.perConnection.toFixed(2),
            row.bytesPerConnection.toFixed(0),
          ]),
        ),
        '',
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const text = lines.join('\n');
  const full = options.servers.join(',') === DEFAULT_SERVERS.join(',') && options.connections === DEFAULT_CONNECTIONS;
  const out = options.out ?? (full ? join(distDir, '..', 'results', 'idle-heap-latest.md') : undefined);
  if (out !== undefined) {
    writeFileSync(resolve(out), `${text}\n`);
    process.stderr.write(`wrote ${out}\n`);
  }
  process.stdout.write(`${text}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `idle-heap failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
