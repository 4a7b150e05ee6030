import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Connection, type MessageDecoder, type MessageExtension } from '../src/index.js';
import { type Event, type Harness, harness } from './harness.js';
import { bytes, closeCodeOf, concat, frame } from './wire.js';

// Messages reported in pieces (`messageStreamThreshold`), without sockets: what is reported,
// when, and how the limits (size, UTF-8, order, backpressure) hold while a message streams.

const TEXT = 1;
const BINARY = 2;
const CONT = 0;
const CLOSE = 8;
const PING = 9;
const PONG = 10;
const RSV1 = 4;

/** Splits `data` into chunks of `size` bytes (fresh copies, as a socket delivers them). */
function chop(data: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.slice(i, i + size));
  return chunks;
}

function feed(h: Harness, chunks: Uint8Array[]): void {
  for (const chunk of chunks) h.conn.receive(chunk);
}

/** Deterministic bytes 0..250 (never a UTF-8 lead byte issue for binary tests). */
function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7) % 251);
}

const kinds = (events: Event[]) => events.map((event) => event[0]);
const chunksOf = (events: Event[]) =>
  events.filter((event): event is ['chunk', Uint8Array] => event[0] === 'chunk').map((event) => event[1]);

function lastCloseCode(h: Harness): number | undefined {
  const close = h.written().find((f) => f.opcode === CLOSE);
  return close === undefined ? undefined : closeCodeOf(close.payload);
}

describe('a message over the threshold is reported in pieces', () => {
  it('reports a large frame arriving in 9 chops as 9 chunks, never gathered, then the end', () => {
    const data = pattern(9000);
    const h = harness('server', { streamThreshold: 4096 });
    feed(h, chop(frame(BINARY, data), 1000));
    expect(kinds(h.events)).toEqual(['start', ...Array(10).fill('chunk'), 'end']);
    expect(h.events[0]).toEqual(['start', true]);
    // The first chop holds the 8-byte header: 992 bytes, then 1000 each, then the last 8.
    expect(chunksOf(h.events).map((chunk) => chunk.length)).toEqual([992, ...Array(8).fill(1000), 8]);
    expect(concat(...chunksOf(h.events))).toEqual(data);
  });

  it('reports a large frame that arrived whole as one chunk, and messages under the threshold whole', () => {
    const h = harness('server', { streamThreshold: 100 });
    h.conn.receive(concat(frame(TEXT, 'small'), frame(BINARY, pattern(100)), frame(TEXT, 'after')));
    expect(h.events).toEqual([
      ['message', 'small', false],
      ['start', true],
      ['chunk', pattern(100)],
      ['end'],
      ['message', 'after', false],
    ]);
  });

  it('gathers fragments until the message reaches the threshold, then streams it from the gathered bytes on', () => {
    const h = harness('server', { streamThreshold: 100 });
    const wire = concat(
      frame(BINARY, pattern(60), { fin: false }),
      frame(PING, 'between'),
      frame(CONT, pattern(30), { fin: false }),
      frame(CONT, pattern(20), { fin: false }),
      frame(CONT, pattern(5)),
    );
    feed(h, chop(wire, 50));
    // 60 + 30 bytes are gathered; the 20-byte fragment reaches 100: from there on, pieces.
    expect(h.events.slice(0, 3)).toEqual([
      ['ping', 'between'],
      ['start', true],
      ['chunk', concat(pattern(60), pattern(30))],
    ]);
    expect(concat(...chunksOf(h.events).slice(1))).toEqual(concat(pattern(20), pattern(5)));
    expect(h.events.at(-1)).toEqual(['end']);
    expect(h.written().map((f) => f.opcode)).toEqual([PONG]);
  });

  it('streams the pieces of a large continuation frame of a message still being gathered', () => {
    const h = harness('server', { streamThreshold: 1000 });
    const tail = pattern(5000);
    feed(h, chop(concat(frame(BINARY, pattern(10), { fin: false }), frame(CONT, tail)), 700));
    const chunks = chunksOf(h.events);
    expect(chunks[0]).toEqual(pattern(10));
    expect(chunks.length).toBeGreaterThan(5);
    expect(concat(...chunks)).toEqual(concat(pattern(10), tail));
    expect(kinds(h.events).at(-1)).toBe('end');
  });

  it('streams every message with threshold 0, an empty one as start and end', () => {
    const h = harness('server', { streamThreshold: 0 });
    h.conn.receive(concat(frame(TEXT, ''), frame(TEXT, 'a')));
    expect(h.events).toEqual([['start', false], ['end'], ['start', false], ['chunk', bytes('a')], ['end']]);
  });

  it('answers pings arriving between the pieces of a streamed fragmented message at once', () => {
    const h = harness('server', { streamThreshold: 0 });
    h.conn.receive(frame(TEXT, 'one', { fin: false }));
    h.conn.receive(frame(PING, 'p'));
    expect(h.written().map((f) => f.opcode)).toEqual([PONG]);
    h.conn.receive(frame(CONT, 'two'));
    expect(kinds(h.events)).toEqual(['start', 'chunk', 'ping', 'chunk', 'end']);
  });

  it('reports every message whole again once the threshold is set to Infinity', () => {
    const h = harness('server', { streamThreshold: 10 });
    h.conn.messageStreamThreshold = Number.POSITIVE_INFINITY;
    h.conn.receive(frame(BINARY, pattern(50)));
    expect(h.events).toEqual([['message', pattern(50), true]]);
  });
});

