import { ConnectionClosedError } from './errors.js';

/** A large message as it arrives: its bytes in order, as Buffers (views, no copy). */
export type MessageStream = ReadableStream<Buffer>;

/** Default bytes a message stream queues before reading from the socket stops. */
export const DEFAULT_MESSAGE_STREAM_HIGH_WATER_MARK = 64 * 1024;

/** What a message stream needs of its connection: its input tap, and who to hand the stream to. */
export interface MessageStreamHost {
  /** Stop and resume reading (the core holds the rest, the socket pauses). */
  pauseInput(): void;
  resumeInput(): void;
  /** Hands a new stream to the application (the `messageStream` handler). */
  deliver(stream: MessageStream, isBinary: boolean): void;
}

/**
 * Turns the core's `messageStart` / `messageChunk` / `messageEnd` into one `ReadableStream` per
 * message, with backpressure: once the reader is `highWaterMark` bytes behind, the connection
 * stops reading (the rest of a received chunk waits in the core, the socket pauses and TCP holds
 * the peer back); it reads again when the reader asks for more. So one connection holds at most
 * about `highWaterMark` plus one received chunk (or one zlib output chunk) of a message.
 *
 * A message's end is held back too while the reader is behind: the next message does not begin
 * (and queue more bytes) before the reader has caught up with this one. A reader that cancels
 * the stream gets nothing more of this message: the rest is read and dropped (still checked),
 * and the connection carries on with the next message.
 */
export class MessageStreams {
  private controller: ReadableStreamDefaultController<Buffer> | null = null;
  /** The reader cancelled: the rest of the message is dropped. */
  private cancelled = false;
  /** This stream stopped the connection's input. */
  private paused = false;
  /** The message ended while the reader was behind: close (and read on) when it catches up. */
  private endPending = false;
  /** What the last unfinished message's stream errored with. */
  private failure: unknown = undefined;

  constructor(
    private readonly host: MessageStreamHost,
    private readonly highWaterMark: number,
  ) {}

  start(isBinary: boolean): void {
    this.cancelled = false;
    this.endPending = false;
    let controller!: ReadableStreamDefaultController<Buffer>;
    const stream = new ReadableStream<Buffer>(
      {
        start: (c) => {
          controller = c;
        },
        pull: (c) => this.pulled(c),
        cancel: () => this.cancel(controller),
      },
      { highWaterMark: this.highWaterMark, size: (chunk) => chunk.byteLength },
    );
    this.controller = controller;
    this.host.deliver(stream, isBinary);
  }

  chunk(data: Uint8Array): void {
    const controller = this.controller;
    if (controller === null || this.cancelled) return;
    controller.enqueue(toBuffer(data));
    if ((controller.desiredSize ?? 1) <= 0) this.pause();
  }

  end(): void {
    const controller = this.controller;
    if (controller === null) return;
    if (this.paused && !this.cancelled) {
      this.endPending = true;
      return;
    }
    this.controller = null;
    if (!this.cancelled) controller.close();
  }

  /** The message will not be finished: a protocol error, or the connection closed. */
  fail(error: unknown): void {
    const controller = this.controller;
    if (controller === null) return;
    this.controller = null;
    this.paused = false; // the connection reads no more messages
    if (this.endPending) {
      // The message was complete; only the reader was behind. It keeps what it has.
      controller.close();
      return;
    }
    if (this.cancelled) return;
    this.failure = error;
    controller.error(error);
  }

  /** Whether `error` is what a stream errored with (a reader that rethrows it is not at fault). */
  endedWith(error: unknown): boolean {
    return error !== undefined && error === this.failure;
  }

  /** The connection closed: a message still open ends with a `ConnectionClosedError`. */
  closed(code: number, reason: string, wasClean: boolean): void {
    if (this.controller === null) return;
    this.fail(
      new ConnectionClosedError(`the connection closed (${code}) before the message ended`, { code, reason, wasClean }),
    );
  }

  private pulled(controller: ReadableStreamDefaultController<Buffer>): void {
    if (controller !== this.controller) return;
    if (this.endPending) {
      this.endPending = false;
      this.controller = null;
      controller.close();
    }
    this.resume();
  }

  private cancel(controller: ReadableStreamDefaultController<Buffer>): void {
    if (controller !== this.controller) return;
    this.cancelled = true;
    if (this.endPending) this.controller = null;
    this.resume();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.host.pauseInput();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.host.resumeInput();
  }
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
