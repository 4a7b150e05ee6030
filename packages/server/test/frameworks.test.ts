// The recipes the README gives for frameworks, run as written.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import WebSocketClient from 'ws';
import { createServer } from '../src/index.js';

describe('fastify', () => {
  it('shares fastify’s port, and app.close() sends 1001 when the server closes in preClose', async () => {
    const app = Fastify();
    app.get('/', async () => ({ hello: 'http' }));
    const wss = createServer({
      server: app.server,
      path: '/ws',
      message: (ws, data, isBinary) => ws.send(data, isBinary),
    });
    // preClose runs before fastify closes its http server; in onClose the server is
    // already closing and waits for the upgraded sockets, so app.close() never resolves.
    app.addHook('preClose', async () => {
      await wss.close();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).json()).toEqual({ hello: 'http' });
    const client = new WebSocketClient(`ws://127.0.0.1:${port}/ws`);
    await once(client, 'open');
    client.send('over fastify');
    const [echo] = (await once(client, 'message')) as [Buffer];
    expect(echo.toString()).toBe('over fastify');
    const closed = once(client, 'close') as Promise<[number, Buffer]>;
    await app.close();
    const [code] = await closed;
    expect(code).toBe(1001);
  });
});
