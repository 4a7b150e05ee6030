// An independent reference for the tests, written straight from Unicode Table 3-7
// ("Well-Formed UTF-8 Byte Sequences") with no code shared with src/.

type Range = readonly [low: number, high: number];

/** Each row: the allowed range of each byte of one kind of sequence. */
const TABLE_3_7: readonly (readonly Range[])[] = [
  [[0x00, 0x7f]], // U+0000..U+007F
  [
    [0xc2, 0xdf],
    [0x80, 0xbf],
  ], // U+0080..U+07FF
  [
    [0xe0, 0xe0],
    [0xa0, 0xbf],
    [0x80, 0xbf],
  ], // U+0800..U+0FFF
  [
    [0xe1, 0xec],
    [0x80, 0xbf],
    [0x80, 0xbf],
  ], // U+1000..U+CFFF
  [
    [0xed, 0xed],
    [0x80, 0x9f],
    [0x80, 0xbf],
  ], // U+D000..U+D7FF
  [
    [0xee, 0xef],
    [0x80, 0xbf],
    [0x80, 0xbf],
  ], // U+E000..U+FFFF
  [
    [0xf0, 0xf0],
    [0x90, 0xbf],
    [0x80, 0xbf],
    [0x80, 0xbf],
  ], // U+10000..U+3FFFF
  [
    [0xf1, 0xf3],
    [0x80, 0xbf],
    [0x80, 0xbf],
    [0x80, 0xbf],
  ], // U+40000..U+FFFFF
  [
    [0xf4, 0xf4],
    [0x80, 0x8f],
    [0x80, 0xbf],
    [0x80, 0xbf],
  ], // U+100000..U+10FFFF
];

const within = (b: number, [low, high]: Range): boolean => b >= low && b <= high;

/**
 * -1 if `bytes` is well-formed; otherwise the offset of the first byte after which
 * no continuation could make it well-formed; `bytes.length` if it is a
 * well-formed prefix that stops inside a sequence.
 */
export function referenceFailOffset(bytes: ArrayLike<number>): number {
  let i = 0;
  while (i < bytes.length) {
    const row = TABLE_3_7.find((ranges) => within(bytes[i]!, ranges[0]!));
    if (row === undefined) return i;
    for (let k = 1; k < row.length; k++) {
      if (i + k >= bytes.length) return bytes.length;
      if (!within(bytes[i + k]!, row[k]!)) return i + k;
    }
    i += row.length;
  }
  return -1;
}

/** UTF-8 encoding scheme applied to any value up to 0x1FFFFF, surrogates included (for negative tests). */
export function encodeScalar(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

export const hexToBytes = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));

/** Lower-case hex of the bytes, for failure messages (no Buffer: these tests also run in Chromium). */
export const bytesToHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
