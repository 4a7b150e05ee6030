import type { Transport } from '@websock/node';
import { compressShared, DEFAULT_THRESHOLD, type PerMessageDeflateOptions } from '@websock/permessage-deflate';
import { type PreparedFrame, prepareFrame } from '@websock/protocol';
import type { TopicAdapter } from './adapter.js';
import { type FrameForm, planFanout } from './fanout.js';
import { TopicRegistry } from './registry.js';

/** RSV1: the payload is compressed (RFC 7692 §6). */
const RSV1 = 4;
const OPEN = 1;
/**
 * A subscriber's socket stays corked for the rest of the turn until this many bytes wait in it;
 * then they go to the kernel at once. Batching pays for small frames (one write for many); past
 * this, holding bytes back only raises `bufferedAmount`, and with it drops and 1008 closes.
 */
const CORK_FLUSH_BYTES = 64 * 1024;

/** What the hub needs of a connection: the server's `ServerWebSocket` (see socket.ts). */
export interface TopicSubscriber {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly socket: Transport;
  readonly frameForm: FrameForm;
  /** The hub's turn in which this connection's socket was last corked (see `TopicHub.#cork`). */
  publishTurn: number;
  send(data: Uint8Array, isBinary: boolean): boolean;
  sendPrepared(frame: PreparedFrame | Promise<PreparedFrame>, size?: number): boolean;
}

export interface TopicHubOptions<S> {
  /** The server's permessage-deflate options (undefined: compression off). */
  readonly deflate?: PerMessageDeflateOptions | undefined;
  /** Skip a subscriber whose `bufferedAmount` is over this many bytes (undefined: never skip). */
  readonly dropThreshold?: number | undefined;
  /** Told about each message skipped for `dropThreshold`. */
  readonly dropped?: ((subscriber: S, topic: string, data: Buffer, isBinary: boolean) => void) | undefined;
  /** Carries topics to and from other nodes (see adapter.ts). */
  readonly adapter?: TopicAdapter | undefined;
}

/** One message being delivered: what each delivery needs, without a closure per subscriber. */
interface Delivery {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly isBinary: boolean;
  /** The uncompressed frame, built on first use. */
  plain: PreparedFrame | undefined;
}

/**
 * The server's topics: the registry, and publishing. A message is framed once per frame form
 * (see fanout.ts) and the same bytes go to every subscriber of that form through the
 * connection's ordered write path (`sendPrepared`), so ordering and the buffered limit are the
 * ones `send()` has. Writes are batched per turn of the event loop: a subscriber's socket is
 * corked on its first publish in a turn, and every socket corked is uncorked in one
 * `process.nextTick`, so a burst of publishes leaves in one write per socket.
 */
export class TopicHub<S extends TopicSubscriber> {
  readonly registry: TopicRegistry<S>;
  readonly #adapter: TopicAdapter | undefined;
  readonly #deflate: PerMessageDeflateOptions | undefined;
  /** Messages shorter than this are not compressed (Infinity without deflate). */
  readonly #threshold: number;
  readonly #dropThreshold: number;
  readonly #dropped: TopicHubOptions<S>['dropped'];
  #turn = 1;
  #corked: Transport[] = [];

  constructor(options: TopicHubOptions<S> = {}) {
    const adapter = options.adapter;
    this.#adapter = adapter;
    this.registry = new TopicRegistry<S>(
      adapter && {
        topicAdded: (topic) => adapter.subscribe(topic),
        topicRemoved: (topic) => adapter.unsubscribe(topic),
      },
    );
    adapter?.attach((topic, data, isBinary) => {
      this.publishLocally(topic, toBytes(data), isBinary);
    });
    this.#deflate = options.deflate;
    this.#threshold =
      options.deflate === undefined ? Number.POSITIVE_INFINITY : (options.deflate.threshold ?? DEFAULT_THRESHOLD);
    const drop = options.dropThreshold;
    if (drop !== undefined && !(drop >= 0)) throw new RangeError('publishDropThreshold must be a number of bytes >= 0');
    this.#dropThreshold = drop ?? Number.POSITIVE_INFINITY;
    this.#dropped = options.dropped;
  }

