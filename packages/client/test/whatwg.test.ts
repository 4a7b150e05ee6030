import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { type CloseEvent, WebSocket } from '../src/index.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate();
          server.close(() => resolve());
        }),
    ),
  );
});

async function echo(onConnection?: (socket: import('ws').WebSocket) => void): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    onConnection?.(socket);
  });
  await once(server, 'listening');
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function record(ws: WebSocket): string[] {
  const events: string[] = [];
  ws.onopen = () => events.push('open');
  ws.addEventListener('message', (event) => events.push(`message:${String((event as MessageEvent).data)}`));
  ws.onerror = () => events.push('error');
  ws.onclose = (event) => events.push(`close:${event.code}:${event.reason}:${event.wasClean}`);
  return events;
}

const closed = (ws: WebSocket) => once(ws, 'close').then(([event]) => event as CloseEvent);

describe('WHATWG WebSocket', () => {
  it('fires open, message and close in order with CloseEvent values', async () => {
    const ws = new WebSocket(await echo());
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    const events = record(ws);
    await once(ws, 'open');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.send('one');
    await once(ws, 'message');
    ws.close(1000, 'finished');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const event = await closed(ws);
    expect(event).toMatchObject({ code: 1000, reason: 'finished', wasClean: true });
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    expect(events).toEqual(['open', 'message:one', 'close:1000:finished:true']);
  });

  it('delivers binary as Blob by default, as ArrayBuffer or Buffer on request, in send order', async () => {
    const ws = new WebSocket(await echo());
    await once(ws, 'open');
    const received: unknown[] = [];
    ws.onmessage = (event) => received.push(event.data);
    ws.send(new Blob([Uint8Array.of(1, 2)]));
    ws.send(Uint8Array.of(3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(2);
    expect(received[0]).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (received[0] as Blob).arrayBuffer())]).toEqual([1, 2]);
    expect([...new Uint8Array(await (received[1] as Blob).arrayBuffer())]).toEqual([3]);
    ws.binaryType = 'arraybuffer';
    ws.send(new Uint16Array([0x0201]));
    const [event] = await once(ws, 'message');
    expect((event as MessageEvent).data).toBeInstanceOf(ArrayBuffer);
    ws.binaryType = 'nodebuffer';
    ws.send(Uint8Array.of(9));
    const [next] = await once(ws, 'message');
    expect(Buffer.isBuffer((next as MessageEvent).data)).toBe(true);
    ws.close();
    await closed(ws);
  });

  it('reports error then close 1006 when the connection cannot be made', async () => {
    const url = await echo();
    await new Promise<void>((resolve) => (servers.pop() as WebSocketServer).close(() => resolve()));
    const ws = new WebSocket(url);
    const events = record(ws);
    await closed(ws);
    expect(events).toEqual(['error', 'close:1006::false']);
  });

  it('follows the spec on misuse', async () => {
    const ws = new WebSocket(await echo());
    expect(() => ws.send('too early')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    await once(ws, 'open');
    expect(() => ws.close(1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => ws.close(1000, 'x'.repeat(124))).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocket('ftp://127.0.0.1')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocket('ws://127.0.0.1/#frag')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    ws.close();
    await closed(ws);
    ws.send('after close');
    expect(ws.bufferedAmount).toBe('after close'.length);
  });

  it('sees the server close code', async () => {
    const ws = new WebSocket(await echo((socket) => socket.close(3001, 'policy')));
    const event = await closed(ws);
    expect(event).toMatchObject({ code: 3001, reason: 'policy', wasClean: true });
  });

  it('offers subprotocols and exposes the chosen one', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'v2' });
    servers.push(server);
    await once(server, 'listening');
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, ['v1', 'v2']);
    await once(ws, 'open');
    expect(ws.protocol).toBe('v2');
    ws.close();
    await closed(ws);
  });
});
