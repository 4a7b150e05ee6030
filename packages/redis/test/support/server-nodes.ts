// `@websock/server` nodes in child processes (test/support/child-server.ts) and `ws`
// clients of them: every wait is on an event (IPC message, WebSocket message), with a
// timeout only as a guard against a hang.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import WebSocket from 'ws';
import type { RedisAdapterState } from '../../src';
import { Conditions } from './conditions.js';

interface ChildEvent {
  event: 'listening' | 'state' | 'settled' | 'closed' | 'publishError' | 'error';
  port?: number;
  state?: RedisAdapterState;
  id?: number;
  topics?: number;
  code?: string;
  message?: string;
}

/** Where a child server finds Redis: one URL, or a cluster's root nodes. */
export type RedisTarget = { url: string } | { cluster: string[] };

export function redisEnv(target: RedisTarget): Record<string, string> {
  return 'url' in target ? { REDIS_URL: target.url } : { REDIS_CLUSTER: target.cluster.join(',') };
}

export class ServerNode {
  readonly name: string;
  readonly states: RedisAdapterState[] = [];
  readonly publishErrors: string[] = [];
  readonly errors: string[] = [];
  port = 0;
  /** Connections whose close the server has handled (their topics left). */
  closed = 0;
  readonly #child: ChildProcess;
  readonly #conditions = new Conditions();
  readonly #settled = new Map<number, number>();
  #nextId = 0;

  constructor(name: string, script: string, target: RedisTarget) {
    this.name = name;
    this.#child = spawn(process.execPath, [script], {
      env: { ...process.env, ...redisEnv(target) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (event: ChildEvent) => this.#onEvent(event));
    this.#child.on('exit', () => this.#conditions.poke());
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get exited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  get state(): RedisAdapterState | undefined {
    return this.states.at(-1);
  }

  #onEvent(event: ChildEvent): void {
    if (event.event === 'listening') this.port = event.port!;
    else if (event.event === 'state') this.states.push(event.state!);
    else if (event.event === 'settled') this.#settled.set(event.id!, event.topics!);
    else if (event.event === 'closed') this.closed++;
    else if (event.event === 'publishError') this.publishErrors.push(event.code!);
    else this.errors.push(event.message!);
    this.#conditions.poke();
  }

  until(condition: () => boolean, what: string): Promise<void> {
    return this.#conditions.until(() => {
      if (this.exited) throw new Error(`${this.name} exited`);
      return condition();
    }, `${this.name}: ${what}`);
  }

  /** Listening and connected to Redis. */
  async started(): Promise<void> {
    await this.until(() => this.port !== 0 && this.state === 'connected', 'listening and connected');
  }

  /** Resolves once Redis acknowledged every subscription change the server asked so far; with the adapter's topic count. */
  async settled(): Promise<number> {
    const id = ++this.#nextId;
    this.#child.send({ op: 'settled', id });
    await this.until(() => this.#settled.has(id), 'settled');
    return this.#settled.get(id)!;
  }

  /** `server.publish` in the child (text). */
  serverPublish(topic: string, text: string): void {
    this.#child.send({ op: 'publish', topic, text });
  }

  connect(query: string): Promise<Client> {
    return Client.open(`ws://127.0.0.1:${this.port}/?${query}`, this.name);
  }

  /** Asks the child to close its server (and adapter) and exit; kills it by its PID if it does not. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (this.exited) return;
    const exited = once(child, 'exit');
    child.send({ op: 'close' });
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(guard);
  }
}

export interface Received {
  text: string;
  isBinary: boolean;
}

/** A `ws` client: records every message after the greeting. */
export class Client {
  readonly name: string;
  readonly received: Received[] = [];
  greeting = '';
  readonly #socket: WebSocket;
  readonly #conditions = new Conditions();
  #closed = false;
  #pings = 0;

  private constructor(socket: WebSocket, name: string) {
    this.#socket = socket;
    this.name = name;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const text = data.toString();
      if (this.greeting === '') this.greeting = text;
      else this.received.push({ text, isBinary });
      this.#conditions.poke();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#conditions.poke();
    });
  }

  /** Opens and waits for the greeting, sent after the `?sub=` subscriptions are made. */
  static async open(url: string, name: string): Promise<Client> {
    const socket = new WebSocket(url);
    const client = new Client(socket, name);
    await client.until(() => client.greeting !== '', 'greeting');
    return client;
  }

  /** The worker/process that served this connection, from the greeting. */
  get serverPid(): number {
    return Number(this.greeting.split(' ')[1]);
  }

  until(condition: () => boolean, what: string): Promise<void> {
    return this.#conditions.until(() => {
      if (this.#closed && !condition()) throw new Error(`${this.name}: closed while waiting for ${what}`);
      return condition();
    }, `${this.name} client: ${what}`);
  }

  send(data: string | Uint8Array): void {
    this.#socket.send(data, { binary: typeof data !== 'string' });
  }

  /** Resolves once the server has handled everything this client sent before. */
  async ping(): Promise<void> {
    const n = ++this.#pings;
    this.send(`!ping ${n}`);
    await this.until(() => this.received.some((r) => r.text === `!pong ${n}`), `pong ${n}`);
  }

  /** Messages whose text starts with `prefix`. */
  messages(prefix: string): Received[] {
    return this.received.filter((r) => r.text.startsWith(prefix));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#socket.close();
    await this.until(() => this.#closed, 'close');
  }
}
