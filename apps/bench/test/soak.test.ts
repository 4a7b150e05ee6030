import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, parseDuration } from '../src/lib/args.js';
import type { SoakSample } from '../src/lib/ipc.js';
import { runSoak, type SoakPoint, type SoakResult, sumCounters } from '../src/lib/soak.js';
import { analyzeSoak, linearFit, trend, trendAdjusted } from '../src/lib/soak-analysis.js';
import { messageSizes, prng, utf8Payload } from '../src/lib/soak-load.js';
import { isFullSoak, writeSoakReport } from '../src/lib/soak-report.js';
import { ANY_DATA, FrameCounter, OP_BINARY, OP_TEXT } from '../src/lib/wire.js';
import { buildEntries } from './support/build-entries.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sample(time: number, rss: number, connections: number, sockets = connections): SoakSample {
  return {
    time,
    rss,
    heapUsed: rss / 10,
    heapTotal: rss / 5,
    external: 0,
    arrayBuffers: 0,
    rssBeforeGc: rss,
    heapUsedBeforeGc: rss / 10,
    gc: true,
    gcMs: 1,
    cpuUser: 0,
    cpuSystem: 0,
    connections,
    resources: { TCPSocketWrap: sockets, TCPServerWrap: 1 },
  };
}

function point(t: number, phase: SoakPoint['phase'], data: SoakSample): SoakPoint {
  return { t, phase, sample: data, cpuLoad: undefined, load: undefined };
}

describe('soak analysis', () => {
  it('fits a line by least squares', () => {
    const fit = linearFit([0, 1, 2, 3], [1, 3, 5, 7])!;
    expect(fit.slope).toBeCloseTo(2);
    expect(fit.intercept).toBeCloseTo(1);
    expect(linearFit([1], [1])).toBeUndefined();
    expect(linearFit([2, 2], [1, 5])).toBeUndefined();
    const perMinute = trend([0, 30, 60], [100, 100, 100])!;
    expect(perMinute.slopePerMin).toBe(0);
    expect(perMinute.relative).toBe(0);
  });

  it('separates growth over time from growth with the connection count', () => {
    const t = [0, 10, 20, 30, 40, 50, 60];
    const connections = [1000, 1000, 600, 1000, 900, 1000, 1000];
    // 2,000 bytes per connection and 100 bytes per second of leak.
    const heap = t.map((s, i) => 1e6 + 2000 * connections[i]! + 100 * s);
    const adjusted = trendAdjusted(t, connections, heap)!;
    expect(adjusted.slopePerMin).toBeCloseTo(6000);
    const steady = t.map((_, i) => 1e6 + 2000 * connections[i]!);
    expect(trendAdjusted(t, connections, steady)!.slopePerMin).toBeCloseTo(0);
    // The raw trend alone would read the dip as a rise.
    expect(Math.abs(trend(t, steady)!.slopePerMin)).toBeGreaterThan(1000);
    expect(
      trendAdjusted(
        t,
        t.map(() => 5),
        steady,
      ),
    ).toBeUndefined();
  });

  it('calls a steady run flat and a growing one not, naming what grows', () => {
    const run = (rssAt: (t: number) => number, socketsAt: (t: number) => number) => [
      point(-5, 'baseline', sample(0, 40e6, 0, 0)),
      ...Array.from({ length: 13 }, (_, i) => {
        const t = i * 5;
        return point(t, 'churn', sample(t * 1000, rssAt(t), 1000, socketsAt(t)));
      }),
      point(65, 'after', sample(65_000, 50e6, 0, 0)),
    ];
    const flat = analyzeSoak(
      run(
        () => 100e6,
        () => 1000,
      ),
      60,
    );
    expect(flat.window.samples).toBe(7);
    expect(flat.flat).toBe(true);
    expect(flat.released).toBe(true);
    expect(flat.verdict).toMatch(/^flat/);

    const leaking = analyzeSoak(
      run(
        (t) => 100e6 + t * 1e6,
        (t) => 1000 + t * 10,
      ),
      60,
    );
    expect(leaking.flat).toBe(false);
    expect(leaking.rssFlat).toBe(false);
    expect(leaking.handlesFlat).toBe(false);
    expect(leaking.rss!.slopePerMin).toBeCloseTo(60e6);
    expect(leaking.byType.TCPSocketWrap!.slopePerMin).toBeCloseTo(600);
    expect(leaking.verdict).toMatch(/NOT flat: RSS .*TCPSocketWrap \+600\/min/);
  });

  it('flags a server that keeps connections after the drain', () => {
    const points = [
      ...[30, 35, 40, 45, 50, 55, 60].map((t) => point(t, 'churn', sample(t * 1000, 1e8, 10))),
      point(70, 'after', sample(70_000, 1e8, 3, 3)),
    ];
    const analysis = analyzeSoak(points, 60);
    expect(analysis.released).toBe(false);
    expect(analysis.verdict).toMatch(/not released after the drain \(3 connections, 3 TCP sockets\)/);
  });

  it('sums load generator counters', () => {
    const counters = {
      open: 1,
      opening: 0,
      closing: 0,
      opened: 5,
      openFailed: 0,
      openMsTotal: 50,
      openMsMax: 20,
      slowOpens: 0,
      connectMsMax: 3,
      closedClean: 2,
      dropped: 1,
      reset: 0,
      vanished: 1,
      closeTimeouts: 0,
      unexpectedCloses: 0,
      messagesSent: 9,
      messagesEchoed: 8,
      bytesSent: 100,
      errors: 0,
      cpu: 10,
    };
    const total = sumCounters([counters, { ...counters, errors: 1, firstError: 'boom', openMsMax: 30 }])!;
    expect(total.opened).toBe(10);
    expect(total.openMsTotal).toBe(100);
    expect(total.openMsMax).toBe(30);
    expect(total.errors).toBe(1);
    expect(total.firstError).toBe('boom');
  });
});

