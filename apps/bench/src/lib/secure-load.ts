// The load generator's wss:// connections for the HTTP/2 bench (src/lib/http2-bench.ts): TLS with
// ALPN http/1.1 and an upgrade, or HTTP/2 sessions with ALPN h2 and one extended CONNECT stream
// (RFC 8441) per WebSocket. The echo loop on top is the generator's own (loadgen.ts), the same for
// both: only the byte stream under it differs.

import { type ClientHttp2Session, type ClientHttp2Stream, connect as connectHttp2 } from 'node:http2';
import { connect as connectTls, type TLSSocket } from 'node:tls';

const HOST = '127.0.0.1';

/** How a load generator reaches the wss:// server under test. */
export interface SecureLink {
  /** `http1`: a TLS connection per WebSocket (ALPN http/1.1, upgrade); `http2`: an extended CONNECT stream. */
  readonly transport: 'http1' | 'http2';
  /** Over HTTP/2: every WebSocket of the generator on one session (`shared`), or a session each (`each`). */
  readonly sessions: 'shared' | 'each';
  /** The server's self-signed certificate (PEM), trusted as the CA: the client verifies the server. */
  readonly ca: string;
}

/**
 * Flow-control windows the client grants (stream and session): far above what a workload keeps in
 * flight, so the generator's windows never throttle the server's sending. The server keeps its
 * defaults (what an application gets).
 */
const CLIENT_STREAM_WINDOW = 4 * 1024 * 1024;
const CLIENT_SESSION_WINDOW = 64 * 1024 * 1024;

/** The negotiated TLS of a connection, e.g. `TLSv1.3 TLS_AES_256_GCM_SHA384, ALPN h2`. */
export function describeTls(socket: TLSSocket): string {
  return `${socket.getProtocol()} ${socket.getCipher().standardName}, ALPN ${socket.alpnProtocol || 'none'}`;
}

/** A TLS connection offering ALPN http/1.1 only, as a wss:// client over HTTP/1.1 opens it. */
export function dialTls(port: number, link: SecureLink): TLSSocket {
  const socket = connectTls({ host: HOST, port, ca: link.ca, ALPNProtocols: ['http/1.1'] });
  socket.setNoDelay(true);
  return socket;
}

/**
 * The HTTP/2 sessions of one workload in one generator: one shared by all its WebSockets, or a
 * new one per WebSocket. A session is usable once the server's SETTINGS allow extended CONNECT.
 */
export class Http2Sessions {
  private shared: Promise<ClientHttp2Session> | undefined;
  private readonly open = new Set<ClientHttp2Session>();
  /** The TLS the first session negotiated. */
  tls: string | undefined;

  constructor(
    private readonly port: number,
    private readonly link: SecureLink,
    private readonly onError: (error: Error) => void,
  ) {}

  /** A session to open the next WebSocket on. */
  session(): Promise<ClientHttp2Session> {
    if (this.link.sessions === 'each') return this.connect();
    this.shared ??= this.connect();
    return this.shared;
  }

  /** Destroys every session (and with them their streams). */
  destroy(): void {
    for (const session of this.open) session.destroy();
    this.open.clear();
    this.shared = undefined;
  }

  private connect(): Promise<ClientHttp2Session> {
    return new Promise((resolve, reject) => {
      const session = connectHttp2(`https://${HOST}:${this.port}`, {
        ca: this.link.ca,
        settings: { initialWindowSize: CLIENT_STREAM_WINDOW, enablePush: false },
      });
      this.open.add(session);
      session.on('close', () => this.open.delete(session));
      const failed = (error: Error) => reject(error);
      session.once('error', failed);
      session.once('connect', () => {
        session.setLocalWindowSize(CLIENT_SESSION_WINDOW);
        this.tls ??= describeTls(session.socket as TLSSocket);
      });
      session.once('remoteSettings', (settings) => {
        session.off('error', failed);
        session.on('error', this.onError);
        if (settings.enableConnectProtocol === true) resolve(session);
        else {
          session.destroy();
          reject(new Error('the server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL'));
        }
      });
    });
  }
}

/** An extended CONNECT for a WebSocket on `session`; resolves with the stream once the server answers 200. */
export function openWebSocketStream(session: ClientHttp2Session, port: number): Promise<ClientHttp2Stream> {
  return new Promise((resolve, reject) => {
    const stream = session.request(
      {
        ':method': 'CONNECT',
        ':protocol': 'websocket',
        ':scheme': 'https',
        ':path': '/',
        ':authority': `${HOST}:${port}`,
        'sec-websocket-version': '13',
      },
      { endStream: false },
    );
    const failed = (error: Error) => reject(error);
    const closed = () => reject(new Error('stream closed during the opening handshake'));
    stream.once('error', failed);
    stream.once('close', closed);
    stream.once('response', (headers) => {
      stream.off('error', failed);
      stream.off('close', closed);
      const status = headers[':status'];
      if (status === 200) resolve(stream);
      else {
        stream.destroy();
        reject(new Error(`extended CONNECT refused: ${status}`));
      }
    });
  });
}
