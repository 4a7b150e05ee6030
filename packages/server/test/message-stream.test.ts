// The client by path: a devDependency on it would make a build cycle (the client's tests use the server).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { deferred, generateSelfSignedCert } from '@websock/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocketClient from 'ws';
import { type ClientOptions, type ClientWebSocket, connect } from '../../client/src/index.js';
import {
  createServer,
  type MessageStream,
  ProtocolError,
  type ServerOptions,
  type ServerWebSocket,
  type WebSocketServer,
} from '../src/index.js';
import { heldMemory, randomSource, rawClient, readAll, sendHugeFrame } from './message-stream-peers.js';

// Large messages received as streams (`messageStream`), end to end over real sockets, with and
// without permessage-deflate: memory stays bounded (measured after a full GC) while 64 MiB go
// through, the bytes arrive identical, text is checked across chunks (1007), the size limit holds
// over the whole message and after inflating (1009), and a slow reader stops the socket.
// WEBSOCK_STREAM_STATS=1 prints the figures.

const MB = 1024 * 1024;
const BIG = 64 * MB;
const PIECE = 256 * 1024;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Streamed {
  ws: ServerWebSocket;
  stream: MessageStream;
  isBinary: boolean;
}

interface StreamingServer {
  server: WebSocketServer;
  port: number;
  /** The first message stream the server gets. */
  streamed: Promise<Streamed>;
  /** Whole messages (under the threshold), as [byte length, isBinary]. */
  whole: Array<[number, boolean]>;
  /** The first connection's close code, as the server saw it. */
  closed: Promise<number>;
}

async function streamingServer(options: Partial<ServerOptions<undefined>> = {}): Promise<StreamingServer> {
  const streamed = deferred<Streamed>();
  const closed = deferred<number>();
  const whole: Array<[number, boolean]> = [];
  const server = createServer<undefined>({
    messageStream: (ws, stream, isBinary) => streamed.resolve({ ws, stream, isBinary }),
    message: (_ws, data, isBinary) => whole.push([data.length, isBinary]),
    close: (_ws, code) => closed.resolve(code),
    ...options,
  });
  cleanups.push(() => server.close());
  const { port } = await server.listen();
  return { server, port, streamed: streamed.promise, whole, closed: closed.promise };
}

async function client(
  port: number,
  perMessageDeflate: boolean,
  extra: Partial<ClientOptions<undefined>> = {},
): Promise<ClientWebSocket> {
  const ws = await connect(`ws://127.0.0.1:${port}`, { perMessageDeflate, ...extra });
  cleanups.push(() => ws.terminate());
  return ws;
}

/** Writes `count` pieces through `ws.stream()` (one message), each write awaited. Returns the hash. */
async function writeMessage(
  ws: ClientWebSocket | ServerWebSocket,
  count: number,
  piece: (i: number) => Uint8Array,
  binary = true,
): Promise<string> {
  const hash = createHash('sha256');
  const writer = ws.stream({ binary }).getWriter();
  for (let i = 0; i < count; i++) {
    const chunk = piece(i);
    hash.update(chunk);
    await writer.write(chunk);
  }
  await writer.close();
  return hash.digest('hex');
}

/** Compressible text pieces: repetitive, with a counter, ~100:1 under DEFLATE. */
const textPiece = (i: number) => Buffer.from(`piece ${i} of a streamed message `.repeat(PIECE / 16).slice(0, PIECE));

function stats(label: string, values: object): void {
  if (process.env.WEBSOCK_STREAM_STATS) console.log(label, values);
}

/** Reads a stream to its end or its error: the bytes delivered, and the error (null at a normal end). */
async function drain(stream: MessageStream): Promise<{ delivered: number; error: unknown }> {
  let delivered = 0;
  try {
    for await (const chunk of stream) delivered += chunk.length;
    return { delivered, error: null };
  } catch (error) {
    return { delivered, error };
  }
}

/** The close code the client saw, through its `close` handler. */
function clientClose(): { close(ws: unknown, code: number): void; code: Promise<number> } {
  const closed = deferred<number>();
  return { close: (_ws, code) => closed.resolve(code), code: closed.promise };
}

/** Counts the bytes every ReadableStream takes in (the message stream is the only one here). */
function countEnqueued(onChange: (total: number) => void): void {
  const proto = ReadableStreamDefaultController.prototype;
  const enqueue = proto.enqueue;
  let total = 0;
  proto.enqueue = function (this: ReadableStreamDefaultController, chunk?: unknown) {
    total += (chunk as Uint8Array).byteLength;
    enqueue.call(this, chunk);
    onChange(total);
  };
  cleanups.push(() => {
    proto.enqueue = enqueue;
  });
}

