// Micro benchmark of @websock/permessage-deflate, standalone:
//   npx --yes pnpm@10.34.8 --filter @websock/permessage-deflate build
//   cd apps/bench && npx tsup src/micro/deflate.ts --format esm -d dist/micro && node dist/micro/deflate.js
// Options: --quick (shorter runs), --only throughput,paths,threshold,memory
//
// It measures what the codec's defaults were decided on: throughput with and without context
// takeover (against ws's implementation in the same run), synchronous one-shot zlib against the
// thread-pool stream for small messages, the threshold, reset() against close+create, and the
// native memory each connection costs (idle, active, after traffic).
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  deflateRawSync,
  type InflateRaw,
  inflateRawSync,
} from 'node:zlib';
// Bundled from source so the bench needs no new workspace dependency.
import {
  createDeflateExtension,
  DEFAULT_LEVEL,
  DEFAULT_THRESHOLD,
  type NegotiatedParams,
  type PerMessageDeflate,
  type PerMessageDeflateOptions,
} from '@websock/permessage-deflate';

const { Z_SYNC_FLUSH } = constants;
const KiB = 1024;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg !== undefined ? new Set(onlyArg.split(',')) : null;
const budgetMs = quick ? 150 : 600;

const TAKEOVER: NegotiatedParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const NO_TAKEOVER: NegotiatedParams = { ...TAKEOVER, serverNoContextTakeover: true, clientNoContextTakeover: true };

/** Deterministic JSON-like text: what WebSocket traffic mostly is. */
function jsonText(length: number, seed = 1): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'user', 'name', 'value', 'price', 'status', 'ok', 'items', 'quantity', 'id'];
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  let text = '';
  while (text.length < length) {
    text += `{"id":${Math.floor(rnd() * 1e6)},"${words[Math.floor(rnd() * words.length)]}":"${words[Math.floor(rnd() * words.length)]}","price":${(rnd() * 100).toFixed(2)},"tags":["${words[Math.floor(rnd() * words.length)]}"]},`;
  }
  return Buffer.from(text.slice(0, length));
}

/** Runs `op` repeatedly for about `budgetMs`, best of three, and returns microseconds per op. */
async function timeOp(op: () => unknown): Promise<number> {
  for (let i = 0; i < 20; i++) await op();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < budgetMs / 3) {
      for (let i = 0; i < 16; i++) await op();
      n += 16;
      elapsed = performance.now() - start;
    }
    best = Math.min(best, (elapsed * 1000) / n);
  }
  return best;
}

