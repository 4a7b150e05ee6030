export type { ClientMessage, Parsed, ServerMessage } from './protocol.js';
export { LIMITS, parseClientMessage, roomTopic } from './protocol.js';
export type { ChatOptions, ChatServer, ChatUser } from './server.js';
export { startChat } from './server.js';
