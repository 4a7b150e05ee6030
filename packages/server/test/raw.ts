// A raw TCP peer for end-to-end tests: writes exact bytes, reads exact bytes, and
// tells who closed the connection. Independent of @websock/frame on purpose.
import { connect, type Socket } from 'node:net';

export interface RawPeer {
  socket: Socket;
  /**
   * Resolves once at least `n` bytes have arrived (all received bytes so far); rejects if the
   * connection ends (FIN or close) first. No timer: a test that waits in vain fails on vitest's own timeout.
   */
  read(n: number): Promise<Buffer>;
  /** Resolves once everything received so far satisfies `check` (tested on every arrival); rejects like `read`. */
  waitFor(check: (received: Buffer) => boolean): Promise<Buffer>;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server ended (FIN) or closed the connection. */
  ended: Promise<void>;
  close(): void;
}

/** Received bytes in one buffer that grows by doubling: appending stays linear in the total. */
class ReceivedBytes {
  private bytes = Buffer.alloc(64 * 1024);
  private length = 0;

  append(chunk: Buffer): void {
    if (this.length + chunk.length > this.bytes.length) {
      const grown = Buffer.alloc(Math.max(2 * this.bytes.length, this.length + chunk.length));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    chunk.copy(this.bytes, this.length);
    this.length += chunk.length;
  }

  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }
}

export function openRaw(port: number): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const received = new ReceivedBytes();
    const waiters: Array<() => void> = [];
    const wakeAll = () => {
      for (const wake of waiters.splice(0)) wake();
    };
    socket.on('data', (chunk: Buffer) => {
      received.append(chunk);
      wakeAll();
    });
    // No more bytes will come after the server's FIN or a close: waiters then fail.
    socket.on('end', wakeAll);
    socket.on('close', wakeAll);
    const ended = new Promise<void>((done) => {
      socket.once('end', () => done());
      socket.once('close', () => done());
    });
    socket.on('error', () => {});
    /** Resolves with the bytes once `check` holds; rejects once the socket closed without it. */
    const until = (check: (bytes: Buffer) => boolean, what: () => string) =>
      new Promise<Buffer>((done, fail) => {
        const test = () => {
          const bytes = received.view();
          if (check(bytes)) done(bytes);
          else if (socket.readableEnded || socket.destroyed) {
            fail(new Error(`the connection ended first, after ${bytes.length} bytes: ${what()}`));
          } else waiters.push(test);
        };
        test();
      });
    socket.once('connect', () =>
      resolve({
        socket,
        ended,
        received: () => received.view(),
        close: () => socket.destroy(),
        waitFor: (check) => until(check, () => 'the condition never held'),
        read: (n) =>
          until(
            (bytes) => bytes.length >= n,
            () => `waited for ${n}`,
          ),
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
