// What the adapter reports. It never throws at the server: a publish that cannot be
// forwarded goes to `onPublishError` with one of these, everything else to `onError`.

/** Machine-readable codes of {@link RedisAdapterError}. */
export const RedisAdapterErrorCode = {
  /** Redis was not reachable: the publish was dropped, not queued. */
  Offline: 'WS_REDIS_ERR_OFFLINE',
  /** `maxPendingPublishes` publishes were already waiting for Redis: this one was dropped. */
  TooManyPending: 'WS_REDIS_ERR_TOO_MANY_PENDING',
  /** Redis or the connection failed the PUBLISH/SPUBLISH (see `cause`). */
  PublishFailed: 'WS_REDIS_ERR_PUBLISH_FAILED',
  /** The adapter is closed (or not attached yet): nothing goes out. */
  Closed: 'WS_REDIS_ERR_CLOSED',
  /** A SUBSCRIBE or UNSUBSCRIBE failed (see `cause`); the adapter retries it with backoff. */
  SubscriptionFailed: 'WS_REDIS_ERR_SUBSCRIPTION_FAILED',
  /** The server's `deliver` threw while handling a message from another node (see `cause`). */
  DeliverFailed: 'WS_REDIS_ERR_DELIVER_FAILED',
} as const;

export type RedisAdapterErrorCode = (typeof RedisAdapterErrorCode)[keyof typeof RedisAdapterErrorCode];

/** A publish dropped, a subscription change that failed, or a delivery that threw. */
export class RedisAdapterError extends Error {
  override readonly name = 'RedisAdapterError';
  readonly code: RedisAdapterErrorCode;
  /** The topic concerned. */
  readonly topic: string;

  constructor(code: RedisAdapterErrorCode, topic: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.topic = topic;
  }
}
