import { DEFAULT_SUBSCRIBERS, parseSubscribers } from './fanout-cases.js';
import { DEFAULT_HTTP2_CONNECTIONS } from './http2-cases.js';
import { SOAK_DEFAULTS } from './soak.js';
import { DEFAULT_IDLE_CONNECTIONS, LARGE_IDLE_CONNECTIONS } from './workloads.js';

export interface CliOptions {
  durationMs: number;
  warmupMs: number;
  rounds: number;
  servers: string[];
  workloads: string[];
  idleConnections: number;
  largeIdleConnections: number;
  idleSettleMs: number;
  pin: boolean;
  clients: number | undefined;
  quick: boolean;
  outDir: string | undefined;
  help: boolean;
  /** Soak mode instead of the benchmark workloads. */
  soak: boolean;
  soakDurationMs: number;
  soakConnections: number;
  /** Fan-out mode: one publisher, many subscribers. */
  fanout: boolean;
  subscribers: number[];
  /** HTTP/2 mode: echo and memory over HTTP/2 extended CONNECT vs wss:// HTTP/1.1. */
  http2: boolean;
  /** Idle WebSockets for the HTTP/2 mode's memory rows. */
  h2Connections: number;
  /** Directory for a V8 CPU profile of every server process (`--cpu-prof`). */
  cpuProfDir: string | undefined;
}

/** How long an idle measurement waits for V8 to shrink its heap before weighing again (see driver.ts). */
export const DEFAULT_IDLE_SETTLE_MS = 12_000;

export const USAGE = `Usage: node apps/bench/dist/cli.js [options]

  --duration <t>          measured time per server and workload (default 2s; "500ms", "1.5s", "2")
  --warmup <t>            warm-up before each measurement (default 300ms)
  --rounds <n>            rounds; servers alternate within each, medians reported (default 3)
  --servers <a,b>         only these servers (websock, ws, ws-addons, minimal-ws, raw-tcp)
  --workloads <a,b>       only these workloads (64b-10x32, 64b-1x1, 64b-100x1, 64b-5000x1, 1k-16x1,
                          16k-16x1, 256k-4x1, 1m-4x1, 8m-2x1, churn, idle, idle-large, deflate-1k,
                          deflate-1k-nct, deflate-1k-200, deflate-16k, deflate-64k)
  --idle-connections <n>  connections held for the idle memory workload (default ${DEFAULT_IDLE_CONNECTIONS})
  --large-idle-connections <n>
                          connections wanted for idle-large (default ${LARGE_IDLE_CONNECTIONS}; cut to the open-file limit)
  --idle-settle <t>       after each idle measurement, idle this long and weigh the server again
                          (default ${DEFAULT_IDLE_SETTLE_MS / 1000}s; 0 skips; V8 shrinks its young generation only then)
  --clients <n>           load generator processes (default: cores - 1, at most 3)
  --no-pin                do not pin server and load generators to CPUs with taskset
  --quick                 smoke run: 300ms, 100ms warm-up, 1 round, 1000 idle connections
  --cpu-prof <dir>        write a V8 CPU profile of every server process there
                          (<server>-<workload>-r<round>.cpuprofile; summarise with dist/profile-top.js)

  Only a complete run (no --quick, --servers or --workloads) writes results/latest.md,
  results/latest.svg and the README's table; other runs write their report to results/raw/.
  --out <dir>             results directory (default apps/bench/results)
  --help

Soak (leak check: memory and handles over time while connections churn):
  --soak                  run the soak instead of the workloads (servers default to websock,ws)
  --soak-duration <t>     churn time per server (default 3m; "90s", "2m")
  --soak-connections <n>  connections kept open at once (default ${SOAK_DEFAULTS.connections})
  --soak --quick          short soak: 5s, 200 connections

  Only a full soak (default duration, connections and servers) writes results/soak-latest.md and
  results/soak-latest.svg; other soaks write their report to results/raw/.

Fan-out (one publisher, N subscribers; 64 B and 16 KiB; without and with permessage-deflate):
  --fanout                run the fan-out matrix instead of the workloads
  --subscribers <a,b>     subscriber counts (default ${DEFAULT_SUBSCRIBERS.join(',')}; "10k" works); implies --fanout
  --fanout --quick        smoke run: 300ms, 100ms warm-up, 1 round
  --duration, --warmup, --rounds, --clients, --no-pin, --out apply as above.

  Only a full fan-out run (default subscriber counts, not --quick) writes results/fanout-latest.md;
  other runs write their report to results/raw/.

HTTP/2 (websock's echo over HTTP/2 extended CONNECT vs wss:// HTTP/1.1, one TLS port; memory per WebSocket):
  --http2                 run the HTTP/2 comparison instead of the workloads
  --h2-connections <n>    idle WebSockets for the memory rows (default ${DEFAULT_HTTP2_CONNECTIONS}); implies --http2
  --http2 --quick         smoke run: 300ms, 100ms warm-up, 1 round
  --duration, --warmup, --rounds, --no-pin, --out apply as above (one load generator).

  Only a full HTTP/2 run (the defaults) writes results/http2-latest.md; other runs write their
  report to results/raw/.`;

