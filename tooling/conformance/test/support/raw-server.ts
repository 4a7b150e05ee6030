import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FrameReader, type InFrame } from '../../src/frame-reader.js';
import { closePayload, encodeFrame, Op, type OutFrame } from '../../src/frame-writer.js';
import { acceptKeyFor, findHeadEnd } from '../../src/handshake.js';

/**
 * A scriptable raw WebSocket server for testing the oracle itself: each test decides
 * exactly how it misbehaves (no close code, no FIN, frames after close, masked frames,
 * late UTF-8 failure...) and checks that the peer and the grader catch it.
 */
export interface RawConnection {
  /** The TCP socket, or the HTTP/2 stream (raw-h2-server.ts): `end()` is FIN / END_STREAM. */
  socket: Duplex;
  send(frame: OutFrame): void;
  /** Server-side close frame, then (unless told not to) FIN / END_STREAM. */
  close(code?: number, options?: { fin?: boolean }): void;
}

/**
 * The frame side of a raw connection, for any byte stream: unmasked sends, a close that
 * ends the stream, and every complete client frame handed to `onFrame`. Returns the
 * function that takes the stream's bytes.
 */
export function frameConnection(
  stream: Duplex,
  onFrame: (conn: RawConnection, frame: InFrame) => void,
): (chunk: Uint8Array) => void {
  const conn: RawConnection = {
    socket: stream,
    send: (frame) => {
      if (!stream.writableEnded && !stream.destroyed) stream.write(encodeFrame({ mask: false, ...frame }));
    },
    close: (code, options) => {
      conn.send({ opcode: Op.Close, payload: closePayload(code) });
      if (options?.fin !== false) stream.end();
    },
  };
  const reader = new FrameReader();
  return (chunk) => {
    reader.push(chunk);
    for (let f = reader.next(); f; f = reader.next()) onFrame(conn, f);
  };
}

export interface RawServer {
  port: number;
  close(): Promise<void>;
}

export async function startRawServer(
  onFrame: (conn: RawConnection, frame: InFrame) => void,
  /** Optional `Sec-WebSocket-Extensions` answer, given the client's offer. */
  extensions?: (offer: string | undefined) => string | undefined,
): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // Once the peer half-closes after the server's FIN, finish tearing down.
    socket.on('end', () => socket.end());
    const receive = frameConnection(socket, onFrame);
    let head: Buffer | null = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (head) {
        head = Buffer.concat([head, chunk]);
        const end = findHeadEnd(head);
        if (end < 0) return;
        const request = head.subarray(0, end).toString('latin1');
        const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
        const answer = extensions?.(/sec-websocket-extensions:\s*([^\r\n]*)/i.exec(request)?.[1]);
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n` +
            `${answer ? `Sec-WebSocket-Extensions: ${answer}\r\n` : ''}\r\n`,
        );
        chunk = head.subarray(end);
        head = null;
      }
      receive(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Echo data frames (unfragmented only) and answer a close with the same code, like a simple correct server. */
export function echoing(conn: RawConnection, f: InFrame): boolean {
  if (f.opcode === Op.Text || f.opcode === Op.Binary) {
    conn.send({ opcode: f.opcode, payload: f.payload });
    return true;
  }
  if (f.opcode === Op.Ping) {
    conn.send({ opcode: Op.Pong, payload: f.payload });
    return true;
  }
  return false;
}
