// websock, configured as an application would: one handler object, echo in `message`, defaults otherwise
// (the default message size limit, 64 MiB, is far above the largest workload's 1 MiB).
// WEBSOCK_BENCH_DEFLATE (JSON) replaces the permessage-deflate options for an A/B run, e.g.
// WEBSOCK_BENCH_DEFLATE='{"level":6}'.

import { createServer } from '@websock/server';
import { runServer } from '../lib/server-harness.js';

function deflateOptions(): true | Record<string, unknown> {
  const json = process.env.WEBSOCK_BENCH_DEFLATE;
  return json === undefined || json === '' ? true : (JSON.parse(json) as Record<string, unknown>);
}

await runServer('websock', async ({ port, host, deflate }) => {
  const server = createServer({
    port,
    host,
    // Only for the permessage-deflate workloads, which ask for it.
    ...(deflate ? { perMessageDeflate: deflateOptions() } : {}),
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  });
  const address = await server.listen();
  return { port: address.port, connections: () => server.clients.size };
});