/** "2s", "500ms", "3m", "1.5" (seconds) to milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new RangeError(`not a duration: "${text}" (try 2s or 500ms)`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1000;
}

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} needs a positive integer, got "${text}"`);
  return value;
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export function parseCli(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    durationMs: 2000,
    warmupMs: 300,
    rounds: 3,
    servers: [],
    workloads: [],
    idleConnections: DEFAULT_IDLE_CONNECTIONS,
    largeIdleConnections: LARGE_IDLE_CONNECTIONS,
    idleSettleMs: DEFAULT_IDLE_SETTLE_MS,
    pin: true,
    clients: undefined,
    quick: false,
    outDir: undefined,
    help: false,
    soak: false,
    soakDurationMs: SOAK_DEFAULTS.durationMs,
    soakConnections: SOAK_DEFAULTS.connections,
    fanout: false,
    subscribers: [...DEFAULT_SUBSCRIBERS],
    http2: false,
    h2Connections: DEFAULT_HTTP2_CONNECTIONS,
    cpuProfDir: undefined,
  };
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new RangeError(`${flag} needs a value`);
      return next;
    };
    explicit.add(flag);
    switch (flag) {
      case '--duration':
        options.durationMs = parseDuration(value());
        break;
      case '--warmup':
        options.warmupMs = parseDuration(value());
        break;
      case '--rounds':
        options.rounds = positiveInteger(flag, value());
        break;
      case '--servers':
        options.servers = list(value());
        break;
      case '--workloads':
        options.workloads = list(value());
        break;
      case '--idle-connections':
        options.idleConnections = positiveInteger(flag, value());
        break;
      case '--large-idle-connections':
        options.largeIdleConnections = positiveInteger(flag, value());
        break;
      case '--idle-settle':
        options.idleSettleMs = parseDuration(value());
        break;
      case '--clients':
        options.clients = positiveInteger(flag, value());
        break;
      case '--no-pin':
        options.pin = false;
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--cpu-prof':
        options.cpuProfDir = value();
        break;
      case '--soak':
        options.soak = true;
        break;
      case '--soak-duration':
        options.soak = true;
        options.soakDurationMs = parseDuration(value());
        break;
      case '--soak-connections':
        options.soak = true;
        options.soakConnections = positiveInteger(flag, value());
        break;
      case '--fanout':
        options.fanout = true;
        break;
      case '--subscribers':
        options.fanout = true;
        options.subscribers = parseSubscribers(value());
        break;
      case '--http2':
        options.http2 = true;
        break;
      case '--h2-connections':
        options.http2 = true;
        options.h2Connections = positiveInteger(flag, value());
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new RangeError(`unknown option "${arg}"\n\n${USAGE}`);
    }
  }
  if (options.quick) {
    // Quick settles the defaults; flags given explicitly still win.
    if (!explicit.has('--duration')) options.durationMs = 300;
    if (!explicit.has('--warmup')) options.warmupMs = 100;
    if (!explicit.has('--rounds')) options.rounds = 1;
    if (!explicit.has('--idle-connections')) options.idleConnections = 1000;
    if (!explicit.has('--large-idle-connections')) options.largeIdleConnections = 2000;
    if (!explicit.has('--idle-settle')) options.idleSettleMs = 0;
    if (!explicit.has('--soak-duration')) options.soakDurationMs = 5_000;
    if (!explicit.has('--soak-connections')) options.soakConnections = 200;
  }
  if (options.soak && options.workloads.length > 0) throw new RangeError('--workloads does not apply to --soak');
  if (options.fanout && (options.soak || options.workloads.length > 0 || options.servers.length > 0)) {
    throw new RangeError('--fanout runs its own matrix: --soak, --workloads and --servers do not apply');
  }
  if (options.http2 && (options.soak || options.fanout || options.workloads.length > 0 || options.servers.length > 0)) {
    throw new RangeError('--http2 runs its own matrix: --soak, --fanout, --workloads and --servers do not apply');
  }
  if (options.http2 && explicit.has('--clients')) {
    throw new RangeError(
      '--http2 runs one load generator (its HTTP/2 WebSockets share one session): --clients does not apply',
    );
  }
  return options;
}