describe('text streamed: UTF-8 validated across chunks, fail-fast (1007)', () => {
  const text = 'façade – 日本語 – 🎉 '.repeat(300);
  const encoded = new TextEncoder().encode(text);

  it('accepts multi-byte characters split across chunks at every offset, the bytes unchanged', () => {
    for (const size of [1, 2, 3, 5, 97, 1000]) {
      const h = harness('server', { streamThreshold: 64 });
      feed(h, chop(frame(TEXT, encoded), size));
      expect(h.events.at(-1), `chunks of ${size}`).toEqual(['end']);
      expect(new TextDecoder().decode(concat(...chunksOf(h.events)))).toBe(text);
    }
  });

  it('fails on the chunk that holds an invalid byte, before the frame ends: 1007, no end', () => {
    const bad = encoded.slice();
    bad[5000] = 0xff;
    const h = harness('server', { streamThreshold: 64 });
    feed(h, chop(frame(TEXT, bad), 1000));
    const delivered = concat(...chunksOf(h.events));
    // The chop holding byte 5000 (wire offset 5008) is not reported; the five before it are.
    expect(delivered.length).toBe(992 + 4 * 1000);
    expect(h.events.filter((event) => event[0] === 'error')).toEqual([['error', 'WS_ERR_INVALID_UTF8', 1007]]);
    expect(kinds(h.events)).not.toContain('end');
    expect(lastCloseCode(h)).toBe(1007);
  });

  it('fails a text message that ends inside a character (1007), across fragments too', () => {
    const h = harness('server', { streamThreshold: 0 });
    h.conn.receive(concat(frame(TEXT, [0x61, 0xe6], { fin: false }), frame(CONT, [0x97])));
    expect(kinds(h.events)).toEqual(['start', 'chunk', 'chunk', 'error', 'closeTransport']);
    expect(lastCloseCode(h)).toBe(1007);
  });

  it('validates gathered fragments once: a character split across the switch to streaming is fine', () => {
    const euro = [0xe2, 0x82, 0xac];
    const h = harness('server', { streamThreshold: 4 });
    h.conn.receive(
      concat(frame(TEXT, [0x61, euro[0]!], { fin: false }), frame(CONT, [euro[1]!, euro[2]!, 0x62, 0x63])),
    );
    expect(new TextDecoder().decode(concat(...chunksOf(h.events)))).toBe('a€bc');
    expect(kinds(h.events).at(-1)).toBe('end');
  });
});

