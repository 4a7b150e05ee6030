// The node-redis side: a single server (plain SUBSCRIBE/PUBLISH on two connections, since
// a RESP2 connection in subscriber mode cannot publish) or a Redis Cluster (sharded
// SSUBSCRIBE/SPUBLISH, so a message only travels inside the shard that owns its channel).
// The adapter sees one small interface and never which of the two it has.
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, createCluster, type RedisClientOptions, type RedisClusterOptions } from 'redis';

export type MessageListener = (message: Buffer, channel: Buffer) => void;

/** What the adapter needs from Redis. Every method may reject; none throws synchronously. */
export interface Transport {
  connect(): Promise<void>;
  /** True while the connections this transport can tell about are up (see README on clusters). */
  isReady(): boolean;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string, listener: MessageListener): Promise<unknown>;
  unsubscribe(channel: string, listener: MessageListener): Promise<unknown>;
  close(): Promise<void>;
}

/** Connection events, for the adapter's state and error reporting. */
export interface TransportEvents {
  change(): void;
  error(error: unknown): void;
}

type ReconnectStrategy = (retries: number) => number;

export function backoff(minDelay: number, maxDelay: number): ReconnectStrategy {
  // Exponential, capped, with up to 20% jitter so that many nodes do not reconnect in step.
  return (retries) => {
    const delay = Math.min(maxDelay, minDelay * 2 ** Math.min(retries, 20));
    return Math.round(delay * (0.8 + Math.random() * 0.2));
  };
}

type AnyClient = ReturnType<typeof createClient>;

// Closing waits for replies still due; a client that is not connected has none coming.
async function closeClient(client: AnyClient): Promise<void> {
  if (client.isReady) await client.close();
  else client.destroy();
}

export function singleTransport(
  options: RedisClientOptions,
  reconnect: ReconnectStrategy,
  events: TransportEvents,
): Transport {
  const socket = { ...options.socket, reconnectStrategy: reconnect };
  // Publishes fail at once while disconnected instead of piling up in node-redis's offline queue.
  const pub = createClient({ ...options, socket, disableOfflineQueue: true } as RedisClientOptions);
  // Subscriptions do queue while offline: there is at most one pending per topic (the adapter
  // sees to that), and node-redis replays every subscribed channel before it reports ready.
  const sub = createClient({ ...options, socket, disableOfflineQueue: false } as RedisClientOptions);
  for (const client of [pub, sub]) {
    client.on('error', events.error);
    for (const name of ['ready', 'reconnecting', 'end', 'connect']) client.on(name, events.change);
  }
  return {
    async connect() {
      await Promise.all([pub.connect(), sub.connect()]);
    },
    isReady: () => pub.isReady && sub.isReady,
    publish: (channel, message) => pub.publish(channel, message),
    subscribe: (channel, listener) => sub.subscribe(channel, listener, true),
    unsubscribe: (channel, listener) => sub.unsubscribe(channel, listener, true),
    async close() {
      await Promise.allSettled([closeClient(pub), closeClient(sub)]);
    },
  };
}

export function clusterTransport(
  options: RedisClusterOptions,
  reconnect: ReconnectStrategy,
  events: TransportEvents,
): Transport {
  const defaults = options.defaults ?? {};
  // One cluster client: publishes go to the slot's master with the offline queue off
  // (they fail fast while that master is down); sharded subscriptions ride node-redis's
  // own per-shard subscriber connections.
  const cluster = createCluster({
    ...options,
    defaults: { ...defaults, socket: { ...defaults.socket, reconnectStrategy: reconnect }, disableOfflineQueue: true },
  } as RedisClusterOptions);
  let ready = false;
  // node-redis reports a cluster node's first 'ready' only: watch the clients that went down ourselves.
  const watched = new WeakSet<object>();
  const nodeClients = () =>
    cluster.masters.flatMap((node) => [node.client, node.pubSub?.client]).filter((client) => client !== undefined);
  const watchDownNodes = () => {
    for (const client of nodeClients()) {
      if (client.isReady || watched.has(client)) continue;
      watched.add(client);
      client.once('ready', () => {
        watched.delete(client);
        events.change();
      });
    }
    events.change();
  };
  cluster.on('error', events.error);
  cluster.on('node-error', (error: unknown) => {
    events.error(error);
    watchDownNodes();
  });
  cluster.on('node-reconnecting', watchDownNodes);
  cluster.on('node-ready', events.change);
  cluster.on('disconnect', () => {
    ready = false;
    events.change();
  });
  // A single client retries its first connection by itself; a cluster's first discovery
  // gives up when no root node answers, so it is retried here, with the same backoff.
  const stop = new AbortController();
  return {
    async connect() {
      for (let attempt = 0; ; attempt++) {
        try {
          await cluster.connect();
          break;
        } catch (error) {
          if (stop.signal.aborted) return;
          events.error(error);
          await delay(reconnect(attempt), undefined, { signal: stop.signal }).catch(() => undefined);
          if (stop.signal.aborted) return;
        }
      }
      ready = true;
      events.change();
    },
    isReady: () => ready && nodeClients().every((client) => client.isReady),
    publish: (channel, message) => cluster.sPublish(channel, message),
    subscribe: (channel, listener) => cluster.sSubscribe(channel, listener, true),
    unsubscribe: (channel, listener) => cluster.sUnsubscribe(channel, listener, true),
    async close() {
      stop.abort();
      const wasReady = ready && nodeClients().every((client) => client.isReady);
      ready = false;
      try {
        if (wasReady) await cluster.close();
        else cluster.destroy();
      } catch {
        // not connected (yet): nothing to release
      }
    },
  };
}
