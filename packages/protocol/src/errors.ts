/**
 * Error tree of the connection core:
 *
 *   Error
 *   ├── ProtocolError        the PEER broke RFC 6455 (or a limit): carries the close code
 *   │                        the connection was failed with (1002, 1007, 1009, 1010, 1011)
 *   └── InvalidStateError    LOCAL misuse: sending on a connection that is closing or closed
 *
 * Frame-level and close-payload errors from @websock/frame and @websock/close are
 * wrapped into ProtocolError so the I/O layer handles exactly one kind of peer error.
 */

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** Machine-readable reason, e.g. `WS_ERR_INVALID_UTF8`. */
  readonly code: string;
  /** The close code the connection is failed with. */
  readonly closeCode: number;

  constructor(code: string, closeCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.closeCode = closeCode;
  }
}

export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
  readonly code = 'WS_ERR_INVALID_STATE';
}

/** Anything thrown by a peer-input parser that carries a code and a close code. */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof Error && typeof (error as { closeCode?: unknown }).closeCode === 'number') {
    const { code, closeCode } = error as Error & { code?: unknown; closeCode: number };
    return new ProtocolError(typeof code === 'string' ? code : 'WS_ERR_PROTOCOL', closeCode, error.message, {
      cause: error,
    });
  }
  // Not a peer violation we know: an internal failure, reported as 1011 without leaking details on the wire.
  return new ProtocolError('WS_ERR_INTERNAL', 1011, 'internal error while processing input', { cause: error });
}
