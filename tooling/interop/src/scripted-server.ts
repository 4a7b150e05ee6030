import { createServer, type ServerOptions, type WebSocket } from '@websock/server';
import { testCertificate, type Variant } from './servers.js';

/**
 * What the scripted server does once it has echoed the first message, read from the query of
 * the URL the client connected to:
 * - `?close=CODE&reason=TEXT`: closes with that code and reason (`?close` alone: no status);
 * - `?terminate`: destroys the socket when the first message arrives, before echoing it, with
 *   no close frame (a server that goes away; an echo queued just before the destroy could be
 *   dropped or not, so there is none);
 * - `?shutdown`: `server.close()`, the graceful shutdown (1001 to every client);
 * - nothing: only echoes, and answers the client's close.
 */
export type ServerAction =
  | { readonly kind: 'echo' }
  | { readonly kind: 'close'; readonly code?: number; readonly reason?: string }
  | { readonly kind: 'terminate' }
  | { readonly kind: 'shutdown' };

/** The close as the server saw it (its `close` handler). */
export interface ServerSideClose {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Builds the query the scripted server understands (to append to its URL). */
export function scriptPath(action: ServerAction): string {
  switch (action.kind) {
    case 'echo':
      return '/';
    case 'close': {
      const params = new URLSearchParams();
      params.set('close', action.code === undefined ? '' : String(action.code));
      if (action.reason !== undefined) params.set('reason', action.reason);
      return `/?${params}`;
    }
    case 'terminate':
      return '/?terminate';
    case 'shutdown':
      return '/?shutdown';
  }
}

function parseScript(url: string | undefined): ServerAction {
  const query = new URL(url ?? '/', 'http://x').searchParams;
  if (query.has('terminate')) return { kind: 'terminate' };
  if (query.has('shutdown')) return { kind: 'shutdown' };
  if (query.has('close')) {
    const code = query.get('close');
    const reason = query.get('reason');
    return {
      kind: 'close',
      ...(code === null || code === '' ? {} : { code: Number(code) }),
      ...(reason === null ? {} : { reason }),
    };
  }
  return { kind: 'echo' };
}

/** The connection's transport as the server reports it (`ws.transport`). */
export type TransportKind = WebSocket['transport'];

export interface ScriptedServer {
  readonly url: string;
  readonly ca?: string;
  /** Every connection's close as the server reported it, in order. */
  readonly closes: readonly ServerSideClose[];
  /** Every connection's transport as the server reported it on `open`, in order. */
  readonly transports: readonly TransportKind[];
  /** Resolves once `count` connections have closed on the server's side. */
  closed(count: number): Promise<readonly ServerSideClose[]>;
  close(): Promise<void>;
}

/** What the scripted server needs besides its handlers: where it listens, or what it is attached to. */
type Placement = Pick<ServerOptions<ServerAction>, 'host' | 'port' | 'tls' | 'http2' | 'server'>;

/**
 * A small @websock/server for what the echo server does not do on request: close from the
 * server's side with a given code and reason, vanish without a close frame, shut down. Same
 * variants as the echo server (plain, permessage-deflate, TLS), same subprotocol rule (the
 * first offered). It echoes like the echo server, then acts after the first echo, so the
 * client has seen an echo arrive before the server's close.
 */
function createScriptedServer(placement: Placement, deflate: boolean) {
  const closes: ServerSideClose[] = [];
  const transports: TransportKind[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer<ServerAction>({
    ...placement,
    ...(deflate ? { perMessageDeflate: true } : {}),
    protocols: (offered) => offered[0],
    upgrade: (request) => parseScript(request.url),
    open(ws) {
      transports.push(ws.transport);
    },
    message(ws: WebSocket<ServerAction>, data: Buffer, isBinary: boolean) {
      if (ws.readyState !== 1) return;
      const action = ws.data;
      if (action.kind === 'terminate') {
        ws.terminate();
        return;
      }
      ws.send(data, isBinary);
      if (action.kind === 'close') ws.close(action.code, action.reason);
      else if (action.kind === 'shutdown') void server.close();
    },
    close(_ws, code, reason, wasClean) {
      closes.push({ code, reason, wasClean });
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const observed = {
    closes,
    transports,
    async closed(count: number): Promise<readonly ServerSideClose[]> {
      while (closes.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return closes;
    },
    close: () => server.close(),
  };
  return { server, observed };
}

/**
 * The scripted server on its own port of 127.0.0.1, as the variant says; with `http2` (TLS
 * variants only), the standalone `http2: true` server: HTTP/2 extended CONNECT and HTTP/1.1
 * upgrades on the one port.
 */
export async function startScriptedServer(variant: Variant, http2 = false): Promise<ScriptedServer> {
  const tls = variant.tls ? await testCertificate() : undefined;
  if (http2 && tls === undefined) throw new Error('the http2 scripted server needs a TLS variant');
  const { server, observed } = createScriptedServer(
    {
      host: '127.0.0.1',
      port: 0,
      ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key }, http2 }),
    },
    variant.deflate,
  );
  const address = await server.listen();
  return {
    url: `${tls === undefined ? 'ws' : 'wss'}://127.0.0.1:${address.port}`,
    ...(tls === undefined ? {} : { ca: tls.cert }),
    ...observed,
  };
}

/**
 * The scripted server attached to a running HTTPS server (node:http2 with `allowHTTP1`, so
 * extended CONNECT streams and HTTP/1.1 upgrades alike) at `url`, the server's own origin.
 * `close()` closes the WebSocket server only: the HTTPS server is the caller's.
 */
export function attachScriptedServer(
  https: NonNullable<ServerOptions<ServerAction>['server']>,
  url: string,
  deflate: boolean,
): ScriptedServer {
  const { observed } = createScriptedServer({ server: https }, deflate);
  return { url, ...observed };
}
