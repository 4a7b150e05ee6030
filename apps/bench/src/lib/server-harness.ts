// The common shell of every server under test: argument parsing, the ready line, and answers to
// the driver's requests for the process's own CPU and memory accounting.

import type { ServerReply, ServerRequest, ServerStats } from './ipc.js';

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
    process.on('message', (message: ServerRequest) => {
      if (message.type === 'stop') process.exit(0);
      const reply: ServerReply = { id: message.id, type: 'stats', stats: collectStats(message.type === 'gc') };
      process.send?.(reply);
    });
    // The driver is gone (crashed or killed): nobody will stop us, so stop now.
    process.on('disconnect', () => process.exit(0));
  }
}
