export { ConnectionClosedError } from './errors.js';
export type { MessageStream } from './message-stream.js';
export { DEFAULT_MESSAGE_STREAM_HIGH_WATER_MARK } from './message-stream.js';
export type { MessageWriterOptions } from './message-writer.js';
export type { StreamChunk, StreamsOptions, WebSocketStreams } from './streams.js';
export { toStreams } from './streams.js';
export type { Transport, TransportKind } from './transport.js';
export { isHttp2Stream } from './transport.js';
export type { SendOptions, WebSocketHandlers, WebSocketOptions } from './websocket.js';
export {
  addErrorSink,
  DEFAULT_MAX_BUFFERED_AMOUNT,
  DEFAULT_MESSAGE_STREAM_THRESHOLD,
  ignoreTransportError,
  messageStreamOptions,
  ReadyState,
  WebSocket,
} from './websocket.js';
