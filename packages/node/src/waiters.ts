import type { CloseResult } from '@websock/protocol';
import { ConnectionClosedError } from './errors.js';

interface PendingPing {
  readonly payload: Uint8Array;
  readonly sentAt: number;
  readonly resolve: (rtt: number) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingDrain {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * What callers of one connection are waiting for: pongs to their pings, and drains. Made on
 * first use, so a connection that never asks costs one empty field.
 */
export class Waiters {
  /** Round-trip time of the last answered `roundTrip()`, in ms. */
  rtt: number | undefined;
  private readonly pings: PendingPing[] = [];
  private readonly drains: PendingDrain[] = [];
  private counter = 0;

  /** A ping payload no other pending ping of this connection has: 8 bytes of a counter. */
  uniquePayload(): Uint8Array {
    const payload = Buffer.allocUnsafe(8);
    payload.writeDoubleBE(++this.counter);
    return payload;
  }

  expectPong(payload: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pings.push({ payload, sentAt: performance.now(), resolve, reject });
    });
  }

  /**
   * A pong arrived. A peer may answer only the latest of several pings (RFC 6455 §5.5.3), so
   * the pong that matches a pending ping answers that one and every one sent before it.
   */
  pong(data: Uint8Array): void {
    const pings = this.pings;
    let match = -1;
    for (let i = 0; i < pings.length; i++) {
      if (Buffer.compare(pings[i]!.payload, data) === 0) {
        match = i;
        break;
      }
    }
    if (match === -1) return; // unsolicited, or for a plain ping()
    const now = performance.now();
    for (const ping of pings.splice(0, match + 1)) {
      this.rtt = now - ping.sentAt;
      ping.resolve(this.rtt);
    }
  }

  whenDrained(): Promise<void> {
    return new Promise((resolve, reject) => this.drains.push({ resolve, reject }));
  }

  get awaitingDrain(): boolean {
    return this.drains.length > 0;
  }

  drained(): void {
    for (const drain of this.drains.splice(0)) drain.resolve();
  }

  /** The connection closed: nothing pending will ever be answered. */
  closed(result: CloseResult): void {
    if (this.pings.length === 0 && this.drains.length === 0) return;
    const error = new ConnectionClosedError(`the connection closed (${result.code}) first`, result);
    for (const ping of this.pings.splice(0)) ping.reject(error);
    for (const drain of this.drains.splice(0)) drain.reject(error);
  }
}
