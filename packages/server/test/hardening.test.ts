import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocketClient from 'ws';
import { createServer, type ServerOptions, type WebSocketServer } from '../src/index.js';
import { clientFrame, headEnd, openRaw, upgradeRequest } from './raw.js';

const servers: Array<WebSocketServer<unknown>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start<Data = undefined>(options: ServerOptions<Data>): Promise<number> {
  const server = createServer<Data>(options);
  servers.push(server as WebSocketServer<unknown>);
  return (await server.listen()).port;
}

/** Sends `request` on a raw socket and returns the whole response once the server ends it. */
async function rawExchange(port: number, request: string): Promise<string> {
  const peer = await openRaw(port);
  peer.socket.write(request);
  await peer.ended;
  peer.close();
  return peer.received().toString('latin1');
}

/** Opens a raw WebSocket (handshake done) and returns it with the offset where frames start. */
async function rawWebSocket(port: number) {
  const peer = await openRaw(port);
  peer.socket.write(upgradeRequest(port));
  const head = headEnd(await peer.read(20));
  return { peer, head };
}

describe('limits answered at the handshake', () => {
  it('431 for a request head over maxHeaderSize', async () => {
    const port = await start({ maxHeaderSize: 1024 });
    const response = await rawExchange(port, upgradeRequest(port, { 'X-Padding': 'x'.repeat(2000) }));
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('431 for more headers than maxHeaders', async () => {
    const port = await start({ maxHeaders: 10 });
    const extra = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`X-Extra-${i}`, 'y']));
    expect(await rawExchange(port, upgradeRequest(port, extra))).toMatch(/^HTTP\/1\.1 431 /);
    const client = new WebSocketClient(`ws://127.0.0.1:${port}`);
    await once(client, 'open'); // a normal handshake still fits
    client.terminate();
  });

  it('503 once maxConnections are open, and accepts again after one closes', async () => {
    const port = await start({ maxConnections: 2 });
    const clients = [new WebSocketClient(`ws://127.0.0.1:${port}`), new WebSocketClient(`ws://127.0.0.1:${port}`)];
    await Promise.all(clients.map((client) => once(client, 'open')));
    const response = await rawExchange(port, upgradeRequest(port));
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(response).toMatch(/\r\nRetry-After: 5\r\n/);
    clients[0]?.close();
    await once(clients[0] as WebSocketClient, 'close');
    const again = new WebSocketClient(`ws://127.0.0.1:${port}`);
    await once(again, 'open');
    again.terminate();
    clients[1]?.terminate();
  });

  it('503 beyond maxPendingHandshakes while the upgrade hook is busy', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inHook = new Promise<void>((resolve) => (entered = resolve));
    const port = await start({
      maxPendingHandshakes: 1,
      upgrade: () => {
        entered();
        return gate;
      },
    });
    const waiting = new WebSocketClient(`ws://127.0.0.1:${port}`);
    await inHook; // the one handshake allowed is now waiting on the hook
    expect(await rawExchange(port, upgradeRequest(port))).toMatch(/^HTTP\/1\.1 503 /);
    release();
    await once(waiting, 'open');
    waiting.terminate();
  });

  it('503 when the upgrade hook outlasts the handshake timeout', async () => {
    const port = await start({ handshakeTimeout: 100, upgrade: () => new Promise<undefined>(() => {}) });
    expect(await rawExchange(port, upgradeRequest(port))).toMatch(/^HTTP\/1\.1 503 /);
  });
});

