// Portable bulk scanner: pure TypeScript, no Node built-ins.

/** With fewer bytes left than this, a word view costs more than it saves. */
const WORD_RUN_MIN = 256;

/**
 * Scans `bytes[start, end)` and returns the index of the first byte that does not
 * begin a complete, well-formed sequence lying entirely inside the range.
 *
 * A result of `end` means the whole range is valid UTF-8. Anything less points at
 * a sequence that is either ill-formed or cut off by `end`; the caller hands that
 * position to the byte automaton, which tells the two apart and finds the exact
 * offending byte. Keeping this function free of partial-sequence state is what
 * lets it be a straight-line loop.
 */
export function scanComplete(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  // Created lazily, once per call, and only if a long ASCII run shows up.
  let words: Uint32Array | undefined;
  let wordBase = 0; // byte index (within `bytes`) of words[0]

  while (i < end) {
    const c = bytes[i]!;
    if (c < 0x80) {
      i++;
      // Most ASCII runs in non-English text are a few bytes long: only a run that
      // is still ASCII eight bytes on earns the wider loops below.
      if (i + 8 <= end && (or8(bytes, i) & 0x80) === 0) {
        i += 8;
        if (end - i >= WORD_RUN_MIN) {
          if (words === undefined) {
            const offset = bytes.byteOffset;
            wordBase = start + ((4 - ((offset + start) & 3)) & 3);
            words = new Uint32Array(bytes.buffer, offset + wordBase, (end - wordBase) >>> 2);
          }
          // Finish the bytes up to a word boundary, then two words (eight bytes) per step.
          while (i < end && ((i - wordBase) & 3) !== 0 && bytes[i]! < 0x80) i++;
          if (((i - wordBase) & 3) === 0) {
            let w = (i - wordBase) >>> 2;
            const lastPair = words.length - 1;
            while (w < lastPair && ((words[w]! | words[w + 1]!) & 0x80808080) === 0) w += 2;
            i = wordBase + w * 4;
          }
        } else {
          while (i + 8 <= end && (or8(bytes, i) & 0x80) === 0) i += 8;
        }
      }
      // At most a few bytes remain before the non-ASCII byte or the end.
      while (i < end && bytes[i]! < 0x80) i++;
      continue;
    }

    if (c < 0xe0) {
      // 80..BF are stray continuations, C0..C1 overlong leads.
      if (c < 0xc2 || i + 1 >= end || (bytes[i + 1]! & 0xc0) !== 0x80) return i;
      i += 2;
      continue;
    }

    if (c < 0xf0) {
      if (i + 2 >= end) return i;
      const c1 = bytes[i + 1]!;
      if ((bytes[i + 2]! & 0xc0) !== 0x80) return i;
      if (c === 0xe0) {
        if (c1 < 0xa0 || c1 > 0xbf) return i;
      } else if (c === 0xed) {
        if (c1 < 0x80 || c1 > 0x9f) return i;
      } else if ((c1 & 0xc0) !== 0x80) {
        return i;
      }
      i += 3;
      continue;
    }

    if (c > 0xf4 || i + 3 >= end) return i;
    const c1 = bytes[i + 1]!;
    if ((bytes[i + 2]! & 0xc0) !== 0x80 || (bytes[i + 3]! & 0xc0) !== 0x80) return i;
    if (c === 0xf0) {
      if (c1 < 0x90 || c1 > 0xbf) return i;
    } else if (c === 0xf4) {
      if (c1 < 0x80 || c1 > 0x8f) return i;
    } else if ((c1 & 0xc0) !== 0x80) {
      return i;
    }
    i += 4;
  }
  return i;
}

/** The eight bytes from `i` OR-ed together (the caller guarantees they exist). */
export function or8(bytes: Uint8Array, i: number): number {
  return (
    bytes[i]! |
    bytes[i + 1]! |
    bytes[i + 2]! |
    bytes[i + 3]! |
    bytes[i + 4]! |
    bytes[i + 5]! |
    bytes[i + 6]! |
    bytes[i + 7]!
  );
}
