/**
 * A per-message extension (RFC 6455 §9), e.g. permessage-deflate. The core owns
 * framing and ordering; the extension only transforms whole message payloads.
 *
 * Both transforms may finish synchronously (return the value) or asynchronously
 * (return a Promise). The core keeps message order either way: while an async
 * transform is pending, later input waits and later output is queued behind it.
 */
export interface MessageExtension {
  /** Extension token as negotiated, e.g. `permessage-deflate`. */
  readonly name: string;
  /** RSV bits this extension owns on data frames (RSV1 = 4, RSV2 = 2, RSV3 = 1). */
  readonly rsvMask: number;

  /**
   * Transforms a received message whose first frame had `rsv` bits (within rsvMask) set.
   * `maxSize` is the limit for the result: stop and throw an error carrying
   * `closeCode` 1009 (or return a rejected Promise) as soon as it would be exceeded.
   */
  decode(payload: Uint8Array, rsv: number, maxSize: number): Uint8Array | Promise<Uint8Array>;

  /**
   * Transforms an outgoing message. Returns the payload to send and the RSV bits to
   * set on its first frame (0 to send it untransformed).
   */
  encode(payload: Uint8Array, isBinary: boolean): EncodedMessage | Promise<EncodedMessage>;

  /**
   * Transforms one fragment of a message sent in pieces (`Connection.sendFragment`), called in
   * order, fragment by fragment, with no other message in between. `first` marks the message's
   * first fragment (its `rsv` is the message's; the RSV bits returned for later fragments are
   * ignored), `fin` the last. Optional: without it, fragmented messages go untransformed.
   */
  encodeFragment?(
    payload: Uint8Array,
    isBinary: boolean,
    first: boolean,
    fin: boolean,
  ): EncodedMessage | Promise<EncodedMessage>;

  /** Releases resources (zlib contexts...). Called once when the connection ends. */
  dispose?(): void;
}

export interface EncodedMessage {
  readonly payload: Uint8Array;
  readonly rsv: number;
}
