// Nodes in separate processes, each running one adapter, against one real redis-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChildScript, ChildNode } from './support/child-process';
import { exchangeAndCheck, publishMarker } from './support/nodes';
import { type RedisFixture, startRedis } from './support/redis-servers';

let fixture: RedisFixture & { server: { url: string } };
let script: string;
const children: ChildNode[] = [];

beforeAll(async () => {
  [fixture, script] = await Promise.all([startRedis(), buildChildScript()]);
}, 60_000);
afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()));
  await fixture?.stop();
});

describe('nodes in child processes', () => {
  it('deliver across processes exactly once, in order, typed, never echoed', async () => {
    for (const name of ['p1', 'p2', 'p3']) children.push(new ChildNode(name, script, fixture.server.url));
    await Promise.all(children.map((child) => child.until(() => child.states.includes('connected'), 'connected')));
    await exchangeAndCheck(children, ['chat', 'ticks'], 30, (topic, text) =>
      publishMarker(fixture.server.url, `websock:${topic}`, text),
    );
    expect(children.flatMap((child) => child.errors)).toEqual([]);
  });
});
