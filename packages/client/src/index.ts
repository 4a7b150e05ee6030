export { HandshakeError, HandshakeErrorCode } from '@websock/handshake';
export type { WebSocketHandlers } from '@websock/node';
export { ReadyState, WebSocket as NodeWebSocket } from '@websock/node';
export { InvalidStateError, ProtocolError } from '@websock/protocol';
export type { ClientOptions } from './connect.js';
export { connect, parseWebSocketUrl } from './connect.js';
export { ConnectError } from './errors.js';
export type { BinaryType, WebSocketInit } from './whatwg.js';
export { CloseEvent, WebSocket, WebSocketErrorEvent } from './whatwg.js';
