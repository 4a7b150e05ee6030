export type {
  CloseRecord,
  CloseResult,
  ConnectionHandler,
  ConnectionOptions,
  ConnectionState,
  Role,
} from './connection.js';
export { Connection, DEFAULT_MAX_MESSAGE_SIZE } from './connection.js';
export {
  InvalidStateError,
  isInvalidStateError,
  isProtocolError,
  ProtocolError,
  ProtocolErrorCode,
  toProtocolError,
} from './errors.js';
export type { EncodedMessage, MessageDecoder, MessageExtension } from './extension.js';
export type { PreparedFrame } from './prepared.js';
export { PREPARED_JOIN_LIMIT, preparedLength, prepareFrame } from './prepared.js';
