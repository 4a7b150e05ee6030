/**
 * Error tree of permessage-deflate:
 *
 *   Error
 *   ├── InflateError              the PEER sent a compressed message we refuse: it carries the
 *   │                             close code the core fails the connection with
 *   │                               WS_ERR_MESSAGE_TOO_BIG          1009  inflates past the limit
 *   │                               WS_ERR_INVALID_COMPRESSED_DATA  1007  not a valid DEFLATE stream
 *   └── DeflateNegotiationError   client side: the server's Sec-WebSocket-Extensions answer does
 *                                 not fit our offer (WS_ERR_INVALID_EXTENSIONS, 1010): the
 *                                 handshake fails
 *
 * Local misuse (bad options) throws RangeError/TypeError.
 */

/** Machine-readable codes of the errors this package raises. */
export const DeflateErrorCode = {
  MessageTooBig: 'WS_ERR_MESSAGE_TOO_BIG',
  InvalidCompressedData: 'WS_ERR_INVALID_COMPRESSED_DATA',
  /** Same string as `HandshakeErrorCode.InvalidExtensions` in @websock/handshake. */
  InvalidExtensions: 'WS_ERR_INVALID_EXTENSIONS',
} as const;
export type DeflateErrorCode = (typeof DeflateErrorCode)[keyof typeof DeflateErrorCode];

/** A received compressed message that cannot be accepted. */
export class InflateError extends Error {
  override readonly name = 'InflateError';
  readonly code: typeof DeflateErrorCode.MessageTooBig | typeof DeflateErrorCode.InvalidCompressedData;
  /** 1009 (too big) or 1007 (corrupt DEFLATE data). */
  readonly closeCode: 1007 | 1009;

  constructor(
    code: typeof DeflateErrorCode.MessageTooBig | typeof DeflateErrorCode.InvalidCompressedData,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.closeCode = code === DeflateErrorCode.MessageTooBig ? 1009 : 1007;
  }
}

/**
 * The server accepted permessage-deflate with parameters the client did not offer or that are
 * malformed. RFC 7692 §7.1 says the client must fail the WebSocket connection: no connection
 * opens, so a client reports it as a handshake failure (close code 1010 where one is needed).
 */
export class DeflateNegotiationError extends Error {
  override readonly name = 'DeflateNegotiationError';
  readonly code = DeflateErrorCode.InvalidExtensions;
  readonly closeCode = 1010;
}

export function messageTooBig(limit: number): InflateError {
  return new InflateError(DeflateErrorCode.MessageTooBig, `decompressed message exceeds the limit of ${limit} bytes`);
}

export function invalidCompressedData(cause: unknown): InflateError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new InflateError(DeflateErrorCode.InvalidCompressedData, `invalid compressed data${detail}`, { cause });
}
