import { describe, expect, it } from 'vitest';
import { FrameForm, frameFormOf, planFanout } from '../src/topics/fanout.js';
import { TopicRegistry } from '../src/topics/registry.js';

// The registry and the fan-out plan are plain data: no sockets here.

interface Sub {
  readonly name: string;
  readonly form: number;
}
const sub = (name: string, form: number = FrameForm.Plain): Sub => ({ name, form });
const names = (subs: readonly Sub[]) => subs.map((s) => s.name);

describe('TopicRegistry', () => {
  it('subscribes and unsubscribes both ways, reporting changes', () => {
    const registry = new TopicRegistry<Sub>();
    const a = sub('a');
    expect(registry.subscribe(a, 'news')).toBe(true);
    expect(registry.subscribe(a, 'news')).toBe(false);
    expect(registry.isSubscribed(a, 'news')).toBe(true);
    expect([...registry.topicsOf(a)]).toEqual(['news']);
    expect(registry.subscriberCount('news')).toBe(1);
    expect(registry.unsubscribe(a, 'news')).toBe(true);
    expect(registry.unsubscribe(a, 'news')).toBe(false);
    expect(registry.unsubscribe(a, 'never')).toBe(false);
    expect(registry.isSubscribed(a, 'news')).toBe(false);
    expect(registry.subscriberCount('news')).toBe(0);
  });

  it('holds nothing for subscribers without topics and topics without subscribers', () => {
    const registry = new TopicRegistry<Sub>();
    const a = sub('a');
    const b = sub('b');
    expect(registry.topicsOf(a).size).toBe(0);
    expect(registry.topicsOf(a)).toBe(registry.topicsOf(b)); // one shared empty view, nothing allocated
    registry.subscribe(a, 'x');
    registry.subscribe(b, 'x');
    registry.unsubscribe(a, 'x');
    expect(registry.subscriberTotal).toBe(1);
    registry.unsubscribe(b, 'x');
    expect(registry.subscriberTotal).toBe(0);
    expect(registry.topicCount).toBe(0);
    expect(registry.subscribersOf('x')).toBeUndefined();
  });

  it('leaves every topic at once, dropping topics left empty', () => {
    const registry = new TopicRegistry<Sub>();
    const a = sub('a');
    const b = sub('b');
    for (const topic of ['t1', 't2', 't3']) registry.subscribe(a, topic);
    registry.subscribe(b, 't2');
    expect(registry.unsubscribeAll(a)).toBe(3);
    expect(registry.unsubscribeAll(a)).toBe(0);
    expect(registry.topicCount).toBe(1);
    expect([...(registry.subscribersOf('t2') ?? [])]).toEqual([b]);
  });

  it('keeps 10,000 topics and 1,000 topics on one subscriber consistent', () => {
    const registry = new TopicRegistry<Sub>();
    const subs = Array.from({ length: 100 }, (_, i) => sub(`s${i}`));
    for (let t = 0; t < 10_000; t++) registry.subscribe(subs[t % 100] as Sub, `topic-${t}`);
    const busy = sub('busy');
    for (let t = 0; t < 1000; t++) registry.subscribe(busy, `topic-${t}`);
    expect(registry.topicCount).toBe(10_000);
    expect(registry.topicsOf(busy).size).toBe(1000);
    expect(registry.subscriberCount('topic-999')).toBe(2);
    expect(registry.subscriberCount('topic-1000')).toBe(1);
    registry.unsubscribeAll(busy);
    expect(registry.subscriberCount('topic-999')).toBe(1);
    for (const s of subs) registry.unsubscribeAll(s);
    expect(registry.topicCount).toBe(0);
  });
});

describe('frameFormOf', () => {
  const params = (serverNoContextTakeover: boolean, serverMaxWindowBits: number) => ({
    serverNoContextTakeover,
    clientNoContextTakeover: false,
    serverMaxWindowBits,
    clientMaxWindowBits: 15,
  });

  it('maps negotiated parameters to the frame a subscriber can share', () => {
    expect(frameFormOf(undefined)).toBe(FrameForm.Plain);
    expect(frameFormOf(params(false, 15))).toBe(FrameForm.OwnContext);
    expect(frameFormOf(params(false, 10))).toBe(FrameForm.OwnContext);
    expect(frameFormOf(params(true, 15))).toBe(15);
    expect(frameFormOf(params(true, 10))).toBe(10);
    // zlib compresses with 9 at least; such output never reaches beyond what 8 allows.
    expect(frameFormOf(params(true, 8))).toBe(9);
  });
});

describe('planFanout', () => {
  const subs = [sub('plain1'), sub('w10a', 10), sub('own1', -1), sub('w15', 15), sub('w10b', 10), sub('plain2')];
  const formOf = (s: Sub) => s.form;

  it('groups subscribers by frame form: plain, one group per window, own contexts', () => {
    const plan = planFanout(subs, formOf, { compress: true });
    expect(names(plan.plain)).toEqual(['plain1', 'plain2']);
    expect([...plan.shared.keys()]).toEqual([10, 15]);
    expect(names(plan.shared.get(10) ?? [])).toEqual(['w10a', 'w10b']);
    expect(names(plan.shared.get(15) ?? [])).toEqual(['w15']);
    expect(names(plan.own)).toEqual(['own1']);
    expect(plan.size).toBe(6);
  });

  it('shares the plain frame with everyone when the message is not compressed (threshold)', () => {
    const plan = planFanout(subs, formOf, { compress: false });
    expect(names(plan.plain)).toEqual(names(subs));
    expect(plan.shared.size).toBe(0);
    expect(plan.own).toEqual([]);
  });

  it('leaves the publisher out, and plans nothing for no subscribers', () => {
    const plan = planFanout(subs, formOf, { compress: true, exclude: subs[1] });
    expect(names(plan.shared.get(10) ?? [])).toEqual(['w10b']);
    expect(plan.size).toBe(5);
    expect(planFanout([], formOf, { compress: true }).size).toBe(0);
  });
});
