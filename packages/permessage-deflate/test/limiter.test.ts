import { describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY, JobLimiter, sharedLimiter } from '../src/limiter.js';

describe('JobLimiter', () => {
  it('runs at most `concurrency` jobs at once, the rest in FIFO order', () => {
    const limiter = new JobLimiter(2);
    const started: number[] = [];
    const dones: Array<() => void> = [];
    for (let i = 0; i < 5; i++) {
      limiter.run((done) => {
        started.push(i);
        dones.push(done);
      });
    }
    expect(started).toEqual([0, 1]);
    expect(limiter.running).toBe(2);
    expect(limiter.pending).toBe(3);
    dones[1]!();
    expect(started).toEqual([0, 1, 2]);
    dones[0]!();
    dones[2]!();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    dones[3]!();
    dones[4]!();
    expect(limiter.running).toBe(0);
    expect(limiter.pending).toBe(0);
  });

  it('ignores a second done() from the same job', () => {
    const limiter = new JobLimiter(1);
    let first: (() => void) | undefined;
    const started: number[] = [];
    limiter.run((done) => {
      first = done;
    });
    limiter.run(() => started.push(1));
    limiter.run(() => started.push(2));
    first!();
    first!();
    expect(started).toEqual([1]);
    expect(limiter.running).toBe(1);
  });

  it('handles jobs that finish synchronously without recursion, even in long chains', () => {
    const limiter = new JobLimiter(1);
    let count = 0;
    for (let i = 0; i < 100_000; i++) {
      limiter.run((done) => {
        count++;
        done();
      });
    }
    expect(count).toBe(100_000);
    expect(limiter.running).toBe(0);
  });

  it('keeps the queue compact while it drains slowly', async () => {
    const limiter = new JobLimiter(1);
    const order: number[] = [];
    for (let i = 0; i < 5000; i++) {
      limiter.run((done) => {
        order.push(i);
        setImmediate(done);
      });
    }
    await new Promise<void>((resolve) =>
      limiter.run((done) => {
        done();
        resolve();
      }),
    );
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('frees the slot of a job that throws, starts the next, and rethrows to the caller', () => {
    const limiter = new JobLimiter(1);
    const started: string[] = [];
    let release: (() => void) | undefined;
    limiter.run((done) => {
      release = done;
    });
    limiter.run(() => {
      throw new Error('boom');
    });
    limiter.run((done) => {
      started.push('after');
      done();
    });
    expect(() => release!()).toThrow('boom');
    expect(started).toEqual(['after']);
    expect(limiter.running).toBe(0);
  });

  it('starts waiting jobs when concurrency is raised, and validates it', () => {
    const limiter = new JobLimiter(1);
    const started: number[] = [];
    for (let i = 0; i < 3; i++) limiter.run(() => started.push(i));
    expect(started).toEqual([0]);
    limiter.concurrency = 3;
    expect(started).toEqual([0, 1, 2]);
    expect(() => new JobLimiter(0)).toThrow(RangeError);
    expect(() => {
      limiter.concurrency = 1.5;
    }).toThrow(RangeError);
  });

  it('has a process-wide instance with the default concurrency', () => {
    expect(sharedLimiter.concurrency).toBe(DEFAULT_CONCURRENCY);
    expect(DEFAULT_CONCURRENCY).toBe(10);
  });
});
