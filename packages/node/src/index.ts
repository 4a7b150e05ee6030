export { ConnectionClosedError } from './errors.js';
export type { StreamChunk, StreamsOptions, WebSocketStreams } from './streams.js';
export { toStreams } from './streams.js';
export type { Transport, TransportKind } from './transport.js';
export { isHttp2Stream } from './transport.js';
export type { SendOptions, WebSocketHandlers, WebSocketOptions } from './websocket.js';
export { addErrorSink, DEFAULT_MAX_BUFFERED_AMOUNT, ignoreTransportError, ReadyState, WebSocket } from './websocket.js';
