/**
 * Machine-readable codes of the errors a peer's malformed frame raises. Each rule of
 * RFC 6455 §5.2-§5.5 that the frame layer enforces has its own code.
 */
export const FrameErrorCode = {
  /** A reserved opcode (0x3-0x7, 0xB-0xF). Close code 1002. */
  InvalidOpcode: 'WS_ERR_INVALID_OPCODE',
  /** An RSV bit no negotiated extension owns. Close code 1002. */
  UnexpectedRsv: 'WS_ERR_UNEXPECTED_RSV',
  /** A control frame with FIN clear. Close code 1002. */
  FragmentedControlFrame: 'WS_ERR_FRAGMENTED_CONTROL_FRAME',
  /** A control frame whose payload is longer than 125 bytes. Close code 1002. */
  ControlFrameTooLong: 'WS_ERR_CONTROL_FRAME_TOO_LONG',
  /** A server received an unmasked frame. Close code 1002. */
  ExpectedMask: 'WS_ERR_EXPECTED_MASK',
  /** A client received a masked frame. Close code 1002. */
  UnexpectedMask: 'WS_ERR_UNEXPECTED_MASK',
  /** A 64-bit payload length with its most significant bit set: malformed. Close code 1002. */
  InvalidPayloadLength: 'WS_ERR_INVALID_PAYLOAD_LENGTH',
  /**
   * A legal payload length (most significant bit clear) above the parser's `maxPayloadLength`,
   * or above Number.MAX_SAFE_INTEGER, which no buffer can hold. Close code 1009. The same code
   * string as the message limit of @websock/protocol and @websock/permessage-deflate.
   */
  MessageTooBig: 'WS_ERR_MESSAGE_TOO_BIG',
} as const;

export type FrameErrorCode = (typeof FrameErrorCode)[keyof typeof FrameErrorCode];

/**
 * A peer sent a frame that breaks RFC 6455 framing rules or a configured limit.
 * `closeCode` is the status to fail the connection with (RFC 6455 §7.1.7).
 */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  readonly code: FrameErrorCode;
  /** 1009 (message too big) for `MessageTooBig`, 1002 (protocol error) for every other code. */
  readonly closeCode: FrameErrorCloseCode;

  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.code = code;
    this.closeCode = frameErrorCloseCode(code);
  }
}

/** The close codes a FrameError carries (the values of `CloseCode.ProtocolError` and `.MessageTooBig`). */
export type FrameErrorCloseCode = 1002 | 1009;

/** The one place the frame layer decides a close code: too big is 1009, everything else 1002. */
export function frameErrorCloseCode(code: FrameErrorCode): FrameErrorCloseCode {
  return code === FrameErrorCode.MessageTooBig ? MESSAGE_TOO_BIG : PROTOCOL_ERROR;
}

// Named here because this package depends on nothing (see CloseCode in @websock/close).
const PROTOCOL_ERROR = 1002;
const MESSAGE_TOO_BIG = 1009;
