import { describe, expect, it } from 'vitest';
import { applyMask, maskInto } from '../src/index.js';
import { SIMD_MIN, WORD_LOOP_MIN, xorMask, xorWordsInPlace } from '../src/mask.js';
import { SIMD_CHUNK, setSimdEnabledForTesting, simdAvailable, xorSimd } from '../src/mask-simd.js';
import { expectBytes, pseudoRandomBytes, referenceMask } from './helpers.js';

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** `length` bytes at byte offset `offset` of a fresh buffer, to exercise every alignment. */
function at(offset: number, data: Uint8Array): Uint8Array {
  const backing = new Uint8Array(offset + data.length + 8);
  const view = backing.subarray(offset, offset + data.length);
  view.set(data);
  return view;
}

describe('applyMask (RFC 6455 §5.3)', () => {
  it('matches the byte-by-byte reference for every offset 0..7 and length 0..64', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 64; length++) {
        const data = pseudoRandomBytes(length, offset * 1000 + length + 1);
        const view = at(offset, data);
        applyMask(view, KEY);
        expect(view, `offset ${offset} length ${length}`).toEqual(referenceMask(data, KEY));
      }
    }
  });

  it('matches the reference for every phase, offset and a range of lengths around each kernel threshold', () => {
    const lengths = [
      WORD_LOOP_MIN - 1,
      WORD_LOOP_MIN,
      WORD_LOOP_MIN + 3,
      SIMD_MIN - 1,
      SIMD_MIN,
      SIMD_MIN + 5,
      1000,
      4099,
      SIMD_CHUNK - 1,
      SIMD_CHUNK,
      SIMD_CHUNK + 1,
      2 * SIMD_CHUNK + 7,
      100_003,
    ];
    for (const length of lengths) {
      const data = pseudoRandomBytes(length, length);
      for (let offset = 0; offset < 8; offset++) {
        for (let phase = 0; phase < 4; phase++) {
          const view = at(offset, data);
          applyMask(view, KEY, phase);
          expectBytes(view, referenceMask(data, KEY, phase), `${length}/${offset}/${phase}`);
        }
      }
    }
  });

  it('is its own inverse', () => {
    const data = pseudoRandomBytes(777);
    const copy = data.slice();
    applyMask(copy, KEY);
    expect(copy).not.toEqual(data);
    applyMask(copy, KEY);
    expect(copy).toEqual(data);
  });

  it('keeps the mask phase when a payload is masked in pieces', () => {
    const data = pseudoRandomBytes(300, 7);
    const expected = referenceMask(data, KEY);
    for (let split1 = 0; split1 <= 300; split1 += 7) {
      for (const split2 of [split1, Math.min(300, split1 + 1), Math.min(300, split1 + 50), 300]) {
        const copy = data.slice();
        applyMask(copy.subarray(0, split1), KEY, 0);
        applyMask(copy.subarray(split1, split2), KEY, split1);
        applyMask(copy.subarray(split2), KEY, split2);
        expect(copy).toEqual(expected);
      }
    }
  });

  it('only uses phase modulo 4', () => {
    const data = pseudoRandomBytes(40);
    const a = data.slice();
    const b = data.slice();
    applyMask(a, KEY, 1);
    applyMask(b, KEY, 4001);
    expect(a).toEqual(b);
  });

  it('rejects bad keys and phases', () => {
    expect(() => applyMask(new Uint8Array(4), new Uint8Array(3))).toThrow(TypeError);
    expect(() => applyMask(new Uint8Array(4), new Uint8Array(5))).toThrow(TypeError);
    expect(() => applyMask(new Uint8Array(4), [1, 2, 3, 4] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => applyMask(new Uint8Array(4), KEY, -1)).toThrow(RangeError);
    expect(() => applyMask(new Uint8Array(4), KEY, 1.5)).toThrow(RangeError);
  });
});

