// `node dist/cli.js [--port 8080] [--host 127.0.0.1]` (or PORT/HOST in the environment).

import { startChat } from './server.js';

function option(name: string, env: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return (at >= 0 ? process.argv[at + 1] : undefined) ?? process.env[env] ?? fallback;
}

const port = Number(option('--port', 'PORT', '8080'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be an integer in 0..65535\n`);
  process.exit(2);
}
const chat = await startChat({ port, host: option('--host', 'HOST', '127.0.0.1') });
process.stdout.write(`chat on ${chat.url} (WebSocket at ${chat.url.replace(/^http/, 'ws')}ws)\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    chat.close().then(() => process.exit(0));
  });
}
