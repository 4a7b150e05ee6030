import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entries } from './impls';
import { encodeScalar, referenceFailOffset } from './reference';

const decoderAccepts = (bytes: Uint8Array): boolean => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** The WHATWG decoder, streaming: the shortest prefix it throws on marks the fail-fast offset. */
const decoderFailOffset = (bytes: Uint8Array): number => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return decoderAccepts(bytes) ? -1 : bytes.length;
};

const encoder = new TextEncoder();

/** Any code point, lone surrogates included, spread over the 1- to 4-byte forms. (Faster than fc.string's 'binary' unit.) */
const codePoint = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xffff }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
);
/** Encoded with TextEncoder, so always valid UTF-8 (a lone surrogate becomes U+FFFD). */
const unicodeText = (maxLength: number) =>
  fc.array(codePoint, { maxLength }).map((cps) => encoder.encode(String.fromCodePoint(...cps)));
const asciiRun = (minLength: number, maxLength: number) => fc.uint8Array({ max: 0x7f, minLength, maxLength });

/** Pieces that make long, realistic, mostly valid inputs: long ASCII runs reach the word and native paths. */
const piece = fc.oneof(
  unicodeText(40),
  asciiRun(100, 700),
  fc
    .constantFrom(0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xfffe, 0xffff, 0x10000, 0x10ffff)
    .map((cp) => Uint8Array.from(encodeScalar(cp))),
  fc.uint8Array({ maxLength: 6 }), // random noise, usually invalid
);
const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const mixedBytes = fc.array(piece, { maxLength: 12 }).map(concat);
const validBytes = fc.array(fc.oneof(unicodeText(200), asciiRun(200, 2000)), { maxLength: 6 }).map(concat);
/** Cut points: splitting into fragments anywhere, empty fragments included. */
const cutSeeds = fc.array(fc.nat(), { maxLength: 8 });
/** A sub-view at an odd offset of a bigger buffer, so word-aligned reads meet unaligned data. */
const atOffset = (bytes: Uint8Array, shift: number): Uint8Array => {
  const host = new Uint8Array(bytes.length + shift + 3);
  host.set(bytes, shift);
  return host.subarray(shift, shift + bytes.length);
};

function fragments(bytes: Uint8Array, seeds: number[]): Uint8Array[] {
  const cuts = seeds.map((s) => s % (bytes.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  return out;
}

describe('reference classifier', () => {
  it('agrees with the WHATWG decoder on validity and on the fail-fast offset', () => {
    fc.assert(
      fc.property(mixedBytes, (bytes) => {
        expect(referenceFailOffset(bytes)).toBe(decoderFailOffset(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe.each(entries)('%s entry: properties', (_name, entry) => {
  it('isUtf8 agrees with TextDecoder (fatal) on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(entry.isUtf8(bytes)).toBe(decoderAccepts(bytes));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(mixedBytes, fc.integer({ min: 0, max: 3 }), (bytes, shift) => {
        const view = atOffset(bytes, shift);
        expect(entry.isUtf8(view)).toBe(decoderAccepts(bytes));
        expect(entry.utf8ErrorOffset(view)).toBe(referenceFailOffset(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('accepts valid text split into random fragments', () => {
    fc.assert(
      fc.property(validBytes, cutSeeds, fc.integer({ min: 0, max: 3 }), (bytes, seeds, shift) => {
        const validator = new entry.Utf8Validator();
        for (const fragment of fragments(atOffset(bytes, shift), seeds)) {
          expect(validator.write(fragment)).toBe(true);
        }
        expect(validator.pending).toBe(false);
        expect(validator.end()).toBe(true);
        expect(validator.errorOffset).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('fails on exactly the fragment holding the first impossible byte, at its offset', () => {
    fc.assert(
      fc.property(mixedBytes, cutSeeds, fc.integer({ min: 0, max: 3 }), (bytes, seeds, shift) => {
        const expected = referenceFailOffset(bytes);
        const validator = new entry.Utf8Validator();
        let written = 0;
        for (const fragment of fragments(atOffset(bytes, shift), seeds)) {
          const failsHere = expected !== -1 && expected < bytes.length && expected < written + fragment.length;
          expect(validator.write(fragment)).toBe(!failsHere);
          written += fragment.length;
          if (failsHere) {
            expect(validator.errorOffset).toBe(expected);
            break;
          }
          expect(validator.errorOffset).toBe(-1);
        }
        expect(validator.end()).toBe(expected === -1);
        expect(validator.errorOffset).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('finds a single corrupted byte in a long valid text, wherever the chunks fall', () => {
    fc.assert(
      fc.property(
        validBytes.filter((b) => b.length > 0),
        fc.nat(),
        fc.integer({ min: 0x80, max: 0xff }),
        fc.constantFrom(1, 5, 64, 300, 4096),
        (bytes, at, value, size) => {
          const corrupted = bytes.slice();
          corrupted[at % bytes.length] = value;
          const expected = referenceFailOffset(corrupted);
          const validator = new entry.Utf8Validator();
          let ok = true;
          for (let i = 0; ok && i < corrupted.length; i += size) ok = validator.write(corrupted.subarray(i, i + size));
          const end = validator.end();
          expect(end).toBe(expected === -1);
          expect(validator.errorOffset).toBe(expected);
          expect(entry.isUtf8(corrupted)).toBe(expected === -1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
