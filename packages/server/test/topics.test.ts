import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocketClient from 'ws';
import { closeClient, closeServers, connectClient, startServer, type TopicsServer } from './topics-helpers.js';

afterEach(closeServers);

describe('subscribe, unsubscribe, publish', () => {
  it('delivers to subscribers only; ws.publish skips the sender, server.publish does not', async () => {
    const target = await startServer();
    const a = await connectClient(target);
    const b = await connectClient(target);
    const c = await connectClient(target);
    expect(a.ws.subscribe('news')).toBe(true);
    expect(a.ws.subscribe('news')).toBe(false);
    b.ws.subscribe('news');
    b.ws.subscribe('sport');
    expect(a.ws.isSubscribed('news')).toBe(true);
    expect(c.ws.isSubscribed('news')).toBe(false);
    expect([...b.ws.topics]).toEqual(['news', 'sport']);
    expect(c.ws.topics.size).toBe(0);
    expect(target.server.subscriberCount('news')).toBe(2);
    expect(target.server.subscriberCount('nobody')).toBe(0);

    expect(target.server.publish('nobody', 'lost')).toBe(0);
    expect(target.server.publish('news', 'to all')).toBe(2);
    expect(a.ws.publish('news', Buffer.from([1, 2, 3]))).toBe(1); // not back to a
    expect(c.ws.publish('news', 'from c', true)).toBe(2); // c need not be subscribed
    expect(b.ws.unsubscribe('news')).toBe(true);
    expect(b.ws.unsubscribe('news')).toBe(false);
    expect(target.server.publish('news', 'after b left')).toBe(1);
    target.server.publish('sport', 'goal');

    await a.inbox.count(3);
    await b.inbox.count(4);
    expect(a.inbox.messages.map((m) => [m.data.toString(), m.isBinary])).toEqual([
      ['to all', false],
      ['from c', true],
      ['after b left', false],
    ]);
    expect(b.inbox.messages.map((m) => [m.data.toString('hex'), m.isBinary])).toEqual([
      [Buffer.from('to all').toString('hex'), false],
      ['010203', true],
      [Buffer.from('from c').toString('hex'), true],
      [Buffer.from('goal').toString('hex'), false],
    ]);
    expect(c.inbox.messages).toEqual([]);
  });

  it('rejects topics that are not strings', async () => {
    const target = await startServer();
    const { ws } = await connectClient(target);
    expect(() => ws.subscribe(42 as unknown as string)).toThrow(TypeError);
    expect(() => target.server.publish(undefined as unknown as string, 'x')).toThrow(TypeError);
  });

  it('leaves every topic when the connection closes, after its close handler saw them', async () => {
    let topicsAtClose: string[] = [];
    const target = await startServer({ close: (ws) => (topicsAtClose = [...ws.topics]) });
    const { client, ws } = await connectClient(target);
    ws.subscribe('a');
    ws.subscribe('b');
    await closeClient(target, client);
    expect(topicsAtClose).toEqual(['a', 'b']);
    expect(target.server.subscriberCount('a')).toBe(0);
    expect(ws.topics.size).toBe(0);
    expect(ws.subscribe('c')).toBe(false); // closed: nothing to leak
    expect(target.server.subscriberCount('c')).toBe(0);
  });

  /** Three subscribers of 't'; the first has bytes waiting in its corked socket (dropped at threshold 0). */
  async function firstOneBusy(target: TopicsServer) {
    const subscribers = [await connectClient(target), await connectClient(target), await connectClient(target)];
    for (const { ws } of subscribers) ws.subscribe('t');
    const [first] = subscribers;
    first?.ws.subscribe('warm');
    target.server.publish('warm', 'x'); // corks the first socket until the end of this turn
    expect(first?.ws.bufferedAmount).toBeGreaterThan(0);
    return subscribers;
  }

  it('skips subscribers unsubscribed by a handler while the publish is delivered', async () => {
    const target: TopicsServer = await startServer({
      publishDropThreshold: 0,
      dropped(ws, topic) {
        for (const other of target.server.clients) if (other !== ws) other.unsubscribe(topic);
      },
    });
    const [first, second, third] = await firstOneBusy(target);
    expect(target.server.publish('t', 'fan-out')).toBe(0); // first dropped, the others left meanwhile
    expect(target.server.subscriberCount('t')).toBe(1);
    second?.ws.send('marker');
    third?.ws.send('marker');
    await second?.inbox.count(1);
    await third?.inbox.count(1);
    await first?.inbox.count(1);
    expect([first?.inbox.texts(), second?.inbox.texts(), third?.inbox.texts()]).toEqual([
      ['x'],
      ['marker'],
      ['marker'],
    ]);
  });

  it('skips subscribers closed by a handler while the publish is delivered', async () => {
    const target: TopicsServer = await startServer({
      publishDropThreshold: 0,
      dropped(ws) {
        for (const other of target.server.clients) if (other !== ws) other.close(4000, 'bye');
      },
    });
    const [first, second, third] = await firstOneBusy(target);
    expect(target.server.publish('t', 'fan-out')).toBe(0);
    const closed = [second, third].map((subscriber) => once(subscriber?.client as WebSocketClient, 'close'));
    expect((await Promise.all(closed)).map(([code]) => code)).toEqual([4000, 4000]);
    // The close frame came, the message before it did not.
    expect([second?.inbox.messages, third?.inbox.messages]).toEqual([[], []]);
    await first?.inbox.count(1);
    expect(first?.inbox.texts()).toEqual(['x']);
  });

  it('survives a subscriber whose transport dies during the fan-out', async () => {
    const target = await startServer();
    const clients = await Promise.all([connectClient(target), connectClient(target), connectClient(target)]);
    for (const { ws } of clients) ws.subscribe('t');
    clients[1]?.ws.terminate(); // socket destroyed; the close event comes later
    expect(() => target.server.publish('t', 'still here')).not.toThrow();
    await clients[0]?.inbox.count(1);
    await clients[2]?.inbox.count(1);
    while (target.server.clients.size > 2) await new Promise((resolve) => setImmediate(resolve));
    expect(target.server.subscriberCount('t')).toBe(2);
  });
});

