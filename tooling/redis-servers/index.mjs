// Real redis-server processes for tests and benchmarks (@websock/redis, apps/bench): on free
// loopback ports, in a temp dir, with no persistence. Each user starts its own and stops exactly
// the PIDs it started. Plain JavaScript, so that Node, vitest and tsup all take it as it is.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** A port the kernel just handed out on 127.0.0.1 (free when returned). */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}
/** One running redis-server. */
export class RedisServer {
  port;
  #args;
  #dir;
  #process;
  constructor(port, dir, extraArgs = []) {
    this.port = port;
    this.#dir = dir;
    this.#args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.#args.push('--dir', dir, '--logfile', '', '--loglevel', 'notice', ...extraArgs);
  }
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  get pid() {
    return this.#process?.pid;
  }
  /** Starts the process and resolves once it logs that it accepts connections. */
  async start() {
    if (this.#process) throw new Error(`redis-server on ${this.port} is already running`);
    const child = spawn('redis-server', this.#args, { cwd: this.#dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    let log = '';
    await new Promise((resolve, reject) => {
      const onData = (chunk) => {
        log += chunk.toString();
        if (log.includes('Ready to accept connections')) {
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.resume();
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server on ${this.port} exited (${code}):\n${log}`)));
    });
  }
  /** SIGKILL (a crash, not a shutdown), and waits until the process is gone. */
  async kill() {
    const child = this.#process;
    if (!child) return;
    this.#process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
async function redisCli(port, ...args) {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}
async function startServers(count, extraArgs) {
  const root = await mkdtemp(join(tmpdir(), 'websock-redis-'));
  const servers = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const dir = await mkdtemp(join(root, 'node-'));
      const server = new RedisServer(await freePort(), dir, await extraArgs(dir));
      servers.push(server);
      await server.start();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { servers, stop };
}
/** One plain redis-server. */
export async function startRedis() {
  const fixture = await startServers(1, async () => []);
  return { ...fixture, server: fixture.servers[0] };
}
/**
 * A Redis Cluster of `masters` masters and no replicas, ready (`cluster_state:ok` on
 * every node). The bus ports are picked free too, not left at port + 10000.
 */
export async function startRedisCluster(masters = 3) {
  const fixture = await startServers(masters, async () => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-port',
    String(await freePort()),
    '--cluster-node-timeout',
    '5000',
  ]);
  try {
    const addresses = fixture.servers.map((server) => `127.0.0.1:${server.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    for (const server of fixture.servers) await waitForClusterOk(server.port);
  } catch (error) {
    await fixture.stop();
    throw error;
  }
  return fixture;
}
// Cluster state spreads by gossip: there is no event to await, so ask each node until it
// says ok. Each try is a redis-cli round trip; the deadline only guards against a hang.
async function waitForClusterOk(port, deadlineMs = 15_000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const info = await redisCli(port, 'CLUSTER', 'INFO');
    if (info.includes('cluster_state:ok')) return;
    if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok in ${deadlineMs} ms:\n${info}`);
  }
}
/** PUBSUB CHANNELS (or SHARDCHANNELS) of one server, from a separate redis-cli connection. */
export async function pubsubChannels(port, sharded, pattern = '*') {
  const out = await redisCli(port, 'PUBSUB', sharded ? 'SHARDCHANNELS' : 'CHANNELS', pattern);
  return out.split('\n').filter((line) => line !== '');
}
