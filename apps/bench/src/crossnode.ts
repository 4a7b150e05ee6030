// Cross-node fan-out: N `@websock/server` processes on one Redis (src/crossnode-node.ts), 1,000
// subscribers spread over them, one publisher per node. Measured against one process without
// Redis (the single-process topics figure) and against a bare node-redis PUBLISH → message,
// all in the same run. Starts its own redis-server on a free loopback port and stops it.
//
//   node apps/bench/dist/crossnode.js                       # full run: writes results/crossnode-latest.md
//   node apps/bench/dist/crossnode.js --quick               # 300 ms per cell, 1 round
//   node apps/bench/dist/crossnode.js --duration 1s --rounds 1
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@websock/redis-servers';
import { parseDuration } from './lib/args.js';
import { Child } from './lib/child.js';
import { startLoad } from './lib/crossnode-load.js';
import { measureRedisRoundTrip } from './lib/crossnode-redis.js';
import { type Cell, type CellResult, renderFanout } from './lib/crossnode-report.js';

const here = dirname(fileURLToPath(import.meta.url));
const SUBSCRIBERS = 1000;
const CELLS: Cell[] = [1, 2, 4].flatMap((nodes) => [64, 16 * 1024].map((size) => ({ nodes, size })));

interface Options {
  durationMs: number;
  warmupMs: number;
  rounds: number;
  out: string;
  full: boolean;
}

function parseOptions(argv: string[]): Options {
  const options = { durationMs: 3000, warmupMs: 500, rounds: 3, out: join(here, '../results'), full: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i] ?? '';
    if (flag === '--duration') options.durationMs = parseDuration(value());
    else if (flag === '--warmup') options.warmupMs = parseDuration(value());
    else if (flag === '--rounds') options.rounds = Number(value());
    else if (flag === '--out') options.out = value();
    else if (flag === '--quick') Object.assign(options, { durationMs: 300, warmupMs: 100, rounds: 1 });
    else throw new Error(`unknown flag ${flag} (--duration, --warmup, --rounds, --quick, --out)`);
  }
  // Only the defaults speak for results/crossnode-latest.md.
  options.full = options.durationMs === 3000 && options.warmupMs === 500 && options.rounds === 3;
  return options;
}

const cpuSeconds = (cpu: NodeJS.CpuUsage) => (cpu.user + cpu.system) / 1e6;

/** One cell: start the nodes, connect, warm up, measure, stop everything by PID. */
async function runCell(cell: Cell, redisUrl: string, options: Options): Promise<CellResult> {
  const env = cell.nodes > 1 ? { REDIS_URL: redisUrl } : {};
  const nodes = Array.from(
    { length: cell.nodes },
    (_, i) => new Child(`crossnode-node ${i}`, join(here, 'crossnode-node.js'), [], { env }),
  );
  try {
    const ports = await Promise.all(
      nodes.map(async (node) => Number(/port=(\d+)/.exec(await node.waitForLine(/^ready crossnode-node/, 20_000))![1])),
    );
    const settled = async () =>
      void (await Promise.all(nodes.map((node) => node.request({ type: 'settled' }, 20_000))));
    const load = await startLoad({
      ports,
      subscribers: SUBSCRIBERS,
      size: cell.size,
      window: cell.size > 1024 ? 2 : 8,
      settled,
    });
    await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
    const cpu = async () => {
      const replies = await Promise.all(
        nodes.map((node) => node.request<{ cpu: NodeJS.CpuUsage }>({ type: 'cpu' }, 5000)),
      );
      return replies.reduce((sum, reply) => sum + cpuSeconds(reply.cpu), 0);
    };
    const [cpu0, driver0, count0, t0] = [await cpu(), process.cpuUsage(), load.deliveries(), performance.now()];
    load.mark();
    await new Promise((resolve) => setTimeout(resolve, options.durationMs));
    const [cpu1, driver1, count1, t1] = [await cpu(), process.cpuUsage(driver0), load.deliveries(), performance.now()];
    const latencies = load.latencies();
    await load.close();
    const seconds = (t1 - t0) / 1000;
    return {
      ...cell,
      deliveriesPerSecond: (count1 - count0) / seconds,
      local: latencies.local,
      remote: latencies.remote,
      serverCores: (cpu1 - cpu0) / seconds,
      driverCores: cpuSeconds(driver1) / seconds,
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop(5000)));
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const redis = await startRedis();
  const rounds: CellResult[][] = [];
  const roundTrips: Array<Awaited<ReturnType<typeof measureRedisRoundTrip>>[]> = [];
  const started = new Date();
  try {
    for (let round = 0; round < options.rounds; round++) {
      const results: CellResult[] = [];
      for (const cell of CELLS) {
        process.stderr.write(`round ${round + 1}: ${cell.nodes} node(s), ${cell.size} B\n`);
        results.push(await runCell(cell, redis.server.url, options));
      }
      const trips = [];
      for (const size of [64, 16 * 1024]) {
        trips.push(await measureRedisRoundTrip(redis.server.url, size, options.warmupMs, options.durationMs));
      }
      rounds.push(results);
      roundTrips.push(trips);
    }
  } finally {
    await redis.stop();
  }
  const markdown = renderFanout({ started, options, rounds, roundTrips, subscribers: SUBSCRIBERS });
  process.stdout.write(markdown);
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  mkdirSync(join(options.out, 'raw'), { recursive: true });
  const raw = join(options.out, 'raw', `${stamp}-crossnode${options.full ? '' : '-partial'}`);
  writeFileSync(`${raw}.md`, markdown);
  writeFileSync(`${raw}.json`, `${JSON.stringify({ options, rounds, roundTrips }, null, 2)}\n`);
  if (options.full) writeFileSync(join(options.out, 'crossnode-latest.md'), markdown);
  process.stderr.write(
    `${options.full ? 'wrote results/crossnode-latest.md; ' : ''}raw: ${relative(process.cwd(), raw)}.md\n`,
  );
}

await main();
