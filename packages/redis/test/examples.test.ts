// examples/cluster.mjs, run as it is (bundled with the workspace's source, like the other
// child scripts): node:cluster workers sharing one port, fanned out through a real Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChildScript } from './support/child-process';
import { freePort, type RedisFixture, type RedisServer, startRedis } from './support/redis-servers';
import { Client } from './support/server-nodes';

let fixture: RedisFixture & { server: RedisServer };
let script: string;
let example: ChildProcess | undefined;
const clients: Client[] = [];

beforeAll(async () => {
  const entry = fileURLToPath(new URL('../examples/cluster.mjs', import.meta.url));
  [fixture, script] = await Promise.all([startRedis(), buildChildScript('cluster-example', entry)]);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  if (example?.exitCode === null && example.signalCode === null) {
    const exited = once(example, 'exit');
    example.kill('SIGKILL');
    await exited;
  }
  await fixture?.stop();
});

/** Starts the example and resolves once its primary says every worker listens. */
async function startExample(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: String(port), REDIS_URL: fixture.server.url, WORKERS: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  example = child;
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('examples/cluster.mjs did not start')), 20_000);
    child.once('exit', (code) => reject(new Error(`examples/cluster.mjs exited (${code})`)));
    lines.on('line', (line) => {
      if (!line.startsWith(`ws://127.0.0.1:${port}: 2 workers`)) return;
      clearTimeout(guard);
      resolve();
    });
  });
  return child;
}

describe('examples/cluster.mjs', () => {
  it('runs workers on one port, and a message sent to one worker reaches a client of another', async () => {
    const port = await freePort();
    const child = await startExample(port);
    // node:cluster hands connections out round-robin: a few are enough to meet both workers.
    const pids = new Set<number>();
    for (let i = 0; i < 20 && pids.size < 2; i++) {
      const client = await Client.open(`ws://127.0.0.1:${port}/`, `client${i}`);
      clients.push(client);
      pids.add(client.serverPid);
    }
    expect(pids.size).toBe(2);
    const sender = clients[0]!;
    const others = clients.filter((client) => client.serverPid !== sender.serverPid);
    const sameWorker = clients.filter((client) => client !== sender && client.serverPid === sender.serverPid);
    sender.send('hello, room');
    sender.send(new TextEncoder().encode('binary hello'));
    for (const client of [...others, ...sameWorker]) {
      await client.until(() => client.received.length === 2, 'the two messages');
      expect(client.received).toEqual([
        { text: 'hello, room', isBinary: false },
        { text: 'binary hello', isBinary: true },
      ]);
    }
    // Stopped by its PID: the primary stops its workers, each closes its server and Redis connections.
    await Promise.all(clients.splice(0).map((client) => client.close()));
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});
