// In-process "nodes": one adapter each, whose deliver records what arrives, and a way to
// await a condition on those records or on the adapter's state without sleeping.
import { createClient } from 'redis';
import { expect } from 'vitest';
import { createRedisAdapter, type RedisAdapter, type RedisAdapterOptions, type RedisAdapterState } from '../../src';
import type { RedisAdapterError } from '../../src/errors';
import { encodeWireMessage } from '../../src/wire';
import { pubsubChannels } from './redis-servers';

export interface Delivery {
  topic: string;
  text: string;
  isBinary: boolean;
}

import { Conditions } from './conditions.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Payload bytes for a test message: binary messages carry the same text, so both read back alike. */
export function payload(text: string): Uint8Array {
  return encoder.encode(text);
}

/** What the shared scenarios need from a node, in this process or in a child. */
export interface NodeLike {
  readonly name: string;
  readonly adapter: {
    subscribe(topic: string): void;
    unsubscribe(topic: string): void;
    publish(topic: string, data: Uint8Array, isBinary: boolean): void;
    settled(): Promise<void>;
  };
  until(condition: () => boolean, what?: string): Promise<void>;
  received(prefix: string): Delivery[];
}

export class TestNode implements NodeLike {
  readonly name: string;
  readonly adapter: RedisAdapter;
  readonly deliveries: Delivery[] = [];
  readonly states: RedisAdapterState[] = [];
  readonly publishErrors: RedisAdapterError[] = [];
  readonly errors: unknown[] = [];
  readonly #conditions: Conditions;

  constructor(name: string, options: RedisAdapterOptions) {
    this.name = name;
    this.#conditions = new Conditions(`${name}: `, 15_000);
    this.adapter = createRedisAdapter({
      reconnect: { minDelay: 20, maxDelay: 200 },
      ...options,
      onStateChange: (state) => {
        this.states.push(state);
        this.#poke();
      },
      onPublishError: (_topic, error) => {
        this.publishErrors.push(error);
        this.#poke();
      },
      onError: (error) => {
        this.errors.push(error);
        this.#poke();
      },
    });
    this.adapter.attach((topic, data, isBinary) => {
      this.deliveries.push({ topic, text: decoder.decode(data), isBinary });
      this.#poke();
    });
  }

  /** Resolves as soon as `condition()` holds, checked after every event this node sees. */
  until(condition: () => boolean, what = 'condition'): Promise<void> {
    return this.#conditions.until(condition, what);
  }

  untilState(state: RedisAdapterState): Promise<void> {
    return this.until(() => this.adapter.state === state, `state ${state}`);
  }

  /** Deliveries whose text starts with `prefix`. */
  received(prefix: string): Delivery[] {
    return this.deliveries.filter((d) => d.text.startsWith(prefix));
  }

  #poke(): void {
    this.#conditions.poke();
  }
}

/** Publishes a marker as a foreign node from a separate connection: once every node has it, each has had everything published before it on that topic. */
export async function publishMarker(
  url: string | undefined,
  channel: string,
  text: string,
  cluster?: RedisAdapterOptions['cluster'],
): Promise<void> {
  const message = Buffer.from(encodeWireMessage(Uint8Array.of(0xee), payload(text), false));
  if (cluster) {
    const { createCluster } = await import('redis');
    const client = createCluster(cluster);
    await client.connect();
    await client.sPublish(channel, message);
    await client.close();
    return;
  }
  const client = createClient({ url: url! });
  await client.connect();
  await client.publish(channel, message);
  await client.close();
}

/**
 * Every node subscribes to every topic, then each publishes `count` messages per topic
 * (odd ones binary). Checks that every node gets every other node's messages exactly
 * once, in each publisher's order, with their type, and never its own.
 */
export async function exchangeAndCheck(
  nodes: NodeLike[],
  topics: string[],
  count: number,
  publishMarkerOn: (topic: string, text: string) => Promise<void>,
): Promise<void> {
  for (const node of nodes) for (const topic of topics) node.adapter.subscribe(topic);
  await Promise.all(nodes.map((node) => node.adapter.settled()));
  const run = `run${Math.random().toString(36).slice(2, 8)}`;
  for (let i = 0; i < count; i++) {
    for (const node of nodes) {
      for (const topic of topics) node.adapter.publish(topic, payload(`${run}|${node.name}|${i}`), i % 2 === 1);
    }
  }
  const expected = (nodes.length - 1) * topics.length * count;
  await Promise.all(nodes.map((node) => node.until(() => node.received(run).length >= expected, 'messages')));
  for (const topic of topics) await publishMarkerOn(topic, `${run}-marker`);
  await Promise.all(
    nodes.map((node) => node.until(() => node.received(`${run}-marker`).length === topics.length, 'markers')),
  );
  for (const node of nodes) {
    const got = node.received(`${run}|`);
    if (got.length !== expected) throw new Error(`${node.name} got ${got.length} messages, expected ${expected}`);
    for (const other of nodes) {
      for (const topic of topics) {
        const seen = got
          .filter((d) => d.topic === topic && d.text.split('|')[1] === other.name)
          .map((d) => ({ i: Number(d.text.split('|')[2]), isBinary: d.isBinary }));
        const want = other === node ? [] : Array.from({ length: count }, (_, i) => ({ i, isBinary: i % 2 === 1 }));
        if (JSON.stringify(seen) !== JSON.stringify(want)) {
          throw new Error(`${node.name} from ${other.name} on ${topic}: ${JSON.stringify(seen).slice(0, 300)}`);
        }
      }
    }
  }
}

/** 10,000 random (seeded) subscribe/unsubscribe calls spread over nodes and 1,000 topics. */
export async function churn(all: TestNode[], ...ports: number[]): Promise<void> {
  const sharded = ports.length > 1;
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const wanted = all.map(() => new Set<string>());
  for (let i = 0; i < 10_000; i++) {
    const n = Math.floor(random() * all.length);
    const topic = `churn-${Math.floor(random() * 1000)}`;
    if (random() < 0.5) {
      all[n]!.adapter.subscribe(topic);
      wanted[n]!.add(topic);
    } else {
      all[n]!.adapter.unsubscribe(topic);
      wanted[n]!.delete(topic);
    }
  }
  await Promise.all(all.map((n) => n.adapter.settled()));
  const expected = new Set(wanted.flatMap((set) => [...set].map((topic) => `websock:${topic}`)));
  const channels = async () => (await Promise.all(ports.map((p) => pubsubChannels(p, sharded)))).flat().sort();
  expect(await channels()).toEqual([...expected].sort());
  all.forEach((n, i) => {
    for (const topic of wanted[i]!) n.adapter.unsubscribe(topic);
  });
  await Promise.all(all.map((n) => n.adapter.settled()));
  expect(await channels()).toEqual([]);
  expect(all.flatMap((n) => n.errors)).toEqual([]);
}
