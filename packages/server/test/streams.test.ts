// The client by path: a devDependency on it would make a build cycle (the client's tests use the server).
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientWebSocket, connect, WebSocketError, WebSocketStream } from '../../client/src/index.js';
import {
  createServer,
  type ServerOptions,
  type ServerWebSocket,
  toStreams,
  type WebSocket,
  type WebSocketServer,
  type WebSocketStreams,
} from '../src/index.js';

// Web streams over real sockets, with and without permessage-deflate: backpressure both ways
// (a fast producer against a slow consumer holds the sender's buffer and the consumer's lead
// bounded, and loses nothing), WebSocketStream as the WHATWG draft (Chromium) has it, and a
// large echo compared by running hash. The echo moves 64 MiB by default (16 MiB with deflate);
// WEBSOCK_STREAM_BYTES=1073741824 runs the full 1 GiB.

const ECHO_BYTES = Number(process.env.WEBSOCK_STREAM_BYTES ?? 64 * 1024 * 1024);
const PRESSURE_BYTES = 32 * 1024 * 1024;
const CHUNK = 64 * 1024;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server close handler recording [code, reason], and a promise of the first one. */
function closeRecorder(): { close(ws: unknown, code: number, reason: string): void; first: Promise<[number, string]> } {
  let resolve!: (value: [number, string]) => void;
  const first = new Promise<[number, string]>((r) => (resolve = r));
  return { close: (_ws, code, reason) => resolve([code, reason]), first };
}

async function startServer(options: ServerOptions<undefined>): Promise<WebSocketServer> {
  const server = createServer<undefined>({ ...options });
  cleanups.push(() => server.close());
  await server.listen();
  return server;
}

/** Deterministic, incompressible chunks of varying size (random bytes, drawn at moving offsets). */
function chunkSource(total: number): () => Uint8Array | null {
  const pool = randomBytes(1024 * 1024 + CHUNK);
  let produced = 0;
  let i = 0;
  return () => {
    if (produced >= total) return null;
    i++;
    const size = Math.min(total - produced, 1 + ((i * 104_729) % CHUNK));
    const offset = (i * 7_919) % (pool.length - size);
    produced += size;
    return pool.subarray(offset, offset + size);
  };
}

/** Watches the connection's pause()/resume(): the reader pushing back on its socket. */
function watchPauses(ws: WebSocket<unknown>, onPause: () => void): { count: number; paused: boolean } {
  const state = { count: 0, paused: false };
  const pause = ws.pause.bind(ws);
  const resume = ws.resume.bind(ws);
  ws.pause = () => {
    state.count++;
    state.paused = true;
    pause();
    onPause();
  };
  ws.resume = () => {
    state.paused = false;
    resume();
  };
  return state;
}

interface Pressure {
  producedHash: string;
  consumedHash: string;
  consumedBytes: number;
  /** Most bytes the producer was ever ahead of the consumer. */
  maxLead: number;
  /** Most bytes the producing connection ever held (bufferedAmount). */
  maxBuffered: number;
  /** Writes that had to wait for a drain. */
  stalls: number;
  pauses: number;
}

/**
 * A producer writing as fast as its writable lets it, and a consumer that reads a message only
 * while its readable is full (it has paused the socket): the consumer is always the slowest
 * part, compression included, with no clock involved.
 */
async function pressure(producer: WebSocket<unknown>, consumer: WebSocket<unknown>, total: number): Promise<Pressure> {
  const pauses = watchPauses(consumer, () => wake());
  const out: WebSocketStreams = toStreams(producer);
  const into: WebSocketStreams = toStreams(consumer);
  const stats = { produced: 0, maxLead: 0, maxBuffered: 0, stalls: 0, done: false };
  let wakeConsumer: (() => void) | undefined;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const producedHash = createHash('sha256');
  const produce = (async () => {
    const writer = out.writable.getWriter();
    const next = chunkSource(total);
    for (let chunk = next(); chunk !== null; chunk = next()) {
      producedHash.update(chunk);
      stats.produced += chunk.length;
      const write = writer.write(chunk);
      stats.maxBuffered = Math.max(stats.maxBuffered, producer.bufferedAmount);
      if (producer.bufferedAmount >= producer.socket.writableHighWaterMark) stats.stalls++;
      await write;
    }
    stats.done = true;
    wake();
    await writer.close();
  })();
  const consumedHash = createHash('sha256');
  let consumed = 0;
  const reader = into.readable.getReader();
  for (;;) {
    while (!stats.done && !pauses.paused) await new Promise<void>((resolve) => (wakeConsumer = resolve));
    const { value, done } = await reader.read();
    if (done) break;
    const bytes = value as Uint8Array;
    stats.maxLead = Math.max(stats.maxLead, stats.produced - consumed);
    consumed += bytes.length;
    consumedHash.update(bytes);
    await new Promise((resolve) => setImmediate(resolve)); // let the sockets move
  }
  await produce;
  return {
    producedHash: producedHash.digest('hex'),
    consumedHash: consumedHash.digest('hex'),
    consumedBytes: consumed,
    maxLead: stats.maxLead,
    maxBuffered: stats.maxBuffered,
    stalls: stats.stalls,
    pauses: pauses.count,
  };
}

