// The adapter seam that scale-out plugs into (`@websock/redis` is tested against real Redis in
// its own package). Here an in-process bus joins two servers: it is an implementation of the
// interface, exercised for what the server promises around it.
import { afterEach, describe, expect, it } from 'vitest';
import type { TopicAdapter } from '../src/index.js';
import { closeClient, closeServers, connectClient, startServer } from './topics-helpers.js';

afterEach(closeServers);

/** Nodes joined by one in-process bus; each adapter records what the server asked of it. */
function bus() {
  const nodes = new Set<{
    topics: Set<string>;
    deliver: (topic: string, data: Uint8Array, isBinary: boolean) => void;
  }>();
  return function adapter() {
    const calls: string[] = [];
    const node = { topics: new Set<string>(), deliver: (_t: string, _d: Uint8Array, _b: boolean) => {} };
    const adapter: TopicAdapter & { calls: string[]; closed: boolean } = {
      calls,
      closed: false,
      attach(deliver) {
        node.deliver = deliver;
        nodes.add(node);
      },
      subscribe(topic) {
        calls.push(`+${topic}`);
        node.topics.add(topic);
      },
      unsubscribe(topic) {
        calls.push(`-${topic}`);
        node.topics.delete(topic);
      },
      publish(topic, data, isBinary) {
        calls.push(`>${topic}`);
        for (const other of nodes) if (other !== node && other.topics.has(topic)) other.deliver(topic, data, isBinary);
      },
      async close() {
        adapter.closed = true;
        nodes.delete(node);
      },
    };
    return adapter;
  };
}

describe('topics across nodes through an adapter', () => {
  it('delivers a publish on one node to subscribers on every node, once, keeping text and binary', async () => {
    const newAdapter = bus();
    const [adapterA, adapterB] = [newAdapter(), newAdapter()];
    const a = await startServer({ adapter: adapterA });
    const b = await startServer({ adapter: adapterB });
    const onA = await connectClient(a);
    const onB = await connectClient(b);
    const publisher = await connectClient(a);
    onA.ws.subscribe('room');
    onB.ws.subscribe('room');
    publisher.ws.publish('room', 'hello');
    publisher.ws.publish('room', Buffer.from([7, 8]));
    b.server.publish('room', 'from b');
    await onA.inbox.count(3);
    await onB.inbox.count(3);
    const seen = (messages: typeof onA.inbox.messages) => messages.map((m) => [m.data.toString('hex'), m.isBinary]);
    const expected = [
      [Buffer.from('hello').toString('hex'), false],
      ['0708', true],
      [Buffer.from('from b').toString('hex'), false],
    ];
    expect(seen(onA.inbox.messages)).toEqual(expected);
    expect(seen(onB.inbox.messages)).toEqual(expected);
    expect(publisher.inbox.messages).toEqual([]); // the sender is skipped, on its node and no echo comes back
  });

  it('subscribes a topic on its first local subscriber and unsubscribes after the last, closing included', async () => {
    const adapter = bus()();
    const node = await startServer({ adapter });
    const first = await connectClient(node);
    const second = await connectClient(node);
    first.ws.subscribe('t');
    second.ws.subscribe('t');
    first.ws.unsubscribe('t');
    expect(adapter.calls).toEqual(['+t']);
    await closeClient(node, second.client);
    expect(adapter.calls).toEqual(['+t', '-t']);
    await node.server.close();
    expect(adapter.closed).toBe(true);
  });

  it('forwards a publish on a topic with no local subscriber', async () => {
    const adapter = bus()();
    const node = await startServer({ adapter });
    expect(node.server.publish('elsewhere', 'x')).toBe(0);
    expect(adapter.calls).toEqual(['>elsewhere']);
  });
});
