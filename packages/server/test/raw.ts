// A raw TCP peer for end-to-end tests: writes exact bytes, reads exact bytes, and
// tells who closed the connection. Independent of @websock/frame on purpose.
import { connect, type Socket } from 'node:net';

export interface RawPeer {
  socket: Socket;
  /** Resolves once at least `n` bytes have arrived (all received bytes so far). */
  read(n: number, timeoutMs?: number): Promise<Buffer>;
  /** Resolves once everything received so far satisfies `check` (tested on every arrival). */
  waitFor(check: (received: Buffer) => boolean): Promise<Buffer>;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server ended (FIN) or closed the connection. */
  ended: Promise<void>;
  close(): void;
}

export function openRaw(port: number): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let buffer = Buffer.alloc(0);
    const waiters: Array<() => void> = [];
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (const wake of waiters.splice(0)) wake();
    });
    const ended = new Promise<void>((done) => {
      socket.once('end', () => done());
      socket.once('close', () => done());
    });
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({
        socket,
        ended,
        received: () => buffer,
        close: () => socket.destroy(),
        waitFor(check) {
          return new Promise((done, fail) => {
            const test = () => {
              if (check(buffer)) done(buffer);
              else if (socket.destroyed) fail(new Error(`the connection closed first, after ${buffer.length} bytes`));
              else waiters.push(test);
            };
            socket.once('close', () => {
              for (const wake of waiters.splice(0)) wake();
            });
            test();
          });
        },
        read(n, timeoutMs = 3000) {
          return new Promise((done, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`timed out waiting for ${n} bytes, have ${buffer.length}`)),
              timeoutMs,
            );
            const check = () => {
              if (buffer.length >= n) {
                clearTimeout(timer);
                done(buffer);
              } else waiters.push(check);
            };
            check();
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}

export function upgradeRequest(
  port: number,
  headers: Record<string, string> = {},
  requestLine = 'GET / HTTP/1.1',
): string {
  const all: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  const lines = Object.entries(all)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return `${requestLine}\r\n${lines.join('')}\r\n`;
}

/** A masked client frame. */
export function clientFrame(opcode: number, payload: Buffer | string = '', fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const key = Buffer.from([1, 2, 3, 4]);
  const length = data.length;
  const header =
    length < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | length])
      : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.from(data.map((byte, i) => byte ^ (key[i & 3] as number)));
  return Buffer.concat([header, key, masked]);
}

export function headEnd(buffer: Buffer): number {
  const end = buffer.indexOf('\r\n\r\n');
  return end === -1 ? -1 : end + 4;
}
