import { once } from 'node:events';
import WebSocket from 'ws';
import type { ServerMessage } from '../src/protocol.js';

/** A ws client that queues what it receives, so a test awaits the next message instead of racing it. */
export class ChatClient {
  private readonly queue: ServerMessage[] = [];
  private waiter: ((message: ServerMessage) => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (this.waiter) {
        const resolve = this.waiter;
        this.waiter = undefined;
        resolve(message);
      } else this.queue.push(message);
    });
  }

  static async open(url: string): Promise<ChatClient> {
    const socket = new WebSocket(url);
    const client = new ChatClient(socket);
    await once(socket, 'open');
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  next(): Promise<ServerMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.waiter) throw new Error('already waiting');
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Nothing is queued (call after a message that was sent later has arrived). */
  get pending(): number {
    return this.queue.length;
  }

  async join(room: string, name: string): Promise<ServerMessage> {
    this.send({ type: 'join', room, name });
    return this.next();
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.socket, 'close');
    this.socket.close();
    await closed;
  }
}
