/**
 * Topics beyond one process: a broker adapter (Redis in `@websock/redis`; NATS or another
 * broker fits the same shape). `publish` stays the one call an application makes: the server
 * delivers to its own subscribers, then hands the message to the adapter for the other nodes,
 * and delivers what the adapter brings in to its own subscribers only.
 */
export interface TopicAdapter {
  /**
   * Called once by the server with its local delivery: `deliver` fans out to this node's
   * subscribers only and never calls `adapter.publish` (no loops between nodes).
   */
  attach(deliver: (topic: string, data: Uint8Array, isBinary: boolean) => void): void;
  /** The first local subscriber of `topic` arrived: start receiving it from other nodes. */
  subscribe(topic: string): void;
  /** The last local subscriber of `topic` left: stop receiving it. */
  unsubscribe(topic: string): void;
  /** A publish on this node, already delivered locally: forward it. Never blocks, never throws. */
  publish(topic: string, data: Uint8Array, isBinary: boolean): void;
  /** The server is shutting down: release connections. */
  close(): Promise<void>;
}

/** Told when a topic gets its first subscriber and when it loses its last one. */
export interface TopicObserver {
  topicAdded(topic: string): void;
  topicRemoved(topic: string): void;
}
