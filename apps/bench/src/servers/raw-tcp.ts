// TCP echo: the ceiling for any server written on node:net. No framing, no parsing: bytes in, bytes out.

import { createServer } from 'node:net';
import { runServer } from '../lib/server-harness.js';

await runServer('raw-tcp', async ({ port, host }) => {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    // Load generators reset connections when they are done; that is not a server failure.
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('raw-tcp: no TCP address');
  return {
    port: address.port,
    // TCP connections, upgraded or not: this server keeps no list of its own.
    connections: () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
  };
});
