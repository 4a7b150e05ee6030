import { randomBytes } from 'node:crypto';
import { ClientClosedError, ClientOfflineError, type RedisClientOptions, type RedisClusterOptions } from 'redis';
import { RedisAdapterError, RedisAdapterErrorCode } from './errors';
import {
  backoff,
  clusterTransport,
  type MessageListener,
  singleTransport,
  type Transport,
  type TransportEvents,
} from './transport';
import { decodeWireMessage, encodeWireMessage, isFromNode } from './wire';

/**
 * The scale-out interface of `@websock/server` (its `adapter` option). The server
 * declares a structurally identical type; any broker can implement it.
 */
export interface TopicAdapter {
  /** The server hands the adapter its local delivery function once, at start. `deliver` fans out to this node's local subscribers only and never calls adapter.publish. */
  attach(deliver: (topic: string, data: Uint8Array, isBinary: boolean) => void): void;
  /** The first local subscriber of `topic` arrived: start receiving it from other nodes. */
  subscribe(topic: string): void;
  /** The last local subscriber of `topic` left: stop receiving it. */
  unsubscribe(topic: string): void;
  /** A publish on this node (already delivered locally): forward it to the other nodes. Never blocks, never throws. */
  publish(topic: string, data: Uint8Array, isBinary: boolean): void;
  /** Server shutdown: release connections. */
  close(): Promise<void>;
}

/** `connecting` until Redis first answers, then `connected` / `reconnecting`, and `closed` at the end. */
export type RedisAdapterState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface RedisAdapterOptions {
  /** A single Redis server, e.g. `redis://127.0.0.1:6379`. Ignored with `cluster`. */
  url?: string;
  /** node-redis client options for a single server (merged with `url`). */
  client?: RedisClientOptions;
  /** A Redis Cluster (7 or newer): topics go over sharded pub/sub. node-redis cluster options. */
  cluster?: RedisClusterOptions;
  /** Prefix of every Redis channel name; the topic follows it. Default `'websock:'`. */
  channelPrefix?: string;
  /** Publishes waiting for Redis's reply, at most; past it a publish is dropped and reported. Default 4096. */
  maxPendingPublishes?: number;
  /** Reconnect backoff in ms: doubles from `minDelay` to `maxDelay`, with jitter. Default 100 and 5000. */
  reconnect?: { minDelay?: number; maxDelay?: number };
  /** Called on every state change. */
  onStateChange?(state: RedisAdapterState): void;
  /** Called for every publish that could not be forwarded to the other nodes (it was delivered locally). */
  onPublishError?(topic: string, error: RedisAdapterError): void;
  /** Connection errors, failed subscription changes, bad messages on a channel, a throwing `deliver`. */
  onError?(error: unknown): void;
}

