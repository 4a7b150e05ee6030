// Fan-out servers: every connection is a subscriber; whatever any connection sends goes to all of
// them. `--impl ws-loop | websock-loop | websock-publish`, `--compression off | shared | takeover`
// (the subscribers' offer decides what is negotiated; this only turns the extension on).
// The publisher is one of the connections, so it gets its own copy too, on every server alike.

import { createServer } from '@websock/server';
import { WebSocket, WebSocketServer } from 'ws';
import { runServer, type StartedServer } from '../lib/server-harness.js';

const TOPIC = 'fanout';

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const impl = arg('--impl') ?? 'websock-publish';
const compression = arg('--compression') ?? 'off';
const deflate = compression !== 'off';

async function startWs(port: number, host: string): Promise<StartedServer> {
  const wss = new WebSocketServer({ port, host, perMessageDeflate: deflate });
  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    // ws's README, "Server broadcast".
    ws.on('message', (data, isBinary) => {
      wss.clients.forEach((client) => {
        if (client.readyState === WebSocket.OPEN) client.send(data as Buffer, { binary: isBinary });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', resolve);
  });
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('ws: no TCP address');
  return { port: address.port, connections: () => wss.clients.size };
}

async function startWebsock(port: number, host: string, publish: boolean): Promise<StartedServer> {
  const perMessageDeflate = !deflate ? false : compression === 'shared' ? { serverNoContextTakeover: true } : true;
  const server = createServer({
    port,
    host,
    perMessageDeflate,
    open(ws) {
      if (publish) ws.subscribe(TOPIC);
    },
    message(_ws, data, isBinary) {
      if (publish) server.publish(TOPIC, data, isBinary);
      else for (const client of server.clients) client.send(data, isBinary);
    },
  });
  const address = await server.listen();
  return { port: address.port, connections: () => server.clients.size };
}

await runServer(`fanout-${impl}`, async ({ port, host }) => {
  const started =
    impl === 'ws-loop'
      ? await startWs(port, host)
      : impl === 'websock-loop' || impl === 'websock-publish'
        ? await startWebsock(port, host, impl === 'websock-publish')
        : undefined;
  if (!started) throw new RangeError(`--impl must be ws-loop, websock-loop or websock-publish, got ${impl}`);
  return { ...started, info: { impl, compression } };
});
