import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { type CloseEvent, HandshakeError, WebSocket, type WebSocketErrorEvent } from '../src/index.js';

const servers: WebSocketServer[] = [];
const sockets: Socket[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all([
    ...servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate();
          server.close(() => resolve());
        }),
    ),
    ...cleanups.splice(0).map((cleanup) => cleanup()),
  ]);
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

/** Every event in order, each with the readyState seen by its listener (`open@1`). */
function record(ws: WebSocket): string[] {
  const events: string[] = [];
  const push = (name: string) => events.push(`${name}@${ws.readyState}`);
  ws.onopen = () => push('open');
  ws.addEventListener('message', (event) => push(`message:${String((event as MessageEvent).data)}`));
  ws.onerror = () => push('error');
  ws.onclose = (event) => push(`close:${event.code}:${event.reason}:${event.wasClean}`);
  return events;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** An unmasked server frame with a payload under 126 bytes. */
function serverFrame(opcode: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(0x80 | opcode, payload.length), payload]);
}
const textFrame = (text: string) => serverFrame(0x1, Buffer.from(text));
const closeFrame = (code: number) => serverFrame(0x8, Buffer.of(code >> 8, code & 0xff));

interface Handshake {
  readonly socket: Socket;
  /** Writes the 101 response and these frames in one write: the client reads them as one chunk. */
  accept(...frames: Buffer[]): void;
}

/**
 * A raw TCP server, to control exactly which bytes come with the 101 response.
 * `onRequest` gets each complete request. Once accepted, any bytes from the client (its
 * close frame) are answered with a close frame 1000 (unless one went out already), then FIN.
 */
