// Several adapters in this process against a real 3-master Redis Cluster (sharded pub/sub).
import { createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisAdapterOptions } from '../src';
import { churn, exchangeAndCheck, payload, publishMarker, TestNode } from './support/nodes';
import { pubsubChannels, type RedisFixture, startRedisCluster } from './support/redis-servers';

let fixture: RedisFixture;
let cluster: RedisAdapterOptions['cluster'];
const nodes: TestNode[] = [];

function node(name: string): TestNode {
  const created = new TestNode(name, { cluster: cluster! });
  nodes.push(created);
  return created;
}

beforeAll(async () => {
  fixture = await startRedisCluster(3);
  cluster = { rootNodes: [{ url: fixture.servers[0]!.url }] };
}, 60_000);
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.adapter.close()));
});
afterAll(async () => {
  await fixture?.stop();
});

const ports = () => fixture.servers.map((s) => s.port);

describe('Redis Cluster, sharded pub/sub', () => {
  it('delivers every publish to every other node exactly once, in order, typed, never echoed', async () => {
    const all = [node('a'), node('b'), node('c')];
    await Promise.all(all.map((n) => n.adapter.ready()));
    const topics = Array.from({ length: 12 }, (_, i) => `topic-${i}`);
    await exchangeAndCheck(all, topics, 20, (topic, text) =>
      publishMarker(undefined, `websock:${topic}`, text, cluster),
    );
    expect(all.flatMap((n) => [...n.publishErrors, ...n.errors])).toEqual([]);
  });

  it('spreads the topics over the shards with SSUBSCRIBE, not SUBSCRIBE', async () => {
    const a = node('a');
    await a.adapter.ready();
    const topics = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
    for (const topic of topics) a.adapter.subscribe(topic);
    await a.adapter.settled();
    const perNode = await Promise.all(ports().map((port) => pubsubChannels(port, true)));
    expect(perNode.every((channels) => channels.length > 0)).toBe(true);
    expect(perNode.flat().sort()).toEqual(topics.map((t) => `websock:${t}`).sort());
    const plain = await Promise.all(ports().map((port) => pubsubChannels(port, false)));
    expect(plain.flat()).toEqual([]);
    // Each channel lives on the shard that owns its slot: SPUBLISH from a plain cluster client reaches it.
    const client = createCluster(cluster!);
    await client.connect();
    await client.sPublish('websock:spread-7', 'x');
    await client.close();
    await a.until(() => a.errors.length === 1, 'the foreign message to be reported');
    for (const topic of topics) a.adapter.unsubscribe(topic);
    await a.adapter.settled();
  });

  it('leaves no shard channel behind after 10,000 changes across 1,000 topics', async () => {
    const [a, b] = [node('a'), node('b')];
    await Promise.all([a.adapter.ready(), b.adapter.ready()]);
    await churn([a, b], ...ports());
    b.adapter.subscribe('last');
    await b.adapter.settled();
    a.adapter.publish('last', payload('one more'), false);
    await b.until(() => b.received('one more').length === 1);
  });
});
