import { describe, expect, it } from 'vitest';
import { entries } from './impls';
import { hexToBytes } from './reference';

describe.each(entries)('%s entry: Utf8Validator', (_name, entry) => {
  const { Utf8Validator, isUtf8, utf8ErrorOffset } = entry;

  it('starts valid, not pending, with no error', () => {
    const v = new Utf8Validator();
    expect(v.errorOffset).toBe(-1);
    expect(v.pending).toBe(false);
    expect(v.end()).toBe(true);
  });

  it('accepts empty writes anywhere, even inside a sequence', () => {
    const v = new Utf8Validator();
    expect(v.write(new Uint8Array(0))).toBe(true);
    expect(v.write(hexToBytes('e2'))).toBe(true);
    expect(v.write(new Uint8Array(0))).toBe(true);
    expect(v.pending).toBe(true);
    expect(v.write(hexToBytes('82ac'))).toBe(true);
    expect(v.pending).toBe(false);
    expect(v.end()).toBe(true);
  });

  it.each([
    ['F4 90: above U+10FFFF', 'f4', '90', 1],
    ['ED A0: surrogate', 'ed', 'a0', 1],
    ['E0 9F: overlong', 'e0', '9f', 1],
    ['F0 8F: overlong', 'f0', '8f', 1],
    ['C2 41: lead without continuation', 'c2', '41', 1],
  ])('fails fast on the byte that makes the prefix impossible (%s)', (_label, first, second, offset) => {
    const v = new Utf8Validator();
    expect(v.write(hexToBytes(first))).toBe(true);
    expect(v.pending).toBe(true);
    expect(v.write(hexToBytes(second))).toBe(false);
    expect(v.errorOffset).toBe(offset);
    expect(v.pending).toBe(false);
  });

  it.each([['c0'], ['c1'], ['f5'], ['ff'], ['80'], ['bf']])('rejects %s at once', (hex) => {
    const v = new Utf8Validator();
    expect(v.write(hexToBytes(`41${hex}`))).toBe(false);
    expect(v.errorOffset).toBe(1);
  });

  it('counts the error offset from the first byte since reset, across writes', () => {
    const v = new Utf8Validator();
    expect(v.write(new TextEncoder().encode('a'.repeat(1000)))).toBe(true);
    expect(v.write(hexToBytes('e282ac41'))).toBe(true);
    expect(v.write(hexToBytes('4142ed'))).toBe(true);
    expect(v.write(hexToBytes('bf80'))).toBe(false);
    expect(v.errorOffset).toBe(1007);
  });

  it('keeps failing after a failure until reset', () => {
    const v = new Utf8Validator();
    expect(v.write(hexToBytes('ff'))).toBe(false);
    expect(v.write(hexToBytes('41'))).toBe(false);
    expect(v.end()).toBe(false);
    expect(v.errorOffset).toBe(0);
    v.reset();
    expect(v.errorOffset).toBe(-1);
    expect(v.write(hexToBytes('41'))).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('end() rejects a stream that stops inside a sequence, at the offset of the missing byte', () => {
    for (const hex of ['c3', 'e282', 'f09f98', '41f0']) {
      const v = new Utf8Validator();
      expect(v.write(hexToBytes(hex))).toBe(true);
      expect(v.pending).toBe(true);
      expect(v.end()).toBe(false);
      expect(v.errorOffset).toBe(hex.length / 2);
      expect(v.write(hexToBytes('80'))).toBe(false);
    }
  });

  it('after a successful end() starts a new message with offsets from zero', () => {
    const v = new Utf8Validator();
    expect(v.write(hexToBytes('41424344'))).toBe(true);
    expect(v.end()).toBe(true);
    expect(v.write(hexToBytes('41ff'))).toBe(false);
    expect(v.errorOffset).toBe(1);
  });

  it('validates a sequence split across chunks whatever the chunk sizes (large chunks too)', () => {
    const text = `${'x'.repeat(1000)}€😀é${'y'.repeat(1000)}`;
    const bytes = new TextEncoder().encode(text);
    for (let cut = 995; cut < 1012; cut++) {
      const v = new Utf8Validator();
      expect(v.write(bytes.subarray(0, cut))).toBe(true);
      expect(v.write(bytes.subarray(cut))).toBe(true);
      expect(v.end()).toBe(true);
    }
  });

  it('accepts views into larger buffers and subclasses of Uint8Array (as Node’s Buffer is)', () => {
    // A Buffer is a Uint8Array subclass, often a view into a shared pool: this is its shape
    // without Node, so the test runs in Chromium too.
    class PooledBytes extends Uint8Array {}
    const encoded = new TextEncoder().encode(`zz${'ok €'.repeat(100)}zz`);
    const host = new PooledBytes(encoded.length + 4096).fill(0xff);
    host.set(encoded, 4096);
    const view = host.subarray(4098, host.length - 2);
    expect(view).toBeInstanceOf(PooledBytes);
    expect(view.byteOffset).toBe(4098);
    expect(isUtf8(view)).toBe(true);
    const v = new Utf8Validator();
    expect(v.write(view)).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('utf8ErrorOffset: -1, the failing byte, or the length for a truncated sequence', () => {
    expect(utf8ErrorOffset(new Uint8Array(0))).toBe(-1);
    expect(utf8ErrorOffset(hexToBytes('e282ac'))).toBe(-1);
    expect(utf8ErrorOffset(hexToBytes('e28241'))).toBe(2);
    expect(utf8ErrorOffset(hexToBytes('41e282'))).toBe(3);
    expect(utf8ErrorOffset(new TextEncoder().encode(`${'a'.repeat(500)}\u{10FFFF}`).fill(0xf5, 300, 301))).toBe(300);
  });

  it('accepts noncharacters (U+FDD0, U+FFFE, U+FFFF, U+10FFFF) and rejects 5- and 6-byte forms', () => {
    for (const hex of ['efb790', 'efbfbe', 'efbfbf', 'f48fbfbf']) expect(isUtf8(hexToBytes(hex)), hex).toBe(true);
    for (const hex of ['f888808080', 'fc8480808080']) expect(utf8ErrorOffset(hexToBytes(hex)), hex).toBe(0);
  });
});
