import type { Server as Http1Server, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { HandshakeRejection } from '@websock/handshake';
import type { AnyHttp2Server } from './http2.js';
import { reject } from './reject.js';
import { SharedRouters } from './shared-router.js';

/** A server that emits HTTP/1.1 `upgrade` events: http, https, or http2 with `allowHTTP1`. */
export type HttpServer = Http1Server | AnyHttp2Server;

/** What the router needs of an attached WebSocket server. */
export interface AttachedEndpoint {
  /** Whether this endpoint serves the request's path. */
  claims(req: IncomingMessage): boolean;
  /** Answers the upgrade (101, or an HTTP error such as 503 once closed). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * One `upgrade` listener per http/https server, shared by every WebSocket server attached
 * to it. Each endpoint claims its path; an upgrade that none claims is answered 404 and
 * its socket closed, exactly once however many endpoints share the server. (With one
 * listener per endpoint, each had to assume that another would answer, and an unclaimed
 * upgrade hung with its socket open, holding `http.close()` forever.) Upgrade listeners
 * the application added itself are left the requests that no endpoint claims.
 */
class UpgradeRouter {
  readonly endpoints: AttachedEndpoint[] = [];

  constructor(private readonly server: HttpServer) {}

  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    for (const endpoint of this.endpoints) {
      if (endpoint.claims(req)) {
        endpoint.handleUpgrade(req, socket, head);
        return;
      }
    }
    // Another listener of the application's own may serve this path: leave it the request.
    if (this.server.listenerCount('upgrade') > 1) return;
    reject(socket, new HandshakeRejection(404, 'No WebSocket endpoint at this path'));
  };
}

const routers = new SharedRouters<HttpServer, AttachedEndpoint, UpgradeRouter>(
  (server) => new UpgradeRouter(server),
  (server, router) => server.on('upgrade', router.onUpgrade),
  (server, router) => server.off('upgrade', router.onUpgrade),
);

/** Routes `server`'s upgrades to `endpoint` (after the endpoints attached before it). */
export function attach(server: HttpServer, endpoint: AttachedEndpoint): void {
  routers.attach(server, endpoint);
}

/** Stops routing to `endpoint`; the last one detached removes the shared listener. */
export function detach(server: HttpServer, endpoint: AttachedEndpoint): void {
  routers.detach(server, endpoint);
}
