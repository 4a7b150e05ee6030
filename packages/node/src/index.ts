export type { Transport, TransportKind } from './transport.js';
export { isHttp2Stream } from './transport.js';
export type { WebSocketHandlers, WebSocketOptions } from './websocket.js';
export { DEFAULT_MAX_BUFFERED_AMOUNT, ReadyState, WebSocket } from './websocket.js';
