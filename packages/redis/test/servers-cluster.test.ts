// End to end on a 3-master Redis Cluster (sharded pub/sub): three `@websock/server`
// processes, each with its own port and its own Redis adapter, and `ws` clients on each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChildScript } from './support/child-process';
import { pubsubChannels, type RedisFixture, startRedisCluster } from './support/redis-servers';
import type { ServerNode } from './support/server-nodes';
import {
  churnThroughServers,
  closeAudience,
  connectAudience,
  publishAndCheck,
  startNodes,
} from './support/server-scenarios';

let fixture: RedisFixture;
let script: string;
const nodes: ServerNode[] = [];

beforeAll(async () => {
  [fixture, script] = await Promise.all([startRedisCluster(3), buildChildScript('child-server')]);
  // Each server knows one root node; node-redis discovers the others.
  const roots = fixture.servers.map((server) => server.url);
  nodes.push(...(await startNodes(script, { cluster: [roots[0]!] }, ['A', 'B'])));
  nodes.push(...(await startNodes(script, { cluster: [roots[1]!, roots[2]!] }, ['C'])));
}, 60_000);
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  await fixture?.stop();
});

const shardChannels = async () =>
  (await Promise.all(fixture.servers.map((server) => pubsubChannels(server.port, true, 'websock:*')))).flat();

describe('three servers on a 3-master Redis Cluster', () => {
  it('every subscriber on every node gets every publish exactly once, in order, typed', async () => {
    const audience = await connectAudience(nodes);
    const perShard = await Promise.all(fixture.servers.map((server) => pubsubChannels(server.port, true)));
    expect(perShard.flat().sort()).toEqual(['websock:news', 'websock:room']);
    await publishAndCheck(audience, 'fan', 50);
    await closeAudience(audience, nodes);
    expect(await shardChannels()).toEqual([]);
    expect(nodes.flatMap((node) => [...node.errors, ...node.publishErrors])).toEqual([]);
  });

  it('leaves no shard channel after 10,000 subscription changes by connections that come and go', async () => {
    await churnThroughServers(nodes, shardChannels);
    // Plain SUBSCRIBE is never used on a cluster.
    const plain = await Promise.all(fixture.servers.map((server) => pubsubChannels(server.port, false)));
    expect(plain.flat()).toEqual([]);
    expect(nodes.flatMap((node) => [...node.errors, ...node.publishErrors])).toEqual([]);
  }, 60_000);
});
