import { describe, expect, it } from 'vitest';
import {
  assertSendableCloseCode,
  CloseCode,
  CloseCodeRange,
  describeCloseCode,
  InvalidCloseCodeError,
  isLocalOnlyCloseCode,
  isValidReceivedCloseCode,
  isValidSendCloseCode,
} from '../src/index';

// Independent table, straight from RFC 6455 §7.4.1-7.4.2 and the IANA registry:
// which codes may appear in a close frame on the wire.
function onTheWire(code: number): boolean {
  const named = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
  if (named.includes(code)) return true;
  if (code >= 3000 && code <= 3999) return true; // registered
  if (code >= 4000 && code <= 4999) return true; // private use
  return false; // 0-999, 1004, 1005, 1006, 1015, 1016-2999, 5000+
}

describe('CloseCode', () => {
  it('names every registered code with its number', () => {
    expect(CloseCode).toEqual({
      Normal: 1000,
      GoingAway: 1001,
      ProtocolError: 1002,
      UnsupportedData: 1003,
      NoStatus: 1005,
      Abnormal: 1006,
      InvalidPayload: 1007,
      PolicyViolation: 1008,
      MessageTooBig: 1009,
      MandatoryExtension: 1010,
      InternalError: 1011,
      ServiceRestart: 1012,
      TryAgainLater: 1013,
      BadGateway: 1014,
      TlsHandshake: 1015,
    });
    expect(CloseCodeRange).toEqual({ RegisteredMin: 3000, RegisteredMax: 3999, PrivateMin: 4000, PrivateMax: 4999 });
  });
});

describe('RFC 6455 §7.4: classification of every code 0..65535', () => {
  it('receiving side matches the table', () => {
    const wrong: number[] = [];
    for (let code = 0; code <= 0xffff; code++) if (isValidReceivedCloseCode(code) !== onTheWire(code)) wrong.push(code);
    expect(wrong).toEqual([]);
  });

  it('sending side matches the table, and assertSendableCloseCode agrees', () => {
    const wrong: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (isValidSendCloseCode(code) !== onTheWire(code)) wrong.push(code);
      let threw = false;
      try {
        assertSendableCloseCode(code);
      } catch (error) {
        threw = error instanceof InvalidCloseCodeError;
      }
      if (threw === onTheWire(code)) wrong.push(code);
    }
    expect(wrong).toEqual([]);
  });

  it('1005, 1006 and 1015 are local-only: never valid on the wire in either direction', () => {
    for (const code of [1005, 1006, 1015]) {
      expect(isLocalOnlyCloseCode(code)).toBe(true);
      expect(isValidReceivedCloseCode(code)).toBe(false);
      expect(isValidSendCloseCode(code)).toBe(false);
    }
    expect(isLocalOnlyCloseCode(1000)).toBe(false);
  });

  it('rejects values that are not integers in the code space', () => {
    for (const value of [-1, 1000.5, Number.NaN, Number.POSITIVE_INFINITY, 65536, 70000]) {
      expect(isValidReceivedCloseCode(value)).toBe(onTheWire(value) && Number.isInteger(value));
      expect(isValidSendCloseCode(value)).toBe(false);
    }
  });
});

describe('assertSendableCloseCode', () => {
  it('throws a RangeError subclass with a clear message', () => {
    const error = (() => {
      try {
        assertSendableCloseCode(1005);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidCloseCodeError);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as InvalidCloseCodeError).code).toBe('WS_ERR_INVALID_CLOSE_CODE_TO_SEND');
    expect((error as InvalidCloseCodeError).closeCode).toBe(1005);
    expect((error as Error).message).toMatch(/1005.*never sent.*1000-1003, 1007-1014, or 3000-4999/);
  });

  it.each([
    [999, /outside the defined ranges/],
    [1004, /reserved/],
    [2000, /reserved/],
    [5000, /outside the defined ranges/],
    [1000.5, /not an integer/],
  ])('explains why %s is refused', (code, why) => {
    expect(() => assertSendableCloseCode(code)).toThrow(why);
  });

  it('accepts every code ws lets an application send', () => {
    for (const code of [
      1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
    ]) {
      expect(() => assertSendableCloseCode(code)).not.toThrow();
    }
  });
});

describe('describeCloseCode', () => {
  it.each([
    [1000, 'normal closure'],
    [1001, 'going away'],
    [1002, 'protocol error'],
    [1005, 'no status received'],
    [1006, 'abnormal closure'],
    [1007, 'invalid payload data'],
    [1009, 'message too big'],
    [1015, 'TLS handshake failure'],
    [500, 'unused (invalid)'],
    [1016, 'reserved for future use (invalid)'],
    [3001, 'registered (library, framework or application)'],
    [4001, 'private use'],
    [5000, 'undefined (invalid)'],
    [-3, 'not a close code'],
  ])('%s is "%s"', (code, text) => {
    expect(describeCloseCode(code)).toBe(text);
  });

  it('describes every code of the 16-bit space', () => {
    const blank: number[] = [];
    for (let code = 0; code <= 0xffff; code++) if (describeCloseCode(code).length === 0) blank.push(code);
    expect(blank).toEqual([]);
  });
});
