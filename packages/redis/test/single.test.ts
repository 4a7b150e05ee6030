// Several adapters in this process against one real redis-server (plain SUBSCRIBE/PUBLISH).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisAdapterErrorCode, WireError } from '../src';
import { churn, exchangeAndCheck, payload, publishMarker, TestNode } from './support/nodes';
import { freePort, pubsubChannels, RedisServer, startRedis } from './support/redis-servers';

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

describe('Redis killed and restarted on the same port', () => {
  it('keeps the nodes up, reports the outage and its drops, resubscribes, resumes without duplicates', async () => {
    const [a, b] = [node('a'), node('b')];
    await Promise.all([a.adapter.ready(), b.adapter.ready()]);
    for (const n of [a, b]) n.adapter.subscribe('room');
    await Promise.all([a.adapter.settled(), b.adapter.settled()]);
    a.adapter.publish('room', payload('before'), false);
    await b.until(() => b.received('before').length === 1);

    await server.kill();
    await Promise.all([a.untilState('reconnecting'), b.untilState('reconnecting')]);
    a.adapter.publish('room', payload('during'), true);
    expect(a.publishErrors.map((e) => e.code)).toEqual([RedisAdapterErrorCode.Offline]);
    // Subscription changes during the outage take effect once Redis is back.
    b.adapter.subscribe('joined-during-outage');
    a.adapter.subscribe('left-during-outage');
    a.adapter.unsubscribe('left-during-outage');

    await server.start();
    await Promise.all([a.untilState('connected'), b.untilState('connected')]);
    expect(a.states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(b.states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    // 'connected' comes after node-redis has replayed the subscriptions.
    expect(await pubsubChannels(server.port, false)).toContain('websock:room');
    await Promise.all([a.adapter.settled(), b.adapter.settled()]);
    expect((await pubsubChannels(server.port, false)).sort()).toEqual(['websock:joined-during-outage', 'websock:room']);
    await exchangeAndCheck([a, b], ['room'], 10, marker);
    a.adapter.publish('joined-during-outage', payload('welcome'), false);
    await b.until(() => b.received('welcome').length === 1);
    expect([...a.received('before'), ...a.received('during'), ...b.received('during')]).toEqual([]);
    expect(b.received('before')).toHaveLength(1);
  });
});

describe('Redis unreachable at start', () => {
  it('a single-server adapter reports the failures, drops publishes, and connects once Redis is up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'websock-redis-late-'));
    const late = new RedisServer(await freePort(), dir);
    try {
      const a = new TestNode('a', { url: late.url });
      const b = new TestNode('b', { url: late.url });
      nodes.push(a, b);
      await a.until(() => a.errors.length > 0, 'a connection error');
      expect(a.adapter.state).toBe('connecting');
      a.adapter.publish('early', payload('lost'), false);
      expect(a.publishErrors.map((e) => e.code)).toEqual([RedisAdapterErrorCode.Offline]);
      b.adapter.subscribe('early');
      await late.start();
      await Promise.all([a.adapter.ready(), b.adapter.ready(), b.adapter.settled()]);
      a.adapter.publish('early', payload('found'), false);
      await b.until(() => b.received('found').length === 1);
      expect(b.received('lost')).toEqual([]);
    } finally {
      await Promise.all(nodes.splice(0).map((n) => n.adapter.close()));
      await late.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a cluster adapter whose root nodes do not answer keeps retrying and closes cleanly', async () => {
    const a = new TestNode('a', { cluster: { rootNodes: [{ url: `redis://127.0.0.1:${await freePort()}` }] } });
    nodes.push(a);
    await a.until(() => a.errors.length >= 2, 'two failed discoveries');
    a.adapter.publish('t', payload('x'), true);
    expect(a.publishErrors.map((e) => e.code)).toEqual([RedisAdapterErrorCode.Offline]);
    await a.adapter.close();
    expect(a.states).toEqual(['connecting', 'closed']);
  });
});
