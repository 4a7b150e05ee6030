import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEEP_FRAGMENT_MIN, MessageAccumulator } from '../src/accumulator.js';
import { Connection, type ConnectionOptions } from '../src/index.js';
import { concat, frame } from './wire.js';

/** Byte equality without vitest's element-by-element diff (slow on large arrays). */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual!.length).toBe(expected.length);
  let firstDifference = -1;
  for (let i = 0; i < expected.length && firstDifference < 0; i++) {
    if (actual![i] !== expected[i]) firstDifference = i;
  }
  expect(firstDifference).toBe(-1);
}

/** Fragments of the given sizes, each filled with its own byte pattern. */
function fragmentsOf(sizes: number[]): Uint8Array[] {
  return sizes.map((size, i) => Uint8Array.from({ length: size }, (_, j) => (i * 31 + j * 7) & 0xff));
}

// Sizes on both sides of KEEP_FRAGMENT_MIN and of the 16 KiB runs, and tiny ones.
const sizes = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: KEEP_FRAGMENT_MIN - 2, max: KEEP_FRAGMENT_MIN + 2 }),
  fc.integer({ min: 16 * 1024 - 3, max: 16 * 1024 + 3 }),
  fc.integer({ min: 0, max: 40_000 }),
);

describe('MessageAccumulator', () => {
  it('returns the fragments joined, in order, for any fragment sizes (kept views and packed runs)', () => {
    fc.assert(
      fc.property(fc.array(sizes, { maxLength: 12 }), fc.boolean(), (lengths, keepViews) => {
        const fragments = fragmentsOf(lengths);
        const accumulator = new MessageAccumulator(undefined, keepViews);
        for (const fragment of fragments) accumulator.append(fragment);
        const total = lengths.reduce((a, b) => a + b, 0);
        expect(accumulator.length).toBe(total);
        expectSameBytes(accumulator.take(), concat(...fragments));
        // Reset for the next message.
        expect(accumulator.length).toBe(0);
        accumulator.append(Uint8Array.of(1, 2, 3));
        expect(accumulator.take()).toEqual(Uint8Array.of(1, 2, 3));
      }),
      { numRuns: 100 },
    );
  });

  it('copies nothing for a single fragment, and each large fragment once', () => {
    const allocated: number[] = [];
    const allocate = (length: number) => {
      allocated.push(length);
      return new Uint8Array(length);
    };
    const accumulator = new MessageAccumulator(allocate);
    const only = new Uint8Array(100_000);
    accumulator.append(only);
    expect(accumulator.take()).toBe(only);
    expect(allocated).toEqual([]);

    const [a, b, c] = fragmentsOf([70_000, 50_000, 30_000]);
    accumulator.append(a!);
    accumulator.append(b!);
    accumulator.append(c!);
    expectSameBytes(accumulator.take(), concat(a!, b!, c!));
    // One buffer of the message's size: no growing, no intermediate copies.
    expect(allocated).toEqual([150_000]);
  });

  it('packs small fragments into runs: a message of many tiny fragments holds no object per fragment', () => {
    const allocated: number[] = [];
    const accumulator = new MessageAccumulator((length) => {
      allocated.push(length);
      return new Uint8Array(length);
    });
    const fragments = fragmentsOf(Array.from({ length: 10_000 }, () => 3));
    for (const fragment of fragments) accumulator.append(fragment);
    expectSameBytes(accumulator.take(), concat(...fragments));
    // 30,000 bytes: two 16 KiB runs, then the message.
    expect(allocated).toEqual([16 * 1024, 16 * 1024, 30_000]);
  });

  it('copies every fragment when views must not be kept (keepViews false)', () => {
    const accumulator = new MessageAccumulator(undefined, false);
    const first = new Uint8Array(8000).fill(1);
    const second = new Uint8Array(8000).fill(2);
    accumulator.append(first);
    accumulator.append(second);
    first.fill(9); // the owner writes its buffers again
    second.fill(9);
    const message = accumulator.take();
    expect(message.subarray(0, 8000).every((b) => b === 1)).toBe(true);
    expect(message.subarray(8000).every((b) => b === 2)).toBe(true);
  });

  it('rejects an allocate that returns the wrong length', () => {
    const accumulator = new MessageAccumulator(() => new Uint8Array(1));
    accumulator.append(new Uint8Array(10));
    expect(() => accumulator.append(new Uint8Array(10))).toThrow(TypeError);
  });
});

describe('Connection with a handler allocate', () => {
  function server(allocate: (length: number) => Uint8Array) {
    const messages: Uint8Array[] = [];
    const conn = new Connection({
      role: 'server',
      handler: {
        write() {},
        message: (data) => messages.push(data),
        closeTransport() {},
        allocate,
      },
    } satisfies ConnectionOptions);
    conn.open();
    return { conn, messages };
  }

  it('unmasks a payload spanning chunks into one allocated buffer, and reassembles fragments with it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 4000, max: 70_000 })), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 6 }),
        (lengths, cuts) => {
          const allocated = new Set<Uint8Array>();
          const { conn, messages } = server((length) => {
            const buffer = new Uint8Array(length).fill(0xee); // garbage: every byte must be written
            allocated.add(buffer);
            return buffer;
          });
          const fragments = fragmentsOf(lengths);
          const wire = concat(
            ...fragments.map((payload, i) =>
              frame(i === 0 ? 2 : 0, payload, { fin: i === fragments.length - 1, mask: true }),
            ),
          );
          let at = 0;
          for (let i = 0; at < wire.length; i++) {
            const next = Math.min(wire.length, at + cuts[i % cuts.length]!);
            conn.receive(wire.slice(at, next));
            at = next;
          }
          expect(messages).toHaveLength(1);
          expectSameBytes(messages[0], concat(...fragments));
          // Copied buffers all came from the handler.
          if (fragments.length > 1 && lengths.filter((n) => n > 0).length > 1) {
            expect(allocated.has(messages[0]!) || [...allocated].some((b) => b.buffer === messages[0]!.buffer)).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("masks a client frame into an allocated buffer, leaving the caller's bytes as they are", () => {
    const allocated: Uint8Array[] = [];
    const written: Array<[Uint8Array, Uint8Array]> = [];
    const conn = new Connection({
      role: 'client',
      handler: {
        write: (header, payload) => written.push([header, payload]),
        message() {},
        closeTransport() {},
        allocate(length) {
          const buffer = new Uint8Array(length).fill(0xa5);
          allocated.push(buffer);
          return buffer;
        },
      },
    } satisfies ConnectionOptions);
    conn.open();
    const data = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const before = data.slice();
    conn.send(data, true);
    expect(written).toHaveLength(1);
    const [header, body] = written[0]!;
    expect(allocated).toHaveLength(1);
    expect(allocated[0]).toBe(body);
    expectSameBytes(data, before);
    const key = header.subarray(header.length - 4);
    const unmasked = body.map((b, i) => b ^ key[i & 3]!);
    expectSameBytes(unmasked, data);
  });
});
