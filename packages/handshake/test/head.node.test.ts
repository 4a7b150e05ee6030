// Node only: node:http's own parser is the oracle here, fed over a socket on 127.0.0.1. The
// rest of parseRequestHead's tests (head.test.ts) run in Chromium too.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseRequestHead } from '../src/index.js';
import { rawRequest } from './corpus.js';

const bytes = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

describe('parseRequestHead', () => {
  it('reads a Buffer (decoded natively) and a plain Uint8Array alike, every latin1 byte included', () => {
    // 0x80-0x9F is where latin1 and windows-1252 part ways; a head over 4 KiB crosses the
    // portable decoder's piece size.
    const obsText = Array.from({ length: 128 }, (_, i) => 0x80 + i);
    const raw = new Uint8Array([
      ...bytes('GET /x HTTP/1.1\r\nX-Obs: '),
      ...obsText,
      ...bytes(`\r\nX-Long: ${'v'.repeat(5000)}\r\nHost: h\r\n\r\n`),
    ]);
    const fromArray = parseRequestHead(raw, { maxHeadSize: 8192 });
    const fromBuffer = parseRequestHead(Buffer.from(raw), { maxHeadSize: 8192 });
    expect(fromBuffer).toEqual(fromArray);
    expect(fromArray?.headers['x-obs']).toBe(String.fromCharCode(...obsText));
    expect(fromArray?.headers['x-long']).toBe('v'.repeat(5000));
    expect(fromArray?.headLength).toBe(raw.length);
  });

  it('gives the same headers as node:http (oracle)', async () => {
    const requests = [
      rawRequest({
        add: [
          ['Sec-WebSocket-Protocol', 'v3'],
          ['X-Dup', 'a'],
          ['x-dup', 'b'],
          ['Cookie', 'c=1'],
          ['cookie', 'd=2'],
        ],
      }),
      rawRequest({
        add: [
          ['User-Agent', 'one'],
          ['User-Agent', 'two'],
          ['Authorization', 'a'],
          ['Authorization', 'b'],
          ['Set-Cookie', 'x'],
        ],
      }),
      rawRequest({
        add: [
          ['Sec-WebSocket-Key', 'AAAAAAAAAAAAAAAAAAAAAA=='],
          ['Sec-WebSocket-Extensions', 'a; b="c"'],
          ['Sec-WebSocket-Extensions', 'd'],
        ],
      }),
    ];
    const seen = new Map<string, IncomingHttpHeaders>();
    const server = createServer();
    server.on('upgrade', (req, socket) => {
      seen.set(String(req.headers['x-case']), req.headers);
      socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const tagged = requests.map((raw, i) => raw.replace(/\r\n\r\n$/, `\r\nX-Case: ${i}\r\n\r\n`));
      await Promise.all(
        tagged.map(async (raw) => {
          const socket = connect(port, '127.0.0.1');
          socket.resume();
          socket.end(raw);
          await once(socket, 'close');
        }),
      );
      tagged.forEach((raw, i) => {
        expect({ ...parseRequestHead(bytes(raw))!.headers }).toEqual({ ...seen.get(String(i)) });
      });
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
