import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

const PAGE = '<!doctype html><meta charset="utf-8"><title>websock over HTTP/2</title><p>WebSockets ride this page';

/** A request for the page, as the server saw it. */
export interface PageRequest {
  readonly path: string;
  /** '2.0' over HTTP/2, '1.1' over HTTP/1.1. */
  readonly httpVersion: string;
}

export interface HttpsPageServer {
  /** `https://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The node:http2 server, to attach WebSocket servers to. */
  readonly server: Http2SecureServer;
  /** The protocol ALPN chose for every TLS connection accepted, in order ('h2', 'http/1.1', 'none'). */
  readonly connections: readonly string[];
  /** Every request the page handler answered, in order. */
  readonly pageRequests: readonly PageRequest[];
  /** Drops every connection and closes the server. */
  close(): Promise<void>;
}

/**
 * An HTTPS page on 127.0.0.1 served by node:http2 with `allowHTTP1` (ALPN `h2` and
 * `http/1.1`): what a site looks like whose WebSockets may ride the page's own HTTP/2
 * connection. It answers `GET /` with a small HTML page and anything else with 404; a
 * WebSocket server attached to `server` takes the WebSocket requests (extended CONNECT
 * streams and HTTP/1.1 upgrades) before the page handler sees them.
 *
 * It counts TLS connections and notes their ALPN protocol: a page and its WebSockets on one
 * HTTP/2 connection show as exactly one `h2` connection.
 */
export async function startHttpsPageServer(tls: {
  readonly cert: string;
  readonly key: string;
}): Promise<HttpsPageServer> {
  const connections: string[] = [];
  const pageRequests: PageRequest[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true });
  server.on('request', (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const path = req.url ?? '/';
    pageRequests.push({ path, httpVersion: req.httpVersion });
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    connections.push(socket.alpnProtocol || 'none');
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    server,
    connections,
    pageRequests,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