  /**
   * Sends a message to every open subscriber of `topic` except `sender`. Returns how many it was
   * written (or queued) to: subscribers skipped for `dropThreshold`, closing or gone are not counted.
   */
  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer, isBinary?: boolean, sender?: S): number {
    if (typeof topic !== 'string') throw new TypeError('a topic is a string');
    const payload = toBytes(data);
    const binary = isBinary ?? typeof data !== 'string';
    const delivered = this.publishLocally(topic, payload, binary, sender);
    // Other nodes get it whether or not this one has subscribers; they deliver to their own only.
    this.#adapter?.publish(topic, payload, binary);
    return delivered;
  }

  /** Delivers to this node's subscribers only (a local publish, or one an adapter brought in). */
  publishLocally(topic: string, payload: Uint8Array, isBinary: boolean, sender?: S): number {
    const subscribers = this.registry.subscribersOf(topic);
    if (subscribers === undefined) return 0;
    const delivery: Delivery = { topic, payload, isBinary, plain: undefined };
    const plan = planFanout(subscribers, frameFormOf, {
      exclude: sender,
      compress: payload.length >= this.#threshold,
    });
    let delivered = 0;
    if (plan.plain.length > 0) {
      const frame = this.#plainFrame(delivery);
      for (const subscriber of plan.plain) delivered += this.#deliver(subscriber, delivery, frame, undefined);
    }
    for (const [windowBits, group] of plan.shared) {
      const frame = this.#compressedFrame(delivery, windowBits);
      const size = frame instanceof Promise ? payload.length : undefined;
      for (const subscriber of group) delivered += this.#deliver(subscriber, delivery, frame, size);
    }
    // Context takeover: each compresses with its own history, through its own send path.
    for (const subscriber of plan.own) delivered += this.#deliver(subscriber, delivery, null, undefined);
    return delivered;
  }

  #plainFrame(delivery: Delivery): PreparedFrame {
    delivery.plain ??= prepareFrame(delivery.payload, delivery.isBinary);
    return delivery.plain;
  }

  /** One compression for every subscriber of this window; the plain frame when it does not shrink. */
  #compressedFrame(delivery: Delivery, windowBits: number): PreparedFrame | Promise<PreparedFrame> {
    const deflate = this.#deflate;
    const compressed = compressShared(delivery.payload, {
      windowBits,
      level: deflate?.level,
      memLevel: deflate?.memLevel,
      limiter: deflate?.limiter,
    });
    if (compressed instanceof Promise) {
      return compressed.then((bytes) =>
        bytes === null ? this.#plainFrame(delivery) : prepareFrame(bytes, delivery.isBinary, RSV1),
      );
    }
    return compressed === null ? this.#plainFrame(delivery) : prepareFrame(compressed, delivery.isBinary, RSV1);
  }

  /** Writes one subscriber's copy (`frame` null: through its own `send`). Returns 1 if written. */
  #deliver(
    subscriber: S,
    delivery: Delivery,
    frame: PreparedFrame | Promise<PreparedFrame> | null,
    size: number | undefined,
  ): number {
    // Gone since the plan was made: closing, or unsubscribed by a handler run meanwhile.
    if (subscriber.readyState !== OPEN || !this.registry.isSubscribed(subscriber, delivery.topic)) return 0;
    if (subscriber.bufferedAmount > this.#dropThreshold) {
      this.#dropped?.(subscriber, delivery.topic, toBuffer(delivery.payload), delivery.isBinary);
      return 0;
    }
    this.#cork(subscriber);
    // Both apply the connection's limit after the write: past maxBufferedAmount, it closes with 1008.
    if (frame === null) subscriber.send(delivery.payload, delivery.isBinary);
    else subscriber.sendPrepared(frame, size);
    const socket = subscriber.socket;
    if (socket.writableLength >= CORK_FLUSH_BYTES) {
      socket.uncork();
      socket.cork();
    }
    return 1;
  }

  /** Corks the subscriber's socket for the rest of this turn (once per turn). */
  #cork(subscriber: S): void {
    if (subscriber.publishTurn === this.#turn) return;
    subscriber.publishTurn = this.#turn;
    subscriber.socket.cork();
    this.#corked.push(subscriber.socket);
    if (this.#corked.length === 1) process.nextTick(this.#uncorkAll);
  }

  readonly #uncorkAll = (): void => {
    const sockets = this.#corked;
    this.#corked = [];
    this.#turn++;
    for (const socket of sockets) socket.uncork();
  };
}

function frameFormOf(subscriber: TopicSubscriber): FrameForm {
  return subscriber.frameForm;
}

function toBytes(data: string | ArrayBufferView | ArrayBuffer): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('publish() takes a string, an ArrayBuffer or a view of one');
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
