import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeWireMessage,
  encodeWireMessage,
  isFromNode,
  MAX_NODE_ID_LENGTH,
  WIRE_VERSION,
  WireError,
  WireErrorCode,
} from '../src/wire';

const id = Uint8Array.of(1, 2, 3, 4);
const text = (s: string) => new TextEncoder().encode(s);

function decodeError(bytes: number[] | Uint8Array) {
  const result = decodeWireMessage(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  if (result.ok) throw new Error('expected a decode error');
  expect(result.error).toBeInstanceOf(WireError);
  return result.error.code;
}

describe('wire format', () => {
  it('lays out version, flags, node id length, node id, payload', () => {
    expect([...encodeWireMessage(id, text('hi'), false)]).toEqual([WIRE_VERSION, 0, 4, 1, 2, 3, 4, 0x68, 0x69]);
    expect([...encodeWireMessage(id, Uint8Array.of(0xff), true)]).toEqual([WIRE_VERSION, 1, 4, 1, 2, 3, 4, 0xff]);
  });

  it('round-trips text and binary, empty payloads included', () => {
    for (const [payload, isBinary] of [
      [text('héllo ✓'), false],
      [Uint8Array.of(0, 0xff, 0x80), true],
      [new Uint8Array(0), false],
      [new Uint8Array(0), true],
    ] as const) {
      const decoded = decodeWireMessage(encodeWireMessage(id, payload, isBinary));
      expect(decoded).toEqual({ ok: true, nodeId: id, isBinary, payload });
    }
  });

  it('returns views, not copies, and Buffers when asked to allocate Buffers', () => {
    const bytes = encodeWireMessage(id, text('abc'), false, Buffer.allocUnsafe);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    const decoded = decodeWireMessage(bytes);
    if (!decoded.ok) throw decoded.error;
    expect(decoded.payload.buffer).toBe(bytes.buffer);
  });

  it('property: any node id, payload and type round-trip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: MAX_NODE_ID_LENGTH }),
        fc.oneof(
          fc.record({ isBinary: fc.constant(true), payload: fc.uint8Array({ maxLength: 300 }) }),
          fc.record({ isBinary: fc.constant(false), payload: fc.string({ unit: 'grapheme' }).map(text) }),
        ),
        (nodeId, { isBinary, payload }) => {
          const decoded = decodeWireMessage(encodeWireMessage(nodeId, payload, isBinary));
          expect(decoded).toEqual({ ok: true, nodeId, isBinary, payload });
          expect(isFromNode(encodeWireMessage(nodeId, payload, isBinary), nodeId)).toBe(true);
        },
      ),
    );
  });

  it('refuses a bad node id as local misuse (RangeError)', () => {
    expect(() => encodeWireMessage(new Uint8Array(0), text('x'), false)).toThrow(RangeError);
    expect(() => encodeWireMessage(new Uint8Array(MAX_NODE_ID_LENGTH + 1), text('x'), false)).toThrow(RangeError);
  });
});

describe('decoding bad input gives a typed error, never an exception', () => {
  it('truncated header or node id', () => {
    expect(decodeError([])).toBe(WireErrorCode.Truncated);
    expect(decodeError([1, 0])).toBe(WireErrorCode.Truncated);
    expect(decodeError([1, 0, 4, 1, 2, 3])).toBe(WireErrorCode.Truncated);
  });

  it('unknown version', () => {
    expect(decodeError([2, 0, 1, 9])).toBe(WireErrorCode.UnknownVersion);
    expect(decodeError([0, 0, 1, 9])).toBe(WireErrorCode.UnknownVersion);
  });

  it('reserved flag bits', () => {
    expect(decodeError([1, 0x02, 1, 9])).toBe(WireErrorCode.ReservedFlags);
    expect(decodeError([1, 0x81, 1, 9])).toBe(WireErrorCode.ReservedFlags);
  });

  it('node id length 0 or over the maximum', () => {
    expect(decodeError([1, 0, 0])).toBe(WireErrorCode.InvalidNodeIdLength);
    expect(decodeError([1, 0, MAX_NODE_ID_LENGTH + 1, ...new Array(40).fill(0)])).toBe(
      WireErrorCode.InvalidNodeIdLength,
    );
  });

  it('text that is not UTF-8 (binary may hold anything)', () => {
    expect(decodeError([1, 0, 1, 9, 0xc0, 0x80])).toBe(WireErrorCode.InvalidUtf8);
    expect(decodeWireMessage(Uint8Array.of(1, 1, 1, 9, 0xc0, 0x80)).ok).toBe(true);
  });

  it('property: arbitrary bytes decode to a value or a WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const result = decodeWireMessage(bytes);
        if (!result.ok) expect(Object.values(WireErrorCode)).toContain(result.error.code);
        expect(() => isFromNode(bytes, id)).not.toThrow();
      }),
    );
  });

  it('isFromNode tells the own node id from others and from garbage', () => {
    const own = encodeWireMessage(id, text('x'), false);
    expect(isFromNode(own, id)).toBe(true);
    expect(isFromNode(own, Uint8Array.of(1, 2, 3, 5))).toBe(false);
    expect(isFromNode(own, Uint8Array.of(1, 2, 3))).toBe(false);
    expect(isFromNode(Uint8Array.of(1, 0), id)).toBe(false);
  });
});
