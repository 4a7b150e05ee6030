// Nodes in child processes. Node 20 cannot run TypeScript, and tests never need a build
// of the package: so the child script is bundled once with tsup (the project's own
// bundler) with the package's source inlined and `redis` left external, into this
// package's node_modules/.cache, from where Node resolves `redis` as the package does.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import type { RedisAdapterState } from '../../src';
import type { Delivery, NodeLike } from './nodes';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const outDir = fileURLToPath(new URL('../../node_modules/.cache/websock-redis-test', import.meta.url));

/** Bundles test/support/child-node.ts; returns the path of the script to run. */
export async function buildChildScript(): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    config: false,
    entry: { 'child-node': fileURLToPath(new URL('./child-node.ts', import.meta.url)) },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: false,
    silent: true,
    clean: false,
    external: ['redis'],
    noExternal: ['@websock/utf8'],
    esbuildOptions(options) {
      options.alias = { '@websock/utf8': fileURLToPath(new URL('../../../utf8/src/index.ts', import.meta.url)) };
      options.absWorkingDir = packageDir;
    },
  });
  return `${outDir}/child-node.js`;
}

interface ChildEvent {
  event: 'state' | 'deliver' | 'publishError' | 'error' | 'settled';
  state?: RedisAdapterState;
  topic?: string;
  text?: string;
  isBinary?: boolean;
  code?: string;
  message?: string;
}

export class ChildNode implements NodeLike {
  readonly name: string;
  readonly deliveries: Delivery[] = [];
  readonly states: RedisAdapterState[] = [];
  readonly errors: string[] = [];
  readonly #child: ChildProcess;
  readonly #checks = new Set<() => void>();
  #settledCount = 0;
  readonly adapter: NodeLike['adapter'];

  constructor(name: string, script: string, redisUrl: string) {
    this.name = name;
    this.#child = spawn(process.execPath, [script], {
      env: { ...process.env, REDIS_URL: redisUrl },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#onEvent(JSON.parse(line)));
    const command = (value: object) => this.#child.stdin!.write(`${JSON.stringify(value)}\n`);
    this.adapter = {
      subscribe: (topic) => command({ op: 'subscribe', topic }),
      unsubscribe: (topic) => command({ op: 'unsubscribe', topic }),
      publish: (topic, data, isBinary) =>
        command({ op: 'publish', topic, text: new TextDecoder().decode(data), isBinary }),
      settled: () => {
        const target = ++this.#settledCount;
        command({ op: 'settled' });
        return this.until(() => this.#settled >= target, 'settled');
      },
    };
  }

  #settled = 0;

  #onEvent(event: ChildEvent): void {
    if (event.event === 'deliver') {
      this.deliveries.push({ topic: event.topic!, text: event.text!, isBinary: event.isBinary! });
    } else if (event.event === 'state') this.states.push(event.state!);
    else if (event.event === 'settled') this.#settled++;
    else this.errors.push(`${event.event}: ${event.code ?? event.message}`);
    for (const check of [...this.#checks]) check();
  }

  until(condition: () => boolean, what = 'condition'): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const failure = new Error(`${this.name}: still waiting for ${what}`);
      const check = () => {
        if (!condition()) return;
        this.#checks.delete(check);
        clearTimeout(guard);
        resolve();
      };
      const guard = setTimeout(() => {
        this.#checks.delete(check);
        reject(failure);
      }, 15_000);
      this.#checks.add(check);
    });
  }

  received(prefix: string): Delivery[] {
    return this.deliveries.filter((d) => d.text.startsWith(prefix));
  }

  /** Asks the child to close its adapter and exit; kills it if it does not. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin!.write(`${JSON.stringify({ op: 'close' })}\n`);
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(guard);
  }
}
