export { HandshakeRejection } from '@websock/handshake';
export type {
  MessageStream,
  MessageWriterOptions,
  SendOptions,
  StreamChunk,
  StreamsOptions,
  WebSocketHandlers,
  WebSocketStreams,
} from '@websock/node';
export { ConnectionClosedError, ReadyState, toStreams, WebSocket } from '@websock/node';
export { InvalidStateError, ProtocolError } from '@websock/protocol';
export type { ErrorContext, ProtocolSelector, ServerHandlers, ServerOptions, UpgradeRequest } from './options.js';
export type { ListenAddress } from './server.js';
export { createServer, WebSocketServer } from './server.js';
export type { TopicAdapter, TopicObserver } from './topics/adapter.js';
export type { FanoutPlan, PlanOptions } from './topics/fanout.js';
export { FrameForm, frameFormOf, planFanout } from './topics/fanout.js';
export { TopicRegistry } from './topics/registry.js';
export { ServerWebSocket } from './topics/socket.js';
export { UpgradeResponse } from './upgrade-response.js';
