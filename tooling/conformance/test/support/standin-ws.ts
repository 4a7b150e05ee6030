import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * A development stand-in for the echo server, built on `ws`. It is only used until
 * `startEchoServer` exists in @websock/echo-server. `ws` is known to be NON-STRICT in
 * places (for example it validates UTF-8 per frame, not per TCP chop, so 6.4.3/6.4.4
 * fail fast only at the end of the frame), so some strict cases fail against it.
 */
export interface RunningEchoServer {
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startStandInEchoServer(options: {
  tls?: { cert: string; key: string };
  maxPayload?: number;
  /** permessage-deflate with ws's defaults (messages under 1 KiB go uncompressed). */
  deflate?: boolean;
}): Promise<RunningEchoServer> {
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key })
    : createHttpServer();
  const wss = new WebSocketServer({
    server,
    maxPayload: options.maxPayload ?? 64 * 1024 * 1024,
    perMessageDeflate: options.deflate === true,
    // ws limits a message to 16,384 fragments by default, which fails 9.3.1/9.4.1
    // (65,536 fragments of 64 B): legitimate traffic the suite expects to be echoed.
    maxFragments: 0,
  });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    url: `${options.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
