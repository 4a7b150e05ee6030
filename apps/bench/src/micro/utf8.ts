// UTF-8 validation micro-benchmark: @websock/utf8 (Node entry and portable entry)
// against buffer.isUtf8, utf-8-validate and TextDecoder (fatal), on five kinds of
// text, whole-buffer and streaming. Prints MB/s (10^6 bytes per second).
//
//   npx --yes pnpm@10.34.8 --filter @websock/utf8 build
//   npx --yes pnpm@10.34.8 --filter @websock/bench exec tsup
//   node apps/bench/dist/micro/utf8.js            # BENCH_MS=150 for steadier figures
//
// The portable entry is imported through its own subpath export,
// `@websock/utf8/portable`, which always resolves to the pure TypeScript build
// (no `node` condition), so both entries are measured as users get them.
import { isUtf8 as bufferIsUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { isUtf8, Utf8Validator } from '@websock/utf8';
import { Utf8Validator as PortableUtf8Validator, isUtf8 as portableIsUtf8 } from '@websock/utf8/portable';

type Check = (bytes: Uint8Array) => boolean;
type Stream = (chunks: readonly Uint8Array[]) => boolean;

const SAMPLE_MS = Number(process.env.BENCH_MS ?? 60);
const SAMPLES = 5;
const SIZE = 1 << 20;
/** Byte-at-a-time streaming is slow for every contender; a smaller text keeps the run short. */
const SIZE_1B = 1 << 16;

// utf-8-validate is a native addon: loaded at run time (never bundled) and optional.
function loadUtf8Validate(): { check: Check | undefined; note: string } {
  try {
    const require = createRequire(import.meta.url);
    const validate = require('utf-8-validate') as Check;
    const fallback = require('utf-8-validate/fallback.js') as Check;
    return {
      check: validate,
      note: validate === fallback ? 'JavaScript fallback (native addon not loaded)' : 'native',
    };
  } catch (error) {
    return { check: undefined, note: `unavailable (${(error as Error).message.split('\n')[0]})` };
  }
}

function textOf(unit: string, size: number): Buffer {
  const unitBytes = Buffer.from(unit);
  const whole = Buffer.alloc(size);
  let at = 0;
  // Only whole copies of the unit, so the text is valid UTF-8; pad with ASCII.
  while (at + unitBytes.length <= size) at += unitBytes.copy(whole, at);
  whole.fill(0x20, at);
  return whole;
}

const datasets: Array<[name: string, unit: string]> = [
  ['ascii', 'The quick brown fox jumps over the lazy dog; {"id":42,"ok":true} 0123456789\n'],
  ['latin 2-byte', 'Ça été déjà vu: Größe, naïve façade, señor Müller, øre, Ångström, ñandú. '],
  ['cjk 3-byte', '漢字仮名交じり文は日本語の表記法です。中文简体字與繁體字。한국어 문장。'],
  ['emoji 4-byte', '😀😃😄😁😆🥹🚀🎉🧪🌍🔥💡🦄🐙🎈𝄞𝕏'],
  ['mixed', 'id=7 naïve 漢字 😀 ok; Grüße ─ 中文 🚀 end\n'],
];

/**
 * Measures several contenders on the same bytes, interleaving their samples
 * (A B C, A B C, ...) so that a noisy neighbour or a frequency change hurts all of
 * them alike; the best sample of each is reported.
 */
function measureAll(runs: ReadonlyArray<() => unknown>, bytes: number): number[] {
  for (const run of runs) {
    const warmUntil = performance.now() + SAMPLE_MS / 2;
    while (performance.now() < warmUntil) run();
  }
  const best = runs.map(() => 0);
  for (let s = 0; s < SAMPLES; s++) {
    runs.forEach((run, k) => {
      let n = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        run();
        n++;
        elapsed = performance.now() - start;
      } while (elapsed < SAMPLE_MS);
      best[k] = Math.max(best[k]!, (bytes * n) / (elapsed / 1000) / 1e6);
    });
  }
  return best;
}

