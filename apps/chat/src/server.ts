// The chat server: one node:http server serves the page at / and, on /ws, a @websock/server
// attached to it. A room is a topic: joining subscribes, a chat message is published to the room
// (the sender is subscribed too, so it sees its own message come back in room order).

import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type ServerWebSocket, type WebSocketServer } from '@websock/server';
import { PAGE } from './page.js';
import { parseClientMessage, roomTopic, type ServerMessage } from './protocol.js';

export interface ChatUser {
  name: string | undefined;
  room: string | undefined;
}

export interface ChatServer {
  http: HttpServer;
  ws: WebSocketServer<ChatUser>;
  /** http://host:port/ */
  url: string;
  close(): Promise<void>;
}

export interface ChatOptions {
  port?: number;
  host?: string;
}

const encode = (message: ServerMessage) => JSON.stringify(message);

/** Leaves the current room, if any, and tells the ones still in it. */
function leave(server: WebSocketServer<ChatUser>, ws: ServerWebSocket<ChatUser>): void {
  const { room, name } = ws.data;
  if (room === undefined || name === undefined) return;
  ws.unsubscribe(roomTopic(room));
  const members = server.subscriberCount(roomTopic(room));
  server.publish(roomTopic(room), encode({ type: 'presence', room, name, event: 'leave', members }));
}

function onMessage(server: WebSocketServer<ChatUser>, ws: ServerWebSocket<ChatUser>, text: string): void {
  const parsed = parseClientMessage(text);
  if (!parsed.ok) {
    ws.send(encode({ type: 'error', message: parsed.error }));
    return;
  }
  const { message } = parsed;
  if (message.type === 'join') {
    leave(server, ws);
    ws.data.name = message.name;
    ws.data.room = message.room;
    const topic = roomTopic(message.room);
    ws.subscribe(topic);
    const members = server.subscriberCount(topic);
    ws.send(encode({ type: 'joined', room: message.room, name: message.name, members }));
    ws.publish(topic, encode({ type: 'presence', room: message.room, name: message.name, event: 'join', members }));
    return;
  }
  const { room, name } = ws.data;
  if (room === undefined || name === undefined) {
    ws.send(encode({ type: 'error', message: 'join a room first' }));
    return;
  }
  server.publish(roomTopic(room), encode({ type: 'chat', room, name, text: message.text, time: Date.now() }));
}

export async function startChat(options: ChatOptions = {}): Promise<ChatServer> {
  const http = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  const ws: WebSocketServer<ChatUser> = createServer<ChatUser>({
    server: http,
    path: '/ws',
    maxMessageSize: 16 * 1024,
    upgrade: () => ({ name: undefined, room: undefined }),
    message(client, data, isBinary) {
      if (isBinary) client.send(encode({ type: 'error', message: 'send text frames' }));
      else onMessage(ws, client, data.toString('utf8'));
    },
    close(client) {
      leave(ws, client);
    },
  });
  http.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(http, 'listening');
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    http,
    ws,
    url: `http://${host}:${address.port}/`,
    async close() {
      await ws.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
