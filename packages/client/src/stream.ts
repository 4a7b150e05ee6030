import { type StreamChunk, toStreams } from '@websock/node';
import { type ClientOptions, connect } from './connect.js';
import type { WebSocketInit } from './whatwg.js';
import { parseConstructorArguments } from './whatwg-args.js';

const encoder = new TextEncoder();

/** `closeCode` and `reason` of a WebSocket close (the `closed` promise, `close()`, `WebSocketError`). */
export interface WebSocketCloseInfo {
  closeCode?: number;
  reason?: string;
}

/** What `opened` resolves to. */
export interface WebSocketOpenInfo {
  readonly readable: ReadableStream<string | Uint8Array>;
  readonly writable: WritableStream<StreamChunk>;
  readonly extensions: string;
  readonly protocol: string;
}

export interface WebSocketStreamOptions extends WebSocketInit {
  readonly protocols?: readonly string[];
  /** Aborts the opening handshake (`opened` and `closed` reject with its reason); ignored once open. */
  readonly signal?: AbortSignal;
  /** Node-only: bytes the readable queues before reading from the socket stops. Default 64 KiB. */
  readonly readableHighWaterMark?: number;
}

/**
 * A WebSocket error with a close code (the WHATWG `WebSocketError`): `closed` rejects with one
 * when the connection did not close cleanly, and passing one to `readable.cancel()` or
 * `writable.abort()` closes with its code and reason.
 */
export class WebSocketError extends DOMException {
  readonly closeCode: number | null;
  readonly reason: string;

  constructor(message = '', init: WebSocketCloseInfo = {}) {
    super(message, 'WebSocketError');
    const { closeCode, reason } = checkCloseInfo(init);
    this.closeCode = closeCode ?? null;
    this.reason = reason;
  }
}

/**
 * The WHATWG `WebSocketStream` (as Chromium ships the draft): a WebSocket as a readable and a
 * writable web stream, with backpressure both ways. Text arrives as strings, binary as
 * Uint8Arrays; strings are sent as text, ArrayBuffers and views as binary.
 */
export class WebSocketStream {
  readonly url: string;
  readonly opened: Promise<WebSocketOpenInfo>;
  readonly closed: Promise<{ closeCode: number; reason: string }>;
  readonly #abort = new AbortController();
  #connection: { close(code?: number, reason?: string): void } | undefined;
  #closing = false;

  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    const { signal, readableHighWaterMark, protocols: offered = [], ...init } = options;
    const { url: parsed, protocols } = parseConstructorArguments(url, offered);
    this.url = parsed.href;
    if (signal?.aborted) this.#abort.abort(signal.reason);
    signal?.addEventListener('abort', () => this.#abort.abort(signal.reason), { once: true });

    let resolveClosed!: (info: { closeCode: number; reason: string }) => void;
    let rejectClosed!: (error: unknown) => void;
    this.closed = new Promise((resolve, reject) => {
      resolveClosed = resolve;
      rejectClosed = reject;
    });
    const clientOptions: ClientOptions<undefined> = {
      ...init,
      protocols,
      signal: this.#abort.signal,
      open: (ws) => {
        this.#connection = ws;
        const streams = toStreams(ws, {
          ...(readableHighWaterMark === undefined ? {} : { readableHighWaterMark }),
          onClose(code, reason, wasClean) {
            if (wasClean) resolveClosed({ closeCode: code, reason });
            else rejectClosed(webSocketError('the WebSocket connection was not closed cleanly', code, reason));
          },
        });
        opened = { ...streams, extensions: ws.extensions, protocol: ws.protocol };
      },
    };
    let opened: WebSocketOpenInfo | undefined;
    this.opened = connect(parsed, clientOptions).then(
      () => opened as WebSocketOpenInfo,
      (error: unknown) => {
        const failure = this.#abort.signal.aborted ? error : handshakeFailure(error);
        rejectClosed(failure);
        throw failure;
      },
    );
    // As the draft says, neither promise reports an unhandled rejection on its own.
    this.opened.catch(noop);
    this.closed.catch(noop);
  }

  /**
   * Closes the connection: `closeCode` 1000 or 3000-4999 (`InvalidAccessError` otherwise), a
   * `reason` of at most 123 bytes of UTF-8 (`SyntaxError`); a reason without a code sends 1000.
   * Before the connection is open, this aborts the opening handshake.
   */
  close(closeInfo: WebSocketCloseInfo = {}): void {
    const { closeCode, reason } = checkCloseInfo(closeInfo);
    if (this.#closing) return;
    this.#closing = true;
    const connection = this.#connection;
    if (connection === undefined) {
      this.#abort.abort(webSocketError('closed before the connection was established', 1006, ''));
      return;
    }
    connection.close(closeCode, closeCode === undefined ? undefined : reason);
  }
}

function checkCloseInfo(info: WebSocketCloseInfo): { closeCode: number | undefined; reason: string } {
  let { closeCode } = info;
  const reason = info.reason ?? '';
  if (
    closeCode !== undefined &&
    closeCode !== 1000 &&
    !(Number.isInteger(closeCode) && closeCode >= 3000 && closeCode <= 4999)
  ) {
    throw new DOMException(`close code must be 1000 or 3000-4999, got ${closeCode}`, 'InvalidAccessError');
  }
  if (encoder.encode(reason).length > 123) {
    throw new DOMException('close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
  }
  if (closeCode === undefined && reason !== '') closeCode = 1000;
  return { closeCode, reason };
}

/** A WebSocketError with a code only the implementation reports (1006), which the constructor refuses. */
function webSocketError(message: string, closeCode: number, reason: string): WebSocketError {
  const error = new WebSocketError(message);
  (error as { closeCode: number | null }).closeCode = closeCode;
  (error as { reason: string }).reason = reason;
  return error;
}

function handshakeFailure(error: unknown): WebSocketError {
  const message = error instanceof Error ? error.message : String(error);
  const failure = webSocketError(`the WebSocket connection could not be established: ${message}`, 1006, '');
  Object.defineProperty(failure, 'cause', { value: error, configurable: true, writable: true });
  return failure;
}

function noop(): void {}