async function connectedPair(
  perMessageDeflate: boolean,
): Promise<{ serverWs: ServerWebSocket; client: ClientWebSocket }> {
  let opened!: (ws: ServerWebSocket) => void;
  const serverOpen = new Promise<ServerWebSocket>((resolve) => (opened = resolve));
  const server = await startServer({ perMessageDeflate, open: (ws) => opened(ws) });
  const client = await connect(`ws://127.0.0.1:${server.port}`, { perMessageDeflate });
  return { serverWs: await serverOpen, client };
}

for (const perMessageDeflate of [false, true]) {
  const mode = `permessage-deflate ${perMessageDeflate ? 'on' : 'off'}`;
  const total = perMessageDeflate ? PRESSURE_BYTES / 4 : PRESSURE_BYTES;

  describe(`toStreams backpressure (${mode})`, () => {
    for (const direction of ['server to client', 'client to server'] as const) {
      it(`${direction}: a fast producer against a slow reader holds memory bounded and loses nothing`, async () => {
        const { serverWs, client } = await connectedPair(perMessageDeflate);
        const [producer, consumer] = direction === 'server to client' ? [serverWs, client] : [client, serverWs];
        const result = await pressure(producer as WebSocket<unknown>, consumer as WebSocket<unknown>, total);
        if (process.env.WEBSOCK_STREAM_STATS)
          console.log(direction, perMessageDeflate, { ...result, producedHash: undefined, consumedHash: undefined });
        expect(result.consumedBytes).toBe(total);
        expect(result.consumedHash).toBe(result.producedHash);
        // The producer really was held back, and the reader really pushed back on its socket.
        expect(result.stalls).toBeGreaterThan(0);
        expect(result.pauses).toBeGreaterThan(0);
        // What the sender holds stays near one high-water mark plus one chunk (and, with
        // deflate, a message waiting for the compressor), never the whole transfer.
        expect(result.maxBuffered).toBeLessThan(4 * CHUNK + producer.socket.writableHighWaterMark);
        // The producer runs ahead of the reader by at most the kernel's socket buffers and the
        // streams' high-water marks: a few MiB, not the transfer (it would be all of it without
        // backpressure, since the reader only reads when the producer is stalled).
        expect(result.maxLead).toBeLessThan(Math.min(total / 2, 16 * 1024 * 1024));
      });
    }
  });

  describe(`WebSocketStream (${mode})`, () => {
    it(`echoes ${(perMessageDeflate ? Math.min(ECHO_BYTES, 16 * 1024 * 1024) : ECHO_BYTES) / 1024 / 1024} MiB byte-identical (running hash), piped through the server's streams`, async () => {
      const server = await startServer({
        perMessageDeflate,
        open(ws) {
          const { readable, writable } = toStreams(ws);
          void readable.pipeTo(writable).catch(() => {});
        },
      });
      const bytes = perMessageDeflate ? Math.min(ECHO_BYTES, 16 * 1024 * 1024) : ECHO_BYTES;
      const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}`, { perMessageDeflate });
      const { readable, writable, extensions, protocol } = await wss.opened;
      expect(extensions !== '').toBe(perMessageDeflate);
      expect(protocol).toBe('');
      const sent = createHash('sha256');
      const writing = (async () => {
        const writer = writable.getWriter();
        const next = chunkSource(bytes);
        for (let chunk = next(); chunk !== null; chunk = next()) {
          sent.update(chunk);
          await writer.write(chunk);
        }
      })();
      const received = createHash('sha256');
      let count = 0;
      const reader = readable.getReader();
      while (count < bytes) {
        const { value, done } = await reader.read();
        if (done) break;
        expect(value).toBeInstanceOf(Uint8Array);
        count += (value as Uint8Array).length;
        received.update(value as Uint8Array);
      }
      await writing;
      expect(count).toBe(bytes);
      expect(received.digest('hex')).toBe(sent.digest('hex'));
      wss.close({ closeCode: 1000, reason: 'done' });
      // closed reports the server's close frame: ours echoes the code without the reason.
      expect(await wss.closed).toEqual({ closeCode: 1000, reason: '' });
    }, 120_000);

    it('text arrives as strings, binary as Uint8Arrays; strings go as text', async () => {
      const seen: Array<[string, boolean]> = [];
      const server = await startServer({
        perMessageDeflate,
        message(ws, data, isBinary) {
          seen.push([data.toString(), isBinary]);
          ws.send(data, isBinary);
        },
      });
      const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}`, { perMessageDeflate });
      const { readable, writable } = await wss.opened;
      const writer = writable.getWriter();
      await writer.write('héllo');
      await writer.write(new TextEncoder().encode('bytes'));
      await writer.write(new Uint16Array([0x6968]).buffer);
      const reader = readable.getReader();
      expect((await reader.read()).value).toBe('héllo');
      expect((await reader.read()).value).toEqual(new TextEncoder().encode('bytes'));
      expect((await reader.read()).value).toEqual(new Uint8Array([0x68, 0x69]));
      expect(seen).toEqual([
        ['héllo', false],
        ['bytes', true],
        ['hi', true],
      ]);
      wss.close();
      expect(await wss.closed).toEqual({ closeCode: 1005, reason: '' });
    });
  });
}

