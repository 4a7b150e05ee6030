import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OutputLimitExceeded, SyncZlibContext, syncContextsSupported } from '../src/sync-context.js';
import { concat, hex, jsonText } from './wire.js';

const { Z_SYNC_FLUSH } = constants;
const TRAILER = hex('00 00 ff ff');

describe('SyncZlibContext', () => {
  it('is supported on the Node versions this package runs on', () => {
    expect(syncContextsSupported()).toBe(true);
  });

  it('keeps its window between writes, and its output matches a one-shot inflate', () => {
    const deflater = SyncZlibContext.deflate({ level: 6, windowBits: 15 });
    const inflater = SyncZlibContext.inflate({ windowBits: 15 });
    const message = jsonText(3000, 7);
    const first = deflater.write(message, Z_SYNC_FLUSH, 64, Number.POSITIVE_INFINITY);
    // 64-byte output buffers: the result came in many pieces, joined.
    expect(first.output.length).toBeGreaterThan(64);
    const second = deflater.write(message, Z_SYNC_FLUSH, 4096, Number.POSITIVE_INFINITY);
    // Refers back into the first (3000 bytes are a dozen matches of at most 258).
    expect(second.output.length).toBeLessThan(first.output.length / 10);
    for (const part of [first.output, second.output]) {
      const { output, unconsumed } = inflater.write(part, Z_SYNC_FLUSH, 512, 1 << 20);
      expect(unconsumed).toBe(0);
      expect(Buffer.compare(output, Buffer.from(message))).toBe(0);
    }
    deflater.close();
    inflater.close();
    expect(() => deflater.write(message, Z_SYNC_FLUSH, 64, 1)).toThrow(/closed/);
  });

  it('stops once the output passes the limit', () => {
    const zeros = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: Z_SYNC_FLUSH });
    const inflater = SyncZlibContext.inflate({ windowBits: 15 });
    expect(() => inflater.write(zeros, Z_SYNC_FLUSH, 4096, 100_000)).toThrow(OutputLimitExceeded);
    inflater.close();
  });

  it("reports input after the end of a DEFLATE stream as unconsumed, and throws zlib's error on corrupt data", () => {
    const inflater = SyncZlibContext.inflate({ windowBits: 15 });
    // "Hello" in a final block, then the trailer: zlib stops after the block.
    const { output, unconsumed } = inflater.write(concat(hex('f3 48 cd c9 c9 07 00'), TRAILER), Z_SYNC_FLUSH, 64, 1000);
    expect(Buffer.from(output).toString()).toBe('Hello');
    expect(unconsumed).toBe(4);
    inflater.close();
    const broken = SyncZlibContext.inflate({ windowBits: 15 });
    expect(() => broken.write(hex('ff ff ff ff'), Z_SYNC_FLUSH, 64, 1000)).toThrow(/invalid/i);
    broken.close();
  });
});