/** The adapter, plus what an application may want to look at. */
export interface RedisAdapter extends TopicAdapter {
  /** The current connection state. */
  readonly state: RedisAdapterState;
  /** This node's id on the wire (hex), random per adapter. */
  readonly nodeId: string;
  /** Topics subscribed in Redis, or on their way to be. */
  readonly topics: ReadonlySet<string>;
  /** Resolves when the adapter is first connected; rejects if it is closed before. */
  ready(): Promise<void>;
  /**
   * Resolves once Redis has acknowledged every subscription change asked for so far
   * (no command in flight or waiting for a retry); rejects if the adapter closes first.
   */
  settled(): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

// One per topic with local subscribers, or with a Redis (un)subscribe on its way.
interface TopicEntry {
  readonly topic: string;
  readonly channel: string;
  readonly listener: MessageListener;
  /** What the server asked for last. */
  wanted: boolean;
  /** What Redis was last told and acknowledged. */
  subscribed: boolean;
  /** A SUBSCRIBE or UNSUBSCRIBE is in flight: changes wait for it. */
  busy: boolean;
  /** The last command was sent again at once after its connection closed under it. */
  resent: boolean;
}

const DEFAULT_PREFIX = 'websock:';
const DEFAULT_MAX_PENDING = 4096;
const NODE_ID_LENGTH = 8;

/**
 * Creates a Redis topic adapter: a publish on any node reaches the subscribers of its
 * topic on every other node, at most once. Pass it to `createServer({ adapter })`.
 */
export function createRedisAdapter(options: RedisAdapterOptions = {}): RedisAdapter {
  return new RedisTopicAdapter(options);
}

class RedisTopicAdapter implements RedisAdapter {
  readonly nodeId: string;
  readonly #id: Buffer;
  readonly #options: RedisAdapterOptions;
  readonly #prefix: string;
  readonly #maxPending: number;
  readonly #retryDelay: (retries: number) => number;
  readonly #transport: Transport;
  readonly #entries = new Map<string, TopicEntry>();
  readonly #retry = new Set<TopicEntry>();
  #retryTimer: NodeJS.Timeout | undefined;
  #retries = 0;
  #deliver: ((topic: string, data: Uint8Array, isBinary: boolean) => void) | undefined;
  #state: RedisAdapterState = 'idle';
  #pending = 0;
  #readyWaiters: Waiter[] = [];
  #settledWaiters: Waiter[] = [];
  /** Entries with a command in flight or a difference between wanted and subscribed. */
  #unsettled = 0;

