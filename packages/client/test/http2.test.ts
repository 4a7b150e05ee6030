import { once } from 'node:events';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as connectHttp2,
  createSecureServer,
  constants as h2,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { createServer, type WebSocketServer } from '@websock/server';
import { deferred, generateSelfSignedCert } from '@websock/testing';
import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, connect, HandshakeError, type NodeWebSocket, WebSocket } from '../src/index.js';

// Our client over RFC 8441 against our server, against a scripted node:http2 server, and our
// server against undici's WebSocket over HTTP/2: real TLS on 127.0.0.1 throughout.

let cert: string;
let key: string;
/** One TLS options object per test: the session cache is keyed by it (and by origin). */
let tls: ConnectionOptions;
beforeAll(async () => {
  ({ cert, key } = await generateSelfSignedCert());
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type ServerOptions = Partial<Parameters<typeof createServer<undefined>>[0]>;

async function server(extra: ServerOptions = {}): Promise<{ server: WebSocketServer; url: string }> {
  tls = { ca: cert };
  const ws = createServer({
    tls: { cert, key },
    http2: true,
    message: (c, data, isBinary) => c.send(data, isBinary),
    ...extra,
  });
  cleanups.push(() => ws.close());
  const { port } = await ws.listen();
  return { server: ws, url: `wss://127.0.0.1:${port}` };
}

function nextMessage(): {
  handler: (ws: NodeWebSocket, data: Buffer, isBinary: boolean) => void;
  next(): Promise<[string, boolean]>;
} {
  const queue: Array<[string, boolean]> = [];
  let wake: (() => void) | undefined;
  return {
    handler(_ws, data, isBinary) {
      queue.push([data.toString(), isBinary]);
      wake?.();
    },
    async next() {
      while (queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      return queue.shift() as [string, boolean];
    },
  };
}

function closeOf(): {
  handler: (ws: NodeWebSocket, code: number, reason: string, wasClean: boolean) => void;
  promise: Promise<[number, string, boolean]>;
} {
  const closed = deferred<[number, string, boolean]>();
  return {
    handler: (_ws, code, reason, wasClean) => closed.resolve([code, reason, wasClean]),
    promise: closed.promise,
  };
}

describe('connect({ http2: true }) to our server', () => {
  it('echoes over an extended CONNECT stream', async () => {
    const { url } = await server();
    const messages = nextMessage();
    const ws = await connect(url, { http2: true, tls, message: messages.handler });
    expect(ws.transport).toBe('http2');
    ws.send('héllo');
    expect(await messages.next()).toEqual(['héllo', false]);
    ws.send(Buffer.from([1, 2, 3]));
    expect(await messages.next()).toEqual(['\x01\x02\x03', true]);
    ws.close();
  });

  it('negotiates permessage-deflate through sec-websocket-extensions', async () => {
    const extensions = deferred<string>();
    const { url } = await server({ perMessageDeflate: true, open: (c) => extensions.resolve(c.extensions) });
    const messages = nextMessage();
    const ws = await connect(url, { http2: true, tls, perMessageDeflate: true, message: messages.handler });
    expect(ws.extensions).toContain('permessage-deflate');
    expect(await extensions.promise).toContain('permessage-deflate');
    const text = 'compressible '.repeat(10_000);
    ws.send(text);
    expect(await messages.next()).toEqual([text, false]);
    ws.close();
  });

  it('negotiates a subprotocol and answers pings', async () => {
    const { url } = await server({ protocols: ['b', 'a'] });
    const pong = deferred<string>();
    const ws = await connect(url, {
      http2: true,
      tls,
      protocols: ['a', 'b'],
      pong: (_ws, data) => pong.resolve(String(data)),
    });
    expect(ws.protocol).toBe('b');
    ws.ping('are you there');
    expect(await pong.promise).toBe('are you there');
    ws.close();
  });

  it('client close: clean close, and the stream ends with END_STREAM (rstCode 0)', async () => {
    const serverClosed = closeOf();
    const { url } = await server({ close: serverClosed.handler });
    const clientClosed = closeOf();
    const ws = await connect(url, { http2: true, tls, close: clientClosed.handler });
    const stream = ws.socket as ClientHttp2Stream;
    const ended = once(stream, 'end');
    ws.close(1000, 'bye');
    expect(await clientClosed.promise).toEqual([1000, '', true]);
    expect(await serverClosed.promise).toEqual([1000, 'bye', true]);
    await ended;
    expect(stream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);
  });

  it('server close: the client sees the code, then END_STREAM, never RST_STREAM', async () => {
    const { url } = await server({ open: (c) => c.close(4002, 'server says bye') });
    const clientClosed = closeOf();
    const ws = await connect(url, { http2: true, tls, close: clientClosed.handler });
    const stream = ws.socket as ClientHttp2Stream;
    const ended = once(stream, 'end');
    expect(await clientClosed.promise).toEqual([4002, 'server says bye', true]);
    await ended;
    expect(stream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);
  });

  it('carries 100 WebSockets on one HTTP/2 session, and closes the session after the last', async () => {
    const sessions = new Set<unknown>();
    const { url, server: wss } = await server({
      open: (c) => void sessions.add((c.socket as ServerHttp2Stream).session),
    });
    const sockets = await Promise.all(Array.from({ length: 100 }, () => connect(url, { http2: true, tls })));
    expect(sockets.every((ws) => ws.transport === 'http2')).toBe(true);
    expect(sessions.size).toBe(1);
    expect(wss.clients.size).toBe(100);
    const clientSession = ((sockets[0] as NodeWebSocket).socket as ClientHttp2Stream).session as ClientHttp2Session;
    expect(new Set(sockets.map((ws) => (ws.socket as ClientHttp2Stream).session)).size).toBe(1);
    const closedSession = once(clientSession, 'close');
    for (const ws of sockets) ws.close();
    await closedSession;
  });

  it('backpressure: send() returns false while the server reads nothing, drain follows', async () => {
    const opened = deferred<NodeWebSocket>();
    const { url } = await server({
      open(c) {
        c.pause();
        opened.resolve(c);
      },
    });
    const drained = deferred<void>();
    const ws = await connect(url, { http2: true, tls, drain: () => drained.resolve() });
    const serverWs = await opened.promise;
    const chunk = Buffer.alloc(16 * 1024);
    let sent = 0;
    while (ws.send(chunk) && sent < 1000) sent++;
    expect(sent).toBeLessThan(20);
    serverWs.resume();
    await drained.promise;
    ws.close();
  });

  it('server shutdown closes the WebSocket with 1001', async () => {
    const { url, server: wss } = await server();
    const clientClosed = closeOf();
    await connect(url, { http2: true, tls, close: clientClosed.handler });
    await wss.close();
    expect((await clientClosed.promise)[0]).toBe(1001);
  });

  it('rejects with a HandshakeError carrying the status the server answered', async () => {
    const { url } = await server({ path: '/only-here' });
    const error = await connect(`${url}/elsewhere`, { http2: true, tls }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).status).toBe(404);
  });

  it("opens on the application's own session and leaves it open", async () => {
    const { url } = await server();
    const session = connectHttp2(url.replace('wss:', 'https:'), { ca: cert });
    cleanups.push(() => {
      session.close();
    });
    const messages = nextMessage();
    const ws = await connect(url, { session, message: messages.handler, close: () => {} });
    expect((ws.socket as ClientHttp2Stream).session).toBe(session);
    ws.send('mine');
    expect(await messages.next()).toEqual(['mine', false]);
    const closed = once(ws.socket, 'close');
    ws.close();
    await closed;
    expect(session.closed).toBe(false);
  });
});

describe('the WHATWG class with { http2: true }', () => {
  it('echoes over HTTP/2', async () => {
    const transports: string[] = [];
    const { url } = await server({ open: (c) => void transports.push(c.transport) });
    const client = new WebSocket(url, [], { http2: true, tls });
    await once(client, 'open');
    const message = once(client, 'message');
    client.send('whatwg over h2');
    const [event] = (await message) as [MessageEvent];
    expect(event.data).toBe('whatwg over h2');
    client.close();
    await once(client, 'close');
    expect(transports).toEqual(['http2']);
  });
});

describe('fallback to HTTP/1.1', () => {
  it('a TLS server without h2 in ALPN: the upgrade goes over the same TLS connection', async () => {
    tls = { ca: cert };
    const wss = createServer({ tls: { cert, key }, message: (c, d) => c.send(d, false) });
    cleanups.push(() => wss.close());
    const { port } = await wss.listen();
    const messages = nextMessage();
    const ws = await connect(`wss://127.0.0.1:${port}`, { http2: true, tls, message: messages.handler });
    expect(ws.transport).toBe('tls');
    ws.send('over h1');
    expect(await messages.next()).toEqual(['over h1', false]);
    ws.close();
  });

  it('an HTTP/2 server that does not advertise extended CONNECT: a new HTTP/1.1 connection', async () => {
    tls = { ca: cert };
    const wss = createServer({ message: (c, d) => c.send(d, false) });
    cleanups.push(() => wss.close());
    const http2 = createSecureServer({ cert, key, allowHTTP1: true });
    http2.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http2.close(() => resolve())));
    const { port } = http2.address() as AddressInfo;
    const messages = nextMessage();
    const ws = await connect(`wss://127.0.0.1:${port}`, { http2: true, tls, message: messages.handler });
    expect(ws.transport).toBe('tls');
    ws.send('fell back');
    expect(await messages.next()).toEqual(['fell back', false]);
    ws.close();
  });

  it('a server that never completes TLS: handshakeTimeout and signal bound the wait', async () => {
    const silent = createTcpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      silent.close();
    });
    silent.on('connection', (socket) => cleanups.push(() => void socket.destroy()));
    const { port } = silent.address() as AddressInfo;
    tls = { ca: cert };
    const timedOut = await connect(`wss://127.0.0.1:${port}`, { http2: true, tls, handshakeTimeout: 50 }).catch(
      (e: unknown) => e,
    );
    expect(timedOut).toBeInstanceOf(ConnectError);
    expect((timedOut as ConnectError).code).toBe('WS_ERR_HANDSHAKE_TIMEOUT');
    const controller = new AbortController();
    const aborted = connect(`wss://127.0.0.1:${port}`, { http2: true, tls: { ca: cert }, signal: controller.signal });
    controller.abort(new Error('changed my mind'));
    await expect(aborted).rejects.toThrow('changed my mind');
  });

  it('http2 needs wss://', async () => {
    await expect(connect('ws://127.0.0.1:1', { http2: true })).rejects.toThrow(TypeError);
  });
});