describe('timeouts', () => {
  it('drops a client that trickles its request head (slowloris) after the handshake timeout', async () => {
    const port = await start({ handshakeTimeout: 200 });
    const peer = await openRaw(port);
    const request = upgradeRequest(port);
    let sent = 0;
    // One byte per tick of a 20 ms interval, never the final CRLF CRLF: the head never completes.
    const trickle = setInterval(() => {
      if (sent < request.length - 4 && !peer.socket.destroyed) peer.socket.write(request[sent++] as string);
    }, 20);
    await peer.ended;
    clearInterval(trickle);
    expect(peer.received().toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
    // Ended while the trickle still had bytes to send: the timer counts from the start, not
    // from the last byte. A count, not a clock: running out takes over a hundred ticks 20 ms
    // apart, long after the 200 ms timer is due, however slow the machine (ticks do not catch
    // up), while a timer restarted by every byte could only fire once the trickle stopped.
    expect(sent).toBeLessThan(request.length - 4);
    peer.close();
  });

  it('closes an idle connection with 1001 after idleTimeout', async () => {
    const port = await start({ idleTimeout: 150 });
    // Read before connecting: the server arms its idle timer later than this, so the close
    // cannot come sooner than 150 ms after it, however loaded the machine (a clock read after
    // 'open' could come late and make the interval look short). 100 leaves room for rounding.
    const started = performance.now();
    const client = new WebSocketClient(`ws://127.0.0.1:${port}`);
    await once(client, 'open');
    const [code, reason] = await once(client, 'close');
    expect(code).toBe(1001);
    expect(String(reason)).toBe('idle timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('gives up on a peer that never answers our close, after closeTimeout', async () => {
    let closed!: (result: [number, boolean]) => void;
    const result = new Promise<[number, boolean]>((resolve) => (closed = resolve));
    const port = await start({
      closeTimeout: 150,
      open: (ws) => ws.close(1000, 'bye'),
      close: (_ws, code, _reason, wasClean) => closed([code, wasClean]),
    });
    // Read before connecting, as above: the close timer starts after this, so the lower bound holds.
    const started = performance.now();
    const { peer } = await rawWebSocket(port);
    await peer.ended;
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(await result).toEqual([1006, false]);
    peer.close();
  });
});

describe('keepalive', () => {
  it('terminates a peer that stops answering pings and reports 1006', async () => {
    const closed = new Promise<[number, boolean]>((resolve) => {
      void start({ pingInterval: 100, close: (_ws, code, _r, wasClean) => resolve([code, wasClean]) }).then(
        async (port) => {
          const { peer } = await rawWebSocket(port); // reads pings, never answers
          await peer.ended;
          peer.close();
        },
      );
    });
    expect(await closed).toEqual([1006, false]);
  });

  it('keeps a peer that answers pongs', async () => {
    // The keepalive round is driven by hand (fake setInterval): each round waits for the pong
    // itself, so a loaded machine cannot make a round come before the answer to the last one.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      let pongSeen: () => void = () => {};
      const port = await start({ pingInterval: 60_000, pong: () => pongSeen() });
      const client = new WebSocketClient(`ws://127.0.0.1:${port}`);
      let pings = 0;
      client.on('ping', () => pings++);
      await once(client, 'open');
      for (let round = 0; round < 3; round++) {
        const answered = new Promise<void>((resolve) => (pongSeen = resolve));
        vi.advanceTimersByTime(60_000);
        await answered;
      }
      vi.advanceTimersByTime(60_000); // heard from since the last round: alive, pinged again
      expect(pings).toBe(3);
      expect(client.readyState).toBe(WebSocketClient.OPEN);
      expect(servers[0]?.clients.size).toBe(1);
      client.terminate();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('backpressure', () => {
  it('send reports a full buffer, and drain comes once the reader catches up', async () => {
    let sentUntilFull = 0;
    let drained!: () => void;
    const drainSeen = new Promise<void>((resolve) => (drained = resolve));
    const port = await start({
      open(ws) {
        const chunk = Buffer.alloc(64 * 1024, 1);
        while (ws.send(chunk)) sentUntilFull++;
        sentUntilFull++;
      },
      drain: () => drained(),
    });
    // open() sends until send() says full in one turn, before this peer can read a byte: the
    // buffer fills without a pause on our side. Reading on, the peer lets the server drain.
    const { peer, head } = await rawWebSocket(port);
    await drainSeen;
    const total = sentUntilFull * (64 * 1024 + 4);
    await peer.read(head + total);
    expect(sentUntilFull).toBeGreaterThan(0);
    peer.close();
  });

  it('closes a consumer that stops reading once maxBufferedAmount is passed (1008), bounding memory', async () => {
    let sent = 0;
    let closed!: (code: number) => void;
    const closedWith = new Promise<number>((resolve) => (closed = resolve));
    const chunk = Buffer.alloc(256 * 1024, 2);
    const port = await start({
      maxBufferedAmount: 4 * 1024 * 1024,
      // The peer below answers the close itself: no timer may decide this test (a 3 s
      // timeout here failed under load while the peer was still reading).
      closeTimeout: 60_000,
      open(ws) {
        // All in one turn: the peer reads nothing meanwhile, however fast it is.
        while (ws.readyState === 1 && sent < 1000) {
          ws.send(chunk);
          sent++;
        }
      },
      close: (_ws, code) => closed(code),
    });
    const { peer } = await rawWebSocket(port);
    // Everything queued before the close still arrives, then the close frame (1008) last.
    const closeFrame = Buffer.concat([Buffer.from([0x88, 2 + 13, 0x03, 0xf0]), Buffer.from('slow consumer')]);
    await peer.waitFor((received) => received.subarray(-closeFrame.length).equals(closeFrame));
    // The server stopped well before 1000 x 256 KiB = 250 MiB: bounded by the limit (what
    // the kernel's socket buffers took, plus 4 MiB).
    expect(sent).toBeLessThan(100);
    peer.socket.write(clientFrame(8, Buffer.from([0x03, 0xf0])));
    await peer.ended; // the server's FIN, right after our close reply
    peer.close();
    expect(await closedWith).toBe(1008);
  });

  it('pauses reading when the application asks, and resumes', async () => {
    const received: string[] = [];
    let delivered!: () => void;
    const messageSeen = new Promise<void>((resolve) => (delivered = resolve));
    const port = await start({
      open: (ws) => ws.pause(),
      message: (_ws, data) => {
        received.push(data.toString());
        delivered();
      },
    });
    const { peer } = await rawWebSocket(port);
    peer.socket.write(clientFrame(1, 'held'));
    // Paused: nothing may arrive meanwhile. A paused connection reads nothing, so no event can
    // say "the server would have delivered it by now": this wait can only let a bug pass on a
    // slow machine, never fail a correct server.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual([]);
    const [server] = servers;
    for (const ws of server?.clients ?? []) ws.resume();
    await messageSeen;
    expect(received).toEqual(['held']);
    peer.close();
  });
});

describe('graceful shutdown', () => {
  it('closes clients caught mid-message with 1001 and leaves no handles behind', async () => {
    const before = process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
    const server = createServer({ message: (ws, data) => ws.send(data) });
    const { port } = await server.listen();
    const peers = await Promise.all([1, 2, 3].map(() => rawWebSocket(port)));
    // A fragment, unfinished, then a ping: the pong proves the server has read the fragment
    // (frames are handled in order), so the shutdown below catches every peer mid-message.
    for (const { peer } of peers) peer.socket.write(clientFrame(1, 'half a mess', false));
    for (const { peer } of peers) peer.socket.write(clientFrame(9));
    for (const { peer, head } of peers) await peer.read(head + 2);
    expect(peers.map(({ peer, head }) => [...peer.received().subarray(head, head + 2)])).toEqual([
      [0x8a, 0],
      [0x8a, 0],
      [0x8a, 0],
    ]);
    const closing = server.close();
    for (const { peer, head } of peers) {
      await peer.read(head + 2 + 4);
      expect([...peer.received().subarray(head + 2, head + 2 + 4)]).toEqual([0x88, 2, 0x03, 0xe9]);
      peer.socket.write(clientFrame(8, Buffer.from([0x03, 0xe9])));
      await peer.ended; // the server's FIN
      const closed = once(peer.socket, 'close');
      peer.close();
      await closed; // our handle is released once 'close' is emitted
    }
    await closing;
    const after = process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
    expect(after).toBeLessThanOrEqual(before);
    expect(server.clients.size).toBe(0);
  });
});
