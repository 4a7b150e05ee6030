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
  /** A 64-bit payload length with its most significant bit set. Close code 1002. */
  InvalidPayloadLength: 'WS_ERR_INVALID_PAYLOAD_LENGTH',
  /** A 64-bit payload length above Number.MAX_SAFE_INTEGER. Close code 1002. */
  UnsupportedPayloadLength: 'WS_ERR_UNSUPPORTED_PAYLOAD_LENGTH',
  /** A payload length above the parser's `maxPayloadLength`. Close code 1009. */
  PayloadTooBig: 'WS_ERR_PAYLOAD_TOO_BIG',
} as const;

export type FrameErrorCode = (typeof FrameErrorCode)[keyof typeof FrameErrorCode];

/**
 * A peer sent a frame that breaks RFC 6455 framing rules or a configured limit.
 * `closeCode` is the status to fail the connection with (RFC 6455 §7.1.7).
 */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  readonly code: FrameErrorCode;
  readonly closeCode: 1002 | 1009;

  constructor(code: FrameErrorCode, closeCode: 1002 | 1009, message: string) {
    super(message);
    this.code = code;
    this.closeCode = closeCode;
  }
}
