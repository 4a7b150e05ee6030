import { type Http2Stream, constants as http2Constants } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * What the glue needs of the byte stream under a WebSocket. A `net.Socket` (TCP or TLS)
 * and an `Http2Stream` (RFC 8441 extended CONNECT) are both `Duplex` streams with
 * `setTimeout` and a `'timeout'` event; everything else they share is the `Duplex`
 * itself: write/cork/uncork, writableLength/writableNeedDrain/writableHighWaterMark
 * (HTTP/2 flow control shows up there: a write completes once its DATA frames went
 * out), pause/resume (a paused stream stops consuming, so no WINDOW_UPDATE goes back),
 * end, destroy and the 'data'/'end'/'close'/'drain' events. The few things that differ
 * (Nagle, the peer's address, how to abort) are the functions below.
 */
export type Transport = Socket | Http2Stream;

/** Which transport carries a connection. */
export type TransportKind = 'tcp' | 'tls' | 'http2';

/** Whether `transport` is an HTTP/2 stream (node:http2 does not export the class: recognise its API). */
export function isHttp2Stream(transport: Duplex): transport is Http2Stream {
  return 'rstCode' in transport && 'session' in transport;
}

export function transportKind(transport: Transport): TransportKind {
  if (isHttp2Stream(transport)) return 'http2';
  return (transport as { encrypted?: boolean }).encrypted === true ? 'tls' : 'tcp';
}

/** The peer's address: an HTTP/2 stream's is its session's socket's. */
export function remoteOf(transport: Transport): { address: string; port: number } {
  const socket = isHttp2Stream(transport) ? transport.session?.socket : transport;
  return { address: socket?.remoteAddress ?? '', port: socket?.remotePort ?? 0 };
}

/**
 * Turns Nagle's algorithm off where the transport owns its socket. An HTTP/2 stream does
 * not: its session's socket refuses manipulation (ERR_HTTP2_NO_SOCKET_MANIPULATION), and
 * is set up by whoever made the session (the standalone server and the client create
 * theirs with `noDelay`).
 */
export function setNoDelay(transport: Transport): void {
  if (!isHttp2Stream(transport)) transport.setNoDelay(true);
}

/**
 * Drops the transport without a closing handshake. A TCP socket is destroyed (the peer
 * sees the connection drop); an HTTP/2 stream is reset with RST_STREAM CANCEL (RFC 8441
 * §5: the counterpart of a TCP reset), leaving the session and its other streams alone.
 */
export function abortTransport(transport: Transport): void {
  if (!isHttp2Stream(transport)) {
    transport.destroy();
  } else if (!transport.closed && !transport.destroyed) {
    transport.close(http2Constants.NGHTTP2_CANCEL);
  }
}
