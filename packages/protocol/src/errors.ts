/**
 * Error tree of the connection core:
 *
 *   Error
 *   ├── ProtocolError        the PEER broke RFC 6455 (or a limit): carries the close code
 *   │                        the connection was failed with (1002, 1007, 1009, 1010, 1011)
 *   └── InvalidStateError    LOCAL misuse: sending on a connection that is closing or closed
 *
 * Every failure goes through `toProtocolError` before the core writes a close frame: it is
 * the one place that decides the close code a failure sends. Frame-level, close-payload and
 * extension errors (@websock/frame, @websock/close, @websock/permessage-deflate) keep the
 * close code they carry when it may go on the wire; anything else (a code only reported
 * locally such as 1006, a value that is no close code, an error without one) becomes 1011.
 *
 * Both classes are recognised across copies of this package (its ESM and CJS builds loaded
 * side by side): `instanceof` and `isProtocolError` check a brand, not the prototype chain.
 */
import { CloseCode, isValidSendCloseCode } from '@websock/close';

/** Machine-readable codes of the failures the core itself detects (extensions and parsers bring their own). */
export const ProtocolErrorCode = {
  /** A data frame started a new message inside a fragmented one. 1002. */
  ExpectedContinuation: 'WS_ERR_EXPECTED_CONTINUATION',
  /** A continuation frame arrived with no message to continue. 1002. */
  UnexpectedContinuation: 'WS_ERR_UNEXPECTED_CONTINUATION',
  /** RSV bits on a control or continuation frame, or no extension owns them. 1002. */
  UnexpectedRsv: 'WS_ERR_UNEXPECTED_RSV',
  /** A text message (or a close reason) that is not valid UTF-8. 1007. */
  InvalidUtf8: 'WS_ERR_INVALID_UTF8',
  /** A message over `maxMessageSize`, fragments and decompression included. 1009. */
  MessageTooBig: 'WS_ERR_MESSAGE_TOO_BIG',
  /** Something failed that is no peer violation we know, or carried no sendable close code. 1011. */
  Internal: 'WS_ERR_INTERNAL',
  /** A foreign error carried a sendable close code but no `code` string. */
  Protocol: 'WS_ERR_PROTOCOL',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The close code of each failure the core detects itself. */
const CLOSE_CODES: Readonly<Record<CoreFailure, number>> = {
  [ProtocolErrorCode.ExpectedContinuation]: CloseCode.ProtocolError,
  [ProtocolErrorCode.UnexpectedContinuation]: CloseCode.ProtocolError,
  [ProtocolErrorCode.UnexpectedRsv]: CloseCode.ProtocolError,
  [ProtocolErrorCode.InvalidUtf8]: CloseCode.InvalidPayload,
  [ProtocolErrorCode.MessageTooBig]: CloseCode.MessageTooBig,
  [ProtocolErrorCode.Internal]: CloseCode.InternalError,
};
type CoreFailure = Exclude<ProtocolErrorCode, typeof ProtocolErrorCode.Protocol>;

const PROTOCOL_ERROR = Symbol.for('websock.ProtocolError');
const INVALID_STATE_ERROR = Symbol.for('websock.InvalidStateError');

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

brand(ProtocolError, PROTOCOL_ERROR);
brand(InvalidStateError, INVALID_STATE_ERROR);

/**
 * Puts `symbol` on the class's prototype, which every instance inherits, and makes
 * `value instanceof Class` check it instead of the prototype chain: an instance made by
 * another copy of the package (its other build) has another prototype but the same brand.
 * `instanceof` a subclass keeps its ordinary meaning.
 */
function brand(target: abstract new (...args: never[]) => Error, symbol: symbol): void {
  Object.defineProperty(target.prototype, symbol, { value: true });
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(target, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      return this === target ? hasBrand(value, symbol) : ordinary.call(this, value);
    },
  });
}

function hasBrand(value: unknown, symbol: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[symbol] === true;
}

/** True for a ProtocolError made by any copy of @websock/protocol (ESM or CJS build). */
export function isProtocolError(value: unknown): value is ProtocolError {
  return hasBrand(value, PROTOCOL_ERROR);
}

/** True for an InvalidStateError made by any copy of @websock/protocol (ESM or CJS build). */
export function isInvalidStateError(value: unknown): value is InvalidStateError {
  return hasBrand(value, INVALID_STATE_ERROR);
}

/** A failure the core detects itself, with the close code its table assigns. */
export function violation(code: CoreFailure, message: string, options?: { cause?: unknown }): ProtocolError {
  return new ProtocolError(code, CLOSE_CODES[code], message, options);
}

/**
 * The one place that decides which close code a failure sends (RFC 6455 §7.1.7, §7.4.1):
 *
 * 1. a ProtocolError (from any copy of this package) with a sendable close code: as it is;
 * 2. any error carrying a sendable `closeCode` (FrameError, CloseFrameError, InflateError...):
 *    wrapped, with its `code` string and message;
 * 3. anything else, including a close code that may never go on the wire (1005, 1006, 1015)
 *    or is no close code at all: 1011, without leaking its details on the wire.
 */
export function toProtocolError(error: unknown): ProtocolError {
  const closeCode = error instanceof Error ? (error as { closeCode?: unknown }).closeCode : undefined;
  if (typeof closeCode === 'number' && isValidSendCloseCode(closeCode)) {
    if (isProtocolError(error)) return error;
    const { code } = error as Error & { code?: unknown };
    const name = typeof code === 'string' ? code : ProtocolErrorCode.Protocol;
    return new ProtocolError(name, closeCode, (error as Error).message, { cause: error });
  }
  return violation(ProtocolErrorCode.Internal, 'internal error while processing input', { cause: error });
}
