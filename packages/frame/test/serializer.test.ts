import { describe, expect, it } from 'vitest';
import {
  encodedFrameLength,
  encodeFrame,
  encodeFrameInto,
  FrameParser,
  MAX_CONTROL_PAYLOAD_LENGTH,
  Opcode,
  Rsv,
  randomMaskKey,
} from '../src/index.js';
import { ascii, bytes, CallerBytes, concat, expectBytes, hex, pseudoRandomBytes, referenceMask } from './helpers.js';

const KEY = bytes(0x37, 0xfa, 0x21, 0x3d);

describe('encodeFrame', () => {
  it('returns the header and the caller payload itself when unmasked (RFC 6455 §5.7 "Hello")', () => {
    const payload = ascii('Hello');
    const [header, body] = encodeFrame(Opcode.Text, payload);
    expect(header).toEqual(bytes(0x81, 0x05));
    expect(body).toBe(payload);
  });

  it('masks into a fresh buffer by default (RFC 6455 §5.7 masked "Hello")', () => {
    const payload = ascii('Hello');
    const [header, body] = encodeFrame(Opcode.Text, payload, { mask: KEY });
    expect(concat([header, body])).toEqual(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58));
    expect(body).not.toBe(payload);
    expect(payload).toEqual(ascii('Hello'));
  });

  it('masks the caller buffer in place with maskInPlace', () => {
    const payload = ascii('Hello');
    const [, body] = encodeFrame(Opcode.Text, payload, { mask: KEY, maskInPlace: true });
    expect(body).toBe(payload);
    expect(payload).toEqual(bytes(0x7f, 0x9f, 0x4d, 0x51, 0x58));
  });

  it('allocates the masked copy with options.allocate', () => {
    const payload = pseudoRandomBytes(5000);
    const [header, body] = encodeFrame(Opcode.Binary, payload, { mask: true, allocate: (n) => new CallerBytes(n) });
    expect(body).toBeInstanceOf(CallerBytes);
    expectBytes(body, referenceMask(payload, header.subarray(header.length - 4)));
    expect(() => encodeFrame(Opcode.Binary, payload, { mask: true, allocate: () => new Uint8Array(1) })).toThrow(
      TypeError,
    );
    // Not called when masking in place or not masking.
    const never = () => {
      throw new Error('unexpected');
    };
    expect(() => encodeFrame(Opcode.Binary, payload, { mask: KEY, maskInPlace: true, allocate: never })).not.toThrow();
    expect(() => encodeFrame(Opcode.Binary, payload, { allocate: never })).not.toThrow();
  });

  it('draws random keys from the pool: fresh per frame, placed in the header', () => {
    const payload = pseudoRandomBytes(1000);
    const keys = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      // 3000 keys cross a pool refill (2048 keys per 8 KiB).
      const [header, body] = encodeFrame(Opcode.Binary, payload, { mask: true });
      expect(header[1]! & 0x80).toBe(0x80);
      const key = header.subarray(header.length - 4);
      keys.add(hex(key));
      if (i % 500 === 0) expectBytes(body, referenceMask(payload, key));
    }
    // 3000 random 32-bit keys: a collision or two is possible, not a repeating pool.
    expect(keys.size).toBeGreaterThan(2990);
    expect(randomMaskKey()).toHaveLength(4);
  });

  it('encodes flags, empty payloads and every length class', () => {
    expect(encodeFrame(Opcode.Text, ascii('Hel'), { fin: false })[0]).toEqual(bytes(0x01, 0x03));
    expect(encodeFrame(Opcode.Continuation, ascii('lo'))[0]).toEqual(bytes(0x80, 0x02));
    expect(encodeFrame(Opcode.Binary, new Uint8Array(1), { rsv: Rsv.Rsv1 })[0]).toEqual(bytes(0xc2, 0x01));
    const [h, b] = encodeFrame(Opcode.Close, new Uint8Array(0), { mask: KEY });
    expect(h).toEqual(bytes(0x88, 0x80, ...KEY));
    expect(b).toHaveLength(0);
    expect(encodeFrame(Opcode.Binary, new Uint8Array(256))[0]).toEqual(bytes(0x82, 0x7e, 0x01, 0x00));
    expect(encodeFrame(Opcode.Binary, new Uint8Array(65536))[0]).toEqual(bytes(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0));
  });

  it('enforces the sender rules (reserved opcodes, control frames) unless validate is false', () => {
    expect(() => encodeFrame(0x3, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeFrame(0xb, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeFrame(Opcode.Ping, new Uint8Array(0), { fin: false })).toThrow(RangeError);
    expect(() => encodeFrame(Opcode.Ping, new Uint8Array(MAX_CONTROL_PAYLOAD_LENGTH + 1))).toThrow(RangeError);
    expect(encodeFrame(Opcode.Ping, new Uint8Array(MAX_CONTROL_PAYLOAD_LENGTH))[0]).toEqual(bytes(0x89, 125));
    expect(encodeFrame(Opcode.Ping, new Uint8Array(126), { fin: false, validate: false })[0]).toEqual(
      bytes(0x09, 126, 0, 126),
    );
    expect(encodeFrame(0x3, new Uint8Array(0), { validate: false })[0]).toEqual(bytes(0x83, 0));
    expect(() => encodeFrame(16, new Uint8Array(0), { validate: false })).toThrow(RangeError);
    expect(() => encodeFrame(Opcode.Text, new Uint8Array(0), { rsv: 8 })).toThrow(RangeError);
    expect(() => encodeFrame(Opcode.Text, new Uint8Array(0), { mask: bytes(1, 2) })).toThrow(TypeError);
    expect(() => encodeFrame(Opcode.Text, 'hi' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('encodeFrameInto', () => {
  it('writes header and payload into one buffer, equal to encodeFrame output', () => {
    for (const length of [0, 5, 125, 126, 1000, 65536]) {
      const payload = pseudoRandomBytes(length, length + 1);
      for (const mask of [false, KEY] as const) {
        const target = new Uint8Array(encodedFrameLength(length, mask !== false) + 7);
        const end = encodeFrameInto(target, 3, Opcode.Binary, payload, { mask, fin: false, rsv: 1 });
        expect(end).toBe(3 + encodedFrameLength(length, mask !== false));
        expectBytes(target.subarray(3, end), concat(encodeFrame(Opcode.Binary, payload, { mask, fin: false, rsv: 1 })));
      }
    }
  });

  it('masks with a random key without touching the payload, and the result parses back', () => {
    const payload = ascii('ping me');
    const target = new Uint8Array(encodedFrameLength(payload.length, true));
    encodeFrameInto(target, 0, Opcode.Ping, payload, { mask: true, maskInPlace: true });
    expect(payload).toEqual(ascii('ping me'));
    const parser = new FrameParser({ role: 'server' });
    parser.push(target);
    expect(parser.next()).toEqual({ fin: true, rsv: 0, opcode: Opcode.Ping, masked: true, payload });
  });

  it('throws RangeError when the frame does not fit', () => {
    expect(() => encodeFrameInto(new Uint8Array(6), 0, Opcode.Text, ascii('Hello'))).toThrow(RangeError);
    expect(() => encodeFrameInto(new Uint8Array(7), 1, Opcode.Text, ascii('Hello'))).toThrow(RangeError);
    expect(() => encodeFrameInto(new Uint8Array(10), 0, Opcode.Text, ascii('Hello'), { mask: true })).toThrow(
      RangeError,
    );
    expect(encodeFrameInto(new Uint8Array(7), 0, Opcode.Text, ascii('Hello'))).toBe(7);
  });
});

describe('masked copies', () => {
  it('never overlap: many small masked frames keep their own bytes', () => {
    const frames = Array.from({ length: 400 }, (_, i) => {
      const payload = pseudoRandomBytes(1 + ((i * 37) % 300), i + 1);
      return { payload, parts: encodeFrame(Opcode.Binary, payload, { mask: true }) };
    });
    // Also mix in large ones that bypass the slab.
    frames.push({
      payload: pseudoRandomBytes(5000),
      parts: encodeFrame(Opcode.Binary, pseudoRandomBytes(5000), { mask: true }),
    });
    for (const { payload, parts } of frames) {
      const [header, body] = parts;
      expectBytes(body, referenceMask(payload, header.subarray(header.length - 4)));
    }
  });
});
