import type { Utf8Validator } from '@websock/utf8';
import { MessageAccumulator } from './accumulator.js';
import { ProtocolErrorCode, violation } from './errors.js';
import type { MessageDecoder, MessageExtension } from './extension.js';

/** Where a message read as it arrives reports: the connection that reads it. */
export interface StreamOwner {
  /** The bytes of one message, on the wire and decoded, may not pass this. */
  readonly maxMessageSize: number;
  /** The message reached the threshold: it is reported in pieces from now on. */
  start(isBinary: boolean): void;
  /** Its next bytes, checked (size, UTF-8). */
  chunk(data: Uint8Array): void;
  /** It is complete, after `start`. */
  end(): void;
  /** It is complete and never reached the threshold: the whole message. */
  whole(data: Uint8Array, isBinary: boolean): void;
  /** It broke a rule (1007, 1009) or its decoder failed: fail the connection. */
  fail(error: unknown): void;
}

export interface StreamedMessageOptions {
  readonly isBinary: boolean;
  /**
   * The validator of a text message (null for binary), already fed whatever part of the message
   * was validated before it came here.
   */
  readonly utf8: Utf8Validator | null;
  /** The extension that decodes the message (with the RSV bits `rsv`); null when untransformed. */
  readonly extension: MessageExtension | null;
  readonly rsv: number;
  /**
   * Bytes (decoded) the message must reach before it is reported in pieces; until then they are
   * kept, and a message that ends short of it is reported whole. `begin()` starts at once.
   */
  readonly threshold: number;
}

/**
 * One message read as it arrives (see `messageStreamThreshold`): counts its bytes against the
 * limit (on the wire and, when an extension decodes it, after decoding), validates text
 * incrementally (fail-fast: the piece that makes it invalid fails it, 1007), runs the extension's
 * incremental decoder, and reports the message in pieces once its decoded size reaches the
 * threshold (whole when it ends short of it: a compressed message's real size shows only as it
 * is inflated). The connection orders the pieces; this object checks, decodes and reports them.
 */
export class StreamedMessage {
  /** Bytes of the message received so far, as they came on the wire. */
  wireBytes = 0;
  private decodedBytes = 0;
  private readonly decoder: MessageDecoder | null;
  private readonly isBinary: boolean;
  private readonly utf8: Utf8Validator | null;
  private readonly threshold: number;
  /** What came before the message reached the threshold; null once it is reported in pieces. */
  private pending: MessageAccumulator | null = new MessageAccumulator(undefined, false);
  private failed = false;
  /** Settles the write in progress when the message is abandoned (its decoder then never answers). */
  private settleWrite: (() => void) | null = null;

  constructor(
    private readonly owner: StreamOwner,
    options: StreamedMessageOptions,
  ) {
    this.isBinary = options.isBinary;
    this.utf8 = options.utf8;
    this.threshold = options.threshold;
    const extension = options.extension;
    if (extension === null) {
      this.decoder = null;
      return;
    }
    if (extension.decodeStream === undefined) {
      // The connection refuses such extensions when streaming is on: unreachable.
      throw new TypeError(`extension ${extension.name} cannot decode a message in pieces`);
    }
    this.decoder = extension.decodeStream(options.rsv & extension.rsvMask, (data) => this.decoded(data));
  }

  /** Reports the message in pieces from now on (what was kept comes first). */
  begin(): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.owner.start(this.isBinary);
    const kept = pending.take();
    if (kept.length > 0) this.owner.chunk(kept);
  }

  /**
   * The next bytes of the message as they came on the wire (`last` on its final piece). Returns
   * a Promise while an asynchronous decode of them runs (the connection reads nothing meanwhile),
   * false once the message failed (the connection is being failed), true otherwise. The message's
   * end is reported (`end` or `whole`) before the last write's result.
   */
  write(bytes: Uint8Array, last: boolean): boolean | Promise<void> {
    this.wireBytes += bytes.length;
    if (this.wireBytes > this.owner.maxMessageSize) return this.tooBig();
    const decoder = this.decoder;
    if (decoder === null) return this.accept(bytes) && (!last || this.end());
    let pending: undefined | Promise<void>;
    try {
      pending = decoder.write(bytes, last);
    } catch (error) {
      return this.reject(error);
    }
    if (pending === undefined) return !this.failed && (!last || this.end());
    return new Promise<void>((resolve) => {
      this.settleWrite = resolve;
      pending.then(
        () => {
          if (last && !this.failed) this.end();
          this.writeSettled(resolve);
        },
        (error: unknown) => {
          this.reject(error);
          this.writeSettled(resolve);
        },
      );
    });
  }

  private writeSettled(resolve: () => void): void {
    if (this.settleWrite === resolve) this.settleWrite = null;
    resolve();
  }

  /** Stops and resumes the decoder's output (the application is behind / caught up). */
  pause(): void {
    this.decoder?.pause();
  }

  resume(): void {
    this.decoder?.resume();
  }

  /** The message will not be finished: the connection failed or closed. */
  abort(): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = null;
    this.decoder?.abort();
    const settle = this.settleWrite;
    this.settleWrite = null;
    settle?.();
  }

  /** The decoder's output. */
  private decoded(data: Uint8Array): void {
    if (this.failed) return;
    this.decodedBytes += data.length;
    if (this.decodedBytes > this.owner.maxMessageSize) {
      this.tooBig();
      return;
    }
    this.accept(data);
  }

  /** Checks `data` (UTF-8 of a text message) and reports or keeps it. False when it failed the message. */
  private accept(data: Uint8Array): boolean {
    if (this.utf8 !== null && !this.utf8.write(data)) return this.invalidUtf8();
    if (data.length === 0) return true;
    const pending = this.pending;
    if (pending === null) {
      this.owner.chunk(data);
    } else {
      pending.append(data);
      if (pending.length >= this.threshold) this.begin();
    }
    return !this.failed;
  }

  /** The message is complete: a text message must not end inside a character. */
  private end(): boolean {
    if (this.utf8 !== null && !this.utf8.end()) return this.invalidUtf8();
    const pending = this.pending;
    if (pending === null || pending.length >= this.threshold) {
      this.begin();
      this.owner.end();
    } else {
      this.pending = null;
      this.owner.whole(pending.take(), this.isBinary);
    }
    return true;
  }

  private invalidUtf8(): false {
    return this.reject(violation(ProtocolErrorCode.InvalidUtf8, 'text message is not valid UTF-8'));
  }

  private tooBig(): false {
    const limit = this.owner.maxMessageSize;
    return this.reject(violation(ProtocolErrorCode.MessageTooBig, `message exceeds the limit of ${limit} bytes`));
  }

  private reject(error: unknown): false {
    if (this.failed) return false;
    this.abort();
    this.owner.fail(error);
    return false;
  }
}
