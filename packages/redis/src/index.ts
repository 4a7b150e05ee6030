export {
  createRedisAdapter,
  type RedisAdapter,
  type RedisAdapterOptions,
  type RedisAdapterState,
  type TopicAdapter,
} from './adapter';
export { RedisAdapterError, RedisAdapterErrorCode } from './errors';
export {
  type DecodedWireMessage,
  decodeWireMessage,
  encodeWireMessage,
  MAX_NODE_ID_LENGTH,
  WIRE_VERSION,
  WireError,
  WireErrorCode,
  type WireMessage,
} from './wire';
