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
