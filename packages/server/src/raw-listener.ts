import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type TlsOptions } from 'node:tls';
import { HandshakeRejection, isHandshakeRejection, parseRequestHead, type RequestHead } from '@websock/handshake';
import { ignoreTransportError } from '@websock/node';

/** An opening-handshake request read straight off the socket. */
export interface RawRequest extends Omit<RequestHead, 'headLength'> {
  readonly socket: Socket;
}

export interface RawListenerOptions {
  readonly tls: (SecureContextOptions & TlsOptions) | undefined;
  readonly maxHeaderSize: number;
  readonly maxHeaders: number;
  readonly handshakeTimeout: number;
  /** A complete request head arrived; `rest` holds the bytes after it (frames: never drop them). */
  readonly onRequest: (request: RawRequest, socket: Socket, rest: Buffer) => void;
  /** The head was malformed, too large or too slow: answer it. */
  readonly onRejected: (socket: Socket, rejection: HandshakeRejection) => void;
}

/**
 * A TCP (or TLS) listener that reads one HTTP/1.1 request head per connection itself,
 * with @websock/handshake's strict parser, instead of going through node:http. A
 * WebSocket server needs nothing else from HTTP, and skipping node:http's per-request
 * objects makes connection setup cheaper and leaves less behind on every connection.
 */
export function createRawListener(options: RawListenerOptions): { server: NetServer; pending: Set<Socket> } {
  const pending = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    pending.add(socket);
    let received: Buffer | null = null;
    // Everything per handshake is released once the head is in: nothing here may stay
    // reachable from the socket for the connection's lifetime.
    const finish = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', finish);
      pending.delete(socket);
      received = null;
    };
    const onData = (chunk: Buffer) => {
      received = received === null ? chunk : Buffer.concat([received, chunk]);
      let head: RequestHead | null;
      try {
        head = parseRequestHead(received, { maxHeadSize: options.maxHeaderSize, maxHeaders: options.maxHeaders });
      } catch (error) {
        finish();
        options.onRejected(socket, asRejection(error));
        return;
      }
      if (head === null) return;
      const rest = received.subarray(head.headLength);
      finish();
      // A literal of fixed shape: cheaper than copying `head` without `headLength` by rest/spread.
      const request: RawRequest = {
        method: head.method,
        url: head.url,
        httpVersion: head.httpVersion,
        headers: head.headers,
        rawHeaders: head.rawHeaders,
        socket,
      };
      options.onRequest(request, socket, rest);
    };
    // A client that trickles its request head (slowloris) is answered 408 and dropped.
    const timer = setTimeout(() => {
      finish();
      options.onRejected(socket, new HandshakeRejection(408, 'Request Timeout', { code: 'WS_ERR_HANDSHAKE_TIMEOUT' }));
    }, options.handshakeTimeout);
    timer.unref();
    socket.on('data', onData);
    socket.on('error', ignoreTransportError);
    socket.on('close', finish);
  };
  const server =
    options.tls === undefined
      ? createNetServer({ noDelay: true }, onConnection)
      : createTlsServer({ ...options.tls, handshakeTimeout: options.handshakeTimeout }).on(
          'secureConnection',
          onConnection,
        );
  return { server, pending };
}

function asRejection(error: unknown): HandshakeRejection {
  if (isHandshakeRejection(error)) return error;
  return new HandshakeRejection(400, 'Bad Request', { cause: error });
}