describe('against a scripted node:http2 server', () => {
  it('sends the RFC 8441 request and reassembles the fragments it gets back', async () => {
    const http2 = createSecureServer({ cert, key, settings: { enableConnectProtocol: true } });
    const seen = deferred<IncomingHttpHeaders>();
    http2.on('stream', (stream, headers) => {
      seen.resolve(headers);
      stream.respond({ ':status': 200 });
      stream.write(Buffer.from([0x01, 0x03, ...Buffer.from('fra')])); // text, not final
      stream.write(Buffer.from([0x80, 0x04, ...Buffer.from('gged')])); // continuation, final
    });
    http2.on('session', (s) => cleanups.push(() => s.destroy()));
    await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http2.close(() => resolve())));
    const { port } = http2.address() as AddressInfo;
    tls = { ca: cert };
    const messages = nextMessage();
    const ws = await connect(`wss://127.0.0.1:${port}/chat?room=1`, {
      http2: true,
      tls,
      protocols: ['chat'],
      origin: 'https://example.com',
      message: messages.handler,
    });
    expect(await messages.next()).toEqual(['fragged', false]);
    const headers = await seen.promise;
    expect(headers).toMatchObject({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': '/chat?room=1',
      ':authority': `127.0.0.1:${port}`,
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'chat',
      origin: 'https://example.com',
    });
    expect(headers['sec-websocket-key']).toBeUndefined();
    expect(headers.upgrade).toBeUndefined();
    ws.terminate();
  });
});

