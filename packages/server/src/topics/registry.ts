import type { TopicObserver } from './adapter.js';

/**
 * Who is subscribed to what: topics (strings) to subscribers and back, as plain data (no
 * sockets), so it is tested on its own. Generic over the subscriber (a connection, in the
 * server). Both directions are created lazily and removed when empty: a subscriber with no
 * topics costs nothing here, and a topic with no subscribers does not exist.
 */
export class TopicRegistry<S> {
  readonly #subscribers = new Map<string, Set<S>>();
  readonly #topics = new Map<S, Set<string>>();
  readonly #observer: TopicObserver | undefined;

  /** `observer` hears of each topic's first subscriber and of its last one leaving (a broker adapter). */
  constructor(observer?: TopicObserver) {
    this.#observer = observer;
  }

  /** Subscribes; true when it was not subscribed yet. */
  subscribe(subscriber: S, topic: string): boolean {
    let topics = this.#topics.get(subscriber);
    if (topics?.has(topic)) return false;
    if (topics === undefined) {
      topics = new Set();
      this.#topics.set(subscriber, topics);
    }
    topics.add(topic);
    let subscribers = this.#subscribers.get(topic);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.#subscribers.set(topic, subscribers);
      subscribers.add(subscriber);
      this.#observer?.topicAdded(topic);
      return true;
    }
    subscribers.add(subscriber);
    return true;
  }

  /** Unsubscribes; true when it was subscribed. */
  unsubscribe(subscriber: S, topic: string): boolean {
    const topics = this.#topics.get(subscriber);
    if (topics === undefined || !topics.delete(topic)) return false;
    if (topics.size === 0) this.#topics.delete(subscriber);
    const subscribers = this.#subscribers.get(topic);
    if (subscribers !== undefined) {
      subscribers.delete(subscriber);
      if (subscribers.size === 0) this.#removeTopic(topic);
    }
    return true;
  }

  /** Leaves every topic (a closed connection). Returns how many it left. */
  unsubscribeAll(subscriber: S): number {
    const topics = this.#topics.get(subscriber);
    if (topics === undefined) return 0;
    this.#topics.delete(subscriber);
    for (const topic of topics) {
      const subscribers = this.#subscribers.get(topic);
      if (subscribers === undefined) continue;
      subscribers.delete(subscriber);
      if (subscribers.size === 0) this.#removeTopic(topic);
    }
    return topics.size;
  }

  #removeTopic(topic: string): void {
    this.#subscribers.delete(topic);
    this.#observer?.topicRemoved(topic);
  }

  isSubscribed(subscriber: S, topic: string): boolean {
    return this.#subscribers.get(topic)?.has(subscriber) ?? false;
  }

  /** The subscriber's topics: a live read-only view (an empty one when it has none). */
  topicsOf(subscriber: S): ReadonlySet<string> {
    return this.#topics.get(subscriber) ?? NO_TOPICS;
  }

  /** The topic's subscribers: a live read-only view, or undefined when it has none. */
  subscribersOf(topic: string): ReadonlySet<S> | undefined {
    return this.#subscribers.get(topic);
  }

  subscriberCount(topic: string): number {
    return this.#subscribers.get(topic)?.size ?? 0;
  }

  /** Topics with at least one subscriber. */
  get topicCount(): number {
    return this.#subscribers.size;
  }

  /** Subscribers with at least one topic. */
  get subscriberTotal(): number {
    return this.#topics.size;
  }
}

const NO_TOPICS: ReadonlySet<string> = new Set<string>();