describe('a 64 MiB message received as a stream, memory bounded', () => {
  it('one 64 MiB frame from a raw client: read in pieces, held memory far below the message, same bytes', async () => {
    const { port, streamed, whole } = await streamingServer();
    const peer = await rawClient(port);
    cleanups.push(() => peer.close());
    const baseline = heldMemory();
    const sending = sendHugeFrame(peer, BIG, randomSource(PIECE));
    const { stream, isBinary } = await streamed;
    expect(isBinary).toBe(true);
    const read = await readAll(stream, baseline);
    const sentHash = await sending;
    stats('64 MiB frame, no deflate', { peakGrowth: read.peakGrowth, chunks: read.chunks });
    expect(read.bytes).toBe(BIG);
    expect(read.hash).toBe(sentHash);
    expect(read.chunks).toBeGreaterThan(64); // pieces as TCP delivered them, never one buffer
    expect(read.peakGrowth).toBeLessThan(BIG / 8);
    expect(whole).toEqual([]);
  });

  it('with permessage-deflate: 64 MiB written through ws.stream(), inflated as it arrives, memory bounded', async () => {
    const { port, streamed } = await streamingServer({ perMessageDeflate: true });
    const ws = await client(port, true);
    expect(ws.extensions).toContain('permessage-deflate');
    const baseline = heldMemory();
    const writing = writeMessage(ws, BIG / PIECE, textPiece);
    const { stream } = await streamed;
    const read = await readAll(stream, baseline);
    stats('64 MiB in fragments, deflate', { peakGrowth: read.peakGrowth, chunks: read.chunks });
    expect(read.bytes).toBe(BIG);
    expect(read.hash).toBe(await writing);
    expect(read.peakGrowth).toBeLessThan(BIG / 8);
  });

  it('a 16 MiB message compressed in one frame by `ws` (an independent deflater) arrives identical', async () => {
    const { port, streamed } = await streamingServer({ perMessageDeflate: true });
    const peer = new WebSocketClient(`ws://127.0.0.1:${port}`, { perMessageDeflate: true });
    cleanups.push(() => peer.terminate());
    await once(peer, 'open');
    const message = Buffer.concat(Array.from({ length: 64 }, (_, i) => textPiece(i)));
    peer.send(message);
    const read = await readAll((await streamed).stream);
    expect(read.hash).toBe(createHash('sha256').update(message).digest('hex'));
  });
});

describe('text across chunks', () => {
  // 3 MiB of text whose characters take 1 to 4 bytes, written in slices that cut characters apart.
  const text = 'ascii, é, €, 𝄞 — '.repeat((3 * MB) / 24);
  const encoded = Buffer.from(text, 'utf8');
  const slice = (i: number) => encoded.subarray(i * 65_537, (i + 1) * 65_537);
  const slices = Math.ceil(encoded.length / 65_537);

  for (const perMessageDeflate of [false, true]) {
    it(`multi-byte characters split across chunks arrive as the same text${perMessageDeflate ? ' (deflate)' : ''}`, async () => {
      const { port, streamed } = await streamingServer({ perMessageDeflate });
      const ws = await client(port, perMessageDeflate);
      const writing = writeMessage(ws, slices, slice, false);
      const { stream, isBinary } = await streamed;
      expect(isBinary).toBe(false);
      let decoded = '';
      for await (const part of stream.pipeThrough(new TextDecoderStream())) decoded += part;
      await writing;
      expect(decoded).toBe(text);
    });

    it(`invalid UTF-8 mid-message fails the stream and the connection with 1007${perMessageDeflate ? ' (deflate)' : ''}`, async () => {
      const { port, streamed, closed } = await streamingServer({ perMessageDeflate, messageStreamThreshold: 1024 });
      const seen = clientClose();
      const ws = await client(port, perMessageDeflate, { close: seen.close });
      const writer = ws.stream({ binary: false }).getWriter();
      await writer.write(encoded.subarray(0, 100_000));
      const { stream } = await streamed;
      const reading = drain(stream);
      writer.write(Buffer.from([0x61, 0xff, 0x62])).catch(() => {});
      const { delivered, error } = await reading;
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error).toMatchObject({ closeCode: 1007, code: 'WS_ERR_INVALID_UTF8' });
      // What was valid before the bad byte may have been delivered; nothing of the bad piece.
      expect(delivered).toBeLessThanOrEqual(100_000);
      expect(await closed).toBe(1007);
      expect(await seen.code).toBe(1007);
    });
  }
});