describe('maxMessageSize over a streamed message (1009)', () => {
  it('refuses the fragment that would pass the limit from its header, after the bytes before it', () => {
    const h = harness('server', { streamThreshold: 0, maxMessageSize: 1000 });
    h.conn.receive(concat(frame(BINARY, pattern(600), { fin: false }), frame(CONT, pattern(401))));
    expect(concat(...chunksOf(h.events))).toEqual(pattern(600));
    expect(h.events.filter((event) => event[0] === 'error')).toEqual([['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009]]);
    expect(lastCloseCode(h)).toBe(1009);
  });

  it('accepts a streamed message of exactly the limit', () => {
    const h = harness('server', { streamThreshold: 0, maxMessageSize: 1000 });
    h.conn.receive(concat(frame(BINARY, pattern(600), { fin: false }), frame(CONT, pattern(400))));
    expect(kinds(h.events).at(-1)).toBe('end');
  });
});

describe('backpressure: pauseInput / resumeInput', () => {
  it('stops reporting after the chunk that paused, keeps the rest, and reports it on resume', () => {
    const order: string[] = [];
    // An application whose queue is full after every chunk.
    const conn: Connection = new Connection({
      role: 'server',
      messageStreamThreshold: 0,
      handler: {
        write() {},
        message: (data) => order.push(`message ${data.length}`),
        messageStart: () => order.push('start'),
        messageChunk: (data) => {
          order.push(`chunk ${data.length}`);
          conn.pauseInput();
        },
        messageEnd: () => order.push('end'),
        closeTransport() {},
        pause: () => order.push('pause'),
        resume: () => order.push('resume'),
      },
    });
    conn.open();
    conn.messageStreamThreshold = 5;
    conn.receive(concat(frame(BINARY, pattern(5), { fin: false }), frame(CONT, pattern(6)), frame(TEXT, 'next')));
    expect(order).toEqual(['start', 'chunk 5', 'pause']);
    conn.resumeInput();
    // The last chunk ends the message: its end comes with it, the next message waits.
    expect(order).toEqual(['start', 'chunk 5', 'pause', 'resume', 'chunk 6', 'pause', 'end']);
    conn.resumeInput();
    expect(order.slice(7)).toEqual(['resume', 'message 4']);
  });

  it('a resume from inside a chunk handler does not start a second reading loop', () => {
    const order: string[] = [];
    const conn: Connection = new Connection({
      role: 'server',
      messageStreamThreshold: 0,
      handler: {
        write() {},
        message: () => order.push('message'),
        messageStart: () => order.push('start'),
        messageChunk: (data) => {
          order.push(`chunk ${data.length}`);
          conn.pauseInput();
          conn.resumeInput(); // as a stream's pull() may do synchronously
        },
        messageEnd: () => order.push('end'),
        closeTransport() {},
      },
    });
    conn.open();
    conn.receive(concat(frame(BINARY, pattern(3), { fin: false }), frame(CONT, pattern(4)), frame(BINARY, [1])));
    expect(order).toEqual(['start', 'chunk 3', 'chunk 4', 'end', 'start', 'chunk 1', 'end']);
  });
});

/**
 * An extension whose decoder doubles every byte (so the decoded size is twice the wire size),
 * synchronously or one microtask later; it logs what the core asks of it.
 */
function doubling(mode: 'sync' | 'async'): { extension: MessageExtension; log: string[] } {
  const log: string[] = [];
  const double = (data: Uint8Array) => Uint8Array.from({ length: data.length * 2 }, (_, i) => data[i >> 1]!);
  const extension: MessageExtension = {
    name: 'x-double',
    rsvMask: RSV1,
    decode: (payload, _rsv, maxSize) => {
      const out = double(payload);
      if (out.length > maxSize) throw Object.assign(new Error('decoded past the limit'), { closeCode: 1009 });
      return out;
    },
    encode: (payload) => ({ payload, rsv: 0 }),
    decodeStream(rsv, output): MessageDecoder {
      log.push(`stream rsv=${rsv}`);
      let paused = false;
      const waiting: Uint8Array[] = [];
      const emit = (data: Uint8Array) => {
        if (paused) waiting.push(data);
        else output(data);
      };
      return {
        write(piece, fin) {
          log.push(`write ${piece.length}${fin ? ' fin' : ''}`);
          const out = double(piece);
          if (mode === 'sync') {
            emit(out);
            return undefined;
          }
          return Promise.resolve().then(() => emit(out));
        },
        pause() {
          log.push('pause');
          paused = true;
        },
        resume() {
          log.push('resume');
          paused = false;
          for (const data of waiting.splice(0)) output(data);
        },
        abort: () => log.push('abort'),
      };
    },
  };
  return { extension, log };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a transformed message streamed through the extension decoder', () => {
  it('decodes synchronously piece by piece and reports the decoded bytes', () => {
    const { extension, log } = doubling('sync');
    const h = harness('server', { streamThreshold: 0, extensions: [extension] });
    h.conn.receive(concat(frame(BINARY, [1, 2], { fin: false, rsv: RSV1 }), frame(CONT, [3])));
    expect(h.events).toEqual([['start', true], ['chunk', bytes([1, 1, 2, 2])], ['chunk', bytes([3, 3])], ['end']]);
    expect(log).toEqual(['stream rsv=4', 'write 2', 'write 1 fin']);
  });

  it('holds input while an asynchronous decode runs, keeping message order', async () => {
    const { extension } = doubling('async');
    const h = harness('server', { streamThreshold: 8, extensions: [extension] });
    h.conn.receive(concat(frame(BINARY, [1, 2, 3, 4, 5, 6, 7, 8], { rsv: RSV1 }), frame(TEXT, 'after')));
    expect(kinds(h.events)).toEqual(['pause']);
    await settle();
    expect(h.events).toEqual([
      ['pause'],
      ['start', true],
      ['chunk', bytes([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8])],
      ['end'],
      ['resume'],
      ['message', 'after', false],
    ]);
  });

  it('reports a transformed message whole when its decoded size stays under the threshold, in pieces once it reaches it', () => {
    const { extension, log } = doubling('sync');
    const h = harness('server', { streamThreshold: 10, extensions: [extension] });
    // Fragmented: read as it arrives, decoded to 8 bytes: under the threshold, whole.
    h.conn.receive(concat(frame(BINARY, [1, 2], { fin: false, rsv: RSV1 }), frame(CONT, [3, 4])));
    expect(h.events).toEqual([['message', bytes([1, 1, 2, 2, 3, 3, 4, 4]), true]]);
    // One frame of 6 bytes (under the threshold on the wire) decoding to 12: decoded whole up to
    // the threshold, then again as it arrives, and reported in pieces.
    h.events.length = 0;
    h.conn.receive(frame(BINARY, [1, 2, 3, 4, 5, 6], { rsv: RSV1 }));
    expect(h.events).toEqual([['start', true], ['chunk', bytes([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6])], ['end']]);
    expect(log).toEqual(['stream rsv=4', 'write 2', 'write 2 fin', 'stream rsv=4', 'write 6 fin']);
  });

  it('fails with 1009 as soon as the decoded bytes pass the limit, and aborts the decoder', () => {
    const { extension, log } = doubling('sync');
    const h = harness('server', { streamThreshold: 0, maxMessageSize: 100, extensions: [extension] });
    h.conn.receive(concat(frame(BINARY, pattern(40), { fin: false, rsv: RSV1 }), frame(CONT, pattern(20))));
    expect(chunksOf(h.events).map((chunk) => chunk.length)).toEqual([80]);
    expect(h.events.filter((event) => event[0] === 'error')).toEqual([['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009]]);
    expect(log.at(-1)).toBe('abort');
    expect(lastCloseCode(h)).toBe(1009);
  });

  it('validates decoded text and fails 1007 on the decoded chunk that breaks it', () => {
    const { extension } = doubling('sync');
    const h = harness('server', { streamThreshold: 0, extensions: [extension] });
    // Doubled, 0xc3 becomes c3 c3: a lead byte followed by a lead byte.
    h.conn.receive(frame(TEXT, [0x61, 0xc3], { rsv: RSV1 }));
    expect(h.events.filter((event) => event[0] === 'error')).toEqual([['error', 'WS_ERR_INVALID_UTF8', 1007]]);
    expect(kinds(h.events)).not.toContain('end');
  });

  it('passes pauseInput and resumeInput on to the decoder', async () => {
    const { extension, log } = doubling('async');
    const h = harness('server', { streamThreshold: 0, extensions: [extension] });
    h.conn.receive(frame(BINARY, [7], { fin: false, rsv: RSV1 }));
    h.conn.pauseInput();
    await settle();
    expect(chunksOf(h.events)).toEqual([]);
    h.conn.resumeInput();
    expect(chunksOf(h.events)).toEqual([bytes([7, 7])]);
    expect(log).toEqual(['stream rsv=4', 'write 1', 'pause', 'resume']);
  });

  it('feeds the gathered compressed fragments to the decoder when the message reaches the threshold', () => {
    const { extension, log } = doubling('sync');
    const h = harness('server', { streamThreshold: 5, extensions: [extension] });
    h.conn.receive(concat(frame(BINARY, [1, 2], { fin: false, rsv: RSV1 }), frame(CONT, [3, 4, 5])));
    expect(concat(...chunksOf(h.events))).toEqual(bytes([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]));
    expect(log).toEqual(['stream rsv=4', 'write 2', 'write 3 fin']);
  });
});

describe('a streamed message that never finishes', () => {
  it('a close frame between its fragments ends reading: no end, the decoder aborted', () => {
    const { extension, log } = doubling('sync');
    const h = harness('server', { streamThreshold: 0, extensions: [extension] });
    h.conn.receive(concat(frame(BINARY, [1], { fin: false, rsv: RSV1 }), frame(CLOSE, [0x03, 0xe8])));
    expect(kinds(h.events)).toEqual(['start', 'chunk', 'closeReceived', 'closeTransport']);
    expect(log.at(-1)).toBe('abort');
  });

  it('the transport ending mid-message aborts the decoder', () => {
    const { extension, log } = doubling('sync');
    const h = harness('server', { streamThreshold: 0, extensions: [extension] });
    h.conn.receive(frame(BINARY, [1], { fin: false, rsv: RSV1 }));
    expect(h.conn.receiveEof().code).toBe(1006);
    expect(log.at(-1)).toBe('abort');
  });

  it('a new message inside a streamed one is a protocol error (1002)', () => {
    const h = harness('server', { streamThreshold: 0 });
    feed(h, chop(concat(frame(BINARY, pattern(10), { fin: false }), frame(BINARY, pattern(500))), 100));
    expect(h.events.filter((event) => event[0] === 'error')).toEqual([['error', 'WS_ERR_EXPECTED_CONTINUATION', 1002]]);
  });
});

describe('configuration', () => {
  it('refuses a threshold without the three handler methods, or with an extension that cannot stream', () => {
    const handler = { write() {}, message() {}, closeTransport() {} };
    expect(() => new Connection({ role: 'server', handler, messageStreamThreshold: 10 })).toThrow(TypeError);
    const full = { ...handler, messageStart() {}, messageChunk() {}, messageEnd() {} };
    const plain: MessageExtension = {
      name: 'x',
      rsvMask: RSV1,
      decode: (p) => p,
      encode: (p) => ({ payload: p, rsv: 0 }),
    };
    expect(
      () => new Connection({ role: 'server', handler: full, extensions: [plain], messageStreamThreshold: 10 }),
    ).toThrow(TypeError);
    expect(() => new Connection({ role: 'server', handler: full, messageStreamThreshold: -1 })).toThrow(RangeError);
    expect(new Connection({ role: 'server', handler: full, messageStreamThreshold: 10 }).messageStreamThreshold).toBe(
      10,
    );
  });
});

describe('streamed and whole delivery agree (fast-check)', () => {
  const message = fc.record({
    binary: fc.boolean(),
    // Text with multi-byte characters (split anywhere by fragments and chunks), or bytes.
    text: fc.string({ unit: 'grapheme', maxLength: 80 }),
    data: fc.uint8Array({ maxLength: 300 }),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
  });

  /** Frames of one message: its payload cut into fragments at `cuts`, a ping after the first. */
  function framesOf(m: { binary: boolean; text: string; data: Uint8Array; cuts: number[] }): {
    payload: Uint8Array;
    wire: Uint8Array;
  } {
    const payload = m.binary ? m.data : new TextEncoder().encode(m.text);
    const points = [...new Set(m.cuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
    const parts: Uint8Array[] = [];
    let from = 0;
    for (const point of [...points, payload.length]) {
      parts.push(payload.slice(from, point));
      from = point;
    }
    const wire = parts.flatMap((part, i) => {
      const opcode = i === 0 ? (m.binary ? BINARY : TEXT) : CONT;
      const frames = [frame(opcode, part, { fin: i === parts.length - 1 })];
      if (i === 0 && parts.length > 1) frames.push(frame(PING, 'p'));
      return frames;
    });
    return { payload, wire: concat(...wire) };
  }

  it('every message comes back byte-identical, whole or in pieces, for any threshold and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 97 }),
        (messages, threshold, chunkSize) => {
          const built = messages.map(framesOf);
          const h = harness('server', { streamThreshold: threshold });
          feed(h, chop(concat(...built.map((b) => b.wire)), chunkSize));
          const received: Uint8Array[] = [];
          let open: Uint8Array[] | null = null;
          for (const event of h.events) {
            if (event[0] === 'message') received.push(bytes(event[1]));
            else if (event[0] === 'start') open = [];
            else if (event[0] === 'chunk') open!.push(event[1]);
            else if (event[0] === 'end') {
              received.push(concat(...open!));
              open = null;
            } else expect(['ping'], `unexpected ${event[0]}`).toContain(event[0]);
          }
          expect(received).toEqual(built.map((b) => b.payload));
        },
      ),
      { numRuns: 200 },
    );
  });
});
