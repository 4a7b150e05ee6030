import type { Utf8Validator } from '@websock/utf8';
import { ProtocolErrorCode, violation } from './errors.js';
import type { MessageDecoder, MessageExtension } from './extension.js';

/** Where a streamed message reports: the connection that reads it. */
export interface StreamOwner {
  /** The decoded (delivered) bytes of one message may not pass this. */
  readonly maxMessageSize: number;
  /** Bytes of the message, checked (size, UTF-8), for the application. */
  chunk(data: Uint8Array): void;
  /** The message broke a rule (1007, 1009) or its decoder failed: fail the connection. */
  fail(error: unknown): void;
}

/**
 * One message reported in pieces as it arrives (see `messageStreamThreshold`): counts its bytes
 * against the limit (on the wire and, when an extension decodes it, after decoding), validates
 * text incrementally (fail-fast: the piece that makes it invalid fails it, 1007), and runs the
 * extension's incremental decoder. The connection decides which messages stream and orders the
 * pieces; this object checks and transforms them.
 */
export class StreamedMessage {
  /** Bytes of the message received so far, as they came on the wire. */
  wireBytes = 0;
  private decodedBytes = 0;
  private readonly decoder: MessageDecoder | null;
  private failed = false;

  /**
   * `utf8` is the validator of a text message (null for binary), already fed whatever part of
   * the message was validated before it started streaming. `extension` decodes the message,
   * with the message's RSV bits `rsv`; null when it came untransformed.
   */
  constructor(
    private readonly owner: StreamOwner,
    private readonly utf8: Utf8Validator | null,
    extension: MessageExtension | null,
    rsv: number,
  ) {
    if (extension === null) {
      this.decoder = null;
      return;
    }
    if (extension.decodeStream === undefined) {
      // The connection refuses such extensions when streaming is on: unreachable.
      throw new TypeError(`extension ${extension.name} cannot decode a message in pieces`);
    }
    this.decoder = extension.decodeStream(rsv & extension.rsvMask, (data) => this.decoded(data));
  }

  /**
   * The next bytes of the message as they came on the wire (`last` on its final piece). Returns
   * a Promise while an asynchronous decode of them runs (the connection reads nothing meanwhile),
   * false once the message failed (the connection is being failed), true otherwise.
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
    return pending.then(
      () => {
        if (last && !this.failed) this.end();
      },
      (error: unknown) => {
        if (!this.failed) this.reject(error);
      },
    );
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
    this.decoder?.abort();
  }

  /** Whether the message broke a rule or its decoder failed. */
  get hasFailed(): boolean {
    return this.failed;
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

  /** Checks `data` (UTF-8 of a text message) and reports it. False when it failed the message. */
  private accept(data: Uint8Array): boolean {
    if (this.utf8 !== null && !this.utf8.write(data)) return this.invalidUtf8();
    if (data.length > 0) this.owner.chunk(data);
    return !this.failed;
  }

  /** The message is complete: a text message must not end inside a character. */
  private end(): boolean {
    if (this.utf8 !== null && !this.utf8.end()) return this.invalidUtf8();
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
