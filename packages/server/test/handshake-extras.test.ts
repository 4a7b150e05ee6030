// The client by path: a devDependency on it would make a build cycle (the client's tests use the server).
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect as connectTcp, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, HandshakeError, WebSocket as WhatwgWebSocket } from '../../client/src/index.js';
import { createServer, type ServerOptions, type WebSocketServer } from '../src/index.js';

// The opening handshake's extras, end to end over real sockets: headers the `upgrade` hook adds
// to the 101, the client's view of that 101, and a client on a socket it did not open itself.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echo(options: ServerOptions<undefined> = {}): Promise<WebSocketServer> {
  const server = createServer<undefined>({ message: (ws, data, isBinary) => ws.send(data, isBinary), ...options });
  cleanups.push(() => server.close());
  await server.listen();
  return server;
}

function nextMessage(): { handlers: { message(ws: unknown, data: Buffer): void }; next: () => Promise<string> } {
  const queue: string[] = [];
  const waiters: Array<(value: string) => void> = [];
  return {
    handlers: {
      message(_ws, data) {
        const waiter = waiters.shift();
        if (waiter === undefined) queue.push(data.toString());
        else waiter(data.toString());
      },
    },
    next: () => {
      const queued = queue.shift();
      return queued === undefined ? new Promise((resolve) => waiters.push(resolve)) : Promise.resolve(queued);
    },
  };
}

describe('headers on the 101 response, from the upgrade hook', () => {
  for (const perMessageDeflate of [false, true]) {
    it(`reach connect() and the WHATWG class (permessage-deflate ${perMessageDeflate ? 'on' : 'off'})`, async () => {
      const server = await echo({
        perMessageDeflate,
        upgrade(_request, response) {
          response.setHeader('Set-Cookie', ['session=abc; HttpOnly', 'theme=dark']);
          response.setHeader('X-Served-By', 'first').setHeader('x-served-by', 'websock');
          response.appendHeader('X-Trace', 'a');
          response.appendHeader('X-Trace', 'b');
          return undefined;
        },
      });
      const { handlers, next } = nextMessage();
      const ws = await connect(`ws://127.0.0.1:${server.port}`, { perMessageDeflate, ...handlers });
      expect(ws.handshakeResponse.status).toBe(101);
      expect(ws.handshakeResponse.statusText).toBe('Switching Protocols');
      expect(ws.handshakeResponse.headers['set-cookie']).toEqual(['session=abc; HttpOnly', 'theme=dark']);
      expect(ws.handshakeResponse.headers['x-served-by']).toBe('websock');
      expect(ws.handshakeResponse.rawHeaders.filter((_, i, all) => all[i - 1] === 'X-Trace')).toEqual(['a', 'b']);
      expect(ws.extensions !== '').toBe(perMessageDeflate);
      ws.send('still a websocket');
      expect(await next()).toBe('still a websocket');
      ws.close();

      const browser = new WhatwgWebSocket(`ws://127.0.0.1:${server.port}`, [], { perMessageDeflate });
      expect(browser.handshakeResponse).toBeUndefined();
      await once(browser, 'open');
      expect(browser.handshakeResponse?.headers['set-cookie']).toEqual(['session=abc; HttpOnly', 'theme=dark']);
      browser.close();
      await once(browser, 'close');
    });
  }

  it('a header that would break the response throws in the hook: 500, reported, never written', async () => {
    const errors: unknown[] = [];
    const attempts: Array<[string, string]> = [
      ['X-Evil', 'v\r\nX-Injected: 1'],
      ['Sec-WebSocket-Accept', 'forged'],
      ['Bad Name', 'v'],
    ];
    let attempt = 0;
    const server = await echo({
      upgrade(_request, response) {
        const [name, value] = attempts[attempt++] as [string, string];
        response.setHeader(name, value);
        return undefined;
      },
      error: (error) => errors.push(error),
    });
    for (let i = 0; i < attempts.length; i++) {
      const failure = await connect(`ws://127.0.0.1:${server.port}`).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(HandshakeError);
      expect((failure as HandshakeError).status).toBe(500);
      expect(JSON.stringify((failure as HandshakeError).headers)).not.toMatch(/injected|forged/i);
    }
    expect(errors).toHaveLength(3);
    for (const error of errors) expect(error).toBeInstanceOf(TypeError);
  });
});

describe('createConnection: a client on a socket it did not open', () => {
  for (const perMessageDeflate of [false, true]) {
    it(`runs over a unix socket (permessage-deflate ${perMessageDeflate ? 'on' : 'off'})`, async () => {
      const path = join(tmpdir(), `websock-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
      const http = createHttpServer();
      const server = createServer({ server: http, perMessageDeflate, message: (ws, data, b) => ws.send(data, b) });
      await new Promise<void>((resolve) => http.listen(path, resolve));
      cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
      cleanups.push(() => server.close());
      const targets: string[] = [];
      const { handlers, next } = nextMessage();
      const ws = await connect('ws://localhost/over-unix', {
        perMessageDeflate,
        createConnection: (target) => {
          targets.push(`${target.host}:${target.port}:${target.secure}:${target.url.pathname}`);
          return connectTcp(path);
        },
        ...handlers,
      });
      expect(targets).toEqual(['localhost:80:false:/over-unix']);
      expect(ws.extensions !== '').toBe(perMessageDeflate);
      ws.send('x'.repeat(10_000));
      expect(await next()).toBe('x'.repeat(10_000));
      ws.close(1000);
      await once(ws.socket, 'close');
    });
  }

  it('runs through a local TCP forwarder, on a socket that was connected already', async () => {
    const server = await echo({ perMessageDeflate: true });
    let forwarded = 0;
    const forwarder = createTcpServer((inbound) => {
      const outbound = connectTcp(server.port, '127.0.0.1');
      inbound.on('data', (chunk: Buffer) => {
        forwarded += chunk.length;
      });
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => forwarder.close(() => resolve())));
    const tunnel: Socket = connectTcp((forwarder.address() as AddressInfo).port, '127.0.0.1');
    await once(tunnel, 'connect');
    const { handlers, next } = nextMessage();
    const ws = await connect('ws://example.invalid:1/', {
      perMessageDeflate: true,
      createConnection: () => tunnel,
      ...handlers,
    });
    ws.send('through the tunnel');
    expect(await next()).toBe('through the tunnel');
    expect(forwarded).toBeGreaterThan(0);
    expect(ws.handshakeResponse.headers['sec-websocket-extensions']).toMatch(/permessage-deflate/);
    ws.close();
    await once(tunnel, 'close');
  });
});
