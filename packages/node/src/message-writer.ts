import { CloseCode } from '@websock/close';
import { closedError, closeWith, type StreamChunk, toView } from './streams.js';
import type { WebSocket } from './websocket.js';

/**
 * @internal Marks the open writer's own `send` options: while a `stream()` writer is open, a
 * fragment sent any other way would land inside its message, so `send` refuses those.
 */
export const kWriterFragment = Symbol('websock.writerFragment');

/** Options of `ws.stream()`. */
export interface MessageWriterOptions {
  /** Send a binary message (default) or, with `false`, a text one (write valid UTF-8 in total). */
  readonly binary?: boolean;
  /** `false` sends the message uncompressed even with permessage-deflate negotiated. Default true. */
  readonly compress?: boolean;
}

const OPEN = 1;
const EMPTY = new Uint8Array(0);
const NOT_FINISHED = { code: CloseCode.InternalError, reason: 'message not finished' } as const;

/**
 * One message sent as it is written (see `WebSocket.stream`): each write goes out as a fragment
 * (`send(chunk, { fin: false })`), closing the writable sends the last, empty one. A write
 * resolves at once while the connection's `bufferedAmount` is under the socket's high-water
 * mark, else once it has drained below it, so the producer goes at the pace the peer reads;
 * closing resolves once the last fragment was handed to the OS. Aborting cannot finish the
 * message: it closes the connection (the reason's `closeCode` and `reason` when it is a
 * `WebSocketError`, else 1011), so the peer never takes a cut message for a whole one.
 */
export function createMessageWriter<Data>(
  ws: WebSocket<Data>,
  options: MessageWriterOptions,
  finished: () => void,
): WritableStream<StreamChunk> {
  const binary = options.binary ?? true;
  const compress = options.compress ?? true;
  const middle = { binary, compress, fin: false, [kWriterFragment]: true };
  const last = { binary, compress, fin: true, [kWriterFragment]: true };
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    finished();
  };
  return new WritableStream<StreamChunk>({
    async write(chunk) {
      if (ws.readyState !== OPEN) throw closedError(ws);
      if (ws.send(toFragment(chunk), middle)) return;
      if (ws.readyState !== OPEN) throw closedError(ws);
      await ws.whenDrained();
    },
    async close() {
      try {
        if (ws.readyState !== OPEN) throw closedError(ws);
        const sent = ws.sendAsync(EMPTY, last);
        finish(); // the last fragment is queued: another message may be written now
        await sent;
      } finally {
        finish();
      }
    },
    abort(reason) {
      finish();
      closeWith(ws, reason, NOT_FINISHED);
    },
  });
}

function toFragment(chunk: unknown): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : toView(chunk);
}
