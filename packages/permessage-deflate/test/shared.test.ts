import { describe, expect, it } from 'vitest';
import { compressShared, JobLimiter } from '../src/index.js';
import { StrictInflater } from './strict-inflater.js';
import { jsonText, randomBytes } from './wire.js';

describe('compressShared (one compression for every no-context-takeover receiver)', () => {
  it.each([8, 9, 10, 12, 15])('compresses without history, inflatable alone with window bits %i', (windowBits) => {
    const message = jsonText(8 * 1024);
    const compressed = compressShared(message, { windowBits }) as Uint8Array;
    expect(compressed).toBeInstanceOf(Uint8Array);
    expect(compressed.length).toBeLessThan(message.length);
    // The sync flush tail is stripped (RFC 7692 §7.2.1).
    expect([...compressed.subarray(-4)]).not.toEqual([0, 0, 0xff, 0xff]);
    // A fresh strict inflater per message, limited to the window: no context needed, no reach beyond it.
    expect(new StrictInflater().inflate(compressed, windowBits)).toEqual(message);
    // Deterministic: the same message compresses to the same bytes for every receiver.
    expect(compressShared(message, { windowBits })).toEqual(compressed);
  });

  it('answers null when compression does not shrink the message', () => {
    expect(compressShared(randomBytes(1000), { windowBits: 15 })).toBeNull();
  });

  it('compresses an empty message to one empty stored block (§7.2.3.6)', () => {
    expect(compressShared(new Uint8Array(0), { windowBits: 15 })).toEqual(Uint8Array.of(0));
  });

  it('runs large messages on the thread pool through the limiter', async () => {
    const limiter = new JobLimiter(1);
    const message = jsonText(40 * 1024);
    const pending = compressShared(message, { windowBits: 11, limiter });
    expect(pending).toBeInstanceOf(Promise);
    expect(limiter.running).toBe(1);
    const compressed = (await pending) as Uint8Array;
    expect(limiter.running).toBe(0);
    expect(new StrictInflater().inflate(compressed, 11)).toEqual(message);
  });

  it('checks its options', () => {
    expect(() => compressShared(new Uint8Array(10), { windowBits: 16 })).toThrow(RangeError);
    expect(() => compressShared(new Uint8Array(10), { windowBits: 15, level: 12 })).toThrow(RangeError);
  });
});
