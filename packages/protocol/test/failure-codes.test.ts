import { describe, expect, it } from 'vitest';
import { type MessageExtension, ProtocolError } from '../src/index.js';
import { harness } from './harness.js';
import { closeCodeOf, frame } from './wire.js';

const BINARY = 2;
const CLOSE = 8;

/** An extension whose decoder fails with `error`, synchronously or through a rejected Promise. */
function failingDecoder(error: unknown, async: boolean): MessageExtension {
  return {
    name: 'x-failing',
    rsvMask: 4,
    decode: () => {
      if (async) return Promise.reject(error);
      throw error;
    },
    encode: (payload) => ({ payload, rsv: 0 }),
  };
}

/** Feeds one extension-transformed frame and returns the failure reported and the close code written. */
async function failWith(error: unknown, async: boolean): Promise<{ reported: unknown; written: number }> {
  const h = harness('server', { extensions: [failingDecoder(error, async)] });
  h.conn.receive(frame(BINARY, 'x', { rsv: 4 }));
  // A rejected Promise settles on the microtask queue: no timer involved.
  if (async) await Promise.resolve().then(() => undefined);
  const out = h.written();
  expect(out).toHaveLength(1);
  expect(out[0]?.opcode).toBe(CLOSE);
  const written = closeCodeOf(out[0]?.payload ?? Uint8Array.of());
  return { reported: h.events.find((e) => e[0] === 'error'), written: written ?? Number.NaN };
}

describe('only sendable close codes reach the wire (RFC 6455 §7.4.1)', () => {
  const unsendable: Array<[string, unknown]> = [
    ['1005 (no status)', 1005],
    ['1006 (abnormal closure)', 1006],
    ['1015 (TLS handshake)', 1015],
    ['999 (below the range)', 999],
    ['1004 (reserved)', 1004],
    ['2999 (unassigned)', 2999],
    ['5000 (undefined)', 5000],
    ['1002.5 (not an integer)', 1002.5],
    ['a string', '1002'],
  ];
  for (const async of [false, true]) {
    const how = async ? 'rejects' : 'throws';
    for (const [name, closeCode] of unsendable) {
      it(`a decoder that ${how} an error carrying ${name} fails the connection with 1011`, async () => {
        const error = Object.assign(new Error('peer went away'), { code: 'WS_ERR_X', closeCode });
        const { reported, written } = await failWith(error, async);
        expect(written).toBe(1011);
        expect(reported).toEqual(['error', 'WS_ERR_INTERNAL', 1011]);
      });
    }

    it(`a decoder that ${how} a ProtocolError made with 1006 fails the connection with 1011`, async () => {
      const { reported, written } = await failWith(new ProtocolError('WS_ERR_X', 1006, 'abnormal'), async);
      expect(written).toBe(1011);
      expect(reported).toEqual(['error', 'WS_ERR_INTERNAL', 1011]);
    });

    it(`a decoder that ${how} an error carrying a sendable code keeps it`, async () => {
      const error = Object.assign(new Error('bad data'), { code: 'WS_ERR_INVALID_COMPRESSED_DATA', closeCode: 1007 });
      const { reported, written } = await failWith(error, async);
      expect(written).toBe(1007);
      expect(reported).toEqual(['error', 'WS_ERR_INVALID_COMPRESSED_DATA', 1007]);
    });
  }

  it('keeps the foreign error as the cause of the internal error, without sending its message', async () => {
    const h = harness('server', {
      extensions: [failingDecoder(Object.assign(new Error('secret detail'), { closeCode: 1006 }), false)],
    });
    h.conn.receive(frame(BINARY, 'x', { rsv: 4 }));
    const failure = h.conn.error;
    expect(failure?.closeCode).toBe(1011);
    expect(failure?.cause).toMatchObject({ message: 'secret detail' });
    expect(failure?.message).not.toContain('secret');
    expect(h.conn.receiveEof()).toEqual({ code: 1011, reason: '', wasClean: false });
  });
});

describe('a legal 64-bit length over the limit is 1009, not 1002 (RFC 6455 §5.2, §7.4.1)', () => {
  // Header of a masked binary frame announcing 2^62 bytes: the most significant bit is clear.
  const header = Uint8Array.of(0x82, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x37, 0xfa, 0x21, 0x3d);

  it('fails the connection with 1009 from the header alone', () => {
    const h = harness();
    h.conn.receive(header.slice());
    expect(h.events[0]).toEqual(['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009]);
    const out = h.written();
    expect(out).toHaveLength(1);
    expect(out[0]?.opcode).toBe(CLOSE);
    expect(closeCodeOf(out[0]?.payload ?? Uint8Array.of())).toBe(1009);
  });

  it('decides as soon as the extended length is complete, before the mask key', () => {
    const h = harness();
    for (const byte of header.subarray(0, 10)) h.conn.receive(Uint8Array.of(byte));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009]);
    expect(closeCodeOf(h.written()[0]?.payload ?? Uint8Array.of())).toBe(1009);
  });

  it('still answers a length with the top bit set with 1002', () => {
    const h = harness();
    h.conn.receive(Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x37, 0xfa, 0x21, 0x3d));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_INVALID_PAYLOAD_LENGTH', 1002]);
    expect(closeCodeOf(h.written()[0]?.payload ?? Uint8Array.of())).toBe(1002);
  });
});
