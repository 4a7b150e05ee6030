import type { Duplex } from 'node:stream';

/**
 * What the scripted peer runs on: one opened WebSocket's byte stream and the transport's
 * own way of ending it. The case scripts, the frame writer and reader and the grading
 * only see a `Duplex` (a `net.Socket`/`tls.TLSSocket` and an `Http2Stream` both are one)
 * and the normalised events below; how a transport opens, ends and resets lives in its
 * opener (`open-socket.ts`, `open-http2.ts`).
 */

/** `tcp` and `tls`: an HTTP/1.1 upgrade; `h2`: an RFC 8441 extended CONNECT stream over TLS. */
export type ChannelKind = 'tcp' | 'tls' | 'h2';

/** What the opener needs to know about the WebSocket to open. */
export interface ChannelRequest {
  host: string;
  port: number;
  path: string;
  tls: boolean;
  /** Extended CONNECT on an HTTP/2 session (needs `tls`). */
  http2: boolean;
  /** PEM CA to trust; without it the server certificate is not verified (self-signed test certs). */
  ca?: string | undefined;
  /** Raw `Sec-WebSocket-Extensions` offer. */
  extensions?: string | undefined;
  headers?: Record<string, string> | undefined;
  timeoutMs: number;
}

/**
 * The transport's events in the peer's terms. Over TCP the server's end is its FIN and a
 * reset is an RST (ECONNRESET/EPIPE); over HTTP/2 the end is END_STREAM and a reset is
 * RST_STREAM (with its error code), or the whole session going away under the stream.
 */
export interface ChannelListener {
  data(chunk: Uint8Array): void;
  serverEnd(): void;
  /** `detail` names what came: "RST", "RST_STREAM CANCEL (8)". May follow `serverEnd`. */
  serverReset(detail: string): void;
  error(err: NodeJS.ErrnoException): void;
  /** The connection (TCP) or the stream (HTTP/2) is fully closed. */
  closed(): void;
}

export interface PeerChannel {
  readonly kind: ChannelKind;
  /** The byte stream the frames travel on. */
  readonly stream: Duplex;
  /** Lower-cased names; repeated headers joined with ", " (HTTP/2: `:status` included). */
  readonly responseHeaders: Record<string, string>;
  /** Bytes that came with the response (HTTP/1.1: after the head): they are frames. */
  readonly head: Uint8Array;
  listen(listener: ChannelListener): void;
  /**
   * Drops the connection from this side without a closing handshake: the TCP socket is
   * destroyed, an HTTP/2 stream is reset with RST_STREAM CANCEL (RFC 8441 §5: the
   * counterpart of a TCP reset), leaving its session to close.
   */
  abort(): void;
}

/** How the grading and the wire log name a transport's connection, its end and its reset. */
export interface ChannelWords {
  /** "TCP" / "the stream" */
  connection: string;
  /** "FIN" / "END_STREAM" */
  end: string;
  /** "RST" / "RST_STREAM" */
  reset: string;
}

export function channelWords(kind: ChannelKind): ChannelWords {
  return kind === 'h2'
    ? { connection: 'the stream', end: 'END_STREAM', reset: 'RST_STREAM' }
    : { connection: 'TCP', end: 'FIN', reset: 'RST' };
}

/** `host:port`, bracketed for IPv6: the Host header and the `:authority`. */
export function authorityOf(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** SNI only for names: an IP address may not be sent as a server name (RFC 6066 §3). */
export function serverNameOf(host: string): string | undefined {
  return /^[\d.]+$/.test(host) || host.includes(':') ? undefined : host;
}
