import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants as h2,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { authorityOf, type ChannelRequest, type PeerChannel, serverNameOf } from './channel.js';

/**
 * Opens a WebSocket over HTTP/2 (RFC 8441): one session per WebSocket, over TLS with ALPN
 * `h2`; waits for the server's SETTINGS and requires SETTINGS_ENABLE_CONNECT_PROTOCOL
 * (§3); sends the extended CONNECT (`:method CONNECT`, `:protocol websocket`, `:scheme`,
 * `:path`, `:authority`, `sec-websocket-version: 13`, no key: §5) and requires `:status`
 * 200 without END_STREAM. The stream then carries the frames.
 *
 * The stream's ends map onto TCP's for the grading: END_STREAM from the server is its FIN;
 * RST_STREAM (any code, NO_ERROR included: a clean close leaves no reset) is its RST. Like
 * a TCP client that does not half-open, the peer answers the server's END_STREAM with its
 * own, which closes the stream cleanly; then it closes the session.
 */
export function openHttp2Channel(request: ChannelRequest): Promise<PeerChannel> {
  if (!request.tls) return Promise.reject(new TypeError('WebSockets over HTTP/2 need TLS here (no h2c)'));
  const authority = authorityOf(request.host, request.port);
  return new Promise<PeerChannel>((resolve, reject) => {
    let settled = false;
    let stream: ClientHttp2Stream | undefined;
    const session: ClientHttp2Session = http2Connect(`https://${authority}`, {
      createConnection: () => {
        const socket = tlsConnect({
          host: request.host,
          port: request.port,
          servername: serverNameOf(request.host),
          ALPNProtocols: ['h2'],
          ...(request.ca ? { ca: request.ca } : { rejectUnauthorized: false }),
        });
        // Before the session owns it (it refuses socket manipulation afterwards): chopped
        // writes must leave as their own segments, as over TCP.
        socket.setNoDelay(true);
        return socket;
      },
    });
    const timer = setTimeout(() => fail(new Error('opening handshake timed out')), request.timeoutMs);
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      reject(err);
    };
    session.on('error', fail);
    session.on('close', () => fail(new Error('the HTTP/2 session closed during the opening handshake')));
    session.once('remoteSettings', (settings) => {
      if (session.alpnProtocol !== 'h2') {
        fail(new Error(`the server did not select h2 by ALPN (got ${String(session.alpnProtocol)})`));
        return;
      }
      if (settings.enableConnectProtocol !== true) {
        fail(new Error('the server did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL in its first SETTINGS'));
        return;
      }
      stream = session.request(connectHeaders(request, authority), { endStream: false });
      stream.on('error', (err) => fail(err));
      stream.once('response', (headers, flags) => {
        const current = stream as ClientHttp2Stream;
        const status = Number(headers[':status']);
        if (status !== 200) {
          refused(current, status, fail);
          return;
        }
        if ((flags & h2.NGHTTP2_FLAG_END_STREAM) !== 0) {
          fail(new Error('the 200 response ended the stream (END_STREAM on its HEADERS)'));
          return;
        }
        settled = true;
        clearTimeout(timer);
        session.off('error', fail);
        current.removeAllListeners('error');
        resolve(http2Channel(session, current, flattenHeaders(headers)));
      });
    });
  });
}

function connectHeaders(request: ChannelRequest, authority: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'https',
    ':path': request.path,
    ':authority': authority,
    'sec-websocket-version': '13',
  };
  if (request.extensions) headers['sec-websocket-extensions'] = request.extensions;
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

/** A refusal: fails with its status and (the start of) its body. */
function refused(stream: ClientHttp2Stream, status: number, fail: (err: Error) => void): void {
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (body.length < 200) body += chunk;
  });
  const done = () => fail(new Error(`expected :status 200, got ${status}${body ? `: ${body.slice(0, 200)}` : ''}`));
  stream.once('end', done);
  stream.once('close', done);
}