function table(title: string, header: string[], rows: Array<Array<string | number>>): void {
  console.log(`\n## ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

const fmt = (value: number, digits = 1) => value.toFixed(digits);

// ---- ws's implementation, for a same-run ratio ----

interface WsDeflate {
  accept(offers: unknown[]): unknown;
  compress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  cleanup(): void;
}
type WsDeflateClass = new (options: object, isServer: boolean, maxPayload: number) => WsDeflate;

function loadWs(): { PerMessageDeflate: WsDeflateClass; parse: (header: string) => Record<string, unknown[]> } | null {
  try {
    const require = createRequire(import.meta.url);
    // ws exports no deep paths; its files are loaded by location.
    const lib = join(dirname(require.resolve('ws')), 'lib');
    return {
      PerMessageDeflate: require(join(lib, 'permessage-deflate.js')) as WsDeflateClass,
      parse: (require(join(lib, 'extension.js')) as { parse: (h: string) => Record<string, unknown[]> }).parse,
    };
  } catch {
    return null;
  }
}

function wsPair(noContextTakeover: boolean) {
  const ws = loadWs();
  if (ws === null) return null;
  const header = noContextTakeover
    ? 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'
    : 'permessage-deflate';
  const server = new ws.PerMessageDeflate({}, true, 0);
  const client = new ws.PerMessageDeflate({}, false, 0);
  server.accept(ws.parse(header)['permessage-deflate']!);
  client.accept(ws.parse(header)['permessage-deflate']!);
  const compress = (data: Buffer) =>
    new Promise<Buffer>((resolve, reject) => server.compress(data, true, (e, r) => (e ? reject(e) : resolve(r!))));
  const decompress = (data: Buffer) =>
    new Promise<Buffer>((resolve, reject) => client.decompress(data, true, (e, r) => (e ? reject(e) : resolve(r!))));
  return {
    roundTrip: async (data: Buffer) => decompress(await compress(data)),
    close: () => {
      server.cleanup();
      client.cleanup();
    },
  };
}

// ---- 1. throughput ----

async function ourRoundTrip(server: PerMessageDeflate, client: PerMessageDeflate, data: Buffer): Promise<number> {
  const { payload, rsv } = await server.encode(data, false);
  await client.decode(payload, rsv, 64 * 1024 * KiB);
  return payload.length;
}

async function throughput(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  for (const size of [1 * KiB, 64 * KiB]) {
    // Many distinct messages, so context takeover cannot just point at an identical previous one.
    const messages = Array.from({ length: 64 }, (_, i) => jsonText(size, i + 1));
    for (const takeover of [true, false]) {
      const params = takeover ? TAKEOVER : NO_TAKEOVER;
      const variants: Array<[string, PerMessageDeflateOptions]> = [
        [`websock (level ${DEFAULT_LEVEL}, default)`, {}],
        ['websock (level 6)', { level: 6 }],
      ];
      let baseline: number | undefined;
      for (const [name, options] of variants) {
        const server = createDeflateExtension(params, 'server', options);
        const client = createDeflateExtension(params, 'client', options);
        let i = 0;
        let wire = 0;
        let raw = 0;
        const us = await timeOp(async () => {
          const data = messages[i++ % messages.length]!;
          wire += await ourRoundTrip(server, client, data);
          raw += data.length;
        });
        server.dispose();
        client.dispose();
        rows.push([
          `${size / KiB} KiB`,
          takeover ? 'takeover' : 'no takeover',
          name,
          fmt(us),
          fmt(size / us),
          fmt(wire / raw, 3),
          '',
        ]);
        if (name.startsWith('websock (level 6)')) baseline = us;
      }
      const ws = wsPair(!takeover);
      if (ws !== null) {
        let i = 0;
        const us = await timeOp(() => ws.roundTrip(messages[i++ % messages.length]!));
        ws.close();
        rows.push([
          `${size / KiB} KiB`,
          takeover ? 'takeover' : 'no takeover',
          'ws 8 (zlib default level)',
          fmt(us),
          fmt(size / us),
          '',
          baseline === undefined ? '' : fmt(us / baseline, 2),
        ]);
      }
    }
  }
  table(
    'Compress + decompress, one message at a time (server encode → client decode)',
    ['size', 'context', 'codec', 'µs/message', 'MB/s', 'wire/raw', 'ws ÷ websock(level 6)'],
    rows,
  );
}

// ---- 2. synchronous one-shot zlib vs the thread-pool stream, no context takeover ----

function streamRun(stream: DeflateRaw | InflateRaw, ...inputs: Uint8Array[]): Promise<void> {
  return new Promise((resolve) => {
    const sink = () => {};
    stream.on('data', sink);
    for (const input of inputs) stream.write(input);
    stream.flush(Z_SYNC_FLUSH, () => {
      stream.off('data', sink);
      resolve();
    });
  });
}

async function paths(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  const trailer = Buffer.from([0, 0, 0xff, 0xff]);
  const history = jsonText(32 * KiB, 77);
  const level = DEFAULT_LEVEL;
  for (const size of [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB]) {
    const data = jsonText(size, 3);
    const syncDeflate = await timeOp(() => deflateRawSync(data, { level, finishFlush: Z_SYNC_FLUSH }));
    const syncDeflateDict = await timeOp(() =>
      deflateRawSync(data, { level, finishFlush: Z_SYNC_FLUSH, dictionary: history.subarray(-8 * KiB) }),
    );
    // A context kept across messages, one write per message (what a persistent-context codec does).
    const deflater = createDeflateRaw({ level, flush: Z_SYNC_FLUSH });
    const asyncDeflate = await timeOp(() => streamRun(deflater, data));
    deflater.close();
    const compressed = deflateRawSync(data, { level, finishFlush: Z_SYNC_FLUSH });
    const withDict = deflateRawSync(data, { level, finishFlush: Z_SYNC_FLUSH, dictionary: history });
    const syncInflate = await timeOp(() => inflateRawSync(compressed, { finishFlush: Z_SYNC_FLUSH }));
    const syncInflateDict = await timeOp(() =>
      inflateRawSync(withDict, { finishFlush: Z_SYNC_FLUSH, dictionary: history }),
    );
    const inflater = createInflateRaw({ flush: Z_SYNC_FLUSH });
    const asyncInflate = await timeOp(async () => {
      await streamRun(inflater, Buffer.concat([compressed.subarray(0, -4), trailer]));
      inflater.reset();
    });
    inflater.close();
    rows.push([
      size >= KiB ? `${size / KiB} KiB` : `${size} B`,
      fmt(syncDeflate),
      fmt(syncDeflateDict),
      fmt(asyncDeflate),
      fmt(syncInflate),
      fmt(syncInflateDict),
      fmt(asyncInflate),
    ]);
  }
  table(
    `Per message: one-shot synchronous zlib (fresh context, optionally primed with history) vs a kept async stream (level ${DEFAULT_LEVEL}, µs)`,
    [
      'size',
      'deflate sync',
      'deflate sync + 8 KiB history',
      'deflate async stream',
      'inflate sync',
      'inflate sync + 32 KiB history',
      'inflate async stream',
    ],
    rows,
  );

  const dict: Array<Array<string | number>> = [];
  const messages = Array.from({ length: 64 }, (_, i) => jsonText(1 * KiB, i + 100));
  for (const dictSize of [0, 2 * KiB, 4 * KiB, 8 * KiB, 16 * KiB, 32 * KiB]) {
    let i = 0;
    let wire = 0;
    let raw = 0;
    const us = await timeOp(() => {
      const data = messages[i % messages.length]!;
      const previous = Buffer.concat(messages.slice(Math.max(0, (i % 64) - 40), i % 64)).subarray(-dictSize);
      i++;
      const out =
        dictSize === 0 || previous.length === 0
          ? deflateRawSync(data, { level, finishFlush: Z_SYNC_FLUSH })
          : deflateRawSync(data, { level, finishFlush: Z_SYNC_FLUSH, dictionary: previous });
      wire += out.length - 4;
      raw += data.length;
    });
    dict.push([dictSize === 0 ? 'none' : `${dictSize / KiB} KiB`, fmt(us), fmt(wire / raw, 3)]);
  }
  table(
    'Synchronous compression of 1 KiB messages primed with the last N bytes sent',
    ['history', 'µs/message', 'wire/raw'],
    dict,
  );

  const reset: Array<Array<string | number>> = [];
  const small = jsonText(1 * KiB, 9);
  for (const kind of ['deflate', 'inflate'] as const) {
    const input = kind === 'deflate' ? small : deflateRawSync(small, { finishFlush: Z_SYNC_FLUSH });
    const make = () => (kind === 'deflate' ? createDeflateRaw({ level: DEFAULT_LEVEL }) : createInflateRaw());
    const kept = make();
    const viaReset = await timeOp(async () => {
      await streamRun(kept, input);
      kept.reset();
    });
    kept.close();
    const viaRecreate = await timeOp(async () => {
      const stream = make();
      await streamRun(stream, input);
      stream.close();
    });
    reset.push([kind, fmt(viaReset), fmt(viaRecreate)]);
  }
  table(
    'Between messages: reset() vs close + create (1 KiB, µs/message)',
    ['context', 'reset()', 'close + create'],
    reset,
  );
}

// ---- 3. threshold ----

async function threshold(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  for (const size of [16, 32, 64, 128, 256, 512]) {
    const messages = Array.from({ length: 64 }, (_, i) => jsonText(size, i + 1));
    const cells: Array<string | number> = [`${size} B`];
    for (const params of [TAKEOVER, NO_TAKEOVER]) {
      const server = createDeflateExtension(params, 'server', { threshold: 0 });
      let i = 0;
      let wire = 0;
      let raw = 0;
      const us = await timeOp(async () => {
        const data = messages[i++ % messages.length]!;
        const { payload } = await server.encode(data, false);
        wire += payload.length;
        raw += data.length;
      });
      server.dispose();
      cells.push(fmt(us), fmt((raw - wire) / (raw / size), 0));
    }
    rows.push(cells);
  }
  table(
    `Small messages: compress cost and bytes saved per message (current threshold ${DEFAULT_THRESHOLD} B)`,
    ['size', 'takeover µs', 'takeover saved B', 'no takeover µs', 'no takeover saved B'],
    rows,
  );
}

// ---- 4. memory per connection (each scenario in a fresh process) ----

const MEMORY_SCENARIOS = {
  'idle, no context yet': async () => {},
  'after traffic, context takeover': async (server: PerMessageDeflate, client: PerMessageDeflate) => {
    for (let i = 0; i < 3; i++) {
      const up = await client.encode(jsonText(4 * KiB, i), false);
      await server.decode(up.payload, up.rsv, 1 << 26);
      const down = await server.encode(jsonText(4 * KiB, i + 7), false);
      await client.decode(down.payload, down.rsv, 1 << 26);
    }
  },
  'after traffic, no context takeover': async (server: PerMessageDeflate, client: PerMessageDeflate) => {
    for (let i = 0; i < 3; i++) {
      const up = await client.encode(jsonText(4 * KiB, i), false);
      await server.decode(up.payload, up.rsv, 1 << 26);
      const big = await server.encode(jsonText(64 * KiB, i + 7), false);
      await client.decode(big.payload, big.rsv, 1 << 26);
    }
  },
} as const;
type ScenarioName = keyof typeof MEMORY_SCENARIOS;

const MEMORY_VARIANTS: Record<string, { params: NegotiatedParams; options: PerMessageDeflateOptions; ws?: true }> = {
  'window 15, memLevel 8': { params: TAKEOVER, options: {} },
  'window 10, memLevel 4': {
    params: { ...TAKEOVER, serverMaxWindowBits: 10, clientMaxWindowBits: 10 },
    options: { memLevel: 4 },
  },
  'ws 8, window 15, memLevel 8 (kept zlib contexts)': { params: TAKEOVER, options: {}, ws: true },
};

/** ws's codec behind the same small interface, for the memory comparison. */
function wsCodecPair(noContextTakeover: boolean): [PerMessageDeflate, PerMessageDeflate] {
  const ws = loadWs();
  if (ws === null) throw new Error('ws is not installed');
  const header = noContextTakeover
    ? 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'
    : 'permessage-deflate';
  const wrap = (isServer: boolean) => {
    const inner = new ws.PerMessageDeflate({}, isServer, 0);
    inner.accept(ws.parse(header)['permessage-deflate']!);
    return {
      encode: (data: Uint8Array) =>
        new Promise((resolve) => inner.compress(Buffer.from(data), true, (_e, r) => resolve({ payload: r, rsv: 4 }))),
      decode: (data: Uint8Array) =>
        new Promise((resolve) => inner.decompress(Buffer.from(data), true, (_e, r) => resolve(r))),
      dispose: () => inner.cleanup(),
      contexts: { deflate: false, inflate: false, historyBytes: 0 },
    } as unknown as PerMessageDeflate;
  };
  return [wrap(true), wrap(false)];
}

async function memoryChild(scenario: ScenarioName, variant: string): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const n = quick ? 200 : 1000;
  const setup = MEMORY_VARIANTS[variant]!;
  const params = scenario.includes('no context takeover') ? { ...setup.params, ...NO_TAKEOVER } : setup.params;
  // Warm zlib and the allocator up so the first connection does not carry one-off costs.
  const makePair = (): [PerMessageDeflate, PerMessageDeflate] =>
    setup.ws
      ? wsCodecPair(scenario.includes('no context takeover'))
      : [
          createDeflateExtension(params, 'server', setup.options),
          createDeflateExtension(params, 'client', setup.options),
        ];
  const warm = makePair();
  await MEMORY_SCENARIOS[scenario](warm[0], warm[1]);
  await settle();
  const before = process.memoryUsage();
  const pairs: Array<[PerMessageDeflate, PerMessageDeflate]> = [];
  for (let i = 0; i < n; i++) {
    const pair = makePair();
    await MEMORY_SCENARIOS[scenario](pair[0], pair[1]);
    pairs.push(pair);
  }
  await settle();
  const after = process.memoryUsage();
  const history =
    pairs.reduce((sum, [server, client]) => sum + server.contexts.historyBytes + client.contexts.historyBytes, 0) / n;
  // Active: every connection compressing a 64 KiB message at once (the limiter queues the excess).
  let peak = 0;
  if (scenario === 'after traffic, context takeover') {
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    await Promise.all(pairs.map(([server]) => server.encode(jsonText(64 * KiB, 5), false)));
    clearInterval(sampler);
  }
  await settle();
  const beforeDispose = process.memoryUsage();
  for (const [server, client] of pairs) {
    server.dispose();
    client.dispose();
  }
  pairs.length = 0;
  await settle();
  const disposed = process.memoryUsage();
  process.send?.({
    rssPerConnection: (after.rss - before.rss) / n,
    heapPerConnection: (after.heapUsed + after.external - before.heapUsed - before.external) / n,
    history,
    activePeakPerConnection: peak === 0 ? undefined : (peak - before.rss) / n,
    freedByDispose: (beforeDispose.rss - disposed.rss) / n,
  });
}

async function memory(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  for (const variant of Object.keys(MEMORY_VARIANTS)) {
    for (const scenario of Object.keys(MEMORY_SCENARIOS) as ScenarioName[]) {
      const result = await new Promise<Record<string, number | undefined>>((resolve, reject) => {
        const child = fork(process.argv[1]!, ['--memory-child', scenario, variant, ...(quick ? ['--quick'] : [])], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        child.once('message', (message) => resolve(message as Record<string, number>));
        child.once('error', reject);
      });
      const kb = (value: number | undefined) => (value === undefined ? '' : fmt(value / KiB));
      rows.push([
        variant,
        scenario,
        kb(result.rssPerConnection),
        kb(result.heapPerConnection),
        kb(result.history),
        kb(result.freedByDispose),
        kb(result.activePeakPerConnection),
      ]);
    }
  }
  table(
    'Memory per connection (a server + client codec pair, i.e. both ends; one end is about half)',
    [
      'codec',
      'state',
      'RSS KiB',
      'JS heap + external KiB',
      'history KiB',
      'RSS freed by dispose KiB',
      'peak RSS KiB while all compress 64 KiB',
    ],
    rows,
  );
}

async function main(): Promise<void> {
  const memoryChildAt = args.indexOf('--memory-child');
  if (memoryChildAt !== -1) {
    await memoryChild(args[memoryChildAt + 1] as ScenarioName, args[memoryChildAt + 2]!);
    process.exit(0);
  }
  console.log(`# permessage-deflate micro benchmark (Node ${process.version}, zlib ${process.versions.zlib})`);
  const sections: Array<[string, () => Promise<void>]> = [
    ['throughput', throughput],
    ['paths', paths],
    ['threshold', threshold],
    ['memory', memory],
  ];
  for (const [name, run] of sections) if (only === null || only.has(name)) await run();
}

await main();
