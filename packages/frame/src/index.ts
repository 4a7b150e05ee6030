export type { FrameErrorCloseCode } from './errors.js';
export { FrameError, FrameErrorCode } from './errors.js';
export type { FrameHeader } from './header.js';
export { decodeFrameHeader, encodeFrameHeader, frameHeaderLength } from './header.js';
export { applyMask, maskInto } from './mask.js';
export {
  isControlOpcode,
  isDataOpcode,
  isKnownOpcode,
  isReservedOpcode,
  MAX_CONTROL_PAYLOAD_LENGTH,
  Opcode,
  Rsv,
} from './opcode.js';
export type { Frame, FrameParserOptions, FramePiece, PartialFrame } from './parser.js';
export { DEFAULT_MAX_PAYLOAD_LENGTH, FrameParser } from './parser.js';
export { randomMaskKey } from './random.js';
export type { EncodeFrameOptions } from './serializer.js';
export { encodedFrameLength, encodeFrame, encodeFrameInto } from './serializer.js';
