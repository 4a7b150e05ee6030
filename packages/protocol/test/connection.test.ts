import { describe, expect, it } from 'vitest';
import { InvalidStateError, type MessageExtension } from '../src/index.js';
import { harness } from './harness.js';
import { bytes, closeCodeOf, concat, frame, hex } from './wire.js';

const TEXT = 1;
const BINARY = 2;
const CONT = 0;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

const closePayload = (code: number, reason = '') => concat(Uint8Array.of(code >> 8, code & 0xff), bytes(reason));

describe('messages (RFC 6455 §5.6)', () => {
  it('delivers a whole text frame and a binary frame', () => {
    const h = harness();
    h.conn.receive(concat(frame(TEXT, 'Hello'), frame(BINARY, [1, 2, 3])));
    expect(h.events).toEqual([
      ['message', 'Hello', false],
      ['message', Uint8Array.of(1, 2, 3), true],
    ]);
  });

  it('reassembles a fragmented message delivered one byte at a time (§5.4)', () => {
    const h = harness();
    const wire = concat(frame(TEXT, 'Hel', { fin: false }), frame(CONT, 'lo, ', { fin: false }), frame(CONT, 'world'));
    for (const byte of wire) h.conn.receive(Uint8Array.of(byte));
    expect(h.events).toEqual([['message', 'Hello, world', false]]);
  });

  it('answers a ping between fragments at once, before the message completes (§5.4, Autobahn 5.6)', () => {
    const h = harness('server', { echo: true });
    h.conn.receive(concat(frame(TEXT, 'frag1', { fin: false }), frame(PING, 'ping!'), frame(CONT, 'frag2')));
    expect(h.events).toEqual([
      ['ping', 'ping!'],
      ['message', 'frag1frag2', false],
    ]);
    const out = h.written();
    expect(out.map((f) => f.opcode)).toEqual([PONG, TEXT]);
    expect(new TextDecoder().decode(out[0]?.payload)).toBe('ping!');
  });

  it('reassembles 65,536 fragments of 64 bytes (Autobahn 9.3.1) with bounded work', () => {
    const h = harness('server', { maxMessageSize: 4 * 1024 * 1024 });
    const piece = new Uint8Array(64).fill(0x2a);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 65536; i++) frames.push(frame(i === 0 ? TEXT : CONT, piece, { fin: i === 65535 }));
    h.conn.receive(concat(...frames));
    expect(h.events).toHaveLength(1);
    const [kind, text] = h.events[0] as [string, string];
    expect(kind).toBe('message');
    expect(text.length).toBe(4 * 1024 * 1024);
  });

  it('sends unmasked frames as a server and masked ones as a client', () => {
    const server = harness('server');
    server.conn.send(bytes('hi'), false);
    expect(server.written()[0]).toMatchObject({ opcode: TEXT, masked: false, fin: true });
    const client = harness('client');
    client.conn.send(bytes('hi'), true);
    const [sent] = client.written();
    expect(sent).toMatchObject({ opcode: BINARY, masked: true });
    expect(sent?.payload).toEqual(bytes('hi'));
  });
});

