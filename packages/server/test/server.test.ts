import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSelfSignedCert } from '@websock/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocketClient from 'ws';
import { createServer, HandshakeRejection, ProtocolError, type WebSocketServer } from '../src/index.js';
import { clientFrame, headEnd, openRaw, upgradeRequest } from './raw.js';

const servers: Array<WebSocketServer<unknown>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function echoServer<Data = undefined>(
  extra: Partial<Parameters<typeof createServer<Data>>[0]> = {},
): Promise<{ server: WebSocketServer<Data>; port: number }> {
  const server = createServer<Data>({
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
    ...extra,
  });
  servers.push(server as WebSocketServer<unknown>);
  const { port } = await server.listen();
  return { server, port };
}

function connectWs(url: string, options?: WebSocketClient.ClientOptions): Promise<WebSocketClient> {
  const client = new WebSocketClient(url, options);
  return new Promise((resolve, reject) => {
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

function nextMessage(client: WebSocketClient): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    client.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })),
  );
}

describe('echo with the ws client', () => {
  it('echoes text as text and binary as binary', async () => {
    const { port } = await echoServer();
    const client = await connectWs(`ws://127.0.0.1:${port}`);
    client.send('héllo');
    expect(await nextMessage(client)).toEqual({ data: Buffer.from('héllo'), isBinary: false });
    client.send(Buffer.from([0, 1, 2, 255]));
    expect(await nextMessage(client)).toEqual({ data: Buffer.from([0, 1, 2, 255]), isBinary: true });
    client.close(1000, 'bye');
    const [code, reason] = await once(client, 'close');
    expect(code).toBe(1000);
    expect(String(reason)).toBe('');
  });

  it('reports the close to the application with code, reason and wasClean', async () => {
    const closed = new Promise<[number, string, boolean]>((resolve) => {
      void echoServer({ close: (_ws, code, reason, wasClean) => resolve([code, reason, wasClean]) }).then(({ port }) =>
        connectWs(`ws://127.0.0.1:${port}`).then((client) => client.close(4000, 'custom')),
      );
    });
    expect(await closed).toEqual([4000, 'custom', true]);
  });

  it('serves wss:// with TLS', async () => {
    const { cert, key } = await generateSelfSignedCert();
    const { port } = await echoServer({ tls: { cert, key } });
    const client = await connectWs(`wss://127.0.0.1:${port}`, { ca: cert });
    client.send('over tls');
    expect((await nextMessage(client)).data.toString()).toBe('over tls');
    client.close();
    await once(client, 'close');
  });

  it('attaches to an existing http server and leaves plain requests to it', async () => {
    const http = createHttpServer((_req, res) => res.end('plain http'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const server = createServer({
      server: http,
      path: '/ws',
      message: (ws, data, isBinary) => ws.send(data, isBinary),
    });
    try {
      const { port } = http.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(await response.text()).toBe('plain http');
      const client = await connectWs(`ws://127.0.0.1:${port}/ws?x=1`);
      client.send('shared port');
      expect((await nextMessage(client)).data.toString()).toBe('shared port');
      client.close();
      await once(client, 'close');
    } finally {
      await server.close();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('selects a subprotocol among those offered', async () => {
    const { port } = await echoServer({ protocols: ['chat.v2', 'chat.v1'] });
    const client = await connectWs(`ws://127.0.0.1:${port}`, { protocol: undefined } as never);
    expect(client.protocol).toBe('');
    client.close();
    const withOffer = new WebSocketClient(`ws://127.0.0.1:${port}`, ['chat.v1', 'other']);
    await once(withOffer, 'open');
    expect(withOffer.protocol).toBe('chat.v1');
    withOffer.close();
    await once(withOffer, 'close');
  });
});

describe('opening handshake answers', () => {
  async function rawHandshake(port: number, request: string): Promise<string> {
    const peer = await openRaw(port);
    peer.socket.write(request);
    await peer.ended;
    peer.close();
    return peer.received().toString('latin1');
  }

  it('426 with Sec-WebSocket-Version: 13 for another version', async () => {
    const { port } = await echoServer();
    const response = await rawHandshake(port, upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }));
    expect(response).toMatch(/^HTTP\/1\.1 426 /);
    expect(response).toMatch(/\r\nSec-WebSocket-Version: 13\r\n/i);
  });

  it('400 for a key that is not 16 bytes of base64', async () => {
    const { port } = await echoServer();
    const response = await rawHandshake(port, upgradeRequest(port, { 'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAA' }));
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('404 for a path the server does not serve', async () => {
    const { port } = await echoServer({ path: '/ws' });
    const response = await rawHandshake(port, upgradeRequest(port, {}, 'GET /other HTTP/1.1'));
    expect(response).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('the upgrade hook rejects with its own status, or attaches data', async () => {
    const { port } = await echoServer<{ user: string }>({
      upgrade(req) {
        if (req.headers.authorization !== 'Bearer good') {
          throw new HandshakeRejection(401, 'who are you?', { headers: { 'WWW-Authenticate': 'Bearer' } });
        }
        return { user: 'ann' };
      },
      message(ws, data) {
        ws.send(`${ws.data.user}:${data.toString()}`);
      },
    });
    const refused = await rawHandshake(port, upgradeRequest(port));
    expect(refused).toMatch(/^HTTP\/1\.1 401 /);
    expect(refused).toMatch(/\r\nWWW-Authenticate: Bearer\r\n/);
    expect(refused.endsWith('who are you?')).toBe(true);
    const client = await connectWs(`ws://127.0.0.1:${port}`, { headers: { authorization: 'Bearer good' } });
    client.send('hi');
    expect((await nextMessage(client)).data.toString()).toBe('ann:hi');
    client.close();
    await once(client, 'close');
  });

  it('500 when the upgrade hook fails unexpectedly', async () => {
    const { port } = await echoServer({
      async upgrade() {
        throw new Error('database down');
      },
    });
    const response = await rawHandshake(port, upgradeRequest(port));
    expect(response).toMatch(/^HTTP\/1\.1 500 /);
    expect(response).not.toContain('database down');
  });

  it('426 for a plain HTTP request to a standalone server', async () => {
    const { port } = await echoServer();
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(426);
  });
});

describe('on the wire', () => {
  it('processes frames that arrive in the same packet as the upgrade request', async () => {
    const { port } = await echoServer();
    const peer = await openRaw(port);
    peer.socket.write(Buffer.concat([Buffer.from(upgradeRequest(port)), clientFrame(1, 'early')]));
    const data = await peer.read(1);
    await peer.read(headEnd(data) + 7);
    const frames = peer.received().subarray(headEnd(peer.received()));
    expect([...frames.subarray(0, 2)]).toEqual([0x81, 5]);
    expect(frames.subarray(2, 7).toString()).toBe('early');
    peer.close();
  });

  it('answers a close frame, then closes TCP itself (RFC 6455 §7.1.1)', async () => {
    const { port } = await echoServer();
    const peer = await openRaw(port);
    peer.socket.write(upgradeRequest(port));
    const head = headEnd(await peer.read(20));
    peer.socket.write(clientFrame(8, Buffer.from([0x03, 0xe8])));
    await peer.read(head + 4);
    expect([...peer.received().subarray(head, head + 4)]).toEqual([0x88, 2, 0x03, 0xe8]);
    await peer.ended; // the server's FIN, while our side is still open
    expect(peer.socket.writableEnded).toBe(false);
    peer.close();
  });

  it('fails the connection with 1002 and closes TCP on a protocol error', async () => {
    let reported: unknown;
    const { port } = await echoServer({
      error: (error, { ws }) => (reported = ws !== undefined && error instanceof ProtocolError && error.closeCode),
    });
    const peer = await openRaw(port);
    peer.socket.write(upgradeRequest(port));
    const head = headEnd(await peer.read(20));
    peer.socket.write(clientFrame(0, 'orphan continuation'));
    await peer.read(head + 4);
    expect([...peer.received().subarray(head, head + 4)]).toEqual([0x88, 2, 0x03, 0xea]);
    await peer.ended;
    expect(reported).toBe(1002);
    peer.close();
  });
});

describe('graceful shutdown', () => {
  it('sends 1001 to every client, waits for their closes and releases everything', async () => {
    const server = createServer({ message: (ws, data) => ws.send(data) });
    const { port } = await server.listen();
    const clients = await Promise.all([1, 2, 3].map(() => connectWs(`ws://127.0.0.1:${port}`)));
    const codes = clients.map((client) => once(client, 'close').then(([code]) => code as number));
    await server.close();
    expect(await Promise.all(codes)).toEqual([1001, 1001, 1001]);
    expect(server.clients.size).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
