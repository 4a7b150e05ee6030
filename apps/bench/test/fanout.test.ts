import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/lib/args.js';
import {
  DEFAULT_SUBSCRIBERS,
  evaluateFanoutGoals,
  type FanoutMeasurement,
  fanoutCases,
  fanoutFigures,
  implsFor,
  parseSubscribers,
  splitShares,
  summarizeFanout,
  windowFor,
} from '../src/lib/fanout-cases.js';
import { isFullFanout } from '../src/lib/fanout-report.js';

describe('fan-out cases', () => {
  it('covers every subscriber count, both sizes and three compression modes', () => {
    const cases = fanoutCases();
    expect(cases).toHaveLength(DEFAULT_SUBSCRIBERS.length * 2 * 3);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    expect(cases.map((c) => c.id)).toContain('fanout-1000-64b');
    expect(cases.map((c) => c.id)).toContain('fanout-1000-16k-shared');
    expect(cases.map((c) => c.id)).toContain('fanout-10000-16k-takeover');
  });

  it('keeps at most 64 KiB per subscriber and about 16,384 deliveries in flight, and at least two messages', () => {
    expect(windowFor(64, 100)).toBe(32);
    expect(windowFor(64, 1000)).toBe(16);
    expect(windowFor(64, 10_000)).toBe(2);
    expect(windowFor(16 * 1024, 100)).toBe(4);
    expect(windowFor(1024 * 1024, 1)).toBe(2);
  });

  it('runs websock-loop only where the loop differs from the others (not with context takeover)', () => {
    expect(implsFor('off').map((i) => i.name)).toEqual(['ws-loop', 'websock-loop', 'websock-publish']);
    expect(implsFor('takeover').map((i) => i.name)).toEqual(['ws-loop', 'websock-publish']);
  });

  it('parses subscriber lists', () => {
    expect(parseSubscribers('100, 1000,10k')).toEqual([100, 1000, 10000]);
    expect(parseSubscribers('1_000')).toEqual([1000]);
    expect(() => parseSubscribers('0')).toThrow(RangeError);
    expect(() => parseSubscribers('ten')).toThrow(RangeError);
    expect(() => parseSubscribers(',')).toThrow(RangeError);
  });

  it('splits subscribers over generators with the remainder first', () => {
    expect(splitShares(10, 3)).toEqual([4, 3, 3]);
    expect(splitShares(1, 3)).toEqual([1, 0, 0]);
  });
});

describe('fan-out figures', () => {
  it('turns a window into deliveries/s, CPU per delivery and CPU load', () => {
    expect(fanoutFigures({ deliveries: 2000, elapsedMs: 500, serverCpuMicros: 250_000 })).toEqual({
      deliveriesPerSec: 4000,
      cpuNsPerDelivery: 125_000,
      serverCpuLoad: 0.5,
    });
    expect(fanoutFigures({ deliveries: 0, elapsedMs: 500, serverCpuMicros: 1 })).toBeUndefined();
  });

  it('takes medians over successful rounds only', () => {
    const m = (round: number, rate: number, ok = true): FanoutMeasurement => ({
      case: 'fanout-1000-64b',
      impl: 'ws-loop',
      round,
      ok,
      deliveriesPerSec: rate,
    });
    const [row] = summarizeFanout([m(0, 10), m(1, 30), m(2, 20), m(3, 1e9, false)]);
    expect(row).toMatchObject({ rounds: 3, deliveriesPerSec: 20 });
  });

  it('checks the goals against the right rows', () => {
    const row = (c: string, impl: string, deliveriesPerSec: number, cpuNsPerDelivery: number) => ({
      case: c,
      impl,
      rounds: 1,
      deliveriesPerSec,
      cpuNsPerDelivery,
    });
    const goals = evaluateFanoutGoals([
      row('fanout-1000-64b', 'ws-loop', 100, 1),
      row('fanout-1000-64b', 'websock-publish', 600, 1),
      row('fanout-1000-16k-shared', 'ws-loop', 100, 1),
      row('fanout-1000-16k-shared', 'websock-publish', 1500, 300),
      row('fanout-1000-16k', 'websock-publish', 1, 100),
    ]);
    expect(goals.map((g) => [g.measured, g.met])).toEqual([
      [6, true],
      [15, false],
      [3, false],
    ]);
    expect(evaluateFanoutGoals([]).every((g) => g.met === undefined)).toBe(true);
  });
});

describe('fan-out flags', () => {
  it('selects the fan-out mode and knows a full run from a partial one', () => {
    const options = parseCli(['--fanout']);
    expect(options.fanout).toBe(true);
    expect(isFullFanout(options)).toBe(true);
    expect(isFullFanout(parseCli(['--fanout', '--quick']))).toBe(false);
    const some = parseCli(['--subscribers', '100']);
    expect(some).toMatchObject({ fanout: true, subscribers: [100] });
    expect(isFullFanout(some)).toBe(false);
    expect(() => parseCli(['--fanout', '--servers', 'ws'])).toThrow(RangeError);
  });
});
