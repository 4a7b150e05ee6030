// The common shell of every server under test: argument parsing, the ready line, and answers to
// the driver's requests for the process's own CPU and memory accounting.

import { writeHeapSnapshot } from 'node:v8';
import type {
  ServerNotice,
  ServerReply,
  ServerRequest,
  ServerSnapshotReply,
  ServerSoakReply,
  ServerStats,
  SoakSample,
} from './ipc.js';

export interface ServerStartOptions {
  port: number;
  host: string;
  /** permessage-deflate: for the compression workload, on servers that support it. */
  deflate: boolean;
}

export interface StartedServer {
  port: number;
  /** Extra `key=value` facts for the ready line (e.g. which native addons loaded). */
  info?: Record<string, string>;
  /**
   * Open WebSocket connections as the server itself counts them, for the soak report. Only
   * called when a soak sample is asked for, so the benchmark workloads never pay for it.
   */
  connections?: () => number | Promise<number>;
}

function parseArgs(argv: readonly string[]): ServerStartOptions {
  const options: ServerStartOptions = { port: 0, host: '127.0.0.1', deflate: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') options.port = Number(argv[++i]);
    else if (arg === '--host') options.host = String(argv[++i]);
    else if (arg === '--deflate') options.deflate = true;
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(`--port must be an integer in 0..65535, got ${options.port}`);
  }
  return options;
}

export function collectStats(runGc: boolean): ServerStats {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (runGc && gc) {
    // Twice: the first pass can leave objects that only a second pass finds unreachable (weak refs, finalizers).
    gc();
    gc();
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuUser: cpu.user,
    cpuSystem: cpu.system,
    maxRss: process.resourceUsage().maxRSS * 1024,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    gc: runGc && gc !== undefined,
  };
}

function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

export async function collectSample(runGc: boolean, connections: StartedServer['connections']): Promise<SoakSample> {
  const before = process.memoryUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  const collect = runGc && gc !== undefined;
  const gcStart = performance.now();
  if (collect) {
    gc();
    gc();
  }
  const gcMs = performance.now() - gcStart;
  const after = collect ? process.memoryUsage() : before;
  const cpu = process.cpuUsage();
  let open: number | null = null;
  try {
    open = connections ? await connections() : null;
  } catch {
    // A server that cannot count right now reports no figure rather than failing the sample.
  }
  return {
    time: Date.now(),
    rss: after.rss,
    heapUsed: after.heapUsed,
    heapTotal: after.heapTotal,
    external: after.external,
    arrayBuffers: after.arrayBuffers,
    rssBeforeGc: before.rss,
    heapUsedBeforeGc: before.heapUsed,
    gc: collect,
    gcMs: collect ? gcMs : 0,
    cpuUser: cpu.user,
    cpuSystem: cpu.system,
    connections: open,
    resources: countResources(),
  };
}

/** Pushes a soak sample every `intervalMs` (0 stops); a slow sample is not overlapped by the next. */
function reporter(connections: StartedServer['connections']) {
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  return (intervalMs: number, runGc: boolean) => {
    clearInterval(timer);
    timer = undefined;
    if (intervalMs <= 0) return;
    timer = setInterval(() => {
      if (busy) return;
      busy = true;
      collectSample(runGc, connections).then(
        (sample) => {
          busy = false;
          const notice: ServerNotice = { type: 'sample', sample };
          process.send?.(notice);
        },
        () => {
          busy = false;
        },
      );
    }, intervalMs);
  };
}

/**
 * Starts a server and serves the driver's requests. Run by hand, the process prints a stats line on
 * SIGUSR2 instead (`kill -USR2 <pid>`).
 */
export async function runServer(name: string, start: (options: ServerStartOptions) => Promise<StartedServer>) {
  const options = parseArgs(process.argv.slice(2));
  const started = await start(options);
  const info = Object.entries(started.info ?? {})
    .map(([key, value]) => ` ${key}=${value}`)
    .join('');
  process.stdout.write(`ready ${name} port=${started.port} pid=${process.pid}${info}\n`);

  process.on('SIGUSR2', () => {
    process.stdout.write(`stats ${JSON.stringify(collectStats(false))}\n`);
  });
  if (process.send) {
    const report = reporter(started.connections);
    process.on('message', (message: ServerRequest) => {
      switch (message.type) {
        case 'stop':
          process.exit(0);
          break;
        case 'sample':
          collectSample(message.gc, started.connections).then((sample) => {
            const reply: ServerSoakReply = { id: message.id, type: 'sample', sample };
            process.send?.(reply);
          });
          break;
        case 'heap-snapshot': {
          collectStats(true);
          writeHeapSnapshot(message.path);
          const reply: ServerSnapshotReply = {
            id: message.id,
            type: 'snapshot',
            path: message.path,
            stats: collectStats(false),
          };
          process.send?.(reply);
          break;
        }
        case 'report': {
          report(message.intervalMs, message.gc);
          const reply: ServerSoakReply = { id: message.id, type: 'reporting', intervalMs: message.intervalMs };
          process.send?.(reply);
          break;
        }
        default: {
          const reply: ServerReply = { id: message.id, type: 'stats', stats: collectStats(message.type === 'gc') };
          process.send?.(reply);
        }
      }
    });
    // The driver is gone (crashed or killed): nobody will stop us, so stop now.
    process.on('disconnect', () => process.exit(0));
  }
}
