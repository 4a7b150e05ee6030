// One `@websock/server` node in its own process, with a Redis adapter. Bundled by
// test/support/child-process.ts (buildChildScript('child-server')) and driven over IPC by
// test/support/server-nodes.ts.
//
// A WebSocket client of this server:
// - `?sub=a,b` subscribes it to those topics in `open`, before the greeting;
// - gets a greeting first: `!hello <pid> <subscribed topics>`;
// - sends `!sub <topic>` / `!unsub <topic>`: the server (un)subscribes it;
// - sends `!ping <n>`: answered `!pong <n>` once everything it sent before is handled;
// - sends anything else: published with `ws.publish` to the topic of `?pub=<topic>`.
import { createServer, type ServerWebSocket } from '@websock/server';
import { createRedisAdapter, type RedisAdapterOptions } from '../../src';

type Command = { op: 'settled'; id: number } | { op: 'publish'; topic: string; text: string } | { op: 'close' };
interface Data {
  pub: string | undefined;
  sub: string[];
}

const send = (event: object) => process.send!(event);

const cluster = process.env.REDIS_CLUSTER;
const options: RedisAdapterOptions = cluster
  ? { cluster: { rootNodes: cluster.split(',').map((url) => ({ url })) } }
  : { url: process.env.REDIS_URL! };
const adapter = createRedisAdapter({
  ...options,
  reconnect: { minDelay: 20, maxDelay: 200 },
  onStateChange: (state) => send({ event: 'state', state }),
  onPublishError: (topic, error) => send({ event: 'publishError', topic, code: error.code }),
  onError: (error) => send({ event: 'error', message: String(error) }),
});

const server = createServer<Data>({
  adapter,
  upgrade(request) {
    const query = new URL(request.url ?? '/', 'ws://x').searchParams;
    return { pub: query.get('pub') ?? undefined, sub: query.get('sub')?.split(',').filter(Boolean) ?? [] };
  },
  open(ws) {
    for (const topic of ws.data.sub) ws.subscribe(topic);
    ws.send(`!hello ${process.pid} ${ws.data.sub.join(',')}`);
  },
  close() {
    // The server leaves the connection's topics right after this returns, in the same turn:
    // a `settled` asked after this event has arrived covers those unsubscriptions.
    send({ event: 'closed' });
  },
  message(ws, data, isBinary) {
    if (!isBinary && data[0] === 0x21 /* ! */) command(ws, data.toString());
    else if (ws.data.pub !== undefined) ws.publish(ws.data.pub, data, isBinary);
  },
});

function command(ws: ServerWebSocket<Data>, text: string): void {
  const [verb, arg = ''] = text.slice(1).split(' ');
  if (verb === 'sub') ws.subscribe(arg);
  else if (verb === 'unsub') ws.unsubscribe(arg);
  else if (verb === 'ping') ws.send(`!pong ${arg}`);
}

process.on('message', (message: Command) => {
  if (message.op === 'settled') {
    adapter.settled().then(() => send({ event: 'settled', id: message.id, topics: adapter.topics.size }));
  } else if (message.op === 'publish') {
    server.publish(message.topic, message.text);
  } else if (message.op === 'close') {
    server.close().then(() => process.exit(0));
  }
});

const { port } = await server.listen();
send({ event: 'listening', port });
