export { HandshakeRejection } from '@websock/handshake';
export type { WebSocketHandlers } from '@websock/node';
export { ReadyState, WebSocket } from '@websock/node';
export { InvalidStateError, ProtocolError } from '@websock/protocol';
export type { ErrorContext, ProtocolSelector, ServerOptions, UpgradeRequest } from './options.js';
export type { ListenAddress } from './server.js';
export { createServer, WebSocketServer } from './server.js';
