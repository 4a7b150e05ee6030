import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, parseDuration } from '../src/lib/args.js';
import { type BenchResult, runBench } from '../src/lib/driver.js';
import { renderMarkdown } from '../src/lib/report.js';
import { quantile } from '../src/lib/stats.js';
import { renderSvg } from '../src/lib/svg.js';
import {
  asciiPayload,
  clientFrame,
  FrameCounter,
  jsonPayloads,
  OP_CLOSE,
  OP_TEXT,
  repeatFrame,
} from '../src/lib/wire.js';

const benchDir = resolve(import.meta.dirname, '..');

/** A server frame (unmasked) as a test oracle for the counter. */
function serverFrame(opcode: number, payload: Uint8Array, fin = true): Buffer {
  const n = payload.length;
  const head =
    n < 126
      ? [n]
      : n < 65536
        ? [126, n >> 8, n & 0xff]
        : [127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, ...head]), payload]);
}

describe('wire helpers', () => {
  it('builds a masked client frame that unmasks to the payload', () => {
    for (const size of [0, 5, 125, 126, 65535, 65536]) {
      const payload = asciiPayload(size);
      const frame = clientFrame(OP_TEXT, payload);
      const lengthBytes = size < 126 ? 0 : size < 65536 ? 2 : 8;
      expect(frame[0]).toBe(0x81);
      expect(frame[1]! & 0x80).toBe(0x80);
      const head = 2 + lengthBytes + 4;
      expect(frame.length).toBe(head + size);
      const key = frame.subarray(head - 4, head);
      const unmasked = frame.subarray(head).map((byte, i) => byte ^ key[i & 3]!);
      expect(Buffer.from(unmasked).equals(payload)).toBe(true);
    }
  });

  it('counts frames split at every byte boundary', () => {
    const stream = Buffer.concat([
      serverFrame(OP_TEXT, asciiPayload(64)),
      serverFrame(OP_TEXT, asciiPayload(0)),
      serverFrame(OP_TEXT, asciiPayload(300)),
      serverFrame(OP_TEXT, asciiPayload(70_000)),
      serverFrame(OP_TEXT, asciiPayload(10), false),
      serverFrame(0, asciiPayload(10)),
      serverFrame(OP_CLOSE, Uint8Array.of(3, 232)),
    ]);
    for (const step of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const counter = new FrameCounter(OP_TEXT);
      let messages = 0;
      for (let i = 0; i < stream.length; i += step) messages += counter.feed(stream.subarray(i, i + step));
      expect(messages).toBe(5);
      expect(counter.closeFrames).toBe(1);
      expect(counter.unexpected).toBe(0);
      // Every frame's payload as on the wire, close frame included: what the ratio is computed from.
      expect(counter.payloadBytes).toBe(64 + 0 + 300 + 70_000 + 10 + 10 + 2);
    }
  });

  it('makes distinct JSON-like ASCII messages of the exact size, the same in every process', () => {
    const messages = jsonPayloads(1024, 64);
    expect(new Set(messages.map((m) => m.toString('latin1'))).size).toBe(64);
    for (const message of messages) {
      expect(message.length).toBe(1024);
      expect(message.every((byte) => byte >= 0x20 && byte < 0x7f)).toBe(true);
    }
    expect(jsonPayloads(1024, 64)[5]!.equals(messages[5]!)).toBe(true);
  });

  it('repeats a frame back to back', () => {
    const frame = clientFrame(OP_TEXT, asciiPayload(3));
    const burst = repeatFrame(frame, 4);
    expect(burst.length).toBe(frame.length * 4);
    expect(burst.subarray(frame.length * 3).equals(frame)).toBe(true);
  });
});

describe('cli options', () => {
  it('parses durations and lists', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5')).toBe(1500);
    expect(() => parseDuration('soon')).toThrow(RangeError);
    const options = parseCli(['--servers', 'ws,raw-tcp', '--workloads=churn', '--rounds', '5']);
    expect(options.servers).toEqual(['ws', 'raw-tcp']);
    expect(options.workloads).toEqual(['churn']);
    expect(options.rounds).toBe(5);
  });

  it('lets explicit flags win over --quick', () => {
    const options = parseCli(['--quick', '--duration', '1s']);
    expect(options.durationMs).toBe(1000);
    expect(options.rounds).toBe(1);
    expect(() => parseCli(['--bogus'])).toThrow(/unknown option/);
  });

  it('interpolates quantiles', () => {
    expect(quantile([], 0.5)).toBeUndefined();
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});

describe('driver smoke run (raw-tcp and minimal-ws, built to a temporary directory)', () => {
  let distDir = '';
  let result: BenchResult;

  beforeAll(async () => {
    distDir = mkdtempSync(join(tmpdir(), 'websock-bench-'));
    await build({
      config: false,
      entry: [
        join(benchDir, 'src/loadgen.ts'),
        join(benchDir, 'src/servers/raw-tcp.ts'),
        join(benchDir, 'src/servers/minimal-ws.ts'),
      ],
      outDir: distDir,
      format: ['esm'],
      platform: 'node',
      target: 'node20',
      silent: true,
    });
    result = await runBench({
      distDir,
      durationMs: 300,
      warmupMs: 100,
      rounds: 1,
      servers: ['raw-tcp', 'minimal-ws'],
      workloads: ['64b-10x32', 'churn', 'idle'],
      idleConnections: 50,
      pin: false,
    });
  }, 60_000);

  afterAll(() => {
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('measures every server under every workload with numbers above zero', () => {
    expect(result.measurements).toHaveLength(6);
    for (const m of result.measurements) {
      expect(m.ok, `${m.server}/${m.workload}: ${m.error}`).toBe(true);
      if (m.workload === 'idle') {
        expect(m.idleConnections).toBe(50);
        expect(m.peakRssBytes).toBeGreaterThan(0);
        continue;
      }
      expect(m.messagesPerSec).toBeGreaterThan(0);
      expect(m.megabytesPerSec).toBeGreaterThan(0);
      expect(m.p50Ms).toBeGreaterThan(0);
      expect(m.p99Ms).toBeGreaterThanOrEqual(m.p50Ms!);
      expect(m.cpuSecondsPerMillion).toBeGreaterThan(0);
      expect(m.peakRssBytes).toBeGreaterThan(0);
    }
  });

  it('renders a well-formed markdown table and an SVG', () => {
    const markdown = renderMarkdown(result, 'latest.svg');
    const start = markdown.indexOf('### 64 B, 10 conns');
    const section = markdown.slice(start, markdown.indexOf('\n### ', start + 1));
    const rows = section.split('\n').filter((line) => line.startsWith('|'));
    const columns = rows[0]!.split('|').length;
    expect(rows.length).toBe(2 + 2);
    for (const row of rows) expect(row.split('|').length).toBe(columns);
    expect(rows[1]).toMatch(/^\| ---( \| ---:)+ \|$/);
    const minimal = rows.find((row) => row.startsWith('| minimal-ws |'))!;
    expect(minimal).toMatch(/^\| minimal-ws \| [\d,]+ \|/);
    // The ratio column against the yardstick is exactly 1 for the yardstick itself.
    expect(minimal).toContain('1.00x');
    const svg = renderSvg(result);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('minimal-ws');
  });
});
