// websock on one TLS port for HTTP/1.1 and HTTP/2 alike (the HTTP/2 bench, src/lib/http2-bench.ts):
// `createServer({ tls, http2: true })` answers wss:// upgrades over ALPN http/1.1 and RFC 8441
// extended CONNECT streams over ALPN h2 with the same certificate and TLS settings, so the
// transport is the only difference between the rows. Echo in the message handler, defaults
// otherwise. The certificate and key (PEM) come from the driver in BENCH_TLS_CERT and BENCH_TLS_KEY.

import { createServer } from '@websock/server';
import { runServer } from '../lib/server-harness.js';

const cert = process.env.BENCH_TLS_CERT;
const key = process.env.BENCH_TLS_KEY;
if (!cert || !key) throw new Error('websock-http2 needs BENCH_TLS_CERT and BENCH_TLS_KEY (PEM)');

await runServer('websock-http2', async ({ port, host }) => {
  const server = createServer({
    port,
    host,
    tls: { cert, key },
    http2: true,
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  });
  const address = await server.listen();
  return { port: address.port, connections: () => server.clients.size };
});
