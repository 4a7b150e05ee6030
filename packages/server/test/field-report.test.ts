// Regressions from the field report: what real browsers, peers and users broke.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocketClient from 'ws';
import {
  createServer,
  type ErrorContext,
  HandshakeRejection,
  type ServerOptions,
  type WebSocket,
  type WebSocketServer,
} from '../src/index.js';
import { clientFrame, headEnd, openRaw, upgradeRequest } from './raw.js';

const servers: Array<WebSocketServer<unknown>> = [];
const httpServers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(httpServers.splice(0).map((http) => new Promise((resolve) => http.close(resolve))));
});

async function start<Data = undefined>(options: ServerOptions<Data>): Promise<number> {
  const server = createServer<Data>(options);
  servers.push(server as WebSocketServer<unknown>);
  return (await server.listen()).port;
}

async function listeningHttp(): Promise<{ http: HttpServer; port: number }> {
  const http = createHttpServer((_req, res) => res.end('the http app'));
  httpServers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, port: (http.address() as AddressInfo).port };
}

/** Sends an upgrade request on a raw socket and resolves with the response head. */
async function upgradeResponse(port: number, path: string, headers: Record<string, string> = {}): Promise<string> {
  const peer = await openRaw(port);
  peer.socket.write(upgradeRequest(port, headers, `GET ${path} HTTP/1.1`));
  const received = await peer.waitFor((bytes) => headEnd(bytes) !== -1);
  peer.close();
  return received.toString('latin1');
}

/** Resolves with the server-side close (code) of the next connection to close. */
function closeSeen(): { handler: (ws: WebSocket<undefined>, code: number) => void; code: Promise<number> } {
  let resolve!: (code: number) => void;
  const code = new Promise<number>((done) => (resolve = done));
  return { handler: (_ws, closeCode) => resolve(closeCode), code };
}

describe('1. a client that offers subprotocols', () => {
  it('gets the first offered protocol when the server names none (browsers refuse an offer left unanswered)', async () => {
    const port = await start({});
    const client = new WebSocketClient(`ws://127.0.0.1:${port}`, ['chat', 'superchat']);
    await once(client, 'open');
    expect(client.protocol).toBe('chat');
    client.close();
    await once(client, 'close');
  });

  it('gets none from a list that matches nothing of its offer (the RFC allows it; WHATWG clients then fail)', async () => {
    const port = await start({ protocols: ['mqtt'] });
    const peer = await openRaw(port);
    peer.socket.write(upgradeRequest(port, { 'Sec-WebSocket-Protocol': 'chat, superchat' }));
    const response = (await peer.waitFor((received) => headEnd(received) !== -1)).toString('latin1');
    peer.close();
    expect(response).toMatch(/^HTTP\/1\.1 101 /);
    expect(response).not.toMatch(/sec-websocket-protocol/i);
  });
});