describe('maxMessageSize over the whole streamed message (1009)', () => {
  for (const perMessageDeflate of [false, true]) {
    it(`fragments adding up past the limit fail the stream with 1009${perMessageDeflate ? ' (deflate: counted inflated)' : ''}`, async () => {
      const { port, streamed, closed } = await streamingServer({ perMessageDeflate, maxMessageSize: 4 * MB });
      const seen = clientClose();
      const ws = await client(port, perMessageDeflate, { close: seen.close });
      // Compressed, 8 MiB of text is far under the limit on the wire: only its inflated size passes it.
      writeMessage(ws, (8 * MB) / PIECE, textPiece).catch(() => {});
      const { delivered, error } = await drain((await streamed).stream);
      expect(error).toMatchObject({ closeCode: 1009, code: 'WS_ERR_MESSAGE_TOO_BIG' });
      expect(delivered).toBeLessThanOrEqual(4 * MB);
      expect(await closed).toBe(1009);
      expect(await seen.code).toBe(1009);
    });
  }

  it('a single compressed frame inflating past the limit (a bomb) stops at the limit with 1009', async () => {
    const { port, streamed, closed } = await streamingServer({
      perMessageDeflate: true,
      maxMessageSize: MB,
      messageStreamThreshold: 1024,
    });
    const peer = new WebSocketClient(`ws://127.0.0.1:${port}`, { perMessageDeflate: true });
    cleanups.push(() => peer.terminate());
    await once(peer, 'open');
    peer.send(Buffer.alloc(32 * MB)); // zeros: ~32 KiB on the wire, 32 MiB inflated
    const { delivered, error } = await drain((await streamed).stream);
    expect(error).toMatchObject({ closeCode: 1009 });
    expect(delivered).toBeLessThanOrEqual(MB);
    expect(await closed).toBe(1009);
  });
});

describe('backpressure: a slow reader stops the socket', () => {
  for (const perMessageDeflate of [false, true]) {
    it(`a reader reading only while the socket is paused holds at most the high-water mark plus one chunk${perMessageDeflate ? ' (deflate)' : ''}`, async () => {
      const highWaterMark = 256 * 1024;
      const total = 16 * MB;
      // A threshold under the mark: the bytes kept until a message reaches it fit in the mark too.
      const { port, streamed } = await streamingServer({
        perMessageDeflate,
        messageStreamHighWaterMark: highWaterMark,
        messageStreamThreshold: 64 * 1024,
      });
      let wake: (() => void) | undefined;
      let entered = 0;
      countEnqueued((bytes) => {
        entered = bytes;
        if (entered === total) wake?.();
      });
      const ws = await client(port, perMessageDeflate);
      const writing = writeMessage(ws, total / PIECE, perMessageDeflate ? textPiece : randomSource(PIECE));
      const { ws: serverSide, stream } = await streamed;
      let pauses = 0;
      const socket = serverSide.socket as Socket; // plain TCP here
      const pause = socket.pause.bind(socket);
      socket.pause = () => {
        pauses++;
        wake?.();
        return pause();
      };
      const reader = stream.getReader();
      const hash = createHash('sha256');
      let consumed = 0;
      let maxLead = 0;
      for (;;) {
        // The reader is the slowest part: it takes one chunk only once the socket has paused
        // (or the whole message is in), so the stream's queue is as full as it gets.
        if (!socket.isPaused() && entered < total) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        maxLead = Math.max(maxLead, entered - consumed);
        const { done, value } = await reader.read();
        if (done) break;
        consumed += value.length;
        hash.update(value);
      }
      stats('slow reader', { perMessageDeflate, pauses, maxLead });
      expect(consumed).toBe(total);
      expect(hash.digest('hex')).toBe(await writing);
      expect(pauses).toBeGreaterThan(total / (highWaterMark + 64 * 1024));
      expect(maxLead).toBeLessThanOrEqual(highWaterMark + 64 * 1024);
    });
  }
});

describe('the client receives large messages as streams too', () => {
  it('over wss://, a server writing 8 MiB with ws.stream() to a client with a messageStream handler', async () => {
    const { cert, key } = await generateSelfSignedCert();
    const opened = deferred<ServerWebSocket>();
    const server = createServer<undefined>({
      tls: { cert, key },
      perMessageDeflate: true,
      open: (ws) => opened.resolve(ws),
    });
    cleanups.push(() => server.close());
    const { port } = await server.listen();
    const streamed = deferred<[MessageStream, boolean]>();
    const whole: number[] = [];
    const ws = await connect(`wss://127.0.0.1:${port}`, {
      tls: { ca: cert },
      perMessageDeflate: true,
      messageStreamThreshold: 64 * 1024,
      message: (_ws, data) => whole.push(data.length),
      messageStream: (_ws, stream, isBinary) => streamed.resolve([stream, isBinary]),
    });
    cleanups.push(() => ws.terminate());
    const serverSide = await opened.promise;
    serverSide.send('small');
    const source = randomSource(PIECE);
    const writing = writeMessage(serverSide, 32, source);
    const [stream, isBinary] = await streamed.promise;
    const read = await readAll(stream);
    expect(isBinary).toBe(true);
    expect(read.bytes).toBe(8 * MB);
    expect(read.hash).toBe(await writing);
    expect(whole).toEqual([5]);
  });
});
