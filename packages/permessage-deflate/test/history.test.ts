import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { History } from '../src/history.js';

describe('History (the LZ77 window kept as bytes)', () => {
  it('always holds exactly the last `capacity` bytes appended (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.uint8Array({ maxLength: 7000 }), { maxLength: 20 }),
        (capacity, chunks) => {
          const history = new History(capacity);
          let reference: number[] = [];
          for (const chunk of chunks) {
            history.append(chunk);
            reference = [...reference, ...chunk].slice(-capacity);
            expect(history.length).toBe(reference.length);
            expect([...(history.tail() ?? [])]).toEqual(reference);
            expect([...(history.tail(10) ?? [])]).toEqual(reference.slice(-10));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is empty until the first append and after clear()', () => {
    const history = new History(32768);
    expect(history.tail()).toBeUndefined();
    history.append(new Uint8Array(0));
    expect(history.tail()).toBeUndefined();
    history.append(Uint8Array.of(1, 2, 3));
    expect([...(history.tail() ?? [])]).toEqual([1, 2, 3]);
    history.clear();
    expect(history.length).toBe(0);
    expect(history.tail()).toBeUndefined();
  });
});

describe('History moves its window only when the room past it runs out', () => {
  it('holds a full window in a buffer of at most 1.25 windows', () => {
    const history = new History(32 * 1024);
    for (let i = 0; i < 200; i++) history.append(new Uint8Array(1000).fill(i & 0xff));
    const view = history.tail()!;
    expect(view.length).toBe(32 * 1024);
    // A view's parent buffer is what the history holds.
    expect(view.buffer.byteLength).toBeLessThanOrEqual(40 * 1024);
    // The last message is at the end, intact.
    expect(view.subarray(-1000).every((byte) => byte === 199)).toBe(true);
  });
});
