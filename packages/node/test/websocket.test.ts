import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, type WebSocketHandlers } from '../src/index.js';

// Both ends are this package's WebSocket over a real TCP pair on 127.0.0.1 (no opening
// handshake: the class starts on a socket whose handshake is done).

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function socketPair(): Promise<{ serverSocket: Socket; clientSocket: Socket }> {
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const clientSocket = connect({
    port: (server.address() as AddressInfo).port,
    host: '127.0.0.1',
    allowHalfOpen: true,
  });
  const [[serverSocket]] = await Promise.all([accepted, once(clientSocket, 'connect')]);
  cleanups.push(() => {
    serverSocket.destroy();
    clientSocket.destroy();
    server.close();
  });
  return { serverSocket, clientSocket };
}

interface Recorder {
  messages: Array<[string, boolean]>;
  /** Resolves once `n` messages have arrived (from the message handler: no polling). */
  received(n: number): Promise<void>;
  closed: Promise<[number, string, boolean]>;
  handlers: WebSocketHandlers<undefined>;
}

function recorder(extra: WebSocketHandlers<undefined> = {}): Recorder {
  const messages: Array<[string, boolean]> = [];
  const waiters: Array<() => void> = [];
  let resolveClosed!: (value: [number, string, boolean]) => void;
  const closed = new Promise<[number, string, boolean]>((resolve) => (resolveClosed = resolve));
  return {
    messages,
    received: (n) =>
      new Promise<void>((resolve) => {
        const check = () => (messages.length >= n ? resolve() : waiters.push(check));
        check();
      }),
    closed,
    handlers: {
      message: (_ws, data, isBinary) => {
        messages.push([isBinary ? data.toString('hex') : data.toString(), isBinary]);
        for (const wake of waiters.splice(0)) wake();
      },
      close: (_ws, code, reason, wasClean) => resolveClosed([code, reason, wasClean]),
      ...extra,
    },
  };
}

/** Resolves once `n` bytes in all have arrived on `socket`. */
function bytesArrived(socket: Socket, n: number): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received < n) return;
      socket.off('data', onData);
      resolve();
    };
    socket.on('data', onData);
  });
}

describe('WebSocket over a TCP pair, server role against client role', () => {
  it('exchanges messages and closes cleanly, the server closing TCP first', async () => {
    const { serverSocket, clientSocket } = await socketPair();
    const serverSide = recorder({ message: (ws, data, isBinary) => ws.send(data, isBinary) });
    const clientSide = recorder();
    const server = new WebSocket(serverSocket, serverSide.handlers, { role: 'server' }, undefined);
    const client = new WebSocket(clientSocket, clientSide.handlers, { role: 'client' }, undefined);
    server.start();
    client.start();
    let serverEndedFirst = false;
    serverSocket.once('finish', () => (serverEndedFirst = !clientSocket.writableEnded));
    client.send('héllo');
    client.send(Uint8Array.of(1, 2, 255));
    await clientSide.received(2);
    expect(clientSide.messages).toEqual([
      ['héllo', false],
      ['0102ff', true],
    ]);
    client.close(4000, 'done');
    expect(await clientSide.closed).toEqual([4000, '', true]);
    expect(await serverSide.closed).toEqual([4000, 'done', true]);
    expect(serverEndedFirst).toBe(true);
  });

  it('answers every small frame of one received chunk with a single write', async () => {
    const { serverSocket, clientSocket } = await socketPair();
    const server = new WebSocket(
      serverSocket,
      { message: (ws, data, isBinary) => ws.send(data, isBinary) },
      { role: 'server' },
      undefined,
    );
    server.start();
    const writes: number[] = [];
    const write = serverSocket.write.bind(serverSocket);
    serverSocket.write = ((chunk: Uint8Array, ...rest: never[]) => {
      writes.push(chunk.length);
      return write(chunk, ...rest);
    }) as typeof serverSocket.write;
    // Ten masked 1-byte text frames in one TCP write.
    const frame = Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0x61]);
    clientSocket.write(Buffer.concat(Array.from({ length: 10 }, () => frame)));
    await bytesArrived(clientSocket, 30);
    expect(writes).toEqual([30]);
  });

  it('terminates a silent peer on the second keepalive round and reports 1006', async () => {
    const { serverSocket } = await socketPair();
    const serverSide = recorder();
    const server = new WebSocket(serverSocket, serverSide.handlers, { role: 'server' }, undefined);
    server.start();
    expect(server.heartbeat()).toBe(true); // ping sent
    expect(server.heartbeat()).toBe(false); // nothing came back
    expect(await serverSide.closed).toEqual([1006, '', false]);
  });

  it('keeps bytes that came with the handshake until the application resumes', async () => {
    const { serverSocket } = await socketPair();
    const serverSide = recorder({ open: (ws) => ws.pause() });
    const server = new WebSocket(serverSocket, serverSide.handlers, { role: 'server' }, undefined);
    server.start(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]));
    // Paused: no event can say "it would have been delivered by now", so this wait can only let
    // a bug pass on a slow machine, never fail a correct implementation.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(serverSide.messages).toEqual([]);
    server.resume();
    expect(serverSide.messages).toEqual([['hi', false]]);
  });

  it('drops sends once closing (false, no throw: a broadcast loop goes on), and close is idempotent', async () => {
    const { serverSocket } = await socketPair();
    const server = new WebSocket(serverSocket, {}, { role: 'server', closeTimeout: 50 }, undefined);
    server.start();
    expect(() => server.close(1005)).toThrow(RangeError);
    server.close(1000);
    server.close(1000);
    expect(server.readyState).toBe(WebSocket.CLOSING);
    const buffered = server.bufferedAmount;
    expect(server.send('late')).toBe(false);
    expect(server.ping()).toBe(false);
    expect(server.pong()).toBe(false);
    expect(server.bufferedAmount).toBe(buffered);
  });
});

