// Scenarios through real `@websock/server` processes and WebSocket clients, shared by the
// single-server and the cluster tests.
import { expect } from 'vitest';
import { type Client, type RedisTarget, ServerNode } from './server-nodes';

export const TOPICS = ['room', 'news'] as const;

/** Starts one child server per name and waits until each listens and is connected to Redis. */
export async function startNodes(script: string, target: RedisTarget, names: string[]): Promise<ServerNode[]> {
  const nodes = names.map((name) => new ServerNode(name, script, target));
  await Promise.all(nodes.map((node) => node.started()));
  return nodes;
}

export interface Audience {
  /** Subscribers, each with the topics it subscribed to. */
  subscribers: Array<{ client: Client; topics: readonly string[] }>;
  /** One publisher per node and topic (not subscribed to anything). */
  publishers: Array<{ client: Client; node: ServerNode; topic: string }>;
}

/** On every node: a subscriber of each topic, one of both, and a publisher per topic; then waits until Redis has every subscription. */
export async function connectAudience(nodes: ServerNode[]): Promise<Audience> {
  const subscribers: Audience['subscribers'] = [];
  const publishers: Audience['publishers'] = [];
  for (const node of nodes) {
    for (const topics of [['room'], ['news'], ['room', 'news']]) {
      subscribers.push({ client: await node.connect(`sub=${topics.join(',')}`), topics });
    }
    for (const topic of TOPICS) publishers.push({ client: await node.connect(`pub=${topic}`), node, topic });
  }
  await Promise.all(nodes.map((node) => node.settled()));
  return { subscribers, publishers };
}

const encoder = new TextEncoder();

/**
 * Every publisher sends `count` messages (odd ones binary, the same bytes as text), then an
 * end marker. Checks that every subscriber gets every message of its topics exactly once,
 * in each publisher's order, with its type, and nothing else.
 */
export async function publishAndCheck(
  { subscribers, publishers }: Audience,
  run: string,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    for (const { client, node, topic } of publishers) {
      const text = `${run}|${topic}|${node.name}|${i}`;
      client.send(i % 2 === 1 ? encoder.encode(text) : text);
    }
  }
  for (const { client, node, topic } of publishers) client.send(`${run}-end|${topic}|${node.name}`);
  // Order per publisher: once a subscriber has every end marker it wants, it has had everything before them.
  await Promise.all(
    subscribers.map(({ client, topics }) => {
      const ends = publishers.filter((p) => topics.includes(p.topic)).length;
      return client.until(() => client.messages(`${run}-end|`).length >= ends, `${run} end markers`);
    }),
  );
  for (const { client, topics } of subscribers) {
    for (const publisher of publishers) {
      const prefix = `${run}|${publisher.topic}|${publisher.node.name}|`;
      const got = client.messages(prefix).map((m) => `${m.text.slice(prefix.length)}${m.isBinary ? 'b' : 't'}`);
      const want = topics.includes(publisher.topic)
        ? Array.from({ length: count }, (_, i) => `${i}${i % 2 === 1 ? 'b' : 't'}`)
        : [];
      expect(got, `${client.name} ${topics.join(',')} from ${prefix}`).toEqual(want);
    }
    const ends = publishers.filter((p) => topics.includes(p.topic)).map((p) => `${run}-end|${p.topic}|${p.node.name}`);
    expect(
      client
        .messages(`${run}-end|`)
        .map((m) => m.text)
        .sort(),
    ).toEqual(ends.sort());
  }
}

/** Closes every client of an audience and waits until their servers have handled the closes. */
export async function closeAudience({ subscribers, publishers }: Audience, nodes: ServerNode[]): Promise<void> {
  const before = nodes.map((node) => node.closed);
  const perNode = new Map<string, number>();
  for (const { client } of [...subscribers, ...publishers])
    perNode.set(client.name, (perNode.get(client.name) ?? 0) + 1);
  await Promise.all([...subscribers, ...publishers].map(({ client }) => client.close()));
  await Promise.all(
    nodes.map((node, i) =>
      node.until(() => node.closed >= before[i]! + (perNode.get(node.name) ?? 0), 'closes handled'),
    ),
  );
}

/**
 * 10,000 operations from a few hundred WebSocket connections spread over the nodes, on
 * 1,000 topics (seeded random): `!sub`, `!unsub`, and now and then a connection that leaves
 * (closes) and is replaced by a new one. Checks that Redis has exactly the channels with a
 * subscriber somewhere, then that it has none once every connection has left.
 */
export async function churnThroughServers(
  nodes: ServerNode[],
  channels: () => Promise<string[]>,
  connections = 240,
): Promise<void> {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  // Closes each node should have handled by now: its count before, plus every connection closed since.
  const expectedClosed = nodes.map((node) => node.closed);
  const closesHandled = () =>
    Promise.all(nodes.map((node, i) => node.until(() => node.closed === expectedClosed[i], 'closes handled')));
  const slots: Array<{ node: number; client: Client; topics: Set<string> }> = [];
  const open = async (node: number) => ({ node, client: await nodes[node]!.connect(''), topics: new Set<string>() });
  for (let i = 0; i < connections; i++) slots.push(await open(i % nodes.length));
  for (let op = 0; op < 10_000; op++) {
    const slot = slots[random(slots.length)]!;
    const topic = `churn-${random(1000)}`;
    const kind = random(100);
    if (kind < 3) {
      // Leaves without unsubscribing: the server drops its topics when the connection closes.
      await slot.client.close();
      expectedClosed[slot.node]!++;
      Object.assign(slot, await open(slot.node));
    } else if (kind < 53) {
      slot.client.send(`!sub ${topic}`);
      slot.topics.add(topic);
    } else {
      slot.client.send(`!unsub ${topic}`);
      slot.topics.delete(topic);
    }
  }
  await Promise.all(slots.map((slot) => slot.client.ping()));
  await closesHandled();
  await Promise.all(nodes.map((node) => node.settled()));
  const wanted = new Set(slots.flatMap((slot) => [...slot.topics].map((topic) => `websock:${topic}`)));
  expect(wanted.size).toBeGreaterThan(100);
  expect((await channels()).sort()).toEqual([...wanted].sort());
  for (const slot of slots) expectedClosed[slot.node]!++;
  await Promise.all(slots.map((slot) => slot.client.close()));
  await closesHandled();
  const topicCounts = await Promise.all(nodes.map((node) => node.settled()));
  expect(topicCounts).toEqual(nodes.map(() => 0));
  expect(await channels()).toEqual([]);
}