describe('protocol errors fail the connection with their close code (§7.1.7)', () => {
  const cases: Array<[string, Uint8Array, number, string]> = [
    ['a continuation without a message', frame(CONT, 'x'), 1002, 'WS_ERR_UNEXPECTED_CONTINUATION'],
    [
      'a new message inside a fragmented one',
      concat(frame(TEXT, 'a', { fin: false }), frame(TEXT, 'b')),
      1002,
      'WS_ERR_EXPECTED_CONTINUATION',
    ],
    ['RSV bits without an extension', frame(TEXT, 'x', { rsv: 2 }), 1002, ''],
    ['a reserved opcode', frame(3, 'x'), 1002, ''],
    ['a fragmented ping', frame(PING, 'x', { fin: false }), 1002, ''],
    ['an unmasked frame from a client', frame(TEXT, 'x', { mask: false }), 1002, ''],
    [
      'invalid UTF-8 in a text frame',
      frame(TEXT, hex('cebae1bdb9cf83cebcceb5eda080656469746564')),
      1007,
      'WS_ERR_INVALID_UTF8',
    ],
    ['a close frame with a 1-byte payload', frame(CLOSE, [0x03]), 1002, ''],
    ['a close frame with code 1005', frame(CLOSE, closePayload(1005)), 1002, ''],
    ['a close frame with code 999', frame(CLOSE, closePayload(999)), 1002, ''],
    ['a close reason that is not UTF-8', frame(CLOSE, concat(closePayload(1000), hex('ff'))), 1007, ''],
  ];
  for (const [name, wire, closeCode, code] of cases) {
    it(`${name} → ${closeCode}`, () => {
      const h = harness();
      h.conn.receive(wire);
      const error = h.events.find((e) => e[0] === 'error');
      expect(error?.[2]).toBe(closeCode);
      if (code) expect(error?.[1]).toBe(code);
      const out = h.written();
      expect(out).toHaveLength(1);
      expect(out[0]?.opcode).toBe(CLOSE);
      expect(closeCodeOf(out[0]?.payload ?? new Uint8Array())).toBe(closeCode);
      expect(h.events.at(-1)).toEqual(['closeTransport']);
      expect(h.conn.state).toBe('closing');
      expect(h.conn.closedBy).toBe('local');
      expect(h.conn.receiveEof()).toEqual({ code: closeCode, reason: '', wasClean: false });
    });
  }

  it('delivers and answers what came before the error, then fails (Autobahn 3.2 strict)', () => {
    const h = harness('server', { echo: true });
    h.conn.receive(concat(frame(TEXT, 'Hello, world!'), frame(TEXT, 'Hello, world!', { rsv: 2 }), frame(PING, 'p')));
    expect(h.events.map((e) => e[0])).toEqual(['message', 'error', 'closeTransport']);
    const out = h.written();
    expect(out.map((f) => f.opcode)).toEqual([TEXT, CLOSE]);
    expect(closeCodeOf(out[1]?.payload ?? new Uint8Array())).toBe(1002);
  });

  it('delivers the fragmented message before failing on a stray continuation (Autobahn 5.15)', () => {
    const h = harness('server', { echo: true });
    h.conn.receive(
      concat(
        frame(TEXT, 'fragment1', { fin: false }),
        frame(CONT, 'fragment2'),
        frame(CONT, 'fragment3', { fin: false }),
        frame(TEXT, 'fragment4'),
      ),
    );
    expect(h.events[0]).toEqual(['message', 'fragment1fragment2', false]);
    expect(h.written().map((f) => f.opcode)).toEqual([TEXT, CLOSE]);
  });

  it('ignores everything after failing', () => {
    const h = harness();
    h.conn.receive(frame(CONT, 'x'));
    const before = h.events.length;
    h.conn.receive(concat(frame(TEXT, 'late'), frame(PING, 'late')));
    expect(h.events).toHaveLength(before);
    expect(h.written()).toHaveLength(1);
  });
});

