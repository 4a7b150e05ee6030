import { ConnectionClosedError } from './errors.js';
import type { WebSocket } from './websocket.js';

/** What a stream writer may write: text, or bytes (any view or ArrayBuffer) sent as binary. */
export type StreamChunk = string | ArrayBufferView | ArrayBuffer;

/** A connection as a pair of web streams. */
export interface WebSocketStreams {
  /** Messages as they arrive: text as strings, binary as Uint8Arrays (each its own copy). */
  readonly readable: ReadableStream<string | Uint8Array>;
  /** Each chunk is sent as one message: strings as text, bytes as binary. */
  readonly writable: WritableStream<StreamChunk>;
}

export interface StreamsOptions {
  /**
   * Bytes of received messages the readable queues before reading from the socket stops (the
   * peer then waits, through TCP flow control). Default 64 KiB.
   */
  readonly readableHighWaterMark?: number;
  /** Called once with how the connection ended, after the streams were settled. */
  readonly onClose?: (code: number, reason: string, wasClean: boolean) => void;
}

const DEFAULT_READABLE_HIGH_WATER_MARK = 64 * 1024;
const OPEN = 1;

/**
 * Takes a connection as `{ readable, writable }` web streams with backpressure both ways:
 *
 * - `readable`: when the reader falls behind (its queue reaches `readableHighWaterMark`), the
 *   connection stops reading from the socket (`pause()`), and starts again when the reader
 *   asks for more. A fast peer is held back by TCP, so memory stays bounded.
 * - `writable`: a write resolves at once while `bufferedAmount` is under the socket's
 *   high-water mark, else once it has drained below it: a producer goes only as fast as the peer
 *   takes the bytes. A write after the connection closed rejects with `ConnectionClosedError`.
 *
 * Closing the writable starts the closing handshake (an empty close frame); cancelling the
 * readable or aborting the writable does too, with the reason's `closeCode` and `reason` when it
 * has them (a `WebSocketError`). When the connection ends, the readable closes (clean close) or
 * errors with a `ConnectionClosedError` (1006 and other unclean ends), and the writable errors.
 *
 * Call it before any message arrives (in `open`): from then on the connection's messages go to
 * the readable, not to the `message` handler; `close` handlers still run.
 */
export function toStreams<Data>(ws: WebSocket<Data>, options: StreamsOptions = {}): WebSocketStreams {
  let readableController!: ReadableStreamDefaultController<string | Uint8Array>;
  let writableController!: WritableStreamDefaultController;
  let settled = false;
  let pausedByStream = false;

  const readable = new ReadableStream<string | Uint8Array>(
    {
      start(controller) {
        readableController = controller;
      },
      pull() {
        if (pausedByStream) {
          pausedByStream = false;
          ws.resume();
        }
      },
      cancel(reason) {
        closeWith(ws, reason);
      },
    },
    {
      highWaterMark: options.readableHighWaterMark ?? DEFAULT_READABLE_HIGH_WATER_MARK,
      size: (chunk) => (typeof chunk === 'string' ? chunk.length : chunk.byteLength),
    },
  );

  const writable = new WritableStream<StreamChunk>({
    start(controller) {
      writableController = controller;
    },
    async write(chunk) {
      if (ws.readyState !== OPEN) throw closedError(ws);
      const data = typeof chunk === 'string' ? chunk : toView(chunk);
      if (ws.send(data)) return;
      if (ws.readyState !== OPEN) throw closedError(ws);
      await ws.whenDrained();
    },
    close() {
      ws.close();
    },
    abort(reason) {
      closeWith(ws, reason);
    },
  });

  ws.divert({
    message(ws, data, isBinary) {
      if (settled) return;
      // A copy: the received view may share its memory with other messages of the same chunk.
      readableController.enqueue(isBinary ? new Uint8Array(data) : data.toString('utf8'));
      if ((readableController.desiredSize ?? 1) <= 0 && !pausedByStream) {
        pausedByStream = true;
        ws.pause();
      }
    },
    close(_ws, code, reason, wasClean) {
      settled = true;
      const error = new ConnectionClosedError(`the connection closed (${code})`, { code, reason, wasClean });
      try {
        if (wasClean) readableController.close();
        else readableController.error(error);
      } catch {
        // already closed by the reader (cancel)
      }
      writableController.error(error);
      options.onClose?.(code, reason, wasClean);
    },
  });
  return { readable, writable };
}

/** @internal The bytes of a written chunk that is not a string, as a view. */
export function toView(chunk: unknown): Uint8Array {
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer || chunk instanceof SharedArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('a WebSocket stream writes strings, ArrayBuffers and ArrayBuffer views');
}

/** @internal Why a stream write failed: the connection is closing or closed. */
export function closedError(ws: WebSocket<unknown>): ConnectionClosedError {
  return new ConnectionClosedError(
    `cannot write: the connection is ${ws.readyState === 2 ? 'closing' : 'closed'}`,
    null,
  );
}

/**
 * @internal Starts the closing handshake with the close code and reason a `WebSocketError`
 * carries, if any, else with `fallback` (by default no code at all).
 */
export function closeWith(
  ws: WebSocket<unknown>,
  reason: unknown,
  fallback?: { readonly code: number; readonly reason: string },
): void {
  const info = reason as { closeCode?: unknown; reason?: unknown } | null | undefined;
  const code = typeof info?.closeCode === 'number' ? info.closeCode : fallback?.code;
  const text = typeof info?.reason === 'string' ? info.reason : fallback?.reason;
  try {
    ws.close(code, code === undefined ? undefined : text);
  } catch {
    ws.close(fallback?.code, fallback?.reason); // a code an application may not send
  }
}