  constructor(options: RedisAdapterOptions) {
    this.#options = options;
    this.#id = randomBytes(NODE_ID_LENGTH);
    this.nodeId = this.#id.toString('hex');
    this.#prefix = options.channelPrefix ?? DEFAULT_PREFIX;
    this.#maxPending = options.maxPendingPublishes ?? DEFAULT_MAX_PENDING;
    if (!Number.isInteger(this.#maxPending) || this.#maxPending < 1) {
      throw new RangeError(`maxPendingPublishes must be a positive integer, got ${String(this.#maxPending)}`);
    }
    this.#retryDelay = backoff(options.reconnect?.minDelay ?? 100, options.reconnect?.maxDelay ?? 5000);
    const events: TransportEvents = { change: () => this.#updateState(), error: (error) => this.#reportError(error) };
    this.#transport = options.cluster
      ? clusterTransport(options.cluster, this.#retryDelay, events)
      : singleTransport(
          options.url ? { ...options.client, url: options.url } : { ...options.client },
          this.#retryDelay,
          events,
        );
  }

  get state(): RedisAdapterState {
    return this.#state;
  }

  get topics(): ReadonlySet<string> {
    return new Set([...this.#entries.values()].filter((entry) => entry.wanted).map((entry) => entry.topic));
  }

  attach(deliver: (topic: string, data: Uint8Array, isBinary: boolean) => void): void {
    if (this.#deliver) throw new Error('This Redis adapter is already attached to a server');
    if (this.#state === 'closed') throw new Error('This Redis adapter is closed');
    this.#deliver = deliver;
    this.#setState('connecting');
    // Errors while connecting are reported through 'error' events; node-redis keeps retrying.
    this.#transport.connect().catch((error: unknown) => this.#reportError(error));
  }

  subscribe(topic: string): void {
    this.#want(topic, true);
  }

  unsubscribe(topic: string): void {
    this.#want(topic, false);
  }

  publish(topic: string, data: Uint8Array, isBinary: boolean): void {
    const error = this.#publishRefusal(topic);
    if (error) {
      this.#reportPublishError(topic, error);
      return;
    }
    const message = encodeWireMessage(this.#id, data, isBinary, Buffer.allocUnsafe) as Buffer;
    this.#pending++;
    let sent: Promise<unknown>;
    try {
      sent = this.#transport.publish(this.#prefix + topic, message);
    } catch (cause) {
      sent = Promise.reject(cause);
    }
    sent.then(
      () => {
        this.#pending--;
      },
      (cause: unknown) => {
        this.#pending--;
        const code =
          this.#state === 'closed'
            ? RedisAdapterErrorCode.Closed
            : cause instanceof ClientOfflineError || this.#state !== 'connected'
              ? RedisAdapterErrorCode.Offline
              : RedisAdapterErrorCode.PublishFailed;
        this.#reportPublishError(topic, new RedisAdapterError(code, topic, publishMessage(code, topic), cause));
      },
    );
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    clearTimeout(this.#retryTimer);
    this.#retry.clear();
    for (const waiter of [...this.#readyWaiters.splice(0), ...this.#settledWaiters.splice(0)]) {
      waiter.reject(new Error('The Redis adapter was closed'));
    }
    await this.#transport.close();
  }

  ready(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new Error('The Redis adapter is closed'));
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  settled(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new Error('The Redis adapter is closed'));
    if (this.#unsettled === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#settledWaiters.push({ resolve, reject }));
  }

  // Every change to an entry goes through here, to keep the count of unsettled ones.
  #update(entry: TopicEntry, change: () => void): void {
    const before = isUnsettled(entry);
    change();
    this.#unsettled += Number(isUnsettled(entry)) - Number(before);
    if (this.#unsettled === 0) for (const waiter of this.#settledWaiters.splice(0)) waiter.resolve();
  }

  #publishRefusal(topic: string): RedisAdapterError | undefined {
    if (!this.#deliver || this.#state === 'closed') {
      return new RedisAdapterError(
        RedisAdapterErrorCode.Closed,
        topic,
        publishMessage(RedisAdapterErrorCode.Closed, topic),
      );
    }
    if (!this.#transport.isReady()) {
      return new RedisAdapterError(
        RedisAdapterErrorCode.Offline,
        topic,
        publishMessage(RedisAdapterErrorCode.Offline, topic),
      );
    }
    if (this.#pending >= this.#maxPending) {
      return new RedisAdapterError(
        RedisAdapterErrorCode.TooManyPending,
        topic,
        publishMessage(RedisAdapterErrorCode.TooManyPending, topic),
      );
    }
    return undefined;
  }

  #want(topic: string, wanted: boolean): void {
    if (this.#state === 'closed') return;
    let entry = this.#entries.get(topic);
    if (!entry) {
      if (!wanted) return;
      entry = this.#createEntry(topic);
      this.#entries.set(topic, entry);
    }
    const current = entry;
    this.#update(current, () => {
      current.wanted = wanted;
    });
    this.#sync(current);
  }

  #createEntry(topic: string): TopicEntry {
    const listener: MessageListener = (message) => this.#receive(topic, message);
    return {
      topic,
      channel: this.#prefix + topic,
      listener,
      wanted: false,
      subscribed: false,
      busy: false,
      resent: false,
    };
  }

  // Brings Redis to what the server wants, one command per topic at a time: a quick
  // subscribe/unsubscribe/subscribe waits for the first SUBSCRIBE, finds it wanted
  // again, and stops there. The last acknowledged command decides, never a stale one.
  #sync(entry: TopicEntry): void {
    // Nothing goes to Redis while it is not connected; the changes wait and are sent when it
    // is (`#setState('connected')` syncs every entry). node-redis 5.12 acknowledges a
    // SUBSCRIBE queued before the first connection but never dispatches the channel's
    // messages, and a SUBSCRIBE/UNSUBSCRIBE queued during an outage could keep its subscriber
    // connection from ever becoming ready again (seen in about 1 of 3 restarts). What was
    // subscribed before the outage node-redis itself resubscribes on reconnecting.
    if (entry.busy || this.#state !== 'connected') return;
    if (entry.wanted === entry.subscribed) {
      if (!entry.wanted && this.#entries.get(entry.topic) === entry) this.#entries.delete(entry.topic);
      return;
    }
    this.#update(entry, () => {
      entry.busy = true;
    });
    this.#retry.delete(entry);
    const target = entry.wanted;
    const command = target
      ? this.#transport.subscribe(entry.channel, entry.listener)
      : this.#transport.unsubscribe(entry.channel, entry.listener);
    command.then(
      () => {
        this.#update(entry, () => {
          entry.busy = false;
          entry.subscribed = target;
        });
        entry.resent = false;
        this.#retries = 0;
        this.#sync(entry);
      },
      (cause: unknown) => {
        if (this.#state === 'closed') return;
        // On a cluster, node-redis destroys a shard's subscriber connection once it has no
        // channel left, failing the commands queued behind with ClientClosedError. For an
        // UNSUBSCRIBE that is done: the channel went with the connection. A SUBSCRIBE gets
        // a fresh connection when sent again.
        const connectionGone = cause instanceof ClientClosedError;
        this.#update(entry, () => {
          entry.busy = false;
          if (connectionGone && !target) entry.subscribed = false;
        });
        if (connectionGone && (!target || !entry.resent)) {
          entry.resent = true;
          this.#sync(entry);
          return;
        }
        const verb = target ? 'subscribe to' : 'unsubscribe from';
        const message = `Could not ${verb} topic ${JSON.stringify(entry.topic)} in Redis; retrying`;
        this.#reportError(new RedisAdapterError(RedisAdapterErrorCode.SubscriptionFailed, entry.topic, message, cause));
        this.#scheduleRetry(entry);
      },
    );
  }

  #scheduleRetry(entry: TopicEntry): void {
    this.#retry.add(entry);
    if (this.#retryTimer) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        const entries = [...this.#retry];
        this.#retry.clear();
        for (const retried of entries) this.#sync(retried);
      },
      this.#retryDelay(this.#retries++),
    );
    this.#retryTimer.unref();
  }