describe('order', () => {
  it('interleaves published messages with the connection’s own sends in call order', async () => {
    const target = await startServer({ perMessageDeflate: { serverNoContextTakeover: true } });
    const plainClient = await connectClient(target);
    const deflateClient = await connectClient(target, { perMessageDeflate: { serverNoContextTakeover: true } });
    const expected: string[] = [];
    const big = 'x'.repeat(40 * 1024); // compressed on the thread pool: later frames queue behind it
    for (const { ws } of [plainClient, deflateClient]) ws.subscribe('t');
    for (let i = 0; i < 20; i++) {
      for (const { ws } of [plainClient, deflateClient]) ws.send(`send ${i}`);
      target.server.publish('t', `publish ${i}`);
      for (const { ws } of [plainClient, deflateClient]) ws.send(i % 5 === 0 ? big : `after ${i}`);
      target.server.publish('t', i % 7 === 0 ? big : `publish ${i}b`);
      expected.push(`send ${i}`, `publish ${i}`, i % 5 === 0 ? big : `after ${i}`, i % 7 === 0 ? big : `publish ${i}b`);
    }
    await plainClient.inbox.count(expected.length);
    await deflateClient.inbox.count(expected.length);
    expect(plainClient.inbox.texts()).toEqual(expected);
    expect(deflateClient.inbox.texts()).toEqual(expected);
  });
});

describe('batching', () => {
  it('writes a burst of publishes to each socket in one write', async () => {
    const target = await startServer();
    const subscribers = await Promise.all([connectClient(target), connectClient(target), connectClient(target)]);
    const writes: number[] = [];
    subscribers.forEach(({ ws }, index) => {
      ws.subscribe('ticks');
      writes[index] = 0;
      const socket = ws.socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method].bind(socket);
        socket[method] = (...args: unknown[]) => {
          writes[index] = (writes[index] ?? 0) + 1;
          original(...args);
        };
      }
    });
    for (let i = 0; i < 200; i++) target.server.publish('ticks', `tick ${i}`);
    await Promise.all(subscribers.map(({ inbox }) => inbox.count(200)));
    expect(writes).toEqual([1, 1, 1]);
    for (const { inbox } of subscribers) expect(inbox.texts().at(-1)).toBe('tick 199');
  });
});

describe('scale', () => {
  it('holds 10,000 topics per server and 1,000 on one connection', async () => {
    const target = await startServer();
    const connections = await Promise.all(Array.from({ length: 10 }, () => connectClient(target)));
    connections.forEach(({ ws }, c) => {
      for (let t = 0; t < 1000; t++) ws.subscribe(`topic-${c * 1000 + t}`);
    });
    const busy = connections[0];
    if (busy === undefined) throw new Error('no connection');
    for (let t = 0; t < 1000; t++) busy.ws.subscribe(`topic-${9000 + t}`); // also every topic of the last one
    expect(busy.ws.topics.size).toBe(2000);
    expect(target.server.subscriberCount('topic-9500')).toBe(2);
    let delivered = 0;
    for (let t = 0; t < 10_000; t += 100) delivered += target.server.publish(`topic-${t}`, `m${t}`);
    expect(delivered).toBe(100 + 10); // topic-9000..9900 reach two connections
    await busy.inbox.count(20);
    await connections[9]?.inbox.count(10);
    expect(busy.inbox.texts()).toContain('m9900');
    await closeClient(target, busy.client);
    expect(target.server.subscriberCount('topic-0')).toBe(0);
    expect(target.server.subscriberCount('topic-9500')).toBe(1);
  });
});