describe('fail-fast UTF-8 (Autobahn 6.4)', () => {
  const part1 = hex('cebae1bdb9cf83cebcceb5');
  const part2 = hex('f4908080');
  const part3 = hex('656469746564');

  it('fails on the fragment that makes the text invalid, before the next one (6.4.1)', () => {
    const h = harness();
    h.conn.receive(frame(TEXT, part1, { fin: false }));
    expect(h.events).toEqual([]);
    h.conn.receive(frame(CONT, part2, { fin: false }));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_INVALID_UTF8', 1007]);
  });

  it('fails on the very byte, split as in 6.4.2', () => {
    const h = harness();
    h.conn.receive(frame(TEXT, hex('cebae1bdb9cf83cebcceb5f4'), { fin: false }));
    expect(h.events).toEqual([]);
    h.conn.receive(frame(CONT, hex('90'), { fin: false }));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_INVALID_UTF8', 1007]);
  });

  it('fails inside one frame whose payload arrives in TCP chops (6.4.3)', () => {
    const h = harness();
    const whole = frame(TEXT, concat(part1, part2, part3));
    const headerLength = 6;
    h.conn.receive(whole.slice(0, headerLength + part1.length));
    expect(h.events).toEqual([]);
    h.conn.receive(whole.slice(headerLength + part1.length, headerLength + part1.length + part2.length));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_INVALID_UTF8', 1007]);
  });

  it('fails inside one frame on the chop holding the bad byte (6.4.4)', () => {
    const h = harness();
    const payload = hex('cebae1bdb9cf83cebcceb5f490808065646974');
    const whole = frame(TEXT, payload);
    const cut = 6 + 12; // header + PART1 (ends with the lead byte f4)
    h.conn.receive(whole.slice(0, cut));
    expect(h.events).toEqual([]);
    h.conn.receive(whole.slice(cut, cut + 1));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_INVALID_UTF8', 1007]);
  });

  it('accepts valid text split inside code points, across frames and chops (6.2.4)', () => {
    const h = harness();
    const text = hex('cebae1bdb9cf83cebcceb5');
    const wire = concat(
      ...[...text].map((byte, i) => frame(i === 0 ? TEXT : CONT, [byte], { fin: i === text.length - 1 })),
    );
    for (let i = 0; i < wire.length; i += 3) h.conn.receive(wire.slice(i, i + 3));
    expect(h.events).toEqual([['message', new TextDecoder().decode(text), false]]);
  });

  it('rejects a message that ends inside a code point', () => {
    const h = harness();
    h.conn.receive(concat(frame(TEXT, hex('cebae1'), { fin: false }), frame(CONT, hex('bd'))));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_INVALID_UTF8', 1007]);
  });
});

