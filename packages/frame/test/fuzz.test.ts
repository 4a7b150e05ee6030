import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameError, FrameParser, isControlOpcode, isKnownOpcode } from '../src/index.js';
import { concat } from './helpers.js';

// A bounded run in CI; FUZZ_RUNS=<n> for a longer session (the protocol core's fuzz reads it too).
const runs = Number(process.env.FUZZ_RUNS ?? 3000);

interface Outcome {
  frames: number;
  error: FrameError | null;
}

/**
 * Feeds `chunks` to a parser, draining after each push, and checks the invariants: only
 * FrameError escapes, next() always terminates, returned frames obey the rules, and no
 * more than one header plus the allowed payload stays buffered.
 */
function run(parser: FrameParser, chunks: Uint8Array[]): Outcome {
  let frames = 0;
  let error: FrameError | null = null;
  let total = 0;
  for (const chunk of chunks) {
    total += chunk.length;
    parser.push(chunk);
    // Every frame consumes at least 2 bytes: more iterations than that means a loop.
    for (let guard = 0; ; guard++) {
      expect(guard).toBeLessThanOrEqual(total / 2 + 1);
      let frame: ReturnType<FrameParser['next']>;
      try {
        frame = parser.next();
      } catch (e) {
        expect(e).toBeInstanceOf(FrameError);
        const fe = e as FrameError;
        expect([1002, 1009]).toContain(fe.closeCode);
        expect(fe.code).toMatch(/^WS_ERR_/);
        if (error !== null) expect(fe).toBe(error);
        error = fe;
        break;
      }
      if (frame === null) break;
      frames++;
      expect(isKnownOpcode(frame.opcode)).toBe(true);
      expect(frame.payload.length).toBeLessThanOrEqual(parser.maxPayloadLength);
      expect(frame.rsv & ~parser.allowedRsv).toBe(0);
      if (isControlOpcode(frame.opcode)) {
        expect(frame.fin).toBe(true);
        expect(frame.payload.length).toBeLessThanOrEqual(125);
      }
    }
    expect(parser.bufferedAmount).toBeLessThanOrEqual(14 + parser.maxPayloadLength);
    if (error !== null) expect(parser.bufferedAmount).toBe(0);
  }
  return { frames, error };
}

function chunked(data: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    const size = 1 + (sizes.length === 0 ? data.length : sizes[i++ % sizes.length]! % 40);
    chunks.push(data.slice(offset, offset + size));
    offset += size;
  }
  return chunks;
}

const parserOptions = fc.record({
  role: fc.constantFrom('server' as const, 'client' as const),
  maxPayloadLength: fc.integer({ min: 0, max: 300 }),
  allowedRsv: fc.integer({ min: 0, max: 7 }),
});

describe('fuzzing the parser with random bytes', () => {
  it('random bytes in random chunks: only FrameError, no loops, bounded buffering', () => {
    fc.assert(
      fc.property(
        parserOptions,
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (options, data, sizes) => {
          run(new FrameParser(options), chunked(data, sizes));
        },
      ),
      { numRuns: runs },
    );
  });

  it('valid frame streams with random corruption: only FrameError, no loops, bounded buffering', () => {
    const frameArb = fc.record({
      opcode: fc.integer({ min: 0, max: 15 }),
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      mask: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(
        parserOptions,
        fc.array(frameArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (options, frames, flips, sizes) => {
          const wire = concat(
            frames.flatMap((f) =>
              encodeFrame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv, mask: f.mask, validate: false }),
            ),
          );
          for (const [at, value] of flips) if (wire.length > 0) wire[at % wire.length] = value;
          const outcome = run(new FrameParser(options), chunked(wire, sizes));
          expect(outcome.frames).toBeLessThanOrEqual(frames.length + wire.length / 2);
        },
      ),
      { numRuns: runs },
    );
  });

  it('a header announcing a huge payload is refused without buffering it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 301, max: Number.MAX_SAFE_INTEGER }), parserOptions, (length, options) => {
        const [header] = encodeFrame(2, new Uint8Array(0), { mask: options.role === 'server' });
        // Rewrite the header for `length` without allocating the payload.
        const big = new Uint8Array(14);
        big[0] = 0x82;
        big[1] = (options.role === 'server' ? 0x80 : 0) | 127;
        new DataView(big.buffer).setBigUint64(2, BigInt(length));
        const parser = new FrameParser(options);
        const outcome = run(parser, [big.subarray(0, options.role === 'server' ? 14 : 10), header]);
        expect(outcome.error).toMatchObject({ closeCode: 1009 });
      }),
      { numRuns: 200 },
    );
  });
});
