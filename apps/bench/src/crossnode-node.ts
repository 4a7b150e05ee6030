// A server process of the cross-node fan-out bench (src/crossnode.ts): `@websock/server` with
// topics, and with a Redis adapter when REDIS_URL is set (without it: the single-process
// figure). Every connection subscribes to `bench` unless its URL has `pub=1`; whatever a
// connection sends is published to `bench` with ws.publish. Prints
// `ready crossnode-node port=<port> pid=<pid>`; answers `settled`, `cpu` and `stop` over IPC.
import { createRedisAdapter } from '@websock/redis';
import { createServer } from '@websock/server';

interface Request {
  id: number;
  type: 'settled' | 'cpu' | 'stop';
}

const url = process.env.REDIS_URL;
const adapter = url
  ? createRedisAdapter({ url, onError: (error) => console.error(`crossnode-node ${process.pid}: ${error}`) })
  : undefined;
const server = createServer<{ publisher: boolean }>({
  ...(adapter ? { adapter } : {}),
  upgrade: (request) => ({ publisher: (request.url ?? '').includes('pub=1') }),
  open(ws) {
    if (!ws.data.publisher) ws.subscribe('bench');
  },
  message(ws, data, isBinary) {
    ws.publish('bench', data, isBinary);
  },
});

const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('disconnect', stop);
process.on('message', async (request: Request) => {
  if (request.type === 'settled') {
    await adapter?.settled();
    process.send?.({ id: request.id });
  } else if (request.type === 'cpu') {
    process.send?.({ id: request.id, cpu: process.cpuUsage() });
  } else if (request.type === 'stop') {
    await stop();
  }
});

const { port } = await server.listen();
await adapter?.ready();
console.log(`ready crossnode-node port=${port} pid=${process.pid}`);
