import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { generateSelfSignedCert } from '@websock/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ConnectError, connect, HandshakeError, type NodeWebSocket } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A `ws` echo server (a peer nobody here wrote). */
async function wsEcho(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A raw TCP server that answers the upgrade with whatever `respond` writes. */
async function rawServer(respond: (socket: Socket, key: string) => void): Promise<number> {
  const server: Server = createTcpServer((socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      const match = /sec-websocket-key: (\S+)/i.exec(head);
      if (head.includes('\r\n\r\n') && match) respond(socket, match[1] as string);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

const accept = (key: string) =>
  createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

type Recorded = {
  messages: Array<[string | Buffer, boolean]>;
  /** Resolves once `n` messages have arrived (from the message handler: no polling). */
  received(n: number): Promise<void>;
  closed: Promise<[number, string, boolean]>;
};

async function open(
  url: string,
  extra: Parameters<typeof connect<undefined>>[1] = {},
): Promise<NodeWebSocket & Recorded> {
  const messages: Recorded['messages'] = [];
  const waiters: Array<() => void> = [];
  const received = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (messages.length >= n ? resolve() : waiters.push(check));
      check();
    });
  let onClose!: (value: [number, string, boolean]) => void;
  const closed = new Promise<[number, string, boolean]>((resolve) => (onClose = resolve));
  const ws = await connect(url, {
    ...extra,
    message: (_ws, data, isBinary) => {
      messages.push([isBinary ? Buffer.from(data) : data.toString(), isBinary]);
      for (const wake of waiters.splice(0)) wake();
    },
    close: (_ws, code, reason, wasClean) => onClose([code, reason, wasClean]),
  });
  cleanups.push(() => ws.terminate());
  return Object.assign(ws, { messages, received, closed });
}

describe('against the ws server', () => {
  it('echoes text, binary and a 16 MiB message, every frame masked', async () => {
    const port = await wsEcho({ maxPayload: 32 * 1024 * 1024 });
    const ws = await open(`ws://127.0.0.1:${port}/path?q=1`);
    ws.send('héllo');
    ws.send(Buffer.from([1, 2, 3]));
    const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
    ws.send(big);
    await ws.received(3);
    expect(ws.messages[0]).toEqual(['héllo', false]);
    expect(ws.messages[1]).toEqual([Buffer.from([1, 2, 3]), true]);
    expect((ws.messages[2] as [Buffer, boolean])[0].equals(big)).toBe(true);
    ws.close(1000, 'done');
    expect(await ws.closed).toEqual([1000, 'done', true]);
  });

  it('sees the server close code and waits for the server to close TCP', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    server.on('connection', (socket) => socket.close(4001, 'server says bye'));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const ws = await open(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(await ws.closed).toEqual([4001, 'server says bye', true]);
  });

  it('reports 1006 when the server drops TCP without a close frame', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[{ terminate(): void }]>;
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const ws = await open(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    // Dropped once the client is open (an event, not a delay): a drop before the handshake
    // completed would be a failed connect instead.
    const [serverSide] = await accepted;
    serverSide.terminate();
    expect(await ws.closed).toEqual([1006, '', false]);
  });

  it('pings and receives the pong with its payload', async () => {
    const port = await wsEcho();
    let pong!: (data: string) => void;
    const ponged = new Promise<string>((resolve) => (pong = resolve));
    const ws = await connect(`ws://127.0.0.1:${port}`, { pong: (_ws, data) => pong(data.toString()) });
    cleanups.push(() => ws.terminate());
    ws.ping('are you there');
    expect(await ponged).toBe('are you there');
  });

  it('speaks wss:// with a CA it is given', async () => {
    const { cert, key } = await generateSelfSignedCert();
    const https = createHttpsServer({ cert, key });
    const server = new WebSocketServer({ server: https });
    server.on('connection', (socket) =>
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
    );
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate();
          server.close();
          https.close(() => resolve());
        }),
    );
    const ws = await open(`wss://localhost:${(https.address() as AddressInfo).port}`, { tls: { ca: cert } });
    ws.send('secret');
    await ws.received(1);
    expect(ws.messages[0]).toEqual(['secret', false]);
    await expect(connect(`wss://localhost:${(https.address() as AddressInfo).port}`)).rejects.toThrow();
  });

  it('negotiates a subprotocol', async () => {
    const port = await wsEcho({ handleProtocols: (protocols) => (protocols.has('b') ? 'b' : false) });
    const ws = await open(`ws://127.0.0.1:${port}`, { protocols: ['a', 'b'] });
    expect(ws.protocol).toBe('b');
  });
});

