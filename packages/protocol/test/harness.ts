import { Connection, type ConnectionOptions, type MessageExtension, type Role } from '../src/index.js';
import { concat, type ReadFrame, readFrames } from './wire.js';

export type Event =
  | ['message', string | Uint8Array, boolean]
  | ['ping', string]
  | ['pong', string]
  | ['closeReceived', number, string]
  | ['error', string, number]
  | ['closeTransport']
  | ['pause']
  | ['resume']
  | ['start', boolean]
  | ['chunk', Uint8Array]
  | ['end'];

export interface Harness {
  conn: Connection;
  events: Event[];
  /** Everything written so far, as frames. */
  written(): ReadFrame[];
}

const decoder = new TextDecoder();

/** A connection whose events and writes are recorded; `echo` makes it send every message back. */
export function harness(
  role: Role = 'server',
  options: {
    echo?: boolean;
    maxMessageSize?: number;
    extensions?: MessageExtension[];
    /** Report messages of at least this many bytes in pieces: events 'start', 'chunk' (copies), 'end'. */
    streamThreshold?: number;
  } = {},
): Harness {
  const events: Event[] = [];
  const chunks: Uint8Array[] = [];
  const conn: Connection = new Connection({
    role,
    ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
    ...(options.extensions === undefined ? {} : { extensions: options.extensions }),
    ...(options.streamThreshold === undefined ? {} : { messageStreamThreshold: options.streamThreshold }),
    handler: {
      messageStart: (isBinary) => events.push(['start', isBinary]),
      messageChunk: (data) => events.push(['chunk', data.slice()]),
      messageEnd: () => events.push(['end']),
      write(header, payload) {
        chunks.push(concat(header, payload));
      },
      message(data, isBinary) {
        events.push(['message', isBinary ? data.slice() : decoder.decode(data), isBinary]);
        if (options.echo && conn.state === 'open') conn.send(data.slice(), isBinary);
      },
      ping: (data) => events.push(['ping', decoder.decode(data)]),
      pong: (data) => events.push(['pong', decoder.decode(data)]),
      closeReceived: (code, reason) => events.push(['closeReceived', code, reason]),
      error: (error) => events.push(['error', error.code, error.closeCode]),
      closeTransport: () => events.push(['closeTransport']),
      pause: () => events.push(['pause']),
      resume: () => events.push(['resume']),
    },
  } satisfies ConnectionOptions);
  conn.open();
  return { conn, events, written: () => readFrames(concat(...chunks)) };
}
