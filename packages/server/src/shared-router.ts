/**
 * One router per server object, shared by every WebSocket server attached to it: created (and
 * its listeners installed) with the first endpoint, removed with the last. Used for HTTP/1.1
 * upgrades (attach.ts) and HTTP/2 extended CONNECT streams (http2.ts).
 */
export class SharedRouters<Server extends object, Endpoint, Router extends { readonly endpoints: Endpoint[] }> {
  readonly #routers = new WeakMap<Server, Router>();

  constructor(
    private readonly create: (server: Server) => Router,
    private readonly install: (server: Server, router: Router) => void,
    private readonly uninstall: (server: Server, router: Router) => void,
  ) {}

  /** Routes `server`'s requests to `endpoint` too, after the endpoints attached before it. */
  attach(server: Server, endpoint: Endpoint): void {
    let router = this.#routers.get(server);
    if (router === undefined) {
      router = this.create(server);
      this.#routers.set(server, router);
      this.install(server, router);
    }
    router.endpoints.push(endpoint);
  }

  /** Stops routing to `endpoint`; the last one detached removes the router. */
  detach(server: Server, endpoint: Endpoint): void {
    const router = this.#routers.get(server);
    if (router === undefined) return;
    const index = router.endpoints.indexOf(endpoint);
    if (index !== -1) router.endpoints.splice(index, 1);
    if (router.endpoints.length > 0) return;
    this.uninstall(server, router);
    this.#routers.delete(server);
  }
}
