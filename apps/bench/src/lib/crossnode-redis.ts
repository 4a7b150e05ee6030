// The Redis round trip alone, in the same run as the fan-out: a bare node-redis client
// PUBLISHes and another, subscribed, receives; one message in flight, latency per message.
import { createClient } from 'redis';

export interface RedisRoundTrip {
  messagesPerSecond: number;
  latencies: number[];
}

export async function measureRedisRoundTrip(url: string, size: number, warmupMs: number, durationMs: number) {
  const publisher = createClient({ url });
  const subscriber = publisher.duplicate();
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const payload = Buffer.alloc(size, 0x61);
  const latencies: number[] = [];
  let measuring = false;
  let sent = 0;
  let received = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  let stopAt = Number.POSITIVE_INFINITY;
  const next = () => {
    sent = performance.now();
    void publisher.publish('bench-rtt', payload);
  };
  await subscriber.subscribe(
    'bench-rtt',
    () => {
      const now = performance.now();
      if (measuring) {
        latencies.push(now - sent);
        received++;
      }
      if (now >= stopAt) done();
      else next();
    },
    true,
  );
  next();
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  measuring = true;
  const from = performance.now();
  stopAt = from + durationMs;
  await finished;
  const elapsed = performance.now() - from;
  await Promise.all([publisher.close(), subscriber.close()]);
  return { messagesPerSecond: (received / elapsed) * 1000, latencies } satisfies RedisRoundTrip;
}