describe('2. backpressure counts every byte, permessage-deflate included', () => {
  const deflateOffer = { 'Sec-WebSocket-Extensions': 'permessage-deflate' };
  // Random bytes barely compress: what is queued is what reaches the wire.
  const chunk = randomBytes(64 * 1024);

  it('send() returns false while the compressor holds the data, and drain follows', async () => {
    let sends = 0;
    let refused = 0;
    let drained!: (ws: WebSocket<undefined>) => void;
    const drainSeen = new Promise<WebSocket<undefined>>((resolve) => (drained = resolve));
    const port = await start({
      perMessageDeflate: true,
      open(ws) {
        while (sends < 200) {
          sends++;
          if (!ws.send(chunk)) {
            refused++;
            break;
          }
        }
      },
      drain: (ws) => drained(ws),
    });
    const peer = await openRaw(port);
    peer.socket.write(upgradeRequest(port, deflateOffer));
    const ws = await drainSeen;
    expect(refused).toBe(1);
    expect(sends).toBeLessThan(200);
    expect(ws.bufferedAmount).toBeLessThan(16 * 1024);
    peer.close();
  });

  it('closes a consumer that stops reading with 1008 once maxBufferedAmount is passed', async () => {
    const closed = closeSeen();
    let accepted = 0;
    let refused = 0;
    let maxBuffered = 0;
    let closingAfter = -1;
    const port = await start({
      perMessageDeflate: true,
      maxBufferedAmount: 1024 * 1024,
      // The peer answers our close itself below: no timer decides this test.
      closeTimeout: 60_000,
      open(ws) {
        for (let i = 0; i < 200; i++) {
          if (ws.send(chunk)) accepted++;
          else refused++;
          maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
          if (closingAfter === -1 && ws.readyState === 2) closingAfter = i + 1;
        }
      },
      close: closed.handler,
    });
    const peer = await openRaw(port);
    peer.socket.write(upgradeRequest(port, deflateOffer));
    const closeFrame = Buffer.concat([Buffer.from([0x88, 2 + 13, 0x03, 0xf0]), Buffer.from('slow consumer')]);
    await peer.waitFor((received) => received.subarray(-closeFrame.length).equals(closeFrame));
    // Each 64 KiB send already fills the 16 KiB high-water mark while it waits for the compressor.
    expect(accepted).toBe(0);
    expect(refused).toBe(200);
    // Closed by the send that passed 1 MiB (the 17th), not later.
    expect(closingAfter).toBe(17);
    // Bounded: the sends past the limit were dropped, not queued (200 x 64 KiB would be 12.5 MiB).
    expect(maxBuffered).toBeLessThanOrEqual(1024 * 1024 + chunk.length);
    peer.socket.write(clientFrame(8, Buffer.from([0x03, 0xf0])));
    await peer.ended; // the server's FIN, right after our close reply
    peer.close();
    expect(await closed.code).toBe(1008);
  });
});