function http2Channel(
  session: ClientHttp2Session,
  stream: ClientHttp2Stream,
  responseHeaders: Record<string, string>,
): PeerChannel {
  let abortedByUs = false;
  let resetSeen = false;
  let goaway: number | undefined;
  session.on('goaway', (code: number) => {
    goaway = code;
  });
  return {
    kind: 'h2',
    stream,
    responseHeaders,
    head: new Uint8Array(0),
    listen(listener) {
      const reset = () => {
        if (resetSeen || abortedByUs) return;
        resetSeen = true;
        const detail = describeReset(stream.rstCode);
        // The stream may also die with its session (GOAWAY, or the TLS connection dropped).
        if (goaway !== undefined) listener.serverReset(`${detail}, after GOAWAY ${errorName(goaway)}`);
        else listener.serverReset(session.destroyed ? `${detail}, the session closed` : detail);
      };
      stream.on('data', (chunk: Buffer) => listener.data(chunk));
      // node:http2 emits 'aborted' when the stream closes while our side is still open:
      // an RST_STREAM from the server (NO_ERROR too), or its session going away.
      stream.on('aborted', reset);
      stream.on('end', () => {
        if (!resetSeen) listener.serverEnd();
        endAfterPing(session, stream);
      });
      stream.on('error', (err: NodeJS.ErrnoException) => listener.error(err));
      session.on('error', (err: NodeJS.ErrnoException) => listener.error(err));
      stream.on('close', () => {
        // A reset after our END_STREAM went out (no 'aborted' then) shows only in the code.
        if (stream.rstCode !== undefined && stream.rstCode !== h2.NGHTTP2_NO_ERROR) reset();
        session.close();
        listener.closed();
      });
    },
    abort() {
      abortedByUs = true;
      if (!stream.closed && !stream.destroyed) stream.close(h2.NGHTTP2_CANCEL);
      session.close();
    },
  };
}

/**
 * Our END_STREAM, after the server's: once a PING sent now comes back. node:http2 (and
 * nghttp2) closes a stream as soon as both sides ended it, and then ignores an RST_STREAM
 * for it, so a server that resets right after its END_STREAM (node's `stream.close(code)`
 * sends both) would go unseen if we ended at once. The server writes that RST_STREAM before
 * it can read our PING, and TCP keeps the order: it arrives before the PING's ACK.
 */
function endAfterPing(session: ClientHttp2Session, stream: ClientHttp2Stream): void {
  const end = () => {
    if (!stream.writableEnded && !stream.destroyed) stream.end();
  };
  if (session.closed || session.destroyed || !session.ping(end)) end();
}

const ERROR_NAMES: Record<number, string> = {
  [h2.NGHTTP2_NO_ERROR]: 'NO_ERROR',
  [h2.NGHTTP2_PROTOCOL_ERROR]: 'PROTOCOL_ERROR',
  [h2.NGHTTP2_INTERNAL_ERROR]: 'INTERNAL_ERROR',
  [h2.NGHTTP2_FLOW_CONTROL_ERROR]: 'FLOW_CONTROL_ERROR',
  [h2.NGHTTP2_SETTINGS_TIMEOUT]: 'SETTINGS_TIMEOUT',
  [h2.NGHTTP2_STREAM_CLOSED]: 'STREAM_CLOSED',
  [h2.NGHTTP2_FRAME_SIZE_ERROR]: 'FRAME_SIZE_ERROR',
  [h2.NGHTTP2_REFUSED_STREAM]: 'REFUSED_STREAM',
  [h2.NGHTTP2_CANCEL]: 'CANCEL',
  [h2.NGHTTP2_COMPRESSION_ERROR]: 'COMPRESSION_ERROR',
  [h2.NGHTTP2_CONNECT_ERROR]: 'CONNECT_ERROR',
  [h2.NGHTTP2_ENHANCE_YOUR_CALM]: 'ENHANCE_YOUR_CALM',
  [h2.NGHTTP2_INADEQUATE_SECURITY]: 'INADEQUATE_SECURITY',
  [h2.NGHTTP2_HTTP_1_1_REQUIRED]: 'HTTP_1_1_REQUIRED',
};

/** "RST_STREAM CANCEL (8)": the HTTP/2 error code by its RFC 9113 §7 name. */
export function describeReset(code: number | undefined): string {
  return code === undefined ? 'RST_STREAM (no code)' : `RST_STREAM ${errorName(code)}`;
}

function errorName(code: number): string {
  return `${ERROR_NAMES[code] ?? 'unknown code'} (${code})`;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return flat;
}
