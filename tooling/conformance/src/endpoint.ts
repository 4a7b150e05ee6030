import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { ObservedEvent } from './peer.js';

export interface ChopOptions {
  /** Write in TCP chops of this many bytes. */
  chopSize?: number;
  /** Pause between chops (ms); 0 still yields to the event loop between chops. */
  chopDelayMs?: number;
}

const MAX_LOG = 400;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What both scripted peers share, the client peer (`Peer`) and the server peer
 * (`ServerPeer`): the byte stream (a TCP/TLS socket or an HTTP/2 stream), a clock from the peer's start, the wire log, observed
 * events, chopped and timed writes, and waiting on state changes.
 */
export abstract class ScriptedEndpoint {
  readonly events: ObservedEvent[] = [];
  readonly log: string[] = [];
  protected readonly socket: Duplex;
  private readonly startedAt: number;
  private readonly waiters = new Set<() => void>();

  protected constructor(socket: Duplex, startedAt: number = performance.now()) {
    this.socket = socket;
    this.startedAt = startedAt;
  }

  /** Milliseconds since the peer started. */
  now(): number {
    return Math.round((performance.now() - this.startedAt) * 10) / 10;
  }

  get canWrite(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded;
  }

  note(line: string): void {
    if (this.log.length < MAX_LOG) this.log.push(`${this.now().toFixed(1).padStart(8)}ms ${line}`);
    else if (this.log.length === MAX_LOG) this.log.push('... (log truncated)');
  }

  /** Records a scripted timing marker, like the official suite's ("timeout", tag). */
  mark(tag: string): void {
    this.events.push({ type: 'timeout', tag, at: this.now() });
    this.note(`MARK timeout ${tag}`);
    this.wake();
  }

  /** Raw bytes, optionally in timed TCP chops. */
  async write(bytes: Uint8Array, options: ChopOptions = {}): Promise<void> {
    const size = options.chopSize && options.chopSize > 0 ? options.chopSize : bytes.length || 1;
    for (let o = 0; o < bytes.length; o += size) {
      if (!this.canWrite) {
        this.note(`TX skipped ${bytes.length - o} bytes: socket no longer writable`);
        return;
      }
      const ok = this.socket.write(bytes.subarray(o, o + size));
      if (!ok) await this.drained();
      if (options.chopDelayMs !== undefined && o + size < bytes.length) await sleep(options.chopDelayMs);
    }
  }

  /** Resolves true as soon as `predicate` holds (re-checked on every state change), false on timeout. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const check = () => {
        if (predicate()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      this.waiters.add(check);
    });
  }

  /** Re-checks every `waitFor` predicate: call it on every state change. */
  protected wake(): void {
    for (const check of [...this.waiters]) check();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
