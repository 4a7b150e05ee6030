export {
  CloseCode,
  type CloseCodeName,
  CloseCodeRange,
  describeCloseCode,
  isLocalOnlyCloseCode,
  isValidReceivedCloseCode,
  isValidSendCloseCode,
  MAX_CLOSE_PAYLOAD_LENGTH,
  MAX_CLOSE_REASON_LENGTH,
} from './codes';
export { CloseFrameError, CloseFrameErrorCode, InvalidCloseCodeError, InvalidCloseReasonError } from './errors';
export {
  assertSendableCloseCode,
  type EncodeCloseOptions,
  encodeClosePayload,
  type ParsedClose,
  parseClosePayload,
} from './payload';