describe('large messages over a TCP pair', () => {
  /** Bytes with a pattern that shows a misplaced or unmasked byte. */
  function patterned(length: number, seed: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = (i * 131 + seed * 17 + (i >>> 8)) & 0xff;
    return out;
  }

  it('echoes messages spanning many socket reads, whole and in mixed-size fragments, byte for byte', async () => {
    const { serverSocket, clientSocket } = await socketPair();
    const seen: Array<{ isBuffer: boolean; length: number }> = [];
    const serverSide = recorder({
      message: (ws, data, isBinary) => {
        seen.push({ isBuffer: Buffer.isBuffer(data), length: data.length });
        ws.send(data, isBinary);
      },
    });
    const echoes: Buffer[] = [];
    let arrived!: () => void;
    const allArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = new WebSocket(serverSocket, serverSide.handlers, { role: 'server' }, undefined);
    const client = new WebSocket(
      clientSocket,
      {
        message: (_ws, data) => {
          echoes.push(Buffer.from(data));
          if (echoes.length === 3) arrived();
        },
      },
      { role: 'client' },
      undefined,
    );
    server.start();
    client.start();
    const whole = patterned(1024 * 1024 + 3, 1);
    const eightMiB = patterned(8 * 1024 * 1024, 2);
    // Fragments below and above the size the core keeps as views, and empty ones.
    const sizes = [5, 70_000, 0, 4095, 4096, 200_000, 1, 16_384, 300_001];
    const fragments = sizes.map((size, i) => patterned(size, 10 + i));
    client.send(whole, true);
    client.send(eightMiB, true);
    for (const [i, fragment] of fragments.entries()) {
      client.send(fragment, { binary: true, fin: i === fragments.length - 1 });
    }
    await allArrived;
    const fragmented = Buffer.concat(fragments);
    expect(seen).toEqual([
      { isBuffer: true, length: whole.length },
      { isBuffer: true, length: eightMiB.length },
      { isBuffer: true, length: fragmented.length },
    ]);
    expect(Buffer.compare(echoes[0]!, whole)).toBe(0);
    expect(Buffer.compare(echoes[1]!, eightMiB)).toBe(0);
    expect(Buffer.compare(echoes[2]!, fragmented)).toBe(0);
  });
});
