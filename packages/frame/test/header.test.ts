import { describe, expect, it } from 'vitest';
import { decodeFrameHeader, encodeFrameHeader, FrameError, frameHeaderLength, Opcode, Rsv } from '../src/index.js';
import { bytes } from './helpers.js';

describe('encodeFrameHeader (RFC 6455 §5.2)', () => {
  it('uses the 7-bit length up to 125, the 16-bit form up to 65535 and the 64-bit form above', () => {
    expect(encodeFrameHeader(Opcode.Text, 0)).toEqual(bytes(0x81, 0x00));
    expect(encodeFrameHeader(Opcode.Text, 125)).toEqual(bytes(0x81, 125));
    expect(encodeFrameHeader(Opcode.Binary, 126)).toEqual(bytes(0x82, 126, 0x00, 0x7e));
    expect(encodeFrameHeader(Opcode.Binary, 256)).toEqual(bytes(0x82, 0x7e, 0x01, 0x00));
    expect(encodeFrameHeader(Opcode.Binary, 65535)).toEqual(bytes(0x82, 126, 0xff, 0xff));
    expect(encodeFrameHeader(Opcode.Binary, 65536)).toEqual(bytes(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0));
    expect(encodeFrameHeader(Opcode.Binary, 2 ** 32 + 5)).toEqual(bytes(0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 5));
    expect(encodeFrameHeader(Opcode.Binary, Number.MAX_SAFE_INTEGER)).toEqual(
      bytes(0x82, 0x7f, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    );
  });

  it('sets FIN, RSV and opcode bits', () => {
    expect(encodeFrameHeader(Opcode.Text, 3, false)).toEqual(bytes(0x01, 0x03));
    expect(encodeFrameHeader(Opcode.Continuation, 2, true)).toEqual(bytes(0x80, 0x02));
    expect(encodeFrameHeader(Opcode.Text, 1, true, Rsv.Rsv1)).toEqual(bytes(0xc1, 0x01));
    expect(encodeFrameHeader(Opcode.Text, 1, true, Rsv.Rsv2)).toEqual(bytes(0xa1, 0x01));
    expect(encodeFrameHeader(Opcode.Text, 1, true, Rsv.Rsv3)).toEqual(bytes(0x91, 0x01));
    expect(encodeFrameHeader(Opcode.Pong, 0, true, 7)).toEqual(bytes(0xfa, 0x00));
  });

  it('appends a masking key and sets the MASK bit', () => {
    const key = bytes(0x37, 0xfa, 0x21, 0x3d);
    expect(encodeFrameHeader(Opcode.Text, 5, true, 0, key)).toEqual(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d));
    expect(encodeFrameHeader(Opcode.Binary, 300, true, 0, key)).toEqual(
      bytes(0x82, 0xfe, 0x01, 0x2c, 0x37, 0xfa, 0x21, 0x3d),
    );
    expect(encodeFrameHeader(Opcode.Binary, 70000, true, 0, key)).toHaveLength(14);
  });

  it('is a raw codec: encodes reserved opcodes and oversized control frames, but rejects out-of-range fields', () => {
    expect(encodeFrameHeader(0x3, 0)).toEqual(bytes(0x83, 0x00));
    expect(encodeFrameHeader(Opcode.Ping, 126, false)).toEqual(bytes(0x09, 126, 0x00, 126));
    expect(() => encodeFrameHeader(16, 0)).toThrow(RangeError);
    expect(() => encodeFrameHeader(-1, 0)).toThrow(RangeError);
    expect(() => encodeFrameHeader(1.5, 0)).toThrow(RangeError);
    expect(() => encodeFrameHeader(1, -1)).toThrow(RangeError);
    expect(() => encodeFrameHeader(1, 2 ** 53)).toThrow(RangeError);
    expect(() => encodeFrameHeader(1, Number.NaN)).toThrow(RangeError);
    expect(() => encodeFrameHeader(1, 0, true, 8)).toThrow(RangeError);
    expect(() => encodeFrameHeader(1, 0, true, 0, bytes(1, 2, 3))).toThrow(TypeError);
  });

  it('frameHeaderLength matches the encoded size', () => {
    for (const length of [0, 1, 125, 126, 65535, 65536, 2 ** 40]) {
      expect(frameHeaderLength(length)).toBe(encodeFrameHeader(1, length).length);
      expect(frameHeaderLength(length, true)).toBe(encodeFrameHeader(1, length, true, 0, bytes(1, 2, 3, 4)).length);
    }
  });
});

describe('decodeFrameHeader', () => {
  it('decodes every length form and the masking key', () => {
    expect(decodeFrameHeader(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f))).toEqual({
      fin: true,
      rsv: 0,
      opcode: 1,
      masked: true,
      payloadLength: 5,
      maskKey: bytes(0x37, 0xfa, 0x21, 0x3d),
      headerLength: 6,
    });
    expect(decodeFrameHeader(bytes(0x22, 0x7e, 0x01, 0x00))).toMatchObject({
      fin: false,
      rsv: Rsv.Rsv2,
      opcode: 2,
      masked: false,
      payloadLength: 256,
      maskKey: null,
      headerLength: 4,
    });
    expect(decodeFrameHeader(bytes(0, 0, 0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0), 2)).toMatchObject({
      payloadLength: 65536,
      headerLength: 10,
    });
  });

  it('returns null until the header is complete', () => {
    const header = encodeFrameHeader(Opcode.Binary, 70000, true, 0, bytes(1, 2, 3, 4));
    for (let n = 0; n < header.length; n++) expect(decodeFrameHeader(header.subarray(0, n))).toBeNull();
    expect(decodeFrameHeader(header)).toMatchObject({ payloadLength: 70000, headerLength: 14 });
  });

  it('round-trips encodeFrameHeader', () => {
    for (const length of [0, 125, 126, 65535, 65536, Number.MAX_SAFE_INTEGER]) {
      for (const opcode of [0, 1, 2, 8, 9, 10]) {
        const decoded = decodeFrameHeader(encodeFrameHeader(opcode, length, opcode >= 8, 5));
        expect(decoded).toMatchObject({ opcode, payloadLength: length, rsv: 5, fin: opcode >= 8 });
      }
    }
  });

  it('rejects a 64-bit length with the top bit set as malformed (1002)', () => {
    const top = () => decodeFrameHeader(bytes(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0));
    expect(top).toThrow(FrameError);
    expect(top).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_PAYLOAD_LENGTH', closeCode: 1002 }));
  });

  it('rejects a legal 64-bit length beyond Number.MAX_SAFE_INTEGER as too big (1009), 2^62 included', () => {
    for (const high of [0x00, 0x20, 0x40, 0x7f]) {
      const unsafe = () => decodeFrameHeader(bytes(0x82, 0x7f, high, 0x20, 0, 0, 0, 0, 0, 0));
      expect(unsafe).toThrow(expect.objectContaining({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 }));
    }
  });
});
