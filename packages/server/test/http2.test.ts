import { once } from 'node:events';
import {
  type ClientHttp2Session,
  connect as connectHttp2,
  createSecureServer,
  type Http2SecureServer,
  constants as h2,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { deferred, generateSelfSignedCert } from '@websock/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocketClient from 'ws';
import { createServer, HandshakeRejection, type WebSocket, type WebSocketServer } from '../src/index.js';
import { closePayload, connectHeaders, openSession, request } from './h2peer.js';
import { clientFrame } from './raw.js';

// End to end over real TLS on 127.0.0.1: RFC 8441 extended CONNECT streams from node:http2's
// own client (a peer that shares no code with the server), and HTTP/1.1 upgrades on the same port.

let cert: string;
let key: string;
beforeAll(async () => {
  ({ cert, key } = await generateSelfSignedCert());
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Options = Partial<Parameters<typeof createServer<undefined>>[0]>;

async function h2Server(extra: Options = {}): Promise<{ server: WebSocketServer; port: number }> {
  const server = createServer({
    tls: { cert, key },
    http2: true,
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
    ...extra,
  });
  cleanups.push(() => server.close());
  const { port } = await server.listen();
  return { server, port };
}

async function session(port: number): Promise<ClientHttp2Session> {
  const s = await openSession(port, cert);
  cleanups.push(() => {
    s.destroy();
  });
  return s;
}

describe('standalone http2: true', () => {
  it('echoes over an extended CONNECT stream: 200, no accept header, transport http2', async () => {
    let serverWs: WebSocket | undefined;
    const { port } = await h2Server({
      open(ws) {
        serverWs = ws;
      },
    });
    const s = await session(port);
    expect(s.remoteSettings.enableConnectProtocol).toBe(true);
    const raw = await request(s, connectHeaders(port));
    expect(raw.headers[':status']).toBe(200);
    expect(raw.headers['sec-websocket-accept']).toBeUndefined();
    raw.stream.write(clientFrame(0x1, 'héllo'));
    expect(await raw.nextFrame()).toEqual({ fin: true, opcode: 0x1, payload: Buffer.from('héllo') });
    raw.stream.write(clientFrame(0x2, Buffer.from([0, 1, 255])));
    expect(await raw.nextFrame()).toEqual({ fin: true, opcode: 0x2, payload: Buffer.from([0, 1, 255]) });
    expect(serverWs?.transport).toBe('http2');
    expect(serverWs?.remoteAddress).toBe('127.0.0.1');
    expect(serverWs?.remotePort).toBeGreaterThan(0);
  });

  it('answers a key with its accept (undici sends one over HTTP/2), and no key with none', async () => {
    const { port } = await h2Server();
    const raw = await request(
      await session(port),
      connectHeaders(port, { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }),
    );
    expect(raw.headers[':status']).toBe(200);
    expect(raw.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('reassembles fragments, with a ping between them, and answers the ping', async () => {
    const { port } = await h2Server();
    const raw = await request(await session(port), connectHeaders(port));
    raw.stream.write(clientFrame(0x1, 'frag', false));
    raw.stream.write(clientFrame(0x9, 'p'));
    raw.stream.write(clientFrame(0x0, 'men', false));
    raw.stream.write(clientFrame(0x0, 'ted'));
    expect(await raw.nextFrame()).toEqual({ fin: true, opcode: 0xa, payload: Buffer.from('p') });
    expect(await raw.nextFrame()).toEqual({ fin: true, opcode: 0x1, payload: Buffer.from('fragmented') });
  });

  it('needs tls', () => {
    expect(() => createServer({ http2: true })).toThrow(TypeError);
  });

  it('serves HTTP/1.1 upgrades on the same port (ws client, transport tls)', async () => {
    const transports: string[] = [];
    const { port } = await h2Server({ open: (ws) => void transports.push(ws.transport) });
    const client = new WebSocketClient(`wss://127.0.0.1:${port}`, { ca: cert });
    await once(client, 'open');
    client.send('over http/1.1');
    const [data] = await once(client, 'message');
    expect(String(data)).toBe('over http/1.1');
    client.close();
    await once(client, 'close');
    expect(transports).toEqual(['tls']);
  });

  it('keepalive pings go over the stream; a peer that never answers is reset (CANCEL)', async () => {
    const closed = deferred<number>();
    const { port } = await h2Server({ pingInterval: 20, close: (_ws, code) => closed.resolve(code) });
    const raw = await request(await session(port), connectHeaders(port));
    const ping = await raw.nextFrame();
    expect(ping.opcode).toBe(0x9);
    // No pong, nothing at all: the next round terminates the connection.
    expect(await closed.promise).toBe(1006);
    await raw.closed;
    expect(raw.stream.rstCode).toBe(h2.NGHTTP2_CANCEL);
  });

  it('client close: the server answers and ends the stream (END_STREAM, not RST_STREAM)', async () => {
    const closed = deferred<[number, string, boolean]>();
    const { port } = await h2Server({
      close: (_ws, code, reason, wasClean) => closed.resolve([code, reason, wasClean]),
    });
    const raw = await request(await session(port), connectHeaders(port));
    raw.stream.write(clientFrame(0x8, closePayload(1000, 'bye')));
    const frame = await raw.nextFrame();
    expect(frame.opcode).toBe(0x8);
    expect(frame.payload.readUInt16BE(0)).toBe(1000);
    await raw.ended;
    raw.stream.end();
    await raw.closed;
    expect(raw.stream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);
    expect(await closed.promise).toEqual([1000, 'bye', true]);
  });

  it('server close: close frame, then END_STREAM; the peer answers and the stream closes cleanly', async () => {
    const closed = deferred<[number, boolean]>();
    const { port } = await h2Server({
      open: (ws) => ws.close(4001, 'done'),
      close: (_ws, code, _reason, wasClean) => closed.resolve([code, wasClean]),
    });
    const raw = await request(await session(port), connectHeaders(port));
    const frame = await raw.nextFrame();
    expect(frame.opcode).toBe(0x8);
    expect(frame.payload.readUInt16BE(0)).toBe(4001);
    expect(frame.payload.subarray(2).toString()).toBe('done');
    raw.stream.write(clientFrame(0x8, closePayload(4001)));
    await raw.ended;
    raw.stream.end();
    await raw.closed;
    expect(raw.stream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);
    expect(await closed.promise).toEqual([4001, true]);
  });

  it('terminate resets the stream with CANCEL and leaves the session usable', async () => {
    const { port } = await h2Server({ open: (ws) => ws.terminate() });
    const s = await session(port);
    const raw = await request(s, connectHeaders(port));
    await raw.closed;
    expect(raw.stream.rstCode).toBe(h2.NGHTTP2_CANCEL);
    expect(s.closed).toBe(false);
  });

  it('a failed connection (protocol error) sends 1002 and ends the stream', async () => {
    const { port } = await h2Server();
    const raw = await request(await session(port), connectHeaders(port));
    raw.stream.write(Buffer.from([0x81, 0x01, 0x41])); // an unmasked client frame
    const frame = await raw.nextFrame();
    expect(frame.opcode).toBe(0x8);
    expect(frame.payload.readUInt16BE(0)).toBe(1002);
    await raw.ended;
  });

  it('flow control: a peer that stops reading makes send() return false, with bounded buffering', async () => {
    const opened = deferred<WebSocket>();
    const drained = deferred<void>();
    const { port } = await h2Server({ open: (ws) => opened.resolve(ws), drain: () => drained.resolve() });
    const raw = await request(await session(port), connectHeaders(port));
    raw.stream.pause();
    const ws = await opened.promise;
    const chunk = Buffer.alloc(16 * 1024, 7);
    let sent = 0;
    while (ws.send(chunk)) {
      sent++;
      if (sent > 1000) break;
    }
    // Without flow control the loop would run to its cap; the stream's window (64 KiB) stops it.
    expect(sent).toBeLessThan(20);
    expect(ws.bufferedAmount).toBeLessThan(512 * 1024);
    let received = 0;
    raw.stream.resume();
    while (received < sent + 1) {
      const frame = await raw.nextFrame();
      expect(frame.payload.length).toBe(chunk.length);
      received++;
    }
    await drained.promise;
  });

  it('a paused server connection gets no message until resumed, then all of them, while the peer backs up', async () => {
    const messages: number[] = [];
    const opened = deferred<WebSocket>();
    const all = deferred<void>();
    const { port } = await h2Server({
      open(ws) {
        ws.pause();
        opened.resolve(ws);
      },
      message(_ws, data) {
        messages.push(data.length);
        if (messages.length === 40) all.resolve();
      },
    });
    const raw = await request(await session(port), connectHeaders(port));
    const ws = await opened.promise;
    const frame = clientFrame(0x2, Buffer.alloc(8 * 1024));
    let accepted = 0;
    for (let i = 0; i < 40; i++) if (raw.stream.write(frame)) accepted++;
    // The client's writes queue up behind the stream window: not all of them are accepted.
    expect(accepted).toBeLessThan(40);
    expect(messages).toEqual([]);
    ws.resume();
    await all.promise;
    expect(messages.length).toBe(40);
  });

  it('shutdown closes HTTP/2 WebSockets with 1001 and ends their streams', async () => {
    const { server, port } = await h2Server();
    const raw = await request(await session(port), connectHeaders(port));
    const closing = server.close();
    const frame = await raw.nextFrame();
    expect(frame.opcode).toBe(0x8);
    expect(frame.payload.readUInt16BE(0)).toBe(1001);
    raw.stream.write(clientFrame(0x8, closePayload(1001)));
    await raw.ended;
    raw.stream.end();
    await closing;
    expect(raw.stream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);
  });

  it('shutdown does not wait forever on a session whose peer keeps a stream open', async () => {
    const hookCalled = deferred<void>();
    const { server, port } = await h2Server({
      closeTimeout: 20,
      handshakeTimeout: 60_000,
      upgrade: () => {
        hookCalled.resolve();
        return new Promise<undefined>(() => {}); // never settles
      },
    });
    const s = await session(port);
    const stream = s.request(connectHeaders(port), { endStream: false });
    stream.on('error', () => {});
    await hookCalled.promise;
    const sessionClosed = once(s, 'close');
    await server.close();
    await sessionClosed;
  });

  it('grants a session a receive window of 4 MiB across its streams, each stream keeping 64 KiB', async () => {
    const { port } = await h2Server();
    const s = await session(port);
    const raw = await request(s, connectHeaders(port));
    expect(raw.headers[':status']).toBe(200);
    // The server's WINDOW_UPDATE went out before its response, so it has been applied by now.
    expect(s.state.remoteWindowSize).toBe(4 * 1024 * 1024);
    expect(s.remoteSettings.initialWindowSize).toBe(65_535);
  });

  it('carries 100 WebSockets on one session', async () => {
    const sessionsSeen = new Set<unknown>();
    const { server, port } = await h2Server({ open: (ws) => void sessionsSeen.add(ws.socket) });
    const s = await session(port);
    const streams = await Promise.all(Array.from({ length: 100 }, () => request(s, connectHeaders(port))));
    expect(server.clients.size).toBe(100);
    await Promise.all(
      streams.map(async (raw, i) => {
        raw.stream.write(clientFrame(0x1, `n${i}`));
        expect((await raw.nextFrame()).payload.toString()).toBe(`n${i}`);
      }),
    );
    const streamSessions = new Set([...server.clients].map((ws) => (ws.socket as { session?: unknown }).session));
    expect(streamSessions.size).toBe(1);
  });
});

describe('bad extended CONNECT requests get an HTTP/2 status, and the server carries on', () => {
  const cases: Array<[string, Record<string, string | undefined>, number]> = [
    ['no sec-websocket-version', { 'sec-websocket-version': undefined }, 400],
    ['version 8', { 'sec-websocket-version': '8' }, 400],
    ['a bad sec-websocket-protocol', { 'sec-websocket-protocol': 'a b' }, 400],
    ['another path', { ':path': '/elsewhere' }, 404],
  ];
  for (const [name, change, status] of cases) {
    it(`${name}: ${status}`, async () => {
      const { port } = await h2Server({ path: '/' });
      const s = await session(port);
      const headers = connectHeaders(port, {});
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) delete headers[k];
        else headers[k] = v;
      }
      const raw = await request(s, headers);
      expect(raw.headers[':status']).toBe(status);
      if (name.startsWith('version') || name.startsWith('no sec'))
        expect(raw.headers['sec-websocket-version']).toBe('13');
      expect(await raw.body()).not.toBe('');
      // The same session still opens WebSockets.
      const ok = await request(s, connectHeaders(port));
      expect(ok.headers[':status']).toBe(200);
    });
  }

  it('a rejection from the upgrade hook: its status; the hook sees the HTTP/2 request', async () => {
    const seen: Array<[string | undefined, string, string | undefined]> = [];
    const { port } = await h2Server({
      upgrade(req) {
        seen.push([req.url, req.httpVersion, req.headers[':authority'] as string | undefined]);
        throw new HandshakeRejection(403, 'no');
      },
    });
    const raw = await request(await session(port), connectHeaders(port, { ':path': '/room?x=1' }));
    expect(raw.headers[':status']).toBe(403);
    expect(await raw.body()).toBe('no');
    expect(seen).toEqual([['/room?x=1', '2.0', `127.0.0.1:${port}`]]);
  });

  it('a client that resets its stream while the hook runs gets nothing, and nothing is reported', async () => {
    const errors: unknown[] = [];
    const hook = deferred<void>();
    const release = deferred<undefined>();
    const serverStreamClosed = deferred<void>();
    const { server, port } = await h2Server({
      error: (error) => void errors.push(error),
      upgrade(req) {
        req.stream?.once('close', () => serverStreamClosed.resolve());
        hook.resolve();
        return release.promise;
      },
    });
    const s = await session(port);
    const stream = s.request(connectHeaders(port), { endStream: false });
    stream.on('error', () => {});
    await hook.promise;
    stream.close(h2.NGHTTP2_CANCEL);
    await serverStreamClosed.promise;
    release.resolve(undefined);
    // The same session still opens WebSockets, and the reset one never became a connection.
    const ok = await request(s, connectHeaders(port));
    expect(ok.headers[':status']).toBe(200);
    expect(server.clients.size).toBe(1); // the second one only
    expect(errors).toEqual([]);
  });

  it('a plain GET over HTTP/2 gets 405, another CONNECT protocol too', async () => {
    const { port } = await h2Server();
    const s = await session(port);
    const get = await request(s, { ':method': 'GET', ':path': '/' });
    expect(get.headers[':status']).toBe(405);
    const other = await request(s, connectHeaders(port, { ':protocol': 'webtransport' }));
    expect(other.headers[':status']).toBe(405);
  });
});

describe('attached to a node:http2 server', () => {
  let http2: Http2SecureServer;
  let port: number;

  async function userServer(withRequestHandler: boolean): Promise<void> {
    http2 = createSecureServer({ cert, key, allowHTTP1: true });
    if (withRequestHandler) {
      http2.on('request', (req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(`<p>page over HTTP/${req.httpVersion}</p>`);
      });
    }
    http2.on('session', (s) => cleanups.push(() => s.destroy()));
    await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
    port = (http2.address() as AddressInfo).port;
    cleanups.push(() => new Promise<void>((resolve) => http2.close(() => resolve())));
  }

  it('does not advertise extended CONNECT while no WebSocket server is attached', async () => {
    await userServer(true);
    const s = connectHttp2(`https://127.0.0.1:${port}`, { ca: cert });
    cleanups.push(() => {
      s.destroy();
    });
    const [settings] = (await once(s, 'remoteSettings')) as [{ enableConnectProtocol?: boolean }];
    expect(settings.enableConnectProtocol).not.toBe(true);
    // node:http2's own client then refuses an extended CONNECT: the server never offered it.
    const refused = s.request(connectHeaders(port), { endStream: false });
    const [error] = (await once(refused, 'error')) as [{ code: string }];
    expect(error.code).toBe('ERR_HTTP2_STREAM_ERROR');
    expect(refused.rstCode).toBe(h2.NGHTTP2_PROTOCOL_ERROR);
  });

  it('serves the page and WebSockets on one port, over HTTP/2 and HTTP/1.1', async () => {
    await userServer(true);
    const ws = createServer({ server: http2, path: '/ws', message: (c, data) => c.send(data, false) });
    cleanups.unshift(() => ws.close());
    const s = await session(port);
    expect(s.remoteSettings.enableConnectProtocol).toBe(true);
    const page = await request(s, { ':method': 'GET', ':path': '/' });
    expect(page.headers[':status']).toBe(200);
    expect(await page.body()).toBe('<p>page over HTTP/2.0</p>');
    const raw = await request(s, connectHeaders(port, { ':path': '/ws' }));
    expect(raw.headers[':status']).toBe(200);
    raw.stream.write(clientFrame(0x1, 'attached'));
    expect((await raw.nextFrame()).payload.toString()).toBe('attached');
    const missing = await request(s, connectHeaders(port, { ':path': '/nope' }));
    expect(missing.headers[':status']).toBe(404);

    const client = new WebSocketClient(`wss://127.0.0.1:${port}/ws`, { ca: cert });
    await once(client, 'open');
    client.send('h1');
    expect(String((await once(client, 'message'))[0])).toBe('h1');
    client.close();
    await once(client, 'close');
  });

  it('works on a server with only a stream listener of its own, and detaching stops advertising', async () => {
    await userServer(false);
    http2.on('stream', (stream, headers) => {
      if (headers[':method'] === 'CONNECT') return;
      stream.respond({ ':status': 204 });
      stream.end();
    });
    const ws = createServer({ server: http2 });
    cleanups.unshift(() => ws.close());
    const s = await session(port);
    const raw = await request(s, connectHeaders(port));
    expect(raw.headers[':status']).toBe(200);
    raw.stream.write(clientFrame(0x8, closePayload(1000)));
    await raw.ended;
    ws.detach();
    const after = await openSession(port, cert);
    cleanups.push(() => {
      after.destroy();
    });
    await new Promise<void>((resolve) => after.ping(() => resolve()));
    expect(after.remoteSettings.enableConnectProtocol).toBe(false);
  });
});
