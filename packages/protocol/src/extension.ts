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

  /**
   * Decodes a received message piece by piece as it arrives, for a connection that reports
   * large messages as streams (`messageStreamThreshold`; required then). Called at the message's
   * first piece with the RSV bits of its first frame (within rsvMask); the decoded bytes go to
   * `output` as they are produced. The core counts them against `maxMessageSize` and aborts the
   * decoder (1009) as soon as they pass it, so a decompression bomb stops at the limit.
   */
  decodeStream?(rsv: number, output: (data: Uint8Array) => void): MessageDecoder;

  /** Releases resources (zlib contexts...). Called once when the connection ends. */
  dispose?(): void;
}

/** The decoding of one message in pieces (see `MessageExtension.decodeStream`). */
export interface MessageDecoder {
  /**
   * Decodes the next piece of the message's payload (`fin` on the last one); decoded bytes go to
   * `output`, in order, possibly after this returns. Returns nothing when the piece is decoded,
   * or a Promise that settles once it is: rejecting with an error that carries its `closeCode`
   * (1007 for corrupt data). A write may come before the previous one settled: pieces are decoded
   * in the order written, and a Promise settles after the writes before it.
   */
  write(piece: Uint8Array, fin: boolean): undefined | Promise<void>;
  /** Stops calling `output` until `resume()`: the application is behind. Decoding stops with it. */
  pause(): void;
  resume(): void;
  /** The message will not be finished (the connection failed or closed): release everything. */
  abort(): void;
}

export interface EncodedMessage {
  readonly payload: Uint8Array;
  readonly rsv: number;
}
