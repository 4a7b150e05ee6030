import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fittedWindowBits, inflateChunkSize, syncDeflateOptions } from '../src/zlib-options.js';
import { jsonText } from './wire.js';

describe('zlib options sized to the message', () => {
  it('fits the window to the bytes it must reach, within 9..max', () => {
    expect(fittedWindowBits(0, 15)).toBe(9);
    expect(fittedWindowBits(250, 15)).toBe(9);
    expect(fittedWindowBits(251, 15)).toBe(10);
    expect(fittedWindowBits(1024, 15)).toBe(11);
    expect(fittedWindowBits(1024 + 8192, 15)).toBe(14);
    expect(fittedWindowBits(1 << 20, 15)).toBe(15);
    expect(fittedWindowBits(1 << 20, 12)).toBe(12);
  });

  it('property: text compresses to the same bytes as with the full window and a 16 KiB buffer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40_000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(1, 6, 9),
        fc.constantFrom(4, 8),
        (length, seed, level, memLevel) => {
          const text = jsonText(length, seed);
          const full = deflateRawSync(text, { level, memLevel, finishFlush: constants.Z_SYNC_FLUSH });
          const sized = deflateRawSync(text, syncDeflateOptions(text.length, 0, level, memLevel, 15));
          expect(sized.equals(full)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('guesses an inflate buffer of eight times the input, bounded by the limit and 64 KiB', () => {
    expect(inflateChunkSize(0, 1 << 20)).toBe(64);
    expect(inflateChunkSize(300, 1 << 20)).toBe(2400);
    expect(inflateChunkSize(300, 1000)).toBe(1000);
    expect(inflateChunkSize(100_000, 1 << 20)).toBe(64 * 1024);
  });
});
