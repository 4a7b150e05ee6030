import { createServer, type ProtocolSelector, type ServerOptions, type WebSocket } from '@websock/server';

export interface EchoServerOptions {
  readonly host?: string;
  readonly port?: number;
  /** PEM certificate and key: when given, the server speaks wss://. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /**
   * With `tls`: serve WebSockets over HTTP/2 as well (RFC 8441 extended CONNECT, ALPN h2), on
   * the same port as HTTP/1.1 upgrades (ALPN http/1.1 or none).
   */
  readonly http2?: boolean;
  /** Largest message echoed; larger ones fail the connection with 1009. */
  readonly maxPayload?: number;
  /** Accept permessage-deflate (RFC 7692) when clients offer it. */
  readonly deflate?: boolean;
  /** Log one line per connection to stderr. */
  readonly verbose?: boolean;
}

export interface RunningEchoServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Graceful shutdown: 1001 to every client, waits for their closes (bounded), releases everything. */
  close(): Promise<void>;
}

/** The first subprotocol the client offers (the server asks only when the client offers one). */
const selectFirstOffered: ProtocolSelector = (offered) => offered[0];

/**
 * The reference echo server: every message goes back as it came, text as text and
 * binary as binary. Everything else (pings, closing handshakes, protocol errors) is
 * the stack's own behaviour, which is the point of running Autobahn against it.
 */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<RunningEchoServer> {
  if (options.http2 === true && options.tls === undefined) {
    throw new TypeError('http2 needs tls: WebSockets over HTTP/2 run over TLS (ALPN h2)');
  }
  const log = options.verbose ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  const serverOptions: ServerOptions<undefined> = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 9001,
    ...(options.tls === undefined ? {} : { tls: { cert: options.tls.cert, key: options.tls.key } }),
    ...(options.http2 === true ? { http2: true } : {}),
    ...(options.maxPayload === undefined ? {} : { maxMessageSize: options.maxPayload }),
    ...(options.deflate ? { perMessageDeflate: true } : {}),
    // Like other reference echo servers, speak whatever subprotocol the client asks for:
    // select the first one offered, so clients that insist on one (browsers, ws, undici
    // offering ['chat', 'superchat']) connect instead of failing the handshake.
    protocols: selectFirstOffered,
    message(ws: WebSocket, data: Buffer, isBinary: boolean) {
      // A message can still arrive after we started closing; there is nobody to echo to then.
      if (ws.readyState === 1) ws.send(data, isBinary);
    },
    ...(log === undefined
      ? {}
      : {
          close(ws: WebSocket, code: number, reason: string, wasClean: boolean) {
            log(
              `${ws.remoteAddress}:${ws.remotePort} (${ws.transport}) closed ${code}${reason ? ` ${reason}` : ''} clean=${wasClean}`,
            );
          },
        }),
  };
  const server = createServer(serverOptions);
  const address = await server.listen();
  const scheme = options.tls === undefined ? 'ws' : 'wss';
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    host: address.host,
    port: address.port,
    url: `${scheme}://${host}:${address.port}`,
    close: () => server.close(),
  };
}
