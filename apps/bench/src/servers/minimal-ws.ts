// The yardstick: the least a WebSocket echo over node:net can do. Parse the upgrade request just
// enough to answer it, then for each frame: read the header, unmask in place, write it back
// unmasked. No UTF-8 validation, no limits, no fragmentation or control-frame rules, no
// backpressure. A real server does more; this shows how much the "more" costs.

import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { runServer } from '../lib/server-harness.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD = 8 * 1024;
const KEY_PATTERN = /\r\nsec-websocket-key:[ \t]*([^\r\n]*?)[ \t]*\r\n/i;

function serve(socket: Socket): void {
  let upgraded = false;
  // Bytes of an incomplete head or frame, kept as a list so a large frame is joined once, not per chunk.
  const pending: Buffer[] = [];
  let pendingLength = 0;
  let needed = 1;

  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingLength += chunk.length;
    if (pendingLength < needed) return;
    let data = pending.length === 1 ? chunk : Buffer.concat(pending, pendingLength);
    pending.length = 0;
    pendingLength = 0;

    if (!upgraded) {
      const end = data.indexOf('\r\n\r\n', 0, 'latin1');
      if (end < 0) {
        if (data.length > MAX_HEAD) socket.destroy();
        else {
          pending.push(data);
          pendingLength = data.length;
          needed = data.length + 1;
        }
        return;
      }
      const key = KEY_PATTERN.exec(data.toString('latin1', 0, end + 2))?.[1];
      if (key === undefined) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      upgraded = true;
      data = data.subarray(end + 4);
    }

    needed = 2;
    let i = 0;
    const n = data.length;
    socket.cork();
    while (n - i >= 2) {
      const b1 = data[i + 1]!;
      const len7 = b1 & 0x7f;
      const masked = (b1 & 0x80) !== 0;
      const lengthBytes = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      const head = 2 + lengthBytes + (masked ? 4 : 0);
      if (n - i < head) {
        needed = head;
        break;
      }
      const length = len7 < 126 ? len7 : len7 === 126 ? data.readUInt16BE(i + 2) : Number(data.readBigUInt64BE(i + 2));
      if (n - i < head + length) {
        needed = head + length;
        break;
      }
      const start = i + head;
      const stop = start + length;
      let out = i;
      if (masked) {
        const k0 = data[start - 4]!;
        const k1 = data[start - 3]!;
        const k2 = data[start - 2]!;
        const k3 = data[start - 1]!;
        let p = start;
        for (; p + 3 < stop; p += 4) {
          data[p] = data[p]! ^ k0;
          data[p + 1] = data[p + 1]! ^ k1;
          data[p + 2] = data[p + 2]! ^ k2;
          data[p + 3] = data[p + 3]! ^ k3;
        }
        for (let m = 0; p < stop; p++, m++) data[p] = data[p]! ^ (m === 0 ? k0 : m === 1 ? k1 : k2);
        // The unmasked header is 4 bytes shorter: write it over the key, just before the payload,
        // so header and payload leave as one zero-copy view.
        out = i + 4;
        data.copyWithin(out, i, i + 2 + lengthBytes);
        data[out + 1] = b1 & 0x7f;
      }
      const opcode = data[out]! & 0x0f;
      socket.write(data.subarray(out, stop));
      i = stop;
      if (opcode === 8) {
        // Our echo of the close frame is the close reply; the server closes TCP first (RFC 6455 §7.1.1).
        socket.uncork();
        socket.end();
        return;
      }
    }
    socket.uncork();
    if (i < n) {
      pending.push(data.subarray(i));
      pendingLength = n - i;
    } else {
      needed = 1;
    }
  });
}

await runServer('minimal-ws', async ({ port, host }) => {
  const server = createServer({ noDelay: true }, serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('minimal-ws: no TCP address');
  return {
    port: address.port,
    // TCP connections, upgraded or not: this server keeps no list of its own.
    connections: () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
  };
});