async function rawServer(onRequest: (handshake: Handshake) => void): Promise<string> {
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    let head = '';
    let requested = false;
    let accepted = false;
    let sentClose = false;
    const accept = (key: string, frames: Buffer[]) => {
      const digest = createHash('sha1').update(`${key}${GUID}`).digest('base64');
      const response = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${digest}\r\n\r\n`;
      accepted = true;
      sentClose = frames.some((frame) => frame[0] === 0x88);
      socket.write(Buffer.concat([Buffer.from(response, 'latin1'), ...frames]));
    };
    socket.on('data', (chunk) => {
      if (accepted) {
        if (!sentClose) socket.write(closeFrame(1000));
        sentClose = true;
        socket.end();
        return;
      }
      head += chunk.toString('latin1');
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1];
      if (!requested && head.includes('\r\n\r\n') && key !== undefined) {
        requested = true;
        onRequest({ socket, accept: (...frames) => accept(key, frames) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
    expect(events).toEqual(['open@1', 'message:one@1', 'close:1000:finished:true@3']);
  });

  it('delivers binary as Blob by default, as ArrayBuffer or Buffer on request, in send order', async () => {
    const ws = new WebSocket(await echo());
    await once(ws, 'open');
    const received: unknown[] = [];
    const both = new Promise<void>((resolve) => {
      ws.onmessage = (event) => {
        if (received.push(event.data) === 2) resolve();
      };
    });
    ws.send(new Blob([Uint8Array.of(1, 2)]));
    ws.send(Uint8Array.of(3));
    await both;
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
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
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

/** A `ws` server (a peer nobody here wrote) running `onConnection` for each client. */
async function wsServer(
  onConnection: (socket: import('ws').WebSocket, request: import('node:http').IncomingMessage) => void,
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<{ url: string; server: WebSocketServer }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  servers.push(server);
  server.on('connection', onConnection);
  await once(server, 'listening');
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

// WHATWG WebSockets §"Feedback from the protocol": `open` comes first, messages only while
// OPEN, `close` last (after `error` when the connection failed, both in CLOSED), nothing after.
describe('WHATWG WebSocket event order', () => {
  it('fires open before a message that came in the same chunk as the 101 response', async () => {
    const ws = new WebSocket(await rawServer((handshake) => handshake.accept(textFrame('hello'), closeFrame(1000))));
    const events = record(ws);
    await closed(ws);
    expect(events).toEqual(['open@1', 'message:hello@1', 'close:1000::true@3']);
  });

  it('fires open before the greeting a ws server sends in its connection handler', async () => {
    const { url } = await wsServer((socket) => {
      socket.send('hello');
      socket.close(4000, 'bye');
    });
    const ws = new WebSocket(url);
    const events = record(ws);
    await closed(ws);
    expect(events).toEqual(['open@1', 'message:hello@1', 'close:4000:bye:true@3']);
  });

  it('fires open then close when the server closes at once in open', async () => {
    const { url } = await wsServer((socket) => socket.close(4001, 'go away'));
    const ws = new WebSocket(url);
    const events = record(ws);
    await closed(ws);
    expect(events).toEqual(['open@1', 'close:4001:go away:true@3']);
  });

  it('drops messages that arrive after close() was called', async () => {
    const url = await rawServer((handshake) => handshake.accept(textFrame('a'), textFrame('b')));
    const ws = new WebSocket(url);
    const events = record(ws);
    ws.addEventListener('message', () => ws.close(1000));
    await closed(ws);
    expect(events).toEqual(['open@1', 'message:a@1', 'close:1000::true@3']);
  });

  it('reports a refused handshake (403) as error then close 1006, both in CLOSED, and never opens', async () => {
    const { url } = await wsServer(() => {}, { verifyClient: (_info, done) => done(false, 403) });
    const ws = new WebSocket(url);
    const events = record(ws);
    const errors: unknown[] = [];
    ws.addEventListener('error', (event) => errors.push((event as WebSocketErrorEvent).error));
    await closed(ws);
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    expect(errors).toEqual([expect.any(HandshakeError)]);
    expect(errors[0]).toMatchObject({ code: 'WS_ERR_UNEXPECTED_STATUS', status: 403 });
  });

  it('close() while CONNECTING: CLOSING at once, then error and close, and the connection never opens', async () => {
    let connections = 0;
    const { url } = await wsServer((socket) => {
      connections += 1;
      socket.on('message', (data) => socket.send(data));
    });
    const ws = new WebSocket(url);
    const events = record(ws);
    const done = closed(ws);
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(events).toEqual([]); // the events are queued, not fired inside close()
    await done;
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    // A second client's full round trip: the first one's connection, had it gone on, came before it.
    const probe = new WebSocket(url);
    await once(probe, 'open');
    probe.send('ping');
    await once(probe, 'message');
    expect(connections).toBe(1);
    probe.close();
    await closed(probe);
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    expect(() => ws.send('late')).not.toThrow();
    expect(ws.bufferedAmount).toBe(4);
  });

  it('close() during the opening handshake aborts it: the server sees the connection go away', async () => {
    let requested!: (handshake: Handshake) => void;
    const request = new Promise<Handshake>((resolve) => (requested = resolve));
    const ws = new WebSocket(await rawServer((handshake) => requested(handshake)));
    const events = record(ws);
    const { socket, accept } = await request; // the server holds its answer
    const serverSawClose = once(socket, 'close').then(() => 'server saw the connection close');
    const done = closed(ws);
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    await done;
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    // Now the server answers: an aborted handshake cannot open any more.
    if (socket.writable) accept();
    const outcome = await Promise.race([serverSawClose, once(ws, 'open').then(() => 'the client opened')]);
    expect(outcome).toBe('server saw the connection close');
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});

describe('WHATWG WebSocket with permessage-deflate', () => {
  it('negotiates it from the init argument and round-trips a compressed message', async () => {
    let serverExtensions = '';
    let serverBytesRead = (): number => 0;
    const { url } = await wsServer(
      (socket, request) => {
        serverExtensions = socket.extensions;
        serverBytesRead = () => request.socket.bytesRead;
        socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
      },
      { perMessageDeflate: true },
    );
    const ws = new WebSocket(url, [], { perMessageDeflate: true });
    await once(ws, 'open');
    expect(ws.extensions).toMatch(/^permessage-deflate\b/);
    expect(serverExtensions).toMatch(/^permessage-deflate\b/);
    const text = 'compress me, '.repeat(5000); // 65 kB of text that deflates to a few hundred bytes
    ws.send(text);
    const [event] = await once(ws, 'message');
    expect((event as MessageEvent).data).toBe(text);
    expect(serverBytesRead()).toBeLessThan(text.length / 10); // the request head plus a compressed frame
    ws.close();
    await closed(ws);
  });
});
