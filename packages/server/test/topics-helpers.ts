// Shared by the topics tests: a server that hands out its connections as they open, and an
// inbox that records a `ws` client's messages and lets a test await a count (no sleeps).
import { once } from 'node:events';
import WebSocketClient from 'ws';
import { createServer, type ServerOptions, type ServerWebSocket, type WebSocketServer } from '../src/index.js';

export interface TopicsServer {
  server: WebSocketServer<undefined>;
  port: number;
  url: string;
  /** The server side of the next connection to open (in order of opening). */
  nextOpen(): Promise<ServerWebSocket<undefined>>;
}

const servers: Array<WebSocketServer<undefined>> = [];

/** Closes every server started by `startServer` (call from afterEach). */
export async function closeServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.close()));
}

export async function startServer(options: Partial<ServerOptions<undefined>> = {}): Promise<TopicsServer> {
  const opened: Array<ServerWebSocket<undefined>> = [];
  const waiting: Array<(ws: ServerWebSocket<undefined>) => void> = [];
  const server = createServer<undefined>({
    ...options,
    open(ws) {
      options.open?.(ws);
      const waiter = waiting.shift();
      if (waiter) waiter(ws);
      else opened.push(ws);
    },
  });
  servers.push(server);
  const { port } = await server.listen();
  return {
    server,
    port,
    url: `ws://127.0.0.1:${port}`,
    nextOpen() {
      const ready = opened.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

export interface Inbox {
  readonly messages: Received[];
  texts(): string[];
  /** Resolves once `n` messages have arrived in all. */
  count(n: number): Promise<Received[]>;
}

export function inbox(client: WebSocketClient): Inbox {
  const messages: Received[] = [];
  const waiters: Array<{ n: number; resolve: (value: Received[]) => void }> = [];
  client.on('message', (data, isBinary) => {
    messages.push({ data: data as Buffer, isBinary });
    for (const waiter of waiters.filter((w) => messages.length >= w.n)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(messages);
    }
  });
  return {
    messages,
    texts: () => messages.map((m) => m.data.toString()),
    count(n) {
      if (messages.length >= n) return Promise.resolve(messages);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}

/** A `ws` client, with its inbox, and the server side of its connection. */
export async function connectClient(
  target: TopicsServer,
  options?: WebSocketClient.ClientOptions,
): Promise<{ client: WebSocketClient; inbox: Inbox; ws: ServerWebSocket<undefined> }> {
  const client = new WebSocketClient(target.url, options);
  const box = inbox(client);
  const [ws] = await Promise.all([target.nextOpen(), once(client, 'open')]);
  return { client, inbox: box, ws };
}

/** Closes a `ws` client and waits for the server to have forgotten the connection. */
export async function closeClient(target: TopicsServer, client: WebSocketClient): Promise<void> {
  const before = target.server.clients.size;
  client.close();
  await once(client, 'close');
  while (target.server.clients.size >= before) await new Promise((resolve) => setImmediate(resolve));
}
