import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CloseFrameError,
  encodeClosePayload,
  InvalidCloseCodeError,
  InvalidCloseReasonError,
  isValidReceivedCloseCode,
  parseClosePayload,
} from '../src/index';

const bytes = (...values: number[]) => Uint8Array.from(values);
const withCode = (code: number, reason: Uint8Array | string = '') => {
  const tail = typeof reason === 'string' ? new TextEncoder().encode(reason) : reason;
  return Uint8Array.from([code >> 8, code & 0xff, ...tail]);
};
const errorOf = (payload: Uint8Array): CloseFrameError => {
  const parsed = parseClosePayload(payload);
  if (parsed.ok) throw new Error(`expected a failure, got code ${parsed.code}`);
  return parsed.error;
};

describe('parseClosePayload (RFC 6455 §5.5.1, §7.1.5, §7.1.6)', () => {
  it('empty payload: no status, the application sees 1005', () => {
    expect(parseClosePayload(new Uint8Array(0))).toEqual({ ok: true, code: 1005, reason: '' });
  });

  it('1 byte: protocol error 1002', () => {
    const error = errorOf(bytes(0x03));
    expect(error).toBeInstanceOf(CloseFrameError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('WS_ERR_INVALID_CLOSE_PAYLOAD_LENGTH');
    expect(error.closeCode).toBe(1002);
  });

  it('code only', () => {
    expect(parseClosePayload(withCode(1000))).toEqual({ ok: true, code: 1000, reason: '' });
    expect(parseClosePayload(withCode(4999))).toEqual({ ok: true, code: 4999, reason: '' });
  });

  it('every 16-bit code: accepted exactly when valid on the wire, else 1002', () => {
    const wrong: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const parsed = parseClosePayload(withCode(code));
      const expected = isValidReceivedCloseCode(code);
      if (parsed.ok !== expected) wrong.push(code);
      else if (parsed.ok && parsed.code !== code) wrong.push(code);
      else if (!parsed.ok && (parsed.error.closeCode !== 1002 || parsed.error.code !== 'WS_ERR_INVALID_CLOSE_CODE')) {
        wrong.push(code);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('decodes a UTF-8 reason, keeping a leading BOM and noncharacters', () => {
    expect(parseClosePayload(withCode(1001, 'bye 👋 – ünïcode'))).toEqual({
      ok: true,
      code: 1001,
      reason: 'bye 👋 – ünïcode',
    });
    expect(parseClosePayload(withCode(1000, '\uFEFFbom'))).toEqual({ ok: true, code: 1000, reason: '\uFEFFbom' });
    expect(parseClosePayload(withCode(1000, '\uFFFF'))).toEqual({ ok: true, code: 1000, reason: '\uFFFF' });
  });

  it.each([
    ['surrogate', bytes(0xed, 0xa0, 0x80)],
    ['truncated sequence', bytes(0x41, 0xe2, 0x82)],
    ['overlong', bytes(0xc0, 0xaf)],
    ['above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
    ['stray continuation', bytes(0x80)],
  ])('reason with invalid UTF-8 (%s): 1007', (_label, reason) => {
    const error = errorOf(withCode(1000, reason));
    expect(error.code).toBe('WS_ERR_INVALID_UTF8');
    expect(error.closeCode).toBe(1007);
  });

  it('an invalid code is reported before an invalid reason', () => {
    expect(errorOf(withCode(1005, bytes(0xff))).closeCode).toBe(1002);
  });

  it('125 bytes is the limit; 126 and more: 1002', () => {
    expect(parseClosePayload(withCode(1000, 'r'.repeat(123)))).toEqual({
      ok: true,
      code: 1000,
      reason: 'r'.repeat(123),
    });
    const error = errorOf(withCode(1000, 'r'.repeat(124)));
    expect(error.code).toBe('WS_ERR_CONTROL_FRAME_TOO_LONG');
    expect(error.closeCode).toBe(1002);
  });

  it('reads a view into a larger buffer', () => {
    const host = Uint8Array.from([0xff, 0x0b, 0xb8, 0x68, 0x69, 0xff]);
    expect(parseClosePayload(host.subarray(1, 5))).toEqual({ ok: true, code: 3000, reason: 'hi' });
  });
});

describe('encodeClosePayload', () => {
  it('no code: empty payload', () => {
    expect(encodeClosePayload()).toEqual(new Uint8Array(0));
    expect(encodeClosePayload(undefined, '')).toEqual(new Uint8Array(0));
  });

  it('refuses a reason without a code', () => {
    expect(() => encodeClosePayload(undefined, 'why')).toThrow(InvalidCloseReasonError);
    expect(() => encodeClosePayload(undefined, 'why')).toThrow(/without a close code/);
  });

  it('writes the code big-endian, then the UTF-8 reason', () => {
    expect(encodeClosePayload(1000)).toEqual(bytes(0x03, 0xe8));
    expect(encodeClosePayload(4321, 'é')).toEqual(bytes(0x10, 0xe1, 0xc3, 0xa9));
  });

  it('refuses codes that may not be sent', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
      expect(() => encodeClosePayload(code)).toThrow(InvalidCloseCodeError);
    }
  });

  it('accepts a 123-byte reason and refuses 124 bytes with a RangeError', () => {
    expect(encodeClosePayload(1000, 'x'.repeat(123))).toHaveLength(125);
    const attempt = () => encodeClosePayload(1000, 'x'.repeat(124));
    expect(attempt).toThrow(InvalidCloseReasonError);
    expect(attempt).toThrow(RangeError);
    expect(attempt).toThrow(/at most 123 bytes.*got 124/);
  });

  it('truncates on request, on a code point boundary', () => {
    // 122 ASCII + '€' (3 bytes) = 125: the euro sign does not fit and is dropped whole.
    const reason = `${'x'.repeat(122)}€`;
    const payload = encodeClosePayload(1000, reason, { truncateReason: true });
    expect(payload).toHaveLength(2 + 122);
    expect(parseClosePayload(payload)).toEqual({ ok: true, code: 1000, reason: 'x'.repeat(122) });
    // '😀' is 4 bytes: 30 of them fill 120 bytes, the 31st would need 124.
    const emoji = encodeClosePayload(1000, '😀'.repeat(40), { truncateReason: true });
    expect(emoji).toHaveLength(2 + 120);
  });

  it('encodes a lone surrogate as U+FFFD, like TextEncoder', () => {
    expect(encodeClosePayload(1000, '\uD800')).toEqual(bytes(0x03, 0xe8, 0xef, 0xbf, 0xbd));
  });

  it('round-trips through parseClosePayload (property)', () => {
    const sendable = fc.oneof(
      fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014),
      fc.integer({ min: 3000, max: 4999 }),
    );
    // Any code point, lone surrogates included (faster than fc.string's 'binary' unit).
    const codePoint = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0x7ff }),
      fc.integer({ min: 0x800, max: 0xffff }),
      fc.integer({ min: 0x10000, max: 0x10ffff }),
    );
    const text = fc.array(codePoint, { maxLength: 80 }).map((cps) => String.fromCodePoint(...cps));
    fc.assert(
      fc.property(sendable, text, (code, reason) => {
        const wellFormed = new TextDecoder().decode(new TextEncoder().encode(reason));
        const payload = encodeClosePayload(code, reason, { truncateReason: true });
        expect(payload.length).toBeLessThanOrEqual(125);
        const parsed = parseClosePayload(payload);
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.code).toBe(code);
        expect(wellFormed.startsWith(parsed.reason)).toBe(true);
        if (new TextEncoder().encode(wellFormed).length <= 123) expect(parsed.reason).toBe(wellFormed);
      }),
      { numRuns: 500 },
    );
  });

  it('parseClosePayload never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), (payload) => {
        const parsed = parseClosePayload(payload);
        if (!parsed.ok) expect([1002, 1007]).toContain(parsed.error.closeCode);
        else if (payload.length >= 2) expect(encodeClosePayload(parsed.code, parsed.reason)).toEqual(payload);
      }),
      { numRuns: 1000 },
    );
  });
});
