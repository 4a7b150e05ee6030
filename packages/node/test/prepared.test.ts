import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { prepareFrame } from '@websock/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from '../src/index.js';

// A server-role WebSocket over a real TCP pair on 127.0.0.1; the client side reads raw bytes.

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function serverOverTcp(maxBufferedAmount?: number): Promise<{ ws: WebSocket; client: Socket }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
  const [[socket]] = await Promise.all([accepted, once(client, 'connect')]);
  cleanups.push(() => {
    socket.destroy();
    client.destroy();
    server.close();
  });
  const ws = new WebSocket(
    socket,
    {},
    { role: 'server', ...(maxBufferedAmount ? { maxBufferedAmount } : {}) },
    undefined,
  );
  ws.start();
  return { ws, client };
}

function readBytes(socket: Socket, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length < n) return;
      socket.off('data', onData);
      resolve(Buffer.concat(chunks));
    };
    socket.on('data', onData);
  });
}

describe('WebSocket.sendPrepared', () => {
  it('writes the prepared bytes in call order with send()', async () => {
    const { ws, client } = await serverOverTcp();
    const frame = prepareFrame(Buffer.from('shared'), false);
    const received = readBytes(client, 3 * 8);
    ws.send('first!');
    expect(ws.sendPrepared(frame)).toBe(true);
    ws.send('third!');
    const bytes = await received;
    expect(bytes.subarray(8, 16).equals(Buffer.from(frame.header))).toBe(true);
    expect(bytes.toString('latin1')).toBe('\x81\x06first!\x81\x06shared\x81\x06third!');
  });

  it('closes with 1008 once bufferedAmount passes maxBufferedAmount after the write', async () => {
    const { ws } = await serverOverTcp(1024);
    ws.socket.cork(); // nothing reaches the kernel: every byte stays buffered
    const frame = prepareFrame(Buffer.alloc(600), true);
    ws.sendPrepared(frame);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.sendPrepared(frame);
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(ws.sendPrepared(frame)).toBe(false); // closing: dropped, like send()
  });
});