describe('interop: undici WebSocket with allowH2 against our server', () => {
  for (const perMessageDeflate of [false, true]) {
    it(`echoes over HTTP/2 and closes cleanly${perMessageDeflate ? ', with permessage-deflate' : ''}`, async () => {
      const opened: Array<[string, string]> = [];
      const closed = closeOf();
      const { url } = await server({
        perMessageDeflate,
        open: (c) => void opened.push([c.transport, c.extensions]),
        close: closed.handler,
      });
      const dispatcher = new Agent({ allowH2: true, connect: { ca: cert } });
      cleanups.push(() => dispatcher.destroy());
      const client = new UndiciWebSocket(url, { dispatcher });
      await once(client, 'open');
      const message = once(client, 'message');
      const text = 'from undici '.repeat(1000);
      client.send(text);
      const [event] = (await message) as [MessageEvent];
      expect(event.data).toBe(text);
      expect(client.extensions).toBe(perMessageDeflate ? 'permessage-deflate' : '');
      expect(opened[0]?.[1]).toBe(perMessageDeflate ? 'permessage-deflate' : '');
      client.close(1000, 'done');
      expect(await closed.promise).toEqual([1000, 'done', true]);
      expect(opened.map(([transport]) => transport)).toEqual(['http2']);
    });
  }
});
