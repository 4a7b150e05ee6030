import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type ChannelRequest, type PeerChannel, serverNameOf } from './channel.js';
import { concatBytes } from './frame-writer.js';
import { buildUpgradeRequest, checkUpgradeResponse, findHeadEnd, parseResponseHead } from './handshake.js';

/**
 * Opens a WebSocket with an HTTP/1.1 upgrade over TCP or TLS (`ws://`, `wss://`) and
 * hands over the socket once a valid 101 came, with the bytes that followed its head.
 * Nagle is off, so chopped writes leave as their own segments.
 */
export function openSocketChannel(request: ChannelRequest): Promise<PeerChannel> {
  const upgrade = buildUpgradeRequest({
    host: request.host,
    port: request.port,
    path: request.path,
    extensions: request.extensions,
    headers: request.headers,
  });
  return new Promise<PeerChannel>((resolve, reject) => {
    const socket = request.tls
      ? tlsConnect({
          host: request.host,
          port: request.port,
          servername: serverNameOf(request.host),
          ...(request.ca ? { ca: request.ca } : { rejectUnauthorized: false }),
        })
      : netConnect({ host: request.host, port: request.port });
    socket.setNoDelay(true);
    let head: Uint8Array = new Uint8Array(0);
    let settled = false;
    const timer = setTimeout(() => fail(new Error('opening handshake timed out')), request.timeoutMs);
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const onHandshakeData = (chunk: Buffer) => {
      head = concatBytes([head, chunk]);
      const end = findHeadEnd(head);
      if (end < 0) {
        if (head.length > 16384) fail(new Error('handshake response head too large'));
        return;
      }
      let headers: Record<string, string>;
      try {
        const res = parseResponseHead(Buffer.from(head.subarray(0, end)).toString('latin1'));
        checkUpgradeResponse(res, upgrade.key);
        headers = res.headers;
      } catch (err) {
        fail(err as Error);
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.off('data', onHandshakeData);
      socket.off('error', fail);
      socket.off('close', onEarlyClose);
      resolve({
        kind: request.tls ? 'tls' : 'tcp',
        stream: socket,
        responseHeaders: headers,
        head: head.subarray(end),
        listen(listener) {
          socket.on('data', (chunk: Buffer) => listener.data(chunk));
          socket.on('end', () => listener.serverEnd());
          socket.on('error', (err: NodeJS.ErrnoException) => {
            if (err.code === 'ECONNRESET' || err.code === 'EPIPE') listener.serverReset('RST');
            listener.error(err);
          });
          socket.on('close', () => listener.closed());
        },
        abort: () => socket.destroy(),
      });
    };
    const onEarlyClose = () => fail(new Error('connection closed during the opening handshake'));
    socket.on('data', onHandshakeData);
    socket.on('error', fail);
    socket.on('close', onEarlyClose);
    const send = () => socket.write(upgrade.head);
    if (request.tls) socket.once('secureConnect', send);
    else socket.once('connect', send);
  });
}
