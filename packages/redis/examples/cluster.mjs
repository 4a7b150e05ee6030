// A chat room served by one worker per core, all on port 9001, with Redis carrying each
// publish to the other workers (and to other machines running the same script).
//
//   redis-server --port 6379 --save '' --appendonly no
//   node examples/cluster.mjs                  # after `pnpm build`
//
// Environment: PORT (9001), REDIS_URL (redis://127.0.0.1:6379), WORKERS (one per core).
// Each client is greeted with `worker <pid>` once its subscription has reached Redis;
// what it sends goes to everyone else in the room, whichever worker serves them.
// `kill <primary pid>` (SIGTERM) closes every worker's server and Redis connections, then exits.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createRedisAdapter } from '@websock/redis';
import { createServer, ReadyState } from '@websock/server';

const port = Number(process.env.PORT ?? 9001);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (cluster.isPrimary) {
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  let stopping = false;
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', () => {
    if (++listening === workers) console.log(`ws://127.0.0.1:${port}: ${workers} workers, topics over ${url}`);
  });
  // A worker that dies is replaced; its clients reconnect to the others meanwhile.
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.log(`worker ${worker.process.pid} exited (${signal ?? code}), starting another`);
    cluster.fork();
  });
  process.once('SIGTERM', () => {
    stopping = true;
    const running = Object.values(cluster.workers ?? {});
    let left = running.length;
    if (left === 0) process.exit(0);
    for (const worker of running) {
      worker.once('exit', () => --left === 0 && process.exit(0));
      worker.process.kill('SIGTERM');
    }
  });
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
      // Redis has this worker's subscription to `chat` once settled: from then on the
      // client gets what is published on every worker.
      adapter.settled().then(() => {
        if (ws.readyState === ReadyState.OPEN) ws.send(`worker ${process.pid}`);
      });
    },
    message(ws, data, isBinary) {
      // Delivered here to this worker's other subscribers, then by Redis to every other worker's.
      ws.publish('chat', data, isBinary);
    },
  });
  await server.listen();
  process.once('SIGTERM', async () => {
    await server.close(); // closes the adapter's Redis connections too
    process.exit(0);
  });
}
