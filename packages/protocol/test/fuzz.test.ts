import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Connection, ProtocolError, type Role } from '../src/index.js';
import { concat, frame } from './wire.js';

// Fuzzing the connection core: random and mutated byte streams, cut at random points.
// Invariants: the core only ever reports protocol errors with a close code a peer may
// be failed with, never throws anything else, keeps its memory within the limits, and
// finishes every call (no hang). FUZZ_RUNS raises the run count for a longer session.
const runs = Number(process.env.FUZZ_RUNS ?? 300);
const MAX_MESSAGE = 4096;
const FAILURE_CODES = new Set([1002, 1007, 1009, 1011]);

const opcodes = fc.constantFrom(0, 1, 2, 8, 9, 10, 3, 11);
const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ maxLength: 60 }).map((s) => new TextEncoder().encode(s)),
  fc.constant(Uint8Array.of(0x03, 0xe8)),
);
const frames = fc
  .record({
    opcode: opcodes,
    payload: payloads,
    fin: fc.boolean(),
    rsv: fc.constantFrom(0, 0, 0, 4, 2, 1),
    mask: fc.boolean(),
  })
  .map((f) => frame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv, mask: f.mask }));

/** A stream of mostly well-formed frames with some bytes flipped, cut into chunks. */
const streams = fc
  .tuple(
    fc.array(frames, { minLength: 1, maxLength: 12 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
  )
  .map(([parts, flips, cuts]) => {
    const bytes = concat(...parts);
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (let i = 0; offset < bytes.length; i++) {
      const size = cuts[i % cuts.length] as number;
      chunks.push(bytes.slice(offset, offset + size));
      offset += size;
    }
    return chunks;
  });

function feed(role: Role, chunks: Uint8Array[], streamThreshold = Number.POSITIVE_INFINITY): void {
  let written = 0;
  let delivered = 0;
  // A streamed message: its bytes so far, or -1 between messages.
  let streamed = -1;
  const connection = new Connection({
    role,
    maxMessageSize: MAX_MESSAGE,
    messageStreamThreshold: streamThreshold,
    handler: {
      messageStart: () => {
        expect(streamed).toBe(-1);
        streamed = 0;
      },
      messageChunk: (data) => {
        expect(streamed).toBeGreaterThanOrEqual(0);
        streamed += data.length;
        expect(streamed).toBeLessThanOrEqual(MAX_MESSAGE);
      },
      messageEnd: () => {
        expect(streamed).toBeGreaterThanOrEqual(0);
        streamed = -1;
        delivered++;
      },
      write: (header, payload) => {
        written += header.length + payload.length;
      },
      message: (data) => {
        expect(streamed).toBe(-1);
        expect(data.length).toBeLessThanOrEqual(MAX_MESSAGE);
        delivered++;
      },
      error: (error) => {
        expect(error).toBeInstanceOf(ProtocolError);
        expect(FAILURE_CODES.has(error.closeCode)).toBe(true);
      },
      closeTransport: () => {},
    },
  });
  connection.open();
  for (const chunk of chunks) connection.receive(chunk);
  const result = connection.receiveEof();
  expect(result.code === 1005 || result.code === 1006 || result.code >= 1000).toBe(true);
  // Output is bounded by input: pongs echo pings, at most one close frame.
  const input = chunks.reduce((n, c) => n + c.length, 0);
  expect(written).toBeLessThanOrEqual(input + 16);
  expect(delivered).toBeLessThanOrEqual(chunks.length * 64);
}

describe('fuzzing the connection core', () => {
  it.each(['server', 'client'] as const)('as %s: random frame streams, mutated and re-chunked', (role) => {
    fc.assert(
      fc.property(streams, (chunks) => feed(role, chunks)),
      { numRuns: runs },
    );
  });

  it('as server, messages of 1 to 150 bytes and more streamed: random frame streams, mutated and re-chunked', () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 0, max: 150 }), (chunks, threshold) => feed('server', chunks, threshold)),
      { numRuns: runs },
    );
  });

  it('as server: pure random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 10 }), (chunks) =>
        feed('server', chunks),
      ),
      { numRuns: runs },
    );
  });

  it('a header announcing a huge frame costs nothing before its payload arrives', () => {
    const connection = new Connection({
      role: 'server',
      maxMessageSize: MAX_MESSAGE,
      handler: { write: () => {}, message: () => {}, closeTransport: () => {} },
    });
    connection.open();
    // 64-bit length of 2^52: rejected from the header with 1009, nothing allocated.
    connection.receive(Uint8Array.of(0x82, 0xff, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4));
    expect(connection.error?.closeCode).toBe(1009);
  });
});
