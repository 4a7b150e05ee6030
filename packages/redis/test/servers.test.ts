// End to end on one Redis: three `@websock/server` processes, each with its own port and
// its own Redis adapter, and `ws` clients on every one of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChildScript } from './support/child-process';
import { pubsubChannels, type RedisFixture, type RedisServer, startRedis } from './support/redis-servers';
import type { ServerNode } from './support/server-nodes';
import {
  type Audience,
  churnThroughServers,
  closeAudience,
  connectAudience,
  publishAndCheck,
  startNodes,
} from './support/server-scenarios';

let fixture: RedisFixture & { server: RedisServer };
let script: string;
const nodes: ServerNode[] = [];

beforeAll(async () => {
  [fixture, script] = await Promise.all([startRedis(), buildChildScript('child-server')]);
  nodes.push(...(await startNodes(script, { url: fixture.server.url }, ['A', 'B', 'C'])));
}, 60_000);
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  await fixture?.stop();
});

describe('three servers on one Redis', () => {
  it('every subscriber on every node gets every publish exactly once, in order, typed', async () => {
    const audience = await connectAudience(nodes);
    await publishAndCheck(audience, 'fan', 50);
    await closeAudience(audience, nodes);
    expect(nodes.flatMap((node) => [...node.errors, ...node.publishErrors])).toEqual([]);
  });

  it('survives Redis killed and restarted on the same port: local delivery meanwhile, then across again', async () => {
    const audience: Audience = await connectAudience(nodes);
    await publishAndCheck(audience, 'before', 10);
    const [a] = nodes as [ServerNode];
    const statesBefore = nodes.map((node) => node.states.length);

    await fixture.server.kill();
    await Promise.all(nodes.map((node) => node.until(() => node.state === 'reconnecting', 'reconnecting')));
    // During the outage a publish on A reaches A's own subscribers, and is reported as not forwarded.
    const roomPublisher = audience.publishers.find((p) => p.node === a && p.topic === 'room')!;
    roomPublisher.client.send('outage|room|A');
    const local = audience.subscribers.filter((s) => s.client.name === 'A' && s.topics.includes('room'));
    await Promise.all(local.map(({ client }) => client.until(() => client.messages('outage|').length === 1, 'outage')));
    await a.until(() => a.publishErrors.includes('WS_REDIS_ERR_OFFLINE'), 'the offline publish reported');

    await fixture.server.start();
    // `connected` is reported once node-redis has subscribed again: no manual step.
    await Promise.all(nodes.map((node) => node.until(() => node.state === 'connected', 'connected again')));
    await Promise.all(nodes.map((node) => node.settled()));
    await publishAndCheck(audience, 'after', 20);

    for (const { client, topics } of audience.subscribers) {
      const want = client.name === 'A' && topics.includes('room') ? 1 : 0;
      expect(client.messages('outage|'), client.name).toHaveLength(want);
    }
    for (const [i, node] of nodes.entries()) {
      expect(node.states.slice(statesBefore[i])).toEqual(['reconnecting', 'connected']);
    }
    await closeAudience(audience, nodes);
  });

  it('leaves no channel in Redis after 10,000 subscription changes by connections that come and go', async () => {
    const errors = nodes.map((node) => node.errors.length);
    const channels = () => pubsubChannels(fixture.server.port, false, 'websock:*');
    await churnThroughServers(nodes, channels);
    expect(nodes.flatMap((node, i) => node.errors.slice(errors[i]))).toEqual([]);
  }, 60_000);
});