describe('soak load and options', () => {
  it('builds valid UTF-8 payloads of the exact size, 16 B to 64 KiB', () => {
    const sizes = messageSizes();
    expect(sizes[0]).toBe(16);
    expect(sizes[sizes.length - 1]).toBe(65536);
    for (let size = 1; size < 40; size++) {
      const payload = utf8Payload(size);
      expect(payload.length).toBe(size);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(payload).length).toBeGreaterThan(0);
    }
    expect(utf8Payload(1000).toString('utf8')).toContain('😀');
  });

  it('has a repeatable PRNG in [0, 1)', () => {
    const a = prng(7);
    const b = prng(7);
    for (let i = 0; i < 100; i++) {
      const value = a();
      expect(value).toBe(b());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('counts text and binary messages alike with ANY_DATA', () => {
    const frame = (opcode: number) => Buffer.from([0x80 | opcode, 1, 0x61]);
    const counter = new FrameCounter(ANY_DATA);
    expect(counter.feed(Buffer.concat([frame(OP_TEXT), frame(OP_BINARY), frame(9)]))).toBe(2);
    expect(counter.unexpected).toBe(1);
  });

  it('parses the soak flags', () => {
    expect(parseDuration('3m')).toBe(180_000);
    const full = parseCli(['--soak']);
    expect(full.soak).toBe(true);
    expect(full.soakDurationMs).toBe(180_000);
    expect(full.soakConnections).toBe(10_000);
    expect(isFullSoak({ durationMs: full.soakDurationMs, connections: full.soakConnections, servers: [] })).toBe(true);
    const quick = parseCli(['--soak', '--quick', '--soak-connections', '300']);
    expect(quick.soakDurationMs).toBe(5_000);
    expect(quick.soakConnections).toBe(300);
    expect(isFullSoak({ durationMs: 5_000, connections: 300, servers: [] })).toBe(false);
    expect(parseCli(['--soak-duration=90s']).soak).toBe(true);
    expect(() => parseCli(['--soak', '--workloads', 'idle'])).toThrow(/does not apply/);
  });
});

describe('a tiny soak of websock (built to a temporary directory)', () => {
  let distDir = '';
  let outDir = '';
  let result: SoakResult;
  let written: ReturnType<typeof writeSoakReport>;

  beforeAll(async () => {
    distDir = mkdtempSync(join(tmpdir(), 'websock-soak-'));
    outDir = mkdtempSync(join(tmpdir(), 'websock-soak-out-'));
    await buildEntries(['src/loadgen.ts', 'src/servers/websock.ts'], distDir);
    result = await runSoak({
      distDir,
      durationMs: 2_500,
      connections: 100,
      servers: ['websock'],
      pin: false,
      clients: 1,
    });
    written = writeSoakReport(result, outDir, false);
  }, 90_000);

  afterAll(() => {
    for (const dir of [distDir, outDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('churns connections with traffic and stops the server process', () => {
    expect(result.servers).toHaveLength(1);
    const soak = result.servers[0]!;
    expect(soak.ok, soak.error).toBe(true);
    expect(soak.pid).toBeGreaterThan(0);
    expect(soak.stopped).toBe(true);
    expect(isAlive(soak.pid!)).toBe(false);
    expect(soak.final!.opened).toBeGreaterThan(100);
    expect(soak.final!.messagesEchoed).toBeGreaterThan(0);
    const churn = soak.points.filter((p) => p.phase === 'churn');
    expect(churn.length).toBeGreaterThanOrEqual(3);
    for (const p of churn) {
      expect(p.sample.rss).toBeGreaterThan(0);
      expect(p.sample.connections).toBeGreaterThanOrEqual(0);
      expect(p.sample.resources.TCPServerWrap).toBe(1);
    }
    expect(soak.points.some((p) => p.phase === 'after')).toBe(true);
    expect(Number.isFinite(soak.analysis!.rss!.slopePerMin)).toBe(true);
    expect(Number.isFinite(soak.analysis!.handlesBeyondConnections!.slopePerMin)).toBe(true);
  });

  it('writes a markdown report with numbers and an SVG chart', () => {
    expect(written.markdown.startsWith(join(outDir, 'raw'))).toBe(true);
    const markdown = readFileSync(written.markdown, 'utf8');
    expect(markdown).toBe(written.text);
    expect(markdown).toMatch(/^\| websock \| [\d,]+ \| [\d,]+ \| [\d.]+ → [\d.]+ \| [+-][\d.]+ \| [+-][\d.]+% \|/m);
    const series = markdown.slice(markdown.indexOf('### websock'));
    const rows = series.split('\n').filter((line) => line.startsWith('|'));
    const columns = rows[0]!.split('|').length;
    for (const row of rows) expect(row.split('|').length).toBe(columns);
    const churnRows = rows.filter((row) => row.includes('| churn |'));
    expect(churnRows.length).toBeGreaterThanOrEqual(2);
    for (const row of churnRows)
      expect(row).toMatch(/^\| -?[\d.]+ \| churn \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d,]+ \|/);
    expect(markdown).toMatch(/- Verdict: /);
    const svg = readFileSync(written.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<polyline');
    expect(JSON.parse(readFileSync(written.json, 'utf8')).servers[0].server).toBe('websock');
  });
});