function chunk(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const streamWith =
  (make: () => { write(c: Uint8Array): boolean; end(): boolean }): Stream =>
  (chunks) => {
    const v = make();
    for (const c of chunks) if (!v.write(c)) return false;
    return v.end();
  };
const websockValidator = new Utf8Validator();
const portableValidator = new PortableUtf8Validator();
// One validator per contender, reset per message, as a connection would use it.
const streamWebsock = streamWith(() => {
  websockValidator.reset();
  return websockValidator;
});
const streamPortable = streamWith(() => {
  portableValidator.reset();
  return portableValidator;
});
const streamDecoder: Stream = (chunks) => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for (const c of chunks) decoder.decode(c, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
};

const sharedDecoder = new TextDecoder('utf-8', { fatal: true });
const decoderCheck: Check = (bytes) => {
  try {
    sharedDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

const utf8Validate = loadUtf8Validate();
const whole: Array<[string, Check | undefined]> = [
  ['buffer.isUtf8', bufferIsUtf8],
  ['@websock/utf8 isUtf8', isUtf8],
  ['@websock/utf8/portable isUtf8', portableIsUtf8],
  ['utf-8-validate', utf8Validate.check],
  ['TextDecoder fatal', decoderCheck],
];
const streams: Array<[string, Stream]> = [
  ['@websock/utf8 Utf8Validator', streamWebsock],
  ['@websock/utf8/portable Utf8Validator', streamPortable],
  ['TextDecoder fatal stream', streamDecoder],
];
const chunkSizes: Array<[string, number]> = [
  ['1 B', 1],
  ['64 B', 64],
  ['4 KiB', 4096],
];

const fmt = (mbps: number): string => (mbps >= 100 ? mbps.toFixed(0) : mbps.toFixed(1));
const rows: string[] = [];
const summary: string[] = [];
const started = performance.now();

console.log(`utf-8-validate: ${utf8Validate.note}`);
console.log(`node ${process.version}, ${SAMPLES} samples x ${SAMPLE_MS} ms, best sample reported\n`);

for (const [name, unit] of datasets) {
  const text = textOf(unit, SIZE);
  const small = textOf(unit, SIZE_1B);
  const results = new Map<string, number>();
  const available = whole.filter(([label, check]) => {
    if (check === undefined) rows.push(`| ${name} | ${label} | whole | unavailable | |`);
    else if (!check(text)) throw new Error(`${label} rejected valid ${name} text`);
    return check !== undefined;
  }) as Array<[string, Check]>;
  const wholeSpeeds = measureAll(
    available.map(
      ([, check]) =>
        () =>
          check(text),
    ),
    text.length,
  );
  available.forEach(([label], k) => {
    results.set(label, wholeSpeeds[k]!);
  });
  const reference = results.get('buffer.isUtf8')!;
  for (const [label, mbps] of results) {
    rows.push(`| ${name} | ${label} | whole | ${fmt(mbps)} | ${(mbps / reference).toFixed(2)} |`);
  }
  for (const [chunkLabel, size] of chunkSizes) {
    const data = size === 1 ? small : text;
    const chunks = chunk(data, size);
    for (const [label, stream] of streams) {
      if (!stream(chunks)) throw new Error(`${label} rejected valid ${name} text in ${chunkLabel} chunks`);
    }
    const contenders: Array<[string, () => unknown]> = streams.map(([label, stream]) => [label, () => stream(chunks)]);
    // Not a validator (a sequence split across chunks reads as invalid): the cost
    // of one native call per chunk, a floor for any streaming use of buffer.isUtf8.
    contenders.push([
      'buffer.isUtf8 per chunk (reference only)',
      () => {
        for (const c of chunks) bufferIsUtf8(c);
      },
    ]);
    const speeds = measureAll(
      contenders.map(([, run]) => run),
      data.length,
    );
    contenders.forEach(([label], k) => {
      const mbps = speeds[k]!;
      results.set(`${label} ${chunkLabel}`, mbps);
      rows.push(`| ${name} | ${label} | ${chunkLabel} chunks | ${fmt(mbps)} | ${(mbps / reference).toFixed(2)} |`);
    });
  }
  const ours = results.get('@websock/utf8 isUtf8')!;
  const stream4k = results.get('@websock/utf8 Utf8Validator 4 KiB')!;
  const native4k = results.get('buffer.isUtf8 per chunk (reference only) 4 KiB')!;
  summary.push(
    `| ${name} | ${(ours / reference).toFixed(2)} | ${(stream4k / ours).toFixed(2)} | ${(stream4k / native4k).toFixed(2)} | ${fmt(results.get('@websock/utf8/portable isUtf8')!)} |`,
  );
}

console.log('| text | validator | mode | MB/s | vs buffer.isUtf8 whole |');
console.log('|---|---|---|---:|---:|');
for (const row of rows) console.log(row);
console.log(
  '\nGoals: whole-buffer >= 0.90 of buffer.isUtf8; 4 KiB streaming >= 0.80 of whole; portable ASCII >= 1000 MB/s',
);
console.log(
  '| text | whole / buffer.isUtf8 | stream 4 KiB / whole | stream 4 KiB / buffer.isUtf8 per 4 KiB chunk | portable whole MB/s |',
);
console.log('|---|---:|---:|---:|---:|');
for (const row of summary) console.log(row);
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
