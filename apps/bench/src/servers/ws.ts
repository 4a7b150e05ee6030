// The `ws` library with its defaults, as most Node applications run it. The driver starts it twice:
// with WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1 (pure JavaScript) and without (native addons, when they load).

import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import { runServer } from '../lib/server-harness.js';

/** Which optional addons `ws` itself will pick up: resolved from ws's own location, honouring its env switches. */
function loadedAddons(): string {
  const fromWs = createRequire(createRequire(import.meta.url).resolve('ws'));
  const found: string[] = [];
  const probe = (name: string, disabledBy: string) => {
    if (process.env[disabledBy]) return;
    try {
      fromWs(name);
      found.push(name);
    } catch {
      // Not installed or no prebuilt binary for this platform: ws falls back to JavaScript.
    }
  };
  probe('bufferutil', 'WS_NO_BUFFER_UTIL');
  probe('utf-8-validate', 'WS_NO_UTF_8_VALIDATE');
  return found.length > 0 ? found.join('+') : 'none';
}

await runServer('ws', async ({ port, host, deflate }) => {
  const wss = new WebSocketServer({ port, host, perMessageDeflate: deflate });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    ws.on('error', () => ws.terminate());
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', resolve);
  });
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('ws: no TCP address');
  return { port: address.port, info: { addons: loadedAddons() }, connections: () => wss.clients.size };
});
