// The client by path: a devDependency on it would make a build cycle (the client's tests use the server).
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocketClient from 'ws';
import { connect } from '../../client/src/index.js';
import { createServer, type ServerWebSocket, type WebSocketServer } from '../src/index.js';

// One large message sent in pieces with send(chunk, { fin: false }) ... send(last, { fin: true }),
// never held whole by the sender, with and without permessage-deflate (compressed across the
// fragments), checked by our client and by `ws` (an independent inflater).

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PIECE = 64 * 1024;
const PIECES = 128; // 8 MiB

async function serverWithOpen(
  perMessageDeflate: boolean,
  extra = {},
): Promise<{ server: WebSocketServer; opened: Promise<ServerWebSocket> }> {
  let resolve!: (ws: ServerWebSocket) => void;
  const opened = new Promise<ServerWebSocket>((r) => (resolve = r));
  const server = createServer<undefined>({ perMessageDeflate, open: (ws) => resolve(ws), ...extra });
  cleanups.push(() => server.close());
  await server.listen();
  return { server, opened };
}

/** Sends PIECES pieces from `piece(i)`, awaiting each one's handoff to the OS; returns the hash and the largest bufferedAmount. */
async function sendInPieces(
  ws: {
    sendAsync(data: Uint8Array, options: { binary: boolean; fin: boolean }): Promise<void>;
    bufferedAmount: number;
  },
  piece: (i: number) => Uint8Array,
): Promise<{ hash: string; maxBuffered: number; total: number }> {
  const hash = createHash('sha256');
  let maxBuffered = 0;
  let total = 0;
  for (let i = 0; i < PIECES; i++) {
    const chunk = piece(i);
    hash.update(chunk);
    total += chunk.length;
    const sent = ws.sendAsync(chunk, { binary: true, fin: false });
    maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
    await sent;
  }
  await ws.sendAsync(new Uint8Array(0), { binary: true, fin: true });
  return { hash: hash.digest('hex'), maxBuffered, total };
}

const random = randomBytes(PIECE * 2);
const randomPiece = (i: number) => random.subarray((i * 4099) % PIECE, ((i * 4099) % PIECE) + PIECE);
const textPiece = (i: number) => Buffer.from(`piece ${i} `.repeat(PIECE).slice(0, PIECE));

for (const perMessageDeflate of [false, true]) {
  const mode = `permessage-deflate ${perMessageDeflate ? 'on' : 'off'}`;

  describe(`a message sent in fragments (${mode})`, () => {
    it('server to our client: one message, byte-identical, the sender holding about one piece at a time', async () => {
      const { server, opened } = await serverWithOpen(perMessageDeflate);
      let received: Promise<Buffer> | undefined;
      const got = new Promise<Buffer>((resolve) => {
        received = connect(`ws://127.0.0.1:${server.port}`, {
          perMessageDeflate,
          // Incompressible fragments grow a little when deflated, and the limit applies on the wire too.
          maxMessageSize: 2 * PIECE * PIECES,
          message: (_ws, data) => resolve(Buffer.from(data)),
        }).then(() => got);
      });
      const ws = await opened;
      const { hash, maxBuffered } = await sendInPieces(ws, randomPiece);
      const message = await (received as Promise<Buffer>);
      expect(message.length).toBe(PIECE * PIECES);
      expect(createHash('sha256').update(message).digest('hex')).toBe(hash);
      expect(maxBuffered).toBeLessThanOrEqual(2 * PIECE);
    });

    it('client to server, and to a ws client; compressible pieces are compressed across fragments', async () => {
      const messages: Buffer[] = [];
      let gotMessage!: () => void;
      const arrived = new Promise<void>((resolve) => (gotMessage = resolve));
      const { server } = await serverWithOpen(perMessageDeflate, {
        maxMessageSize: PIECE * PIECES + 1,
        message: (_ws: unknown, data: Buffer) => {
          messages.push(Buffer.from(data));
          gotMessage();
        },
      });
      const client = await connect(`ws://127.0.0.1:${server.port}`, { perMessageDeflate });
      const before = (client.socket as Socket).bytesWritten;
      const { hash, total } = await sendInPieces(client, textPiece);
      expect(total).toBe(PIECE * PIECES);
      await arrived;
      expect(
        createHash('sha256')
          .update(messages[0] as Buffer)
          .digest('hex'),
      ).toBe(hash);
      const onWire = (client.socket as Socket).bytesWritten - before;
      if (perMessageDeflate) expect(onWire).toBeLessThan(total / 20);
      else expect(onWire).toBeGreaterThan(total);
      client.close();

      // `ws` as the receiving peer: an inflater we did not write.
      const { server: second, opened } = await serverWithOpen(perMessageDeflate);
      const peer = new WebSocketClient(`ws://127.0.0.1:${second.port}`, { perMessageDeflate });
      const fromPeer = new Promise<Buffer>((resolve) => peer.once('message', (data) => resolve(data as Buffer)));
      const ws = await opened;
      const sent = await sendInPieces(ws, textPiece);
      expect(
        createHash('sha256')
          .update(await fromPeer)
          .digest('hex'),
      ).toBe(sent.hash);
      peer.close();
      await once(peer, 'close');
    });

    it('messages sent between the fragments wait for the last one, in order', async () => {
      const { server, opened } = await serverWithOpen(perMessageDeflate);
      const received: string[] = [];
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      await connect(`ws://127.0.0.1:${server.port}`, {
        perMessageDeflate,
        message(_ws, data) {
          received.push(data.toString());
          if (received.length === 3) done();
        },
      });
      const ws = await opened;
      ws.send('first ', { fin: false });
      expect(ws.send('held')).toBe(true);
      ws.send(Buffer.from('second'), { fin: true });
      ws.send('after');
      await all;
      expect(received).toEqual(['first second', 'held', 'after']);
    });
  });
}
