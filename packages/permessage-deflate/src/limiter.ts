/** A unit of work that holds a slot until it calls `done` (exactly once; later calls are ignored). */
export type Job = (done: () => void) => void;

/** Default number of zlib jobs in flight per process (libuv's thread pool has 4 threads by default). */
export const DEFAULT_CONCURRENCY = 10;

/**
 * Runs jobs with at most `concurrency` in flight, the rest waiting in FIFO order. Asynchronous
 * zlib work runs on libuv's small thread pool (shared with fs and dns) and every job in flight
 * holds buffers and a zlib context, so an unbounded number of them is both a latency and a
 * memory problem; queuing the excess keeps both bounded without blocking the event loop.
 */
export class JobLimiter {
  #concurrency: number;
  #running = 0;
  #queue: Job[] = [];
  #head = 0;
  #draining = false;

  constructor(concurrency: number = DEFAULT_CONCURRENCY) {
    this.#concurrency = checkConcurrency(concurrency);
  }

  /** Jobs allowed in flight at once. Raising it starts waiting jobs at once. */
  get concurrency(): number {
    return this.#concurrency;
  }

  set concurrency(value: number) {
    this.#concurrency = checkConcurrency(value);
    this.#drain();
  }

  /** Jobs started and not done yet. */
  get running(): number {
    return this.#running;
  }

  /** Jobs waiting for a slot. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Starts `job` now if a slot is free, else when one frees up (after the jobs queued before it). */
  run(job: Job): void {
    this.#queue.push(job);
    this.#drain();
  }

  #drain(): void {
    // A job that finishes synchronously calls done() from inside this loop: the flag keeps
    // that from recursing, the loop picks up the freed slot.
    if (this.#draining) return;
    this.#draining = true;
    let failure: { error: unknown } | undefined;
    try {
      while (this.#running < this.#concurrency && this.#head < this.#queue.length) {
        const job = this.#queue[this.#head]!;
        this.#queue[this.#head] = undefined as unknown as Job;
        this.#head++;
        if (this.#head === this.#queue.length) {
          this.#queue.length = 0;
          this.#head = 0;
        } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        this.#running++;
        let released = false;
        const done = (): void => {
          if (released) return;
          released = true;
          this.#running--;
          this.#drain();
        };
        try {
          job(done);
        } catch (error) {
          // A throwing job frees its slot; the others still start, then the caller sees the error.
          done();
          failure ??= { error };
        }
      }
    } finally {
      this.#draining = false;
    }
    if (failure !== undefined) throw failure.error;
  }
}

function checkConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${value}`);
  return value;
}

/**
 * The process-wide limiter every permessage-deflate codec uses unless given its own. Tune it
 * with `sharedLimiter.concurrency = n`.
 */
export const sharedLimiter: JobLimiter = /* @__PURE__ */ new JobLimiter();
