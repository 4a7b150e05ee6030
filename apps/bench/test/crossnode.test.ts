// The fan-out report from fixed measurements (the run itself needs redis-server and minutes:
// see README, "Cross-node fan-out").
import { describe, expect, it } from 'vitest';
import { type CellResult, renderFanout } from '../src/lib/crossnode-report.js';

const cell = (nodes: number, size: number, rate: number, local: number, remote: number): CellResult => ({
  nodes,
  size,
  deliveriesPerSecond: rate,
  local: [local, local, local],
  remote: nodes === 1 ? [] : [remote, remote, remote],
  serverCores: 0.5,
  driverCores: 0.25,
});

describe('fan-out report', () => {
  it('gives ratios to one process, the Redis round trip and the remainder of a remote delivery', () => {
    const round = [
      cell(1, 64, 100_000, 1, 0),
      cell(1, 16384, 10_000, 2, 0),
      cell(2, 64, 50_000, 1.5, 2.5),
      cell(2, 16384, 8_000, 2, 4),
      cell(4, 64, 40_000, 2, 3),
      cell(4, 16384, 5_000, 3, 5),
    ];
    const trips = [
      { messagesPerSecond: 9000, latencies: [0.25, 0.25] },
      { messagesPerSecond: 4000, latencies: [0.5, 0.5] },
    ];
    const markdown = renderFanout({
      started: new Date('2026-12-04T00:00:00Z'),
      options: { durationMs: 3000, warmupMs: 500, rounds: 1 },
      rounds: [round],
      roundTrips: [trips],
      subscribers: 1000,
    });
    expect(markdown).toContain('| 1 (no Redis) | 64 B | 100,000 | 1.00x | 1.00 / 1.00 | n/a | 0.50 | 5.00 | 0.25 |');
    expect(markdown).toContain('| 2 | 16 KiB | 8,000 | 0.80x | 2.00 / 2.00 | 4.00 / 4.00 | 0.50 | 62.50 | 0.25 |');
    expect(markdown).toContain('| 64 B | 0.25 | 0.25 | 9,000 |');
    // 2 processes, 64 B: remote 2.5 = local 1.5 + Redis 0.25 + rest 0.75.
    expect(markdown).toContain('| 64 B | 1.50 | 0.25 | 0.75 | 2.50 |');
  });
});
