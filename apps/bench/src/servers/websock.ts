// websock, configured as an application would: one handler object, echo in `message`, defaults otherwise
// (the default message size limit, 64 MiB, is far above the largest workload's 1 MiB).

import { createServer } from '@websock/server';
import { runServer } from '../lib/server-harness.js';

await runServer('websock', async ({ port, host, deflate }) => {
  const server = createServer({
    port,
    host,
    // Hook for the permessage-deflate workload (`--workloads deflate-16k`): passed only when asked
    // for, so the default run does not depend on the option existing yet.
    ...(deflate ? { perMessageDeflate: true } : {}),
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  });
  const address = await server.listen();
  return { port: address.port, connections: () => server.clients.size };
});