describe('6. several servers attached to one http server', () => {
  it('answers an upgrade that no attached server claims with 404, once, and http.close() completes', async () => {
    const { http, port } = await listeningHttp();
    const a = createServer({ server: http, path: '/a' });
    const b = createServer({ server: http, path: '/b' });
    servers.push(a as WebSocketServer<unknown>, b as WebSocketServer<unknown>);
    const peer = await openRaw(port);
    peer.socket.write(upgradeRequest(port, {}, 'GET /c HTTP/1.1'));
    await peer.ended; // answered and closed by the server
    const response = peer.received().toString('latin1');
    peer.close();
    expect(response).toMatch(/^HTTP\/1\.1 404 /);
    expect(response.match(/HTTP\/1\.1/g)).toHaveLength(1);
    for (const path of ['/a', '/b']) {
      const client = new WebSocketClient(`ws://127.0.0.1:${port}${path}`);
      await once(client, 'open');
      client.close();
      await once(client, 'close');
    }
    await Promise.all([a.close(), b.close()]);
    httpServers.splice(0);
    await new Promise((resolve) => http.close(resolve));
  });

  it('leaves unclaimed upgrades to an upgrade listener of the application', async () => {
    const { http, port } = await listeningHttp();
    servers.push(createServer({ server: http, path: '/ws' }) as WebSocketServer<unknown>);
    http.on('upgrade', (req, socket) => {
      if (req.url === '/own') socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n');
    });
    expect(await upgradeResponse(port, '/own')).toMatch(/^HTTP\/1\.1 418 /);
  });

  it('a closed attached server answers 503 until it is detached', async () => {
    const { http, port } = await listeningHttp();
    const server = createServer({ server: http, path: '/ws' });
    await server.close();
    expect(await upgradeResponse(port, '/ws')).toMatch(/^HTTP\/1\.1 503 /);
    server.detach();
    // Detached, with no other upgrade listener: node:http hands the request to the app.
    expect(await upgradeResponse(port, '/ws')).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('7. errors surface in one place, and broadcast is safe', () => {
  function errorLog<Data>() {
    const seen: Array<{ error: unknown; context: ErrorContext<Data> }> = [];
    let notify: () => void = () => {};
    return {
      seen,
      next: () => new Promise<void>((resolve) => (notify = resolve)),
      handler: (error: unknown, context: ErrorContext<Data>) => {
        seen.push({ error, context });
        notify();
      },
    };
  }

  it('an upgrade hook that throws is answered 500 and reported with its request', async () => {
    const errors = errorLog();
    const failure = new Error('database down');
    const port = await start({
      upgrade() {
        throw failure;
      },
      error: errors.handler,
    });
    const response = await upgradeResponse(port, '/room?x=1');
    expect(response).toMatch(/^HTTP\/1\.1 500 /);
    expect(response).not.toContain('database down'); // no details leave the server
    expect(errors.seen).toHaveLength(1);
    expect(errors.seen[0]?.error).toBe(failure);
    expect(errors.seen[0]?.context.request?.url).toBe('/room?x=1');
  });

  it('a protocol selector that picks a protocol never offered is answered 500 and reported', async () => {
    const errors = errorLog();
    const port = await start({ protocols: () => 'not-offered', error: errors.handler });
    const response = await upgradeResponse(port, '/', { 'Sec-WebSocket-Protocol': 'chat' });
    expect(response).toMatch(/^HTTP\/1\.1 500 /);
    expect(String(errors.seen[0]?.error)).toMatch(/not offered/);
    expect(errors.seen[0]?.context.request).toBeDefined();
  });

  it('a message handler that throws closes the connection with 1011 and is reported with it', async () => {
    const errors = errorLog<undefined>();
    const reported = errors.next();
    const port = await start({
      message() {
        throw new TypeError('bug in the app');
      },
      error: errors.handler,
    });
    const client = new WebSocketClient(`ws://127.0.0.1:${port}`);
    await once(client, 'open');
    client.send('boom');
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(1011);
    await reported;
    expect(errors.seen[0]?.error).toBeInstanceOf(TypeError);
    expect(errors.seen[0]?.context.ws).toBeDefined();
  });

  it('send() to a closing connection returns false instead of throwing, so a broadcast loop goes on', async () => {
    const results: boolean[] = [];
    let server!: WebSocketServer<undefined>;
    const port = await start({
      message(ws, data) {
        ws.close(4000, 'leaving');
        for (const client of server.clients) results.push(client.send(data));
        expect(ws.ping()).toBe(false);
      },
    });
    server = servers[0] as WebSocketServer<undefined>;
    const clients = [1, 2, 3].map(() => new WebSocketClient(`ws://127.0.0.1:${port}`));
    await Promise.all(clients.map((client) => once(client, 'open')));
    const echoes = clients.slice(1).map((client) => once(client, 'message'));
    clients[0]?.send('hello all');
    await Promise.all(echoes);
    expect(results.filter((sent) => !sent)).toHaveLength(1);
    expect(results).toHaveLength(3);
    for (const client of clients) client.terminate();
  });

  it('the hook still refuses with its own status (a rejection is no error to report)', async () => {
    const errors = errorLog();
    const port = await start({
      upgrade() {
        throw new HandshakeRejection(403, 'Forbidden');
      },
      error: errors.handler,
    });
    expect(await upgradeResponse(port, '/')).toMatch(/^HTTP\/1\.1 403 /);
    expect(errors.seen).toHaveLength(0);
  });
});

describe('8. the dual-package hazard', () => {
  it('a HandshakeRejection from another copy of @websock/handshake (the other build) keeps its status', async () => {
    // The application's `require('@websock/handshake')` and the server's `import` are two
    // evaluations of the package, hence two classes: a fresh evaluation stands in for the other.
    vi.resetModules();
    const other = await import('@websock/handshake');
    expect(other.HandshakeRejection).not.toBe(HandshakeRejection);
    const port = await start({
      upgrade() {
        throw new other.HandshakeRejection(403, 'Forbidden origin');
      },
    });
    expect(await upgradeResponse(port, '/')).toMatch(/^HTTP\/1\.1 403 /);
  });
});