describe('handshake failures are typed', () => {
  it('a non-101 status', async () => {
    const port = await rawServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    const error = await connect(`ws://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'WS_ERR_UNEXPECTED_STATUS', status: 404 });
  });

  it('a wrong accept value', async () => {
    const port = await rawServer((socket) =>
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n',
      ),
    );
    await expect(connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'WS_ERR_INVALID_ACCEPT' });
  });

  it('a protocol that was not offered', async () => {
    const port = await rawServer((socket, key) =>
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\nSec-WebSocket-Protocol: evil\r\n\r\n`,
      ),
    );
    await expect(connect(`ws://127.0.0.1:${port}`, { protocols: ['good'] })).rejects.toMatchObject({
      code: 'WS_ERR_UNOFFERED_PROTOCOL',
    });
  });

  it('an extension that was not offered', async () => {
    const port = await rawServer((socket, key) =>
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
      ),
    );
    await expect(connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'WS_ERR_UNOFFERED_EXTENSION' });
  });

  it('a server that never answers: handshake timeout', async () => {
    const port = await rawServer(() => {});
    const error = await connect(`ws://127.0.0.1:${port}`, { handshakeTimeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'WS_ERR_HANDSHAKE_TIMEOUT' });
  });

  it('an aborted signal cancels the handshake: rejects with its reason, the server sees the socket close', async () => {
    let requested!: (socket: Socket) => void;
    const request = new Promise<Socket>((resolve) => (requested = resolve));
    const port = await rawServer((socket) => requested(socket)); // holds its answer
    const controller = new AbortController();
    const pending = connect(`ws://127.0.0.1:${port}`, { signal: controller.signal });
    const socket = await request;
    const serverSawClose = once(socket, 'close');
    const reason = new Error('no longer needed');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await serverSawClose;
  });

  it('an already aborted signal rejects without connecting', async () => {
    // Port 1 has no listener: an attempt to connect would reject with ECONNREFUSED instead.
    await expect(connect('ws://127.0.0.1:1', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('a refused connection rejects with the socket error', async () => {
    const port = await rawServer(() => {});
    // Closed (listener released, awaited): nothing listens on the port any more.
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await expect(connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a URL that is not ws: or wss:', async () => {
    await expect(connect('ftp://127.0.0.1/')).rejects.toBeInstanceOf(SyntaxError);
  });
});

describe('client rules', () => {
  it('fails the connection with 1002 on a masked frame from the server', async () => {
    let serverSide: Socket | undefined;
    const received: Buffer[] = [];
    let closeFrameArrived!: () => void;
    const closeFrameSeen = new Promise<void>((resolve) => (closeFrameArrived = resolve));
    const port = await rawServer((socket, key) => {
      serverSide = socket;
      socket.removeAllListeners('data');
      socket.on('data', (chunk) => {
        received.push(chunk);
        // A close frame with its 2-byte code: header (2) + mask key (4) + 2.
        if (Buffer.concat(received).length >= 8) closeFrameArrived();
      });
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`,
      );
      socket.write(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x61 ^ 1]));
    });
    const ws = await open(`ws://127.0.0.1:${port}`, { closeTimeout: 200 });
    const [code, , wasClean] = await ws.closed;
    expect(code).toBe(1002);
    expect(wasClean).toBe(false);
    // The client's close timer (200 ms) ends its wait for our FIN; on a loaded machine it may
    // fire before this side has read the close frame, so wait for the bytes, not for the clock.
    await closeFrameSeen;
    const frame = Buffer.concat(received);
    expect(frame[0]).toBe(0x88);
    expect((frame[1] as number) & 0x80).toBe(0x80); // masked, as every client frame
    serverSide?.destroy();
  });

  it('gives up waiting for the server to close TCP after the close timeout', async () => {
    const port = await rawServer((socket, key) => {
      socket.removeAllListeners('data');
      socket.on('data', () => socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8]))); // answers the close, keeps TCP open
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`,
      );
    });
    const ws = await open(`ws://127.0.0.1:${port}`, { closeTimeout: 150 });
    // A lower bound only, and one that load cannot break: the clock is read before close(),
    // the timer starts later (when the server's close arrives), so at least 150 ms pass.
    const started = performance.now();
    ws.close(1000);
    expect(await ws.closed).toEqual([1000, '', true]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });
});
