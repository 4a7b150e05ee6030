// A chat room served by one worker per core, all on port 9001, with Redis carrying each
// publish to the other workers (and to other machines running the same script).
//
//   redis-server --port 6379 --save '' --appendonly no
//   node examples/cluster.mjs                  # REDIS_URL=redis://host:6379 to point elsewhere
//
// Needs @websock/server with topics and its `adapter` option.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createRedisAdapter } from '@websock/redis';
import { createServer } from '@websock/server';

const port = Number(process.env.PORT ?? 9001);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (cluster.isPrimary) {
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies is replaced; its clients reconnect to the others meanwhile.
  cluster.on('exit', (worker, code, signal) => {
    console.log(`worker ${worker.process.pid} exited (${signal ?? code}), starting another`);
    cluster.fork();
  });
  console.log(`ws://127.0.0.1:${port}: ${workers} workers, topics over ${url}`);
} else {
  const adapter = createRedisAdapter({
    url,
    onStateChange: (state) => console.log(`worker ${process.pid}: redis ${state}`),
    onPublishError: (topic, error) => console.warn(`worker ${process.pid}: not forwarded (${topic}): ${error.code}`),
  });
  const server = createServer({
    port, // node:cluster shares the listening socket among the workers
    adapter,
    open(ws) {
      ws.subscribe('chat');
    },
    message(ws, data, isBinary) {
      // Delivered here to this worker's subscribers, then by Redis to every other worker's.
      ws.publish('chat', data, isBinary);
    },
  });
  await server.listen();
  process.once('SIGTERM', async () => {
    await server.close(); // closes the adapter's Redis connections too
    process.exit(0);
  });
}
