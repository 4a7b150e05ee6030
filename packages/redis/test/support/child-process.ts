// Nodes in child processes. Node 20 cannot run TypeScript, and tests never need a build
// of the package: so the child script is bundled once with tsup (the project's own
// bundler) with the workspace packages' source inlined and `redis` left external, into this
// package's node_modules/.cache, from where Node resolves `redis` as the package does.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import type { RedisAdapterState } from '../../src';
import { Conditions } from './conditions.js';
import type { Delivery, NodeLike } from './nodes';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const outDir = fileURLToPath(new URL('../../node_modules/.cache/websock-redis-test', import.meta.url));

// Every workspace package, resolved to its source as in the root vitest.config.ts.
const packagesDir = fileURLToPath(new URL('../../..', import.meta.url));
function workspaceAliases(): Record<string, string> {
  const alias: Record<string, string> = {};
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    const dir = join(packagesDir, entry.name);
    if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    const node = join(dir, 'src/node.ts');
    const index = join(dir, 'src/index.ts');
    if (existsSync(node) || existsSync(index)) alias[name] = existsSync(node) ? node : index;
  }
  return alias;
}

/**
 * Bundles a script of this package (default test/support/child-node.ts) into one file with
 * every `@websock/*` package inlined from source and `redis` left external; returns its path.
 */
export async function buildChildScript(
  name = 'child-node',
  entry = fileURLToPath(new URL(`./${name}.ts`, import.meta.url)),
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const alias = workspaceAliases();
  // A name of its own per build: test files running at once never read each other's half-written bundle.
  const output = `${name}-${randomBytes(4).toString('hex')}`;
  await build({
    config: false,
    entry: { [output]: entry },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: false,
    silent: true,
    clean: false,
    external: ['redis'],
    noExternal: Object.keys(alias),
    esbuildOptions(options) {
      options.alias = alias;
      options.absWorkingDir = packageDir;
    },
  });
  return `${outDir}/${output}.js`;
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
  readonly #conditions: Conditions;
  #settledCount = 0;
  readonly adapter: NodeLike['adapter'];

  constructor(name: string, script: string, redisUrl: string) {
    this.name = name;
    this.#conditions = new Conditions(`${name}: `, 15_000);
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
    this.#conditions.poke();
  }

  until(condition: () => boolean, what = 'condition'): Promise<void> {
    return this.#conditions.until(condition, what);
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