  #receive(topic: string, message: Buffer): void {
    if (isFromNode(message, this.#id)) return; // our own publish, delivered locally already
    const decoded = decodeWireMessage(message);
    if (!decoded.ok) {
      this.#reportError(decoded.error);
      return;
    }
    try {
      this.#deliver?.(topic, decoded.payload, decoded.isBinary);
    } catch (cause) {
      const text = `deliver threw for topic ${JSON.stringify(topic)}`;
      this.#reportError(new RedisAdapterError(RedisAdapterErrorCode.DeliverFailed, topic, text, cause));
    }
  }

  #updateState(): void {
    if (this.#state === 'closed' || this.#state === 'idle') return;
    if (this.#transport.isReady()) this.#setState('connected');
    else if (this.#state === 'connected') this.#setState('reconnecting');
  }

  #setState(state: RedisAdapterState): void {
    if (state === this.#state) return;
    this.#state = state;
    if (state === 'connected') {
      for (const entry of this.#entries.values()) this.#sync(entry);
      for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    }
    callHandler(() => this.#options.onStateChange?.(state));
  }

  #reportPublishError(topic: string, error: RedisAdapterError): void {
    callHandler(() => this.#options.onPublishError?.(topic, error));
  }

  #reportError(error: unknown): void {
    if (this.#state === 'closed') return;
    callHandler(() => this.#options.onError?.(error));
  }
}

function isUnsettled(entry: TopicEntry): boolean {
  return entry.busy || entry.wanted !== entry.subscribed;
}

const PUBLISH_REASONS: Partial<Record<RedisAdapterErrorCode, string>> = {
  [RedisAdapterErrorCode.Offline]: 'Redis is not connected',
  [RedisAdapterErrorCode.TooManyPending]: 'too many publishes are waiting for Redis',
  [RedisAdapterErrorCode.Closed]: 'the adapter is closed or not attached',
  [RedisAdapterErrorCode.PublishFailed]: 'Redis failed the publish',
};

function publishMessage(code: RedisAdapterErrorCode, topic: string): string {
  return `Publish on topic ${JSON.stringify(topic)} not forwarded to other nodes: ${PUBLISH_REASONS[code]}`;
}

// A throwing user handler must not break node-redis's event handling nor the server's
// publish: it becomes a process warning instead of an exception.
function callHandler(call: () => void): void {
  try {
    call();
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : String(error), 'RedisAdapterHandlerError');
  }
}