describe('closing handshake (§5.5.1, §7)', () => {
  it('echoes the peer close code, ignores later frames and reports a clean close (Autobahn 7.1.5)', () => {
    const h = harness('server', { echo: true });
    h.conn.receive(
      concat(
        frame(TEXT, 'fragment1', { fin: false }),
        frame(CLOSE, closePayload(1000, 'bye')),
        frame(CONT, 'fragment2'),
      ),
    );
    expect(h.events).toEqual([['closeReceived', 1000, 'bye'], ['closeTransport']]);
    const out = h.written();
    expect(out).toHaveLength(1);
    expect(closeCodeOf(out[0]?.payload ?? new Uint8Array())).toBe(1000);
    expect(h.conn.closedBy).toBe('remote');
    expect(h.conn.receiveEof()).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    expect(h.conn.state).toBe('closed');
  });

  it('answers an empty close with an empty close and reports 1005 (7.3.1)', () => {
    const h = harness();
    h.conn.receive(frame(CLOSE));
    expect(h.written()[0]?.payload).toHaveLength(0);
    expect(h.conn.receiveEof()).toEqual({ code: 1005, reason: '', wasClean: true });
  });

  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
    it(`echoes a valid received code ${code} (7.7.x)`, () => {
      const h = harness();
      h.conn.receive(frame(CLOSE, closePayload(code)));
      expect(closeCodeOf(h.written()[0]?.payload ?? new Uint8Array())).toBe(code);
    });
  }

  it('local close: sends the frame, waits for the answer, then releases the transport', () => {
    const h = harness();
    h.conn.close(1000, 'done');
    expect(h.conn.state).toBe('closing');
    expect(h.events).toEqual([]);
    const out = h.written();
    expect(closeCodeOf(out[0]?.payload ?? new Uint8Array())).toBe(1000);
    h.conn.receive(frame(TEXT, 'still delivered'));
    h.conn.receive(frame(PING, 'not answered'));
    expect(h.written()).toHaveLength(1);
    h.conn.receive(frame(CLOSE, closePayload(1000)));
    expect(h.events.slice(-2)).toEqual([['closeReceived', 1000, ''], ['closeTransport']]);
    expect(h.written()).toHaveLength(1);
    expect(h.conn.closedBy).toBe('local');
    expect(h.conn.receiveEof()).toEqual({ code: 1000, reason: '', wasClean: true });
  });

  it('reports 1006 when the transport closes without a close frame', () => {
    const h = harness();
    h.conn.receive(frame(TEXT, 'x'));
    expect(h.conn.receiveEof()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('refuses to send once closing, and refuses codes an application may not send', () => {
    const h = harness();
    expect(() => h.conn.close(1005)).toThrow(RangeError);
    expect(() => h.conn.close(1000, 'x'.repeat(124))).toThrow();
    h.conn.close();
    expect(() => h.conn.send(bytes('x'), false)).toThrow(InvalidStateError);
    expect(() => h.conn.ping()).toThrow(InvalidStateError);
    expect(() => harness().conn.ping(new Uint8Array(126))).toThrow(RangeError);
  });
});

describe('limits', () => {
  it('fails a frame over the limit from its header alone (1009)', () => {
    const h = harness('server', { maxMessageSize: 1000 });
    h.conn.receive(frame(BINARY, new Uint8Array(1001)).slice(0, 8));
    expect(h.events[0]).toEqual(['error', expect.any(String), 1009]);
  });

  it('fails a fragmented message once its fragments exceed the limit (1009)', () => {
    const h = harness('server', { maxMessageSize: 1000 });
    h.conn.receive(frame(BINARY, new Uint8Array(600), { fin: false }));
    expect(h.events).toEqual([]);
    h.conn.receive(frame(CONT, new Uint8Array(600)).slice(0, 8));
    expect(h.events[0]).toEqual(['error', expect.any(String), 1009]);
  });

  it('still accepts control frames when a message is close to the limit', () => {
    const h = harness('server', { maxMessageSize: 100 });
    h.conn.receive(concat(frame(TEXT, 'a'.repeat(90), { fin: false }), frame(PING, 'b'.repeat(125)), frame(CONT, 'c')));
    expect(h.events.map((e) => e[0])).toEqual(['ping', 'message']);
  });
});

describe('client role', () => {
  it('rejects a masked frame from a server with 1002', () => {
    const h = harness('client');
    h.conn.receive(frame(TEXT, 'x', { mask: true }));
    expect(h.events[0]).toEqual(['error', expect.any(String), 1002]);
    expect(h.written()[0]?.masked).toBe(true);
  });

  it('accepts unmasked frames from a server', () => {
    const h = harness('client');
    h.conn.receive(frame(TEXT, 'hello', { mask: false }));
    expect(h.events).toEqual([['message', 'hello', false]]);
  });
});

describe('extensions', () => {
  /** Reverses the payload. */
  function reversing(): MessageExtension {
    return {
      name: 'x-reverse',
      rsvMask: 4,
      decode: (payload) => payload.slice().reverse(),
      encode: (payload) => ({ payload: payload.slice().reverse(), rsv: 4 }),
    };
  }

  it('keeps message order while an asynchronous decode is pending', async () => {
    // Decodes that finish only when the test says so: no clock involved.
    const finish: Array<() => void> = [];
    const extension: MessageExtension = {
      name: 'x-reverse',
      rsvMask: 4,
      decode: (payload) => new Promise((resolve) => finish.push(() => resolve(payload.slice().reverse()))),
      encode: (payload) => ({ payload, rsv: 0 }),
    };
    // Settles every pending promise callback (setImmediate runs after the microtask queue drains).
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const h = harness('server', { extensions: [extension] });
    h.conn.receive(
      concat(frame(TEXT, 'cba', { rsv: 4 }), frame(TEXT, 'plain'), frame(TEXT, 'fed', { rsv: 4 }), frame(PING, 'p')),
    );
    // Everything after the first compressed message waits for its decode.
    expect(h.events).toEqual([['pause']]);
    expect(finish).toHaveLength(1);
    finish[0]?.();
    await settle();
    expect(finish).toHaveLength(2);
    expect(h.events.filter((e) => e[0] === 'message' || e[0] === 'ping')).toEqual([
      ['message', 'abc', false],
      ['message', 'plain', false],
    ]);
    finish[1]?.();
    await settle();
    expect(h.events.filter((e) => e[0] === 'message' || e[0] === 'ping')).toEqual([
      ['message', 'abc', false],
      ['message', 'plain', false],
      ['message', 'def', false],
      ['ping', 'p'],
    ]);
    expect(h.events.filter((e) => e[0] === 'pause').length).toBe(2);
  });

  it('sets the extension RSV bit on the first frame only and rejects it on continuations', () => {
    const h = harness('server', { extensions: [reversing()] });
    h.conn.send(bytes('abc'), false);
    expect(h.written()[0]).toMatchObject({ rsv: 4, opcode: TEXT });
    h.conn.receive(concat(frame(TEXT, 'a', { rsv: 4, fin: false }), frame(CONT, 'b', { rsv: 4 })));
    expect(h.events.find((e) => e[0] === 'error')).toEqual(['error', 'WS_ERR_UNEXPECTED_RSV', 1002]);
  });

  it('turns a decode limit error into 1009', () => {
    const h = harness('server', {
      extensions: [
        {
          name: 'x-bomb',
          rsvMask: 4,
          decode() {
            throw Object.assign(new Error('too big'), { code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
          },
          encode: (payload) => ({ payload, rsv: 0 }),
        },
      ],
    });
    h.conn.receive(frame(BINARY, 'x', { rsv: 4 }));
    expect(h.events[0]).toEqual(['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009]);
  });
});

describe('sendUntransformed and whenWritten', () => {
  /** An extension whose encodes finish only when the test says so: no clock involved. */
  function deferred(): { extension: MessageExtension; finish: Array<(ok: boolean) => void> } {
    const finish: Array<(ok: boolean) => void> = [];
    return {
      finish,
      extension: {
        name: 'x-reverse',
        rsvMask: 4,
        decode: (payload) => payload,
        encode: (payload) =>
          new Promise((resolve, reject) =>
            finish.push((ok) =>
              ok ? resolve({ payload: payload.slice().reverse(), rsv: 4 }) : reject(new Error('x')),
            ),
          ),
      },
    };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('sends a message with RSV clear even with an extension negotiated, in order behind a pending encode', async () => {
    const { extension, finish } = deferred();
    const h = harness('server', { extensions: [extension] });
    h.conn.sendUntransformed(bytes('raw-first'), false);
    h.conn.send(bytes('cba'), false);
    h.conn.sendUntransformed(bytes('raw-after'), true);
    expect(h.conn.bufferedAmount).toBe(3 + 9);
    expect(h.written().map((f) => [f.rsv, new TextDecoder().decode(f.payload)])).toEqual([[0, 'raw-first']]);
    finish[0]?.(true);
    await settle();
    expect(h.written().map((f) => [f.rsv, f.opcode, new TextDecoder().decode(f.payload)])).toEqual([
      [0, TEXT, 'raw-first'],
      [4, TEXT, 'abc'],
      [0, BINARY, 'raw-after'],
    ]);
    expect(h.conn.bufferedAmount).toBe(0);
  });

  it('whenWritten: false when nothing waits, else called once the queue flushed up to that point', async () => {
    const { extension, finish } = deferred();
    const h = harness('server', { extensions: [extension] });
    const calls: string[] = [];
    expect(h.conn.whenWritten(() => calls.push('never'))).toBe(false);
    h.conn.send(bytes('one'), false);
    expect(h.conn.whenWritten((ok) => calls.push(`first ${ok} after ${h.written().length}`))).toBe(true);
    h.conn.send(bytes('two'), false);
    expect(h.conn.whenWritten((ok) => calls.push(`second ${ok} after ${h.written().length}`))).toBe(true);
    finish[0]?.(true);
    await settle();
    expect(calls).toEqual(['first true after 1']);
    finish[1]?.(true);
    await settle();
    expect(calls).toEqual(['first true after 1', 'second true after 2']);
  });

  it('whenWritten reports false for a message that failed to encode, or when the connection closes first', async () => {
    const { extension, finish } = deferred();
    const h = harness('server', { extensions: [extension] });
    const calls: boolean[] = [];
    h.conn.send(bytes('one'), false);
    h.conn.whenWritten((ok) => calls.push(ok));
    finish[0]?.(false);
    await settle();
    expect(calls).toEqual([false]);

    const other = deferred();
    const h2 = harness('server', { extensions: [other.extension] });
    h2.conn.send(bytes('one'), false);
    h2.conn.whenWritten((ok) => calls.push(ok));
    h2.conn.receiveEof();
    expect(calls).toEqual([false, false]);
  });

  it('sendUntransformed throws once the connection is closing, like send', () => {
    const h = harness('server');
    h.conn.close(1000);
    expect(() => h.conn.sendUntransformed(bytes('x'), false)).toThrow(/closing/);
  });
});

describe('sendFragment (RFC 6455 §5.4)', () => {
  const text = (f: { payload: Uint8Array }) => new TextDecoder().decode(f.payload);

  it('sends a message in pieces: type on the first frame, continuations after, FIN on the last', () => {
    const h = harness('server');
    h.conn.sendFragment(bytes('one '), false, false);
    h.conn.ping(bytes('p'));
    h.conn.sendFragment(bytes('two '), true, false); // the type of later pieces is the first one's
    h.conn.sendFragment(bytes('three'), false, true);
    expect(h.written().map((f) => [f.opcode, f.fin, text(f)])).toEqual([
      [TEXT, false, 'one '],
      [PING, true, 'p'],
      [CONT, false, 'two '],
      [CONT, true, 'three'],
    ]);
  });

  it('holds other messages until the last fragment, counting them in bufferedAmount', () => {
    const h = harness('server');
    h.conn.sendFragment(bytes('a'), true, false);
    h.conn.send(bytes('between'), false);
    h.conn.sendUntransformed(bytes('raw'), false);
    expect(h.conn.bufferedAmount).toBe(7 + 3);
    expect(h.written()).toHaveLength(1);
    h.conn.sendFragment(bytes('b'), true, true);
    expect(h.conn.bufferedAmount).toBe(0);
    expect(h.written().map((f) => [f.opcode, f.fin, text(f)])).toEqual([
      [BINARY, false, 'a'],
      [CONT, true, 'b'],
      [TEXT, true, 'between'],
      [TEXT, true, 'raw'],
    ]);
  });

  it('an extension with encodeFragment transforms every fragment, RSV on the first frame only', async () => {
    const h = harness('server', {
      extensions: [
        {
          name: 'x-upper',
          rsvMask: 4,
          decode: (payload) => payload,
          encode: (payload) => ({ payload, rsv: 0 }),
          encodeFragment: (payload) =>
            Promise.resolve({ payload: bytes(new TextDecoder().decode(payload).toUpperCase()), rsv: 4 }),
        },
      ],
    });
    h.conn.sendFragment(bytes('ab'), false, false);
    h.conn.sendFragment(bytes('cd'), false, true);
    h.conn.sendFragment(bytes('plain'), false, true, false); // transform: false, queued behind the others
    expect(h.conn.bufferedAmount).toBe(2 + 2 + 5);
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.written().map((f) => [f.opcode, f.rsv, f.fin, text(f)])).toEqual([
      [TEXT, 4, false, 'AB'],
      [CONT, 0, true, 'CD'],
      [TEXT, 0, true, 'plain'],
    ]);
  });
});
