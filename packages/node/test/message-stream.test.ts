import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { InvalidStateError } from '@websock/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type MessageStream,
  toStreams,
  WebSocket,
  type WebSocketHandlers,
  type WebSocketOptions,
  type WebSocketStreams,
} from '../src/index.js';

// Large messages as streams (`messageStream`) and one message written as a stream (`stream()`),
// between two of this package's WebSockets over a real TCP pair on 127.0.0.1 (no handshake).

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function tcpPair(): Promise<[Socket, Socket]> {
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const [[serverSocket]] = await Promise.all([accepted, once(client, 'connect')]);
  closers.push(() => {
    serverSocket.destroy();
    client.destroy();
    server.close();
  });
  return [serverSocket, client];
}

type Event = string | [string, number];

/** A receiving server end that logs whole messages, streams (read to their end) and its close. */
async function pair(
  handlers: WebSocketHandlers<undefined> = {},
  options: Partial<WebSocketOptions> = {},
): Promise<{ sender: WebSocket; receiver: WebSocket; log: Event[]; closed: Promise<number> }> {
  const [serverSocket, clientSocket] = await tcpPair();
  const log: Event[] = [];
  let closedWith!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  const receiver = new WebSocket(
    serverSocket,
    {
      message: (_ws, data) => log.push(['message', data.length]),
      messageStream: (_ws, stream) => void readInto(stream, log),
      close: (_ws, code) => closedWith(code),
      ...handlers,
    },
    { role: 'server', messageStreamThreshold: 1000, ...options },
    undefined,
  );
  const sender = new WebSocket(clientSocket, {}, { role: 'client' }, undefined);
  receiver.start();
  sender.start();
  return { sender, receiver, log, closed };
}

/** Logs a stream where it began, with its size once it is read: ['stream', bytes], -1 until then. */
async function readInto(stream: MessageStream, log: Event[]): Promise<void> {
  const entry: [string, number] = ['stream', -1];
  log.push(entry);
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  entry[1] = bytes;
}

const settled = (log: Event[], count: number) => () =>
  log.length === count && log.every((event) => typeof event === 'string' || event[1] >= 0);

async function until(check: () => boolean): Promise<void> {
  // Only a guard against a hang: the condition follows from events.
  for (let i = 0; !check(); i++) {
    if (i > 3000) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('messageStream: large messages as streams', () => {
  it('sends messages under the threshold to `message`, larger ones to `messageStream`, in order', async () => {
    const { sender, log } = await pair();
    sender.send(Buffer.alloc(999));
    sender.send(Buffer.alloc(1000));
    sender.send(Buffer.alloc(10));
    await until(settled(log, 3));
    expect(log).toEqual([
      ['message', 999],
      ['stream', 1000],
      ['message', 10],
    ]);
  });

  it('a cancelled stream drops the rest of its message; the connection goes on with the next one', async () => {
    const { sender, log } = await pair({
      messageStream: (_ws, stream) => {
        log.push('cancel');
        void stream.cancel();
      },
    });
    sender.send(Buffer.alloc(5 * 1024 * 1024));
    sender.send('after');
    await until(() => log.length === 2);
    expect(log).toEqual(['cancel', ['message', 5]]);
  });

  it('a handler that throws is reported and the connection closed with 1011', async () => {
    const errors: unknown[] = [];
    const { sender, closed } = await pair({
      messageStream: () => {
        throw new Error('boom');
      },
      error: (_ws, error) => errors.push(error),
    });
    sender.send(Buffer.alloc(2000));
    expect(await closed).toBe(1011);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('an async handler may rethrow its stream`s error: reported once, as what failed the connection', async () => {
    const errors: unknown[] = [];
    const { sender, closed } = await pair(
      {
        messageStream: async (_ws, stream) => {
          for await (const _chunk of stream); // rejects with the ProtocolError (1009)
        },
        error: (_ws, error) => errors.push(error),
      },
      { maxMessageSize: 100_000 },
    );
    const writer = sender.stream().getWriter();
    // The connection fails past 100,000 bytes: later writes may be refused.
    for (let i = 0; i < 4; i++) await writer.write(Buffer.alloc(40_000)).catch(() => {});
    expect(await closed).toBe(1009);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ closeCode: 1009 });
  });

  it('toStreams takes every message whole, large ones included', async () => {
    let streams: WebSocketStreams | undefined;
    const { sender } = await pair({
      open: (ws) => {
        streams = toStreams(ws);
      },
    });
    sender.send(Buffer.alloc(4000));
    const { value } = await streams!.readable.getReader().read();
    expect(value).toHaveLength(4000);
  });
});

describe('stream(): one message written as it comes', () => {
  it('sends the writes as one message; whole messages sent meanwhile follow it', async () => {
    const { sender, log } = await pair();
    const writer = sender.stream().getWriter();
    await writer.write(Buffer.alloc(600));
    sender.send('queued');
    await writer.write(new Uint8Array(600));
    await writer.close();
    await until(settled(log, 2));
    expect(log).toEqual([
      ['stream', 1200],
      ['message', 6],
    ]);
  });

  it('one writer at a time: InvalidStateError while one is open, fine once it is closed', async () => {
    const { sender } = await pair();
    const writable = sender.stream();
    expect(() => sender.stream()).toThrow(InvalidStateError);
    await writable.close();
    expect(() => sender.stream()).not.toThrow();
  });

  it('fragments sent with send() while a writer is open are refused; its message arrives intact', async () => {
    const { sender, log } = await pair();
    const writer = sender.stream().getWriter();
    await writer.write(Buffer.alloc(600));
    expect(() => sender.send(Buffer.alloc(10), { fin: false })).toThrow(InvalidStateError);
    expect(() => sender.send(Buffer.alloc(10), { fin: true })).toThrow(InvalidStateError);
    await writer.write(Buffer.alloc(600));
    await writer.close();
    // Once it is closed, fragments are the application's again.
    sender.send(Buffer.alloc(5), { fin: false });
    sender.send(Buffer.alloc(5), { fin: true });
    await until(settled(log, 2));
    expect(log).toEqual([
      ['stream', 1200],
      ['message', 10],
    ]);
  });

  it('aborting cannot finish the message: it closes the connection (1011, or the reason`s closeCode)', async () => {
    const first = await pair();
    const writer = first.sender.stream().getWriter();
    await writer.write(Buffer.alloc(10));
    await writer.abort(new Error('producer failed'));
    expect(await first.closed).toBe(1011);

    const second = await pair();
    await second.sender.stream().abort({ closeCode: 4000, reason: 'stopped' });
    expect(await second.closed).toBe(4000);
  });

  it('writes reject with ConnectionClosedError once the connection is closing', async () => {
    const { sender } = await pair();
    const writer = sender.stream().getWriter();
    sender.close();
    await expect(writer.write(Buffer.alloc(1))).rejects.toMatchObject({ code: 'WS_ERR_CONNECTION_CLOSED_EARLY' });
  });
});