describe('maskInto', () => {
  it('writes the masked bytes to the target and leaves the source alone', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (const length of [0, 1, 3, 4, 5, 31, 32, 33, 64, 200, 1025, 70_000]) {
        const source = pseudoRandomBytes(length, length + offset);
        const sourceCopy = source.slice();
        for (let phase = 0; phase < 4; phase++) {
          const target = new Uint8Array(length + offset + 3).fill(0xee);
          maskInto(at(offset % 3, source), KEY, target, offset, phase);
          expectBytes(source, sourceCopy);
          expectBytes(target.subarray(offset, offset + length), referenceMask(source, KEY, phase));
          expect(target.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
          expect(target.subarray(offset + length).every((b) => b === 0xee)).toBe(true);
        }
      }
    }
  });

  it('may mask a buffer onto itself, but rejects partially overlapping ranges and short targets', () => {
    const data = pseudoRandomBytes(100);
    const copy = data.slice();
    maskInto(copy, KEY, copy);
    expect(copy).toEqual(referenceMask(data, KEY));
    expect(() => maskInto(copy.subarray(0, 50), KEY, copy, 10)).toThrow(RangeError);
    expect(() => maskInto(new Uint8Array(10), KEY, new Uint8Array(9))).toThrow(RangeError);
    expect(() => maskInto(new Uint8Array(10), KEY, new Uint8Array(12), 3)).toThrow(RangeError);
    expect(() => maskInto(new Uint8Array(1), KEY, new Uint8Array(12), -1)).toThrow(RangeError);
  });
});

describe('mask kernels', () => {
  it('has WebAssembly SIMD on this Node', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('the word loop matches the reference at every alignment, phase and length 0..80', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 80; length++) {
        for (let phase = 0; phase < 4; phase++) {
          const data = pseudoRandomBytes(length, length * 31 + offset);
          const view = at(offset, data);
          const k = [0, 1, 2, 3].map((i) => KEY[(i + phase) & 3]!) as [number, number, number, number];
          xorWordsInPlace(view, 0, length, ...k);
          expectBytes(view, referenceMask(data, KEY, phase));
        }
      }
    }
  });

  it('the SIMD kernel matches the reference, in place and into another buffer', () => {
    for (const length of [1, 15, 16, 63, 64, 65, 1000, SIMD_CHUNK + 3]) {
      for (let phase = 0; phase < 4; phase++) {
        const data = pseudoRandomBytes(length, length + phase);
        const k = [0, 1, 2, 3].map((i) => KEY[(i + phase) & 3]!);
        const word = (k[0]! | (k[1]! << 8) | (k[2]! << 16) | (k[3]! << 24)) >>> 0;
        const inPlace = at(phase, data);
        xorSimd(inPlace, 0, inPlace, 0, length, word);
        expectBytes(inPlace, referenceMask(data, KEY, phase));
        const target = new Uint8Array(length + 10);
        xorSimd(at(1, data), 0, target, 5, length, word);
        expectBytes(target.subarray(5, 5 + length), referenceMask(data, KEY, phase));
      }
    }
  });

  it('without WebAssembly SIMD, the JavaScript kernels give the same results', () => {
    setSimdEnabledForTesting(false);
    try {
      expect(simdAvailable()).toBe(false);
      for (const length of [0, 3, 63, 64, 65, WORD_LOOP_MIN - 1, WORD_LOOP_MIN, WORD_LOOP_MIN + 1, 1000, 20_001]) {
        for (let offset = 0; offset < 4; offset++) {
          for (let phase = 0; phase < 4; phase++) {
            const data = pseudoRandomBytes(length, length + offset + phase);
            const view = at(offset, data);
            applyMask(view, KEY, phase);
            expectBytes(view, referenceMask(data, KEY, phase));
            const target = new Uint8Array(length + 2);
            maskInto(data, KEY, target, 2, phase);
            expectBytes(target.subarray(2), referenceMask(data, KEY, phase));
          }
        }
      }
    } finally {
      setSimdEnabledForTesting(true);
    }
    expect(simdAvailable()).toBe(true);
  });

  it('xorMask reads the key at an offset, from any source range into any target range', () => {
    const keyHolder = new Uint8Array([9, 9, ...KEY, 9]);
    for (const length of [0, 5, 40, 300]) {
      const data = pseudoRandomBytes(length + 6, length);
      const target = new Uint8Array(length + 4);
      xorMask(data, 3, target, 2, length, keyHolder, 2, 1);
      expect(target.subarray(2, 2 + length)).toEqual(referenceMask(data.subarray(3, 3 + length), KEY, 1));
    }
  });
});