describe('WebSocketStream closing and failures', () => {
  it('close({ closeCode, reason }) goes to the server and comes back in closed', async () => {
    const recorder = closeRecorder();
    const server = await startServer({ close: recorder.close });
    const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}`, { protocols: ['chat'] });
    expect((await wss.opened).protocol).toBe('chat');
    wss.close({ closeCode: 3456, reason: 'pizza' });
    // closed reports the server's close frame: ours echoes the code without the reason.
    expect(await wss.closed).toEqual({ closeCode: 3456, reason: '' });
    expect(await recorder.first).toEqual([3456, 'pizza']);
  });

  it('a reason without a code closes with 1000; invalid codes and long reasons throw the spec errors', async () => {
    const recorder = closeRecorder();
    const server = await startServer({ close: recorder.close });
    const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}`);
    await wss.opened;
    expect(() => wss.close({ closeCode: 1001 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => wss.close({ reason: 'x'.repeat(124) })).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocketError('', { closeCode: 2000 })).toThrow(
      expect.objectContaining({ name: 'InvalidAccessError' }),
    );
    wss.close({ reason: 'bye' });
    expect(await wss.closed).toEqual({ closeCode: 1000, reason: '' });
    expect(await recorder.first).toEqual([1000, 'bye']);
  });

  it('cancelling the readable with a WebSocketError closes with its code', async () => {
    const recorder = closeRecorder();
    const server = await startServer({ close: recorder.close });
    const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}`);
    const { readable } = await wss.opened;
    await readable.cancel(new WebSocketError('enough', { closeCode: 4001, reason: 'enough' }));
    expect(await wss.closed).toEqual({ closeCode: 4001, reason: '' });
    expect(await recorder.first).toEqual([4001, 'enough']);
  });

  it('an unclean end rejects closed with a WebSocketError (1006) and errors both streams', async () => {
    const server = await startServer({ open: (ws) => ws.terminate() });
    const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}`);
    const { readable } = await wss.opened;
    const error = await wss.closed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketError);
    expect((error as WebSocketError).closeCode).toBe(1006);
    await expect(readable.getReader().read()).rejects.toThrow();
  });

  it('a failed handshake rejects opened and closed; an aborted signal rejects them with its reason', async () => {
    const server = await startServer({ path: '/only-here' });
    const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}/elsewhere`);
    const failure = await wss.opened.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WebSocketError);
    await expect(wss.closed).rejects.toBe(failure);

    const controller = new AbortController();
    const reason = new Error('changed my mind');
    const aborted = new WebSocketStream(`ws://127.0.0.1:${server.port}/only-here`, { signal: controller.signal });
    controller.abort(reason);
    await expect(aborted.opened).rejects.toBe(reason);
    await expect(aborted.closed).rejects.toBe(reason);
    expect(() => new WebSocketStream('ftp://example.com')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
  });

  it('writing after the connection closed rejects', async () => {
    const server = await startServer({});
    const wss = new WebSocketStream(`ws://127.0.0.1:${server.port}`);
    const { writable } = await wss.opened;
    const writer = writable.getWriter();
    wss.close();
    await wss.closed;
    await expect(writer.write('late')).rejects.toThrow();
  });
});
