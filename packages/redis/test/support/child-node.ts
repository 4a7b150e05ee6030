// One node in its own process: an adapter driven by JSON lines on stdin, reporting on
// stdout. Bundled by test/support/child-process.ts with tsup before the test runs.
import { createInterface } from 'node:readline';
import { createRedisAdapter } from '../../src';

type Command =
  | { op: 'subscribe' | 'unsubscribe'; topic: string }
  | { op: 'publish'; topic: string; text: string; isBinary: boolean }
  | { op: 'settled' | 'close' };

const send = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

const adapter = createRedisAdapter({
  url: process.env.REDIS_URL!,
  reconnect: { minDelay: 20, maxDelay: 200 },
  onStateChange: (state) => send({ event: 'state', state }),
  onPublishError: (topic, error) => send({ event: 'publishError', topic, code: error.code }),
  onError: (error) => send({ event: 'error', message: String(error) }),
});
adapter.attach((topic, data, isBinary) => send({ event: 'deliver', topic, text: decoder.decode(data), isBinary }));

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  switch (command.op) {
    case 'subscribe':
      adapter.subscribe(command.topic);
      break;
    case 'unsubscribe':
      adapter.unsubscribe(command.topic);
      break;
    case 'publish':
      adapter.publish(command.topic, encoder.encode(command.text), command.isBinary);
      break;
    case 'settled':
      adapter.settled().then(() => send({ event: 'settled' }));
      break;
    case 'close':
      adapter.close().then(() => process.exit(0));
      break;
  }
});
