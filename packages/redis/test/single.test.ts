// Several adapters in this process against one real redis-server (plain SUBSCRIBE/PUBLISH).
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisAdapterErrorCode, WireError } from '../src';
import { exchangeAndCheck, payload, publishMarker, TestNode } from './support/nodes';
import { pubsubChannels, type RedisServer, startRedis } from './support/redis-servers';

let fixture: Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
const nodes: TestNode[] = [];

function node(name: string, options: Parameters<typeof createNode>[1] = {}): TestNode {
  return createNode(name, options);
}
function createNode(name: string, options: ConstructorParameters<typeof TestNode>[1]): TestNode {
  const created = new TestNode(name, { url: server.url, ...options });
  nodes.push(created);
  return created;
}

beforeAll(async () => {
  fixture = await startRedis();
  server = fixture.server;
});
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.adapter.close()));
});
afterAll(async () => {
  await fixture?.stop();
});

const marker = (topic: string, text: string) => publishMarker(server.url, `websock:${topic}`, text);

describe('single Redis', () => {
  it('delivers every publish to every other node exactly once, in order, typed, never echoed', async () => {
    const all = [node('a'), node('b'), node('c')];
    await Promise.all(all.map((n) => n.adapter.ready()));
    await exchangeAndCheck(all, ['chat', 'news', 'bytes'], 40, marker);
    expect(all.flatMap((n) => [...n.publishErrors, ...n.errors])).toEqual([]);
  });

  it('subscribes in Redis only the topics with local subscribers', async () => {
    const a = node('a');
    await a.adapter.ready();
    a.adapter.subscribe('only-here');
    await a.adapter.settled();
    expect(await pubsubChannels(server.port, false)).toEqual(['websock:only-here']);
    expect([...a.adapter.topics]).toEqual(['only-here']);
    a.adapter.unsubscribe('only-here');
    await a.adapter.settled();
    expect(await pubsubChannels(server.port, false)).toEqual([]);
  });

  it('ends in the last asked state after quick subscribe/unsubscribe sequences', async () => {
    const [a, b] = [node('a'), node('b')];
    await Promise.all([a.adapter.ready(), b.adapter.ready()]);
    a.adapter.subscribe('flip');
    a.adapter.unsubscribe('flip');
    a.adapter.subscribe('flip');
    a.adapter.subscribe('flop');
    a.adapter.unsubscribe('flop');
    await a.adapter.settled();
    expect(await pubsubChannels(server.port, false)).toEqual(['websock:flip']);
    b.adapter.publish('flip', payload('after the flips'), false);
    await a.until(() => a.received('after the flips').length === 1);
  });

  it('leaves no Redis subscription behind after 10,000 changes across 1,000 topics', async () => {
    const [a, b] = [node('a'), node('b')];
    await Promise.all([a.adapter.ready(), b.adapter.ready()]);
    await churn([a, b], server.port);
  });

  it('drops and reports publishes past maxPendingPublishes instead of queueing them', async () => {
    const a = node('a', { maxPendingPublishes: 2 });
    await a.adapter.ready();
    for (let i = 0; i < 5; i++) a.adapter.publish('t', payload(`m${i}`), false);
    expect(a.publishErrors.map((e) => e.code)).toEqual(Array(3).fill(RedisAdapterErrorCode.TooManyPending));
    expect(a.publishErrors.every((e) => e.topic === 't')).toBe(true);
  });

  it('reports a foreign message it cannot decode, and keeps delivering', async () => {
    const [a, b] = [node('a'), node('b')];
    await Promise.all([a.adapter.ready(), b.adapter.ready()]);
    a.adapter.subscribe('mixed');
    await a.adapter.settled();
    const client = createClient({ url: server.url });
    await client.connect();
    await client.publish('websock:mixed', 'not a wire message');
    await client.close();
    b.adapter.publish('mixed', payload('still fine'), true);
    await a.until(() => a.received('still fine').length === 1);
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]).toBeInstanceOf(WireError);
  });
});

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
