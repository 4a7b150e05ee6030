import { once } from 'node:events';
import {
  type ClientHttp2Stream,
  connect,
  createServer,
  constants as h2,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isHttp2Stream, WebSocket, type WebSocketHandlers } from '../src/index.js';

// Both ends are this package's WebSocket over one cleartext HTTP/2 (h2c) extended CONNECT
// stream on 127.0.0.1; the opening handshake is reduced to what node:http2 needs.

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function streamPair(): Promise<{ serverStream: ServerHttp2Stream; clientStream: ClientHttp2Stream }> {
  const server = createServer({ settings: { enableConnectProtocol: true } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  cleanups.push(() => {
    session.destroy();
    server.close();
  });
  await once(session, 'remoteSettings');
  const accepted = once(server, 'stream') as Promise<[ServerHttp2Stream, IncomingHttpHeaders]>;
  const clientStream = session.request(
    { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/', ':authority': 'x' },
    { endStream: false },
  );
  const [[serverStream]] = await Promise.all([accepted]);
  serverStream.respond({ ':status': 200 });
  await once(clientStream, 'response');
  return { serverStream, clientStream };
}

function closeRecorder(extra: WebSocketHandlers<undefined> = {}) {
  let resolve!: (value: [number, string, boolean]) => void;
  const closed = new Promise<[number, string, boolean]>((r) => {
    resolve = r;
  });
  const handlers: WebSocketHandlers<undefined> = {
    ...extra,
    close: (_ws, code, reason, wasClean) => resolve([code, reason, wasClean]),
  };
  return { handlers, closed };
}

describe('WebSocket over an HTTP/2 stream', () => {
  it('is the same glue: echo, transport http2, the session socket as remote address', async () => {
    const { serverStream, clientStream } = await streamPair();
    expect(isHttp2Stream(serverStream)).toBe(true);
    const server = new WebSocket(
      serverStream,
      { message: (ws, data, isBinary) => ws.send(data, isBinary) },
      { role: 'server' },
      undefined,
    );
    let resolveMessage!: (text: string) => void;
    const message = new Promise<string>((r) => {
      resolveMessage = r;
    });
    const client = new WebSocket(
      clientStream,
      { message: (_ws, data) => resolveMessage(String(data)) },
      { role: 'client' },
      undefined,
    );
    server.start();
    client.start();
    expect(server.transport).toBe('http2');
    expect(server.remoteAddress).toBe('127.0.0.1');
    expect(client.remotePort).toBeGreaterThan(0);
    client.send('over a stream');
    expect(await message).toBe('over a stream');
  });

  it('the closing handshake ends both sides with END_STREAM: no RST_STREAM error code', async () => {
    const { serverStream, clientStream } = await streamPair();
    const s = closeRecorder();
    const c = closeRecorder();
    new WebSocket(serverStream, s.handlers, { role: 'server' }, undefined).start();
    const client = new WebSocket(clientStream, c.handlers, { role: 'client' }, undefined);
    client.start();
    const clientEnded = once(clientStream, 'end');
    client.close(1000, 'done');
    expect(await s.closed).toEqual([1000, 'done', true]);
    expect(await c.closed).toEqual([1000, '', true]);
    await clientEnded;
    expect(clientStream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);
    expect(serverStream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);
  });

  it('terminate resets the stream with CANCEL; the peer reports 1006', async () => {
    const { serverStream, clientStream } = await streamPair();
    const c = closeRecorder();
    const server = new WebSocket(serverStream, {}, { role: 'server' }, undefined);
    server.start();
    new WebSocket(clientStream, c.handlers, { role: 'client' }, undefined).start();
    server.terminate();
    expect(await c.closed).toEqual([1006, '', false]);
    expect(clientStream.rstCode).toBe(h2.NGHTTP2_CANCEL);
  });

  it('the idle timeout runs on the stream: 1001 after no traffic', async () => {
    const { serverStream, clientStream } = await streamPair();
    const c = closeRecorder();
    new WebSocket(serverStream, {}, { role: 'server', idleTimeout: 30 }, undefined).start();
    new WebSocket(clientStream, c.handlers, { role: 'client' }, undefined).start();
    expect(await c.closed).toEqual([1001, 'idle timeout', true]);
  });
});
