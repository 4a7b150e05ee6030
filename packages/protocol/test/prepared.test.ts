import { describe, expect, it } from 'vitest';
import {
  Connection,
  InvalidStateError,
  type MessageExtension,
  type PreparedFrame,
  prepareFrame,
} from '../src/index.js';
import { harness } from './harness.js';
import { bytes, readFrames } from './wire.js';

const TEXT = 0x1;
const BINARY = 0x2;
const decoder = new TextDecoder();

/** An extension whose encodes finish when the test says so, in call order. */
function deferredEncoder(): { extension: MessageExtension; finishNext(): void } {
  const pending: Array<() => void> = [];
  return {
    extension: {
      name: 'x-deferred',
      rsvMask: 4,
      decode: (payload) => payload,
      encode: (payload) =>
        new Promise((resolve) => pending.push(() => resolve({ payload: payload.slice().reverse(), rsv: 4 }))),
    },
    finishNext() {
      pending.shift()?.();
    },
  };
}

function texts(frames: ReturnType<typeof readFrames>): string[] {
  return frames.map((f) => decoder.decode(f.payload));
}

describe('prepareFrame', () => {
  it('joins a small frame into one buffer and keeps a large payload apart, unmasked and final', () => {
    const small = prepareFrame(bytes('hello'), false);
    expect(small.payload.length).toBe(0);
    expect(readFrames(small.header)).toEqual([
      { fin: true, rsv: 0, opcode: TEXT, masked: false, payload: bytes('hello') },
    ]);
    const big = new Uint8Array(100_000).fill(7);
    const large = prepareFrame(big, true, 4);
    expect(large.payload).toBe(big);
    const [read] = readFrames(new Uint8Array([...large.header, ...large.payload]));
    expect(read).toMatchObject({ fin: true, rsv: 4, opcode: BINARY, masked: false });
    expect(read?.payload.length).toBe(100_000);
  });
});

describe('Connection.sendPrepared', () => {
  it('writes the very same bytes to every connection', () => {
    const frame = prepareFrame(bytes('news'), false);
    const written: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const conn = new Connection({
        role: 'server',
        handler: { write: (header, payload) => written.push(header, payload), message() {}, closeTransport() {} },
      });
      conn.open();
      conn.sendPrepared(frame);
    }
    expect(written).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      expect(written[i]).toBe(frame.header);
      expect(written[i + 1]).toBe(frame.payload);
    }
  });

  it('keeps its place behind a pending asynchronous encode and before later sends', async () => {
    const deferred = deferredEncoder();
    const h = harness('server', { extensions: [deferred.extension] });
    h.conn.send(bytes('cba'), false); // pending encode
    h.conn.sendPrepared(prepareFrame(bytes('published 1'), false));
    h.conn.send(bytes('fed'), false); // pending encode
    h.conn.sendPrepared(prepareFrame(bytes('published 2'), false));
    expect(h.written()).toEqual([]);
    expect(h.conn.bufferedAmount).toBe(3 + (2 + 11) + 3 + (2 + 11));
    deferred.finishNext();
    await Promise.resolve();
    await Promise.resolve();
    expect(texts(h.written())).toEqual(['abc', 'published 1']);
    deferred.finishNext();
    await new Promise((resolve) => setImmediate(resolve));
    expect(texts(h.written())).toEqual(['abc', 'published 1', 'def', 'published 2']);
    expect(h.conn.bufferedAmount).toBe(0);
  });

  it('waits for a Promise of a frame, counting the given size meanwhile, and keeps order', async () => {
    const h = harness('server');
    let resolve!: (frame: PreparedFrame) => void;
    const later = new Promise<PreparedFrame>((done) => {
      resolve = done;
    });
    h.conn.sendPrepared(later, 1000);
    h.conn.send(bytes('after'), false);
    expect(h.conn.bufferedAmount).toBeGreaterThanOrEqual(1000);
    expect(h.written()).toEqual([]);
    resolve(prepareFrame(bytes('first'), false));
    await new Promise((done) => setImmediate(done));
    expect(texts(h.written())).toEqual(['first', 'after']);
    expect(h.conn.bufferedAmount).toBe(0);
  });

  it('fails the connection with 1011 when the Promise of a frame rejects', async () => {
    const h = harness('server');
    h.conn.sendPrepared(Promise.reject(new Error('zlib broke')), 10);
    await new Promise((done) => setImmediate(done));
    expect(h.events).toContainEqual(['error', 'WS_ERR_INTERNAL', 1011]);
    expect(h.written().at(-1)?.opcode).toBe(0x8);
  });

  it('refuses frames the connection may not send', () => {
    const h = harness('server');
    expect(() => h.conn.sendPrepared(prepareFrame(bytes('x'), false, 4))).toThrow(TypeError); // RSV1 not negotiated
    const masked: PreparedFrame = { header: Uint8Array.of(0x81, 0x81, 1, 2, 3, 4, 0x79), payload: new Uint8Array(0) };
    expect(() => h.conn.sendPrepared(masked)).toThrow(TypeError);
    expect(() => harness('client').conn.sendPrepared(prepareFrame(bytes('x'), false))).toThrow(TypeError);
    h.conn.close(1000);
    expect(() => h.conn.sendPrepared(prepareFrame(bytes('x'), false))).toThrow(InvalidStateError);
  });

  it('accepts a compressed frame when the extension owning its RSV bit was negotiated', () => {
    const h = harness('server', { extensions: [deferredEncoder().extension] });
    h.conn.sendPrepared(prepareFrame(bytes('already compressed'), true, 4));
    expect(h.written()[0]).toMatchObject({ rsv: 4, opcode: BINARY });
  });
});
