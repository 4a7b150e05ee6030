import type { Socket } from 'node:net';
import type { PreparedFrame } from '@websock/protocol';
import { describe, expect, it } from 'vitest';
import { FrameForm } from '../src/topics/fanout.js';
import { TopicHub, type TopicSubscriber } from '../src/topics/hub.js';

// The hub against fake connections: what each subscriber is handed, and how its socket is corked.

class FakeSubscriber implements TopicSubscriber {
  readyState = 1;
  bufferedAmount = 0;
  publishTurn = 0;
  corks = 0;
  uncorks = 0;
  readonly prepared: Array<PreparedFrame | Promise<PreparedFrame>> = [];
  readonly sent: Array<[Uint8Array, boolean]> = [];
  readonly socket: Socket;

  constructor(readonly frameForm: number = FrameForm.Plain) {
    this.socket = {
      cork: () => this.corks++,
      uncork: () => this.uncorks++,
      writableLength: 0,
    } as unknown as Socket;
  }

  send(data: Uint8Array, isBinary: boolean): boolean {
    this.sent.push([data, isBinary]);
    return true;
  }

  sendPrepared(frame: PreparedFrame | Promise<PreparedFrame>): boolean {
    this.prepared.push(frame);
    return true;
  }
}

function hubWith(...subscribers: FakeSubscriber[]): TopicHub<FakeSubscriber> {
  const hub = new TopicHub<FakeSubscriber>({ deflate: {} });
  for (const subscriber of subscribers) hub.registry.subscribe(subscriber, 't');
  return hub;
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('TopicHub', () => {
  it('hands the very same frame object to every subscriber of one form', () => {
    const plain = [new FakeSubscriber(), new FakeSubscriber()];
    const window10 = [new FakeSubscriber(10), new FakeSubscriber(10)];
    const own = new FakeSubscriber(FrameForm.OwnContext);
    const hub = hubWith(...plain, ...window10, own);
    expect(hub.publish('t', 'x'.repeat(1000))).toBe(5);
    expect(plain[0]?.prepared[0]).toBe(plain[1]?.prepared[0]);
    expect(window10[0]?.prepared[0]).toBe(window10[1]?.prepared[0]);
    expect(window10[0]?.prepared[0]).not.toBe(plain[0]?.prepared[0]);
    expect(own.prepared).toEqual([]);
    expect(own.sent.map(([data, isBinary]) => [data.length, isBinary])).toEqual([[1000, false]]);
  });

  it('corks each socket once per turn and uncorks them all on the next tick', async () => {
    const subscribers = [new FakeSubscriber(), new FakeSubscriber()];
    const hub = hubWith(...subscribers);
    for (let i = 0; i < 50; i++) hub.publish('t', `m${i}`);
    expect(subscribers.map((s) => [s.corks, s.uncorks])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    await nextTick();
    expect(subscribers.map((s) => [s.corks, s.uncorks])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    hub.publish('t', 'next turn');
    await nextTick();
    expect(subscribers.map((s) => [s.corks, s.uncorks])).toEqual([
      [2, 2],
      [2, 2],
    ]);
  });

  it('skips closing subscribers and those over the drop threshold, telling `dropped`', () => {
    const dropped: Array<[FakeSubscriber, string, number]> = [];
    const hub = new TopicHub<FakeSubscriber>({
      dropThreshold: 100,
      dropped: (subscriber, topic, data) => dropped.push([subscriber, topic, data.length]),
    });
    const [fine, slow, closing] = [new FakeSubscriber(), new FakeSubscriber(), new FakeSubscriber()];
    slow.bufferedAmount = 101;
    closing.readyState = 2;
    for (const subscriber of [fine, slow, closing]) hub.registry.subscribe(subscriber, 't');
    expect(hub.publish('t', 'hello')).toBe(1);
    expect(dropped).toEqual([[slow, 't', 5]]);
    expect([fine.prepared.length, slow.prepared.length, closing.prepared.length]).toEqual([1, 0, 0]);
    expect(() => new TopicHub({ dropThreshold: -1 })).toThrow(RangeError);
  });

  it('publishes nothing to a topic without subscribers, and leaves the sender out', () => {
    const [a, b] = [new FakeSubscriber(), new FakeSubscriber()];
    const hub = hubWith(a, b);
    expect(hub.publish('nobody', 'x')).toBe(0);
    expect(hub.publish('t', 'x', undefined, a)).toBe(1);
    expect([a.prepared.length, b.prepared.length]).toEqual([0, 1]);
  });
});
