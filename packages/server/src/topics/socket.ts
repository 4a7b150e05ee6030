import { type Transport, WebSocket, type WebSocketHandlers, type WebSocketOptions } from '@websock/node';
import { PerMessageDeflate } from '@websock/permessage-deflate';
import { type FrameForm, frameFormOf } from './fanout.js';
import type { TopicHub } from './hub.js';

const CLOSED = 3;

/**
 * A server-side connection: the `WebSocket` of @websock/node plus topics. It reaches the
 * server's topics through one shared reference (no closure per connection), and a connection
 * with no topics holds no collection for them: the registry creates one on the first subscribe.
 */
export class ServerWebSocket<Data = undefined> extends WebSocket<Data> {
  /** @internal */
  readonly hub: TopicHub<ServerWebSocket<Data>>;
  /** @internal How published messages are framed for this connection (see fanout.ts). */
  readonly frameForm: FrameForm;
  /** @internal The hub's turn in which this socket was last corked for publishing. */
  publishTurn = 0;

  /** @internal Created by the server. */
  constructor(
    socket: Transport,
    handlers: WebSocketHandlers<Data>,
    options: WebSocketOptions,
    data: Data,
    hub: TopicHub<ServerWebSocket<Data>>,
  ) {
    super(socket, handlers, options, data);
    this.hub = hub;
    const deflate = options.extensions?.find((extension) => extension instanceof PerMessageDeflate);
    this.frameForm = frameFormOf(deflate?.params);
  }

  /**
   * Subscribes to `topic`: messages published to it come to this connection. Returns true when
   * newly subscribed, false when it already was or the connection has closed.
   */
  subscribe(topic: string): boolean {
    assertTopic(topic);
    if (this.readyState === CLOSED) return false;
    return this.hub.registry.subscribe(this, topic);
  }

  /** Unsubscribes from `topic`. Returns true when it was subscribed. */
  unsubscribe(topic: string): boolean {
    assertTopic(topic);
    return this.hub.registry.unsubscribe(this, topic);
  }

  isSubscribed(topic: string): boolean {
    return this.hub.registry.isSubscribed(this, topic);
  }

  /** The topics this connection is subscribed to: a live read-only view. */
  get topics(): ReadonlySet<string> {
    return this.hub.registry.topicsOf(this);
  }

  /**
   * Sends a message to every other subscriber of `topic` (this connection need not be
   * subscribed itself). Strings go as text, bytes as binary unless `isBinary` says otherwise.
   * Returns how many connections it was written or queued to.
   */
  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer, isBinary?: boolean): number {
    return this.hub.publish(topic, data, isBinary, this);
  }

  /** @internal The transport closed: after the close handler ran, leave every topic. */
  override onTransportClosed(): void {
    try {
      super.onTransportClosed();
    } finally {
      this.hub.registry.unsubscribeAll(this);
    }
  }
}

function assertTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw new TypeError(`a topic is a string, got ${typeof topic}`);
}
