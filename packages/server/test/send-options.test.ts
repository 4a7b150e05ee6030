// The client by path: a devDependency on it would make a build cycle (the client's tests use the server).
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientWebSocket, ConnectionClosedError, connect } from '../../client/src/index.js';
import { createServer, type ServerWebSocket, type WebSocketServer } from '../src/index.js';
import { headEnd, openRaw, upgradeRequest } from './raw.js';

// Round trips, per-message options and send completion, end to end over real sockets with and
// without permessage-deflate: our server against our client, and a raw peer to see the wire.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Pair {
  server: WebSocketServer;
  serverWs: ServerWebSocket;
  client: ClientWebSocket;
  messages: Array<[string, boolean]>;
  next(): Promise<[string, boolean]>;
}

/** A server and a client; the client records what it receives. */
async function pair(perMessageDeflate: boolean, serverOptions = {}): Promise<Pair> {
  let opened!: (ws: ServerWebSocket) => void;
  const serverOpen = new Promise<ServerWebSocket>((resolve) => (opened = resolve));
  const server = createServer({ perMessageDeflate, open: (ws) => opened(ws), ...serverOptions });
  cleanups.push(() => server.close());
  await server.listen();
  const messages: Array<[string, boolean]> = [];
  const waiters: Array<() => void> = [];
  const client = await connect(`ws://127.0.0.1:${server.port}`, {
    perMessageDeflate,
    message(_ws, data, isBinary) {
      messages.push([data.toString(), isBinary]);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const serverWs = await serverOpen;
  let taken = 0;
  const next = async (): Promise<[string, boolean]> => {
    while (messages.length <= taken) await new Promise<void>((resolve) => waiters.push(resolve));
    return messages[taken++] as [string, boolean];
  };
  return { server, serverWs, client, messages, next };
}

for (const perMessageDeflate of [false, true]) {
  const mode = `permessage-deflate ${perMessageDeflate ? 'on' : 'off'}`;

  describe(`roundTrip (${mode})`, () => {
    it('resolves with the round-trip time on the matching pong, both ways; rtt keeps the last one', async () => {
      const { serverWs, client } = await pair(perMessageDeflate);
      expect(serverWs.rtt).toBeUndefined();
      const rtt = await serverWs.roundTrip();
      expect(rtt).toBeGreaterThanOrEqual(0);
      expect(serverWs.rtt).toBe(rtt);
      const fromClient = await client.roundTrip('custom payload');
      expect(client.rtt).toBe(fromClient);
      // Several in flight: each resolves on its own pong.
      const all = await Promise.all([serverWs.roundTrip(), serverWs.roundTrip(), serverWs.roundTrip()]);
      expect(all.every((value) => value >= 0)).toBe(true);
      // ping() keeps its behaviour: a boolean, fire and forget.
      expect(serverWs.ping('plain')).toBe(true);
    });

    it('rejects with ConnectionClosedError when the connection closes before the pong, or is not open', async () => {
      const { serverWs, client } = await pair(perMessageDeflate);
      client.pause(); // the client reads nothing, so it never answers
      const pending = serverWs.roundTrip();
      serverWs.terminate();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect((error as ConnectionClosedError).closeCode).toBe(1006);
      await expect(serverWs.roundTrip()).rejects.toBeInstanceOf(ConnectionClosedError);
      await expect(serverWs.roundTrip(new Uint8Array(126))).rejects.toBeInstanceOf(ConnectionClosedError);
    });

    it('a payload over 125 bytes is a RangeError', async () => {
      const { serverWs } = await pair(perMessageDeflate);
      await expect(serverWs.roundTrip(new Uint8Array(126))).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe(`send(data, options) and sendAsync (${mode})`, () => {
    it('send with an options object: binary and compress, messages intact and in order', async () => {
      const { serverWs, next } = await pair(perMessageDeflate);
      expect(serverWs.send('as text', {})).toBe(true);
      expect(serverWs.send('as binary', { binary: true })).toBe(true);
      expect(serverWs.send(Buffer.from('bytes as text'), { binary: false, compress: false })).toBe(true);
      expect(serverWs.send('a'.repeat(5000), { compress: false })).toBe(true);
      expect(await next()).toEqual(['as text', false]);
      expect(await next()).toEqual(['as binary', true]);
      expect(await next()).toEqual(['bytes as text', false]);
      expect(await next()).toEqual(['a'.repeat(5000), false]);
    });

    it('sendAsync resolves once the frame is with the OS, in order with sends queued behind the compressor', async () => {
      const { serverWs, client, next } = await pair(perMessageDeflate);
      const done: string[] = [];
      const sends = ['one', 'two', 'three'].map((text, i) =>
        serverWs.sendAsync(text.repeat(1000), { compress: i !== 1 }).then(() => done.push(text)),
      );
      await Promise.all(sends);
      expect(done).toEqual(['one', 'two', 'three']);
      expect(serverWs.bufferedAmount).toBe(0);
      for (const text of ['one', 'two', 'three']) expect(await next()).toEqual([text.repeat(1000), false]);
      await client.sendAsync(new Uint8Array([1, 2, 3]));
    });

    it('sendAsync rejects when the connection is not open, or closes before the message is written', async () => {
      const { serverWs, client } = await pair(perMessageDeflate);
      client.pause(); // the kernel buffers fill up and stay full
      const big = Buffer.alloc(8 * 1024 * 1024, 7);
      const pending = serverWs.sendAsync(big, { compress: false });
      const alsoPending = serverWs.sendAsync('after it');
      serverWs.terminate();
      await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
      await expect(alsoPending).rejects.toBeInstanceOf(ConnectionClosedError);
      await expect(serverWs.sendAsync('x')).rejects.toBeInstanceOf(ConnectionClosedError);
    });
  });
}

describe('compress: false on the wire', () => {
  it('sends RSV1 clear for that message only, with permessage-deflate negotiated', async () => {
    const server = createServer({
      perMessageDeflate: { threshold: 0 },
      open(ws) {
        ws.send('x'.repeat(200), { compress: false });
        ws.send('x'.repeat(200));
      },
    });
    cleanups.push(() => server.close());
    const { port } = await server.listen();
    const peer = await openRaw(port);
    cleanups.push(() => peer.close());
    peer.socket.write(upgradeRequest(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate' }));
    const received = await peer.waitFor((bytes) => {
      const end = headEnd(bytes);
      return end !== -1 && bytes.length >= end + 2 + 126 + 2 + 2;
    });
    const head = received.subarray(0, headEnd(received)).toString('latin1');
    expect(head).toMatch(/permessage-deflate/i);
    const frames = received.subarray(headEnd(received));
    // 0x81: FIN, RSV1 clear, text; 126: a 16-bit length follows (200 bytes, uncompressed).
    expect([frames[0], frames[1], frames.readUInt16BE(2)]).toEqual([0x81, 126, 200]);
    const second = frames.subarray(4 + 200);
    expect(second[0]).toBe(0xc1); // FIN, RSV1 set: compressed
    expect(second[1]).toBeLessThan(126);
  });

  it('bytes on the wire: an uncompressed repetitive message costs its size, a compressed one far less', async () => {
    const { serverWs, client, next } = await pair(true);
    const before = (client.socket as Socket).bytesRead;
    serverWs.send('y'.repeat(100_000), { compress: false });
    await next();
    const uncompressed = (client.socket as Socket).bytesRead - before;
    serverWs.send('y'.repeat(100_000));
    await next();
    const compressed = (client.socket as Socket).bytesRead - before - uncompressed;
    expect(uncompressed).toBeGreaterThan(100_000);
    expect(compressed).toBeLessThan(1_000);
    client.close();
    await once(client.socket, 'close');
  });
});
