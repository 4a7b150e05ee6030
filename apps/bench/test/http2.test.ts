// The HTTP/2 bench mode: its flags, its report from fixed figures, and a tiny run of the real
// thing (server and load generator built to a temporary directory). The run checks that every
// transport works and is measured, never how fast: no figure is compared with a bound.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../src/lib/args.js';
import type { Measurement } from '../src/lib/driver.js';
import { summarize } from '../src/lib/driver.js';
import { type Http2BenchResult, runHttp2Bench } from '../src/lib/http2-bench.js';
import { HTTP2_ECHO_WORKLOADS, HTTP2_LINKS, idleWorkload } from '../src/lib/http2-cases.js';
import { http2Ratio, isFullHttp2, renderHttp2Markdown, writeHttp2Report } from '../src/lib/http2-report.js';
import { buildEntries } from './support/build-entries.js';

describe('--http2 flags', () => {
  it('selects the mode, takes the idle count, and refuses what does not apply', () => {
    expect(parseCli(['--http2']).http2).toBe(true);
    const options = parseCli(['--h2-connections', '50', '--quick']);
    expect(options).toMatchObject({ http2: true, h2Connections: 50, durationMs: 300, rounds: 1 });
    expect(() => parseCli(['--http2', '--workloads', 'idle'])).toThrow(/do not apply/);
    expect(() => parseCli(['--http2', '--fanout'])).toThrow(/do not apply/);
    expect(() => parseCli(['--http2', '--clients', '2'])).toThrow(/one load generator/);
  });

  it('knows a full run (the defaults) from a partial one', () => {
    expect(isFullHttp2(parseCli(['--http2']))).toBe(true);
    expect(isFullHttp2(parseCli(['--http2', '--quick']))).toBe(false);
    expect(isFullHttp2(parseCli(['--h2-connections', '20']))).toBe(false);
    expect(isFullHttp2(parseCli(['--http2', '--rounds', '1']))).toBe(false);
  });
});

/** A result with fixed figures: HTTP/2 on one session at `factor` times HTTP/1.1's figures. */
function fixedResult(factor: number): Http2BenchResult {
  const idle = idleWorkload(1000);
  const measurements: Measurement[] = HTTP2_LINKS.flatMap((link, l) => {
    const scale = link.id === 'http1' ? 1 : link.id === 'http2' ? factor : 3;
    return [
      ...HTTP2_ECHO_WORKLOADS.map((workload) => ({
        server: link.id,
        workload: workload.id,
        round: 0,
        ok: true,
        errors: 0,
        messagesPerSec: 10_000 * scale,
        cpuSecondsPerMillion: 4 * scale,
        p50Ms: 1 + l,
        p99Ms: 2 + l,
      })),
      {
        server: link.id,
        workload: idle.id,
        round: 0,
        ok: true,
        errors: 0,
        idleConnections: 1000,
        idleRssBytesPerConnection: 40_960 * scale,
        idleHeapBytesPerConnection: 4096 * scale,
      },
    ];
  });
  return {
    startedAt: '2026-12-05T00:00:00.000Z',
    finishedAt: '2026-12-05T00:01:00.000Z',
    machine: {
      cores: 2,
      cpuModel: 'test',
      node: 'v20',
      platform: 'linux x64',
      taskset: false,
      nofileSoft: 4096,
      nofileHard: 4096,
    },
    loadAverage: { start: 0, end: 0 },
    pinned: false,
    options: { durationMs: 2000, warmupMs: 300, rounds: 1, connections: 1000, pin: false },
    links: HTTP2_LINKS,
    workloads: [...HTTP2_ECHO_WORKLOADS, idle],
    tls: { http1: 'TLSv1.3 X, ALPN http/1.1', http2: 'TLSv1.3 X, ALPN h2' },
    notes: [],
    measurements,
    summary: summarize(measurements),
  };
}

describe('HTTP/2 report', () => {
  it('gives every figure as a ratio to HTTP/1.1', () => {
    const result = fixedResult(0.25);
    expect(http2Ratio(result, '64b-10x32', 'http2', 'messagesPerSec')).toBe(0.25);
    expect(http2Ratio(result, 'idle', 'http2-each', 'idleRssBytesPerConnection')).toBe(3);
    expect(http2Ratio(result, 'idle', 'http1', 'idleHeapBytesPerConnection')).toBe(1);
    const markdown = renderHttp2Markdown(result);
    expect(markdown).toContain('- 64 B, 10 conns x 32 in flight: throughput 0.25x, server CPU per message 0.25x');
    expect(markdown).toContain('- 1,000 idle WebSockets: RSS per WebSocket 0.25x, heap + external per WebSocket 0.25x');
    expect(markdown).toContain(
      '| HTTP/2, every WebSocket on one session | 10.00 KiB | 0.25x | 1.00 KiB | 0.25x | 1/1 |',
    );
    expect(markdown).toContain(
      '| wss:// over HTTP/1.1 (a TLS connection each) | 10,000 | 1.00x | 4.00 | 1.00x | 1.000 / 2.000 |',
    );
  });
});

describe('a tiny HTTP/2 bench run (built to a temporary directory)', () => {
  let distDir = '';
  let outDir = '';
  let result: Http2BenchResult;
  let written: ReturnType<typeof writeHttp2Report>;

  beforeAll(async () => {
    distDir = mkdtempSync(join(tmpdir(), 'websock-http2-bench-'));
    outDir = mkdtempSync(join(tmpdir(), 'websock-http2-bench-out-'));
    await buildEntries(['src/loadgen.ts', 'src/servers/websock-http2.ts'], distDir);
    result = await runHttp2Bench({ distDir, durationMs: 200, warmupMs: 50, rounds: 1, connections: 20, pin: false });
    written = writeHttp2Report(result, outDir, false);
  }, 90_000);

  afterAll(() => {
    for (const dir of [distDir, outDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('measures every transport under every workload', () => {
    expect(result.measurements).toHaveLength(HTTP2_LINKS.length * 3);
    for (const m of result.measurements) {
      expect(m.ok, `${m.server}/${m.workload}: ${m.error}`).toBe(true);
      expect(m.errors, `${m.server}/${m.workload}: ${m.firstError}`).toBe(0);
      if (m.workload === 'idle') {
        expect(m.idleConnections).toBe(20);
        expect(m.idleRssBytesPerConnection).toBeDefined();
      } else {
        expect(m.messagesPerSec).toBeGreaterThan(0);
        expect(m.cpuSecondsPerMillion).toBeGreaterThan(0);
      }
    }
  });

  it('went over HTTP/2 where it says so, with the same TLS', () => {
    expect(result.tls.http1).toMatch(/, ALPN http\/1\.1$/);
    expect(result.tls.http2).toMatch(/, ALPN h2$/);
    expect(result.tls['http2-each']).toMatch(/, ALPN h2$/);
    const version = (tls: string | undefined) => tls?.replace(/, ALPN .*$/, '');
    expect(version(result.tls.http2)).toBe(version(result.tls.http1));
  });

  it('writes a partial report under raw/', () => {
    expect(written.markdown.startsWith(join(outDir, 'raw'))).toBe(true);
    expect(written.text).toContain('## Ratios: HTTP/2 (one session) ÷ HTTP/1.1');
    expect(written.text).toContain('## Memory: 20 idle WebSockets');
  });
});
