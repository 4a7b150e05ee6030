// Two kinds of error, kept apart on purpose:
//
//   CloseFrameError extends Error          the PEER sent a bad close frame; it carries
//                                          the close code to fail the connection with.
//   InvalidCloseCodeError extends RangeError
//   InvalidCloseReasonError extends RangeError
//                                          the local APPLICATION passed bad arguments;
//                                          nothing to do with the peer, no close code.
import { CloseCode } from './codes';

/** Machine-readable codes of {@link CloseFrameError}. */
export const CloseFrameErrorCode = {
  /** The payload is 1 byte: too short to hold a code. */
  InvalidLength: 'WS_ERR_INVALID_CLOSE_PAYLOAD_LENGTH',
  /**
   * The payload is over 125 bytes, the limit of a control frame: the same condition, and the
   * same code string, as `FrameErrorCode.ControlFrameTooLong` in @websock/frame.
   */
  TooLong: 'WS_ERR_CONTROL_FRAME_TOO_LONG',
  /** The code is not one a peer may send. */
  InvalidCode: 'WS_ERR_INVALID_CLOSE_CODE',
  /** The reason is not valid UTF-8. */
  InvalidUtf8: 'WS_ERR_INVALID_UTF8',
} as const;

export type CloseFrameErrorCode = (typeof CloseFrameErrorCode)[keyof typeof CloseFrameErrorCode];

/** A received close frame violates RFC 6455 §5.5.1 / §7.4. */
export class CloseFrameError extends Error {
  override readonly name = 'CloseFrameError';
  readonly code: CloseFrameErrorCode;
  /** 1002 (protocol error) for a bad length or code, 1007 (invalid payload) for a reason that is not UTF-8. */
  readonly closeCode: typeof CloseCode.ProtocolError | typeof CloseCode.InvalidPayload;

  constructor(code: CloseFrameErrorCode, message: string) {
    super(message);
    this.code = code;
    this.closeCode = code === CloseFrameErrorCode.InvalidUtf8 ? CloseCode.InvalidPayload : CloseCode.ProtocolError;
  }
}

/** The application asked to send a close code that may not go on the wire. */
export class InvalidCloseCodeError extends RangeError {
  override readonly name = 'InvalidCloseCodeError';
  readonly code = 'WS_ERR_INVALID_CLOSE_CODE_TO_SEND';
  /** The rejected value. */
  readonly closeCode: unknown;

  constructor(closeCode: unknown, message: string) {
    super(message);
    this.closeCode = closeCode;
  }
}

/** The application passed a close reason that cannot be sent. */
export class InvalidCloseReasonError extends RangeError {
  override readonly name = 'InvalidCloseReasonError';
  readonly code: 'WS_ERR_CLOSE_REASON_TOO_LONG' | 'WS_ERR_CLOSE_REASON_WITHOUT_CODE';

  constructor(code: InvalidCloseReasonError['code'], message: string) {
    super(message);
    this.code = code;
  }
}
