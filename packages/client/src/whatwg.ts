import type { WebSocket as NodeWebSocket } from '@websock/node';
import { type ClientOptions, connect } from './connect.js';
import type { ClientWebSocket, HandshakeResponseInfo } from './transport.js';
import { parseConstructorArguments } from './whatwg-args.js';

export type BinaryType = 'blob' | 'arraybuffer' | 'nodebuffer';

/** Node-only extras for the WHATWG-style constructor's third argument. */
export type WebSocketInit = Pick<
  ClientOptions<undefined>,
  | 'headers'
  | 'origin'
  | 'maxMessageSize'
  | 'handshakeTimeout'
  | 'closeTimeout'
  | 'tls'
  | 'perMessageDeflate'
  | 'http2'
  | 'session'
  | 'createConnection'
>;

/** The `close` event (WHATWG `CloseEvent`; Node 20 has no global one). */
export class CloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
}

/** The `error` event, carrying what went wrong (browsers hide it; Node code wants it). */
export class WebSocketErrorEvent extends Event {
  readonly error: unknown;
  readonly message: string;

  constructor(error: unknown) {
    super('error');
    this.error = error;
    this.message = error instanceof Error ? error.message : String(error);
  }
}

type Listener = (event: Event) => void;
type Handler<E extends Event> = ((this: WebSocket, event: E) => unknown) | null;
type Sendable = string | ArrayBufferLike | ArrayBufferView | Blob;

const encoder = new TextEncoder();

/**
 * A WHATWG-compatible WebSocket for Node, so code written for browsers runs as it is.
 * Built on `connect()`: same core, same strictness.
 */
export class WebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly url: string;
  #binaryType: BinaryType = 'blob';
  #state: 0 | 1 | 2 | 3 = 0;
  #connection: NodeWebSocket | undefined;
  #protocol = '';
  #extensions = '';
  #response: HandshakeResponseInfo | undefined;
  /** Cancels the opening handshake when `close()` is called while CONNECTING. */
  readonly #abort = new AbortController();
  /** Why the connection failed, reported as `error` just before `close` (as the spec orders them). */
  #failure: unknown;
  #failed = false;
  /** Bytes of sends made after closing began, which the spec says still count. */
  #discardedBytes = 0;
  /** Sends waiting behind a Blob being read, to keep their order. */
  #queue: Array<Promise<Uint8Array | string>> = [];
  #handlers: Record<'open' | 'message' | 'error' | 'close', Listener | null> = {
    open: null,
    message: null,
    error: null,
    close: null,
  };

  constructor(url: string | URL, protocols: string | readonly string[] = [], init: WebSocketInit = {}) {
    super();
    const { url: parsed, protocols: offered } = parseConstructorArguments(url, protocols);
    this.url = parsed.href;
    connect(parsed, {
      ...init,
      protocols: offered,
      signal: this.#abort.signal,
      // `open` is dispatched right here, synchronously: the bytes that came with the
      // 101 response are parsed as soon as this returns, and their messages must follow it.
      open: (ws) => {
        this.#connection = ws;
        this.#protocol = ws.protocol;
        this.#extensions = ws.extensions;
        this.#response = (ws as ClientWebSocket).handshakeResponse;
        this.#state = 1;
        this.dispatchEvent(new Event('open'));
      },
      message: (_ws, data, isBinary) => {
        // Once closing has begun, messages are dropped (the spec delivers them only while OPEN).
        if (this.#state !== 1) return;
        this.dispatchEvent(new MessageEvent('message', { data: this.#convert(data, isBinary), origin: parsed.origin }));
      },
      error: (_ws, error) => this.#fail(error),
      close: (_ws, code, reason, wasClean) => this.#closed(code, reason, wasClean),
    }).catch((error: unknown) => {
      // The handshake failed, or was aborted by `close()`: nothing was ever opened.
      this.#fail(error);
      this.#closed(1006, '', false);
    });
  }

  get readyState(): number {
    return this.#state;
  }

  get protocol(): string {
    return this.#protocol;
  }

  get extensions(): string {
    return this.#extensions;
  }

  /**
   * Non-standard (browsers hide it): the server's 101 answer, its status and headers (e.g. a
   * `Set-Cookie`), once the connection is open; undefined before.
   */
  get handshakeResponse(): HandshakeResponseInfo | undefined {
    return this.#response;
  }

  get bufferedAmount(): number {
    return (this.#connection?.bufferedAmount ?? 0) + this.#discardedBytes;
  }

  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(value: BinaryType) {
    if (value === 'blob' || value === 'arraybuffer' || value === 'nodebuffer') this.#binaryType = value;
  }

  get onopen(): Handler<Event> {
    return this.#handlers.open as Handler<Event>;
  }
  set onopen(handler: Handler<Event>) {
    this.#setHandler('open', handler as Listener | null);
  }
  get onmessage(): Handler<MessageEvent> {
    return this.#handlers.message as Handler<MessageEvent>;
  }
  set onmessage(handler: Handler<MessageEvent>) {
    this.#setHandler('message', handler as Listener | null);
  }
  get onerror(): Handler<Event> {
    return this.#handlers.error as Handler<Event>;
  }
  set onerror(handler: Handler<Event>) {
    this.#setHandler('error', handler as Listener | null);
  }
  get onclose(): Handler<CloseEvent> {
    return this.#handlers.close as Handler<CloseEvent>;
  }
  set onclose(handler: Handler<CloseEvent>) {
    this.#setHandler('close', handler as Listener | null);
  }

  send(data: Sendable): void {
    if (this.#state === 0) throw new DOMException('the connection is not open yet', 'InvalidStateError');
    if (this.#state !== 1 || this.#connection === undefined) {
      this.#discardedBytes += byteLength(data);
      return;
    }
    const connection = this.#connection;
    if (this.#queue.length === 0 && !(data instanceof Blob)) {
      sendNow(connection, typeof data === 'string' ? data : toBytes(data));
      return;
    }
    this.#queue.push(
      data instanceof Blob
        ? data.arrayBuffer().then((buffer) => new Uint8Array(buffer))
        : Promise.resolve(typeof data === 'string' ? data : toBytes(data)),
    );
    if (this.#queue.length === 1) void this.#flushQueue(connection);
  }

  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && (code < 3000 || code > 4999 || !Number.isInteger(code))) {
      throw new DOMException(`close code must be 1000 or 3000-4999, got ${code}`, 'InvalidAccessError');
    }
    if (reason !== undefined && encoder.encode(reason).length > 123) {
      throw new DOMException('close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
    }
    if (this.#state >= 2) return;
    this.#state = 2;
    if (this.#connection === undefined) {
      // Closing before the handshake completed fails the connection: the handshake is
      // aborted (its socket destroyed), and `error` then `close` follow once it has stopped.
      this.#abort.abort(new DOMException('closed before the connection was established', 'AbortError'));
      return;
    }
    this.#connection.close(code, reason);
  }

  async #flushQueue(connection: NodeWebSocket): Promise<void> {
    while (this.#queue.length > 0) {
      const next = await (this.#queue[0] as Promise<Uint8Array | string>).catch(() => null);
      this.#queue.shift();
      if (next !== null && connection.readyState === 1) sendNow(connection, next);
    }
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#failure = error;
  }

  /** The one way to CLOSED: `error` (if the connection failed), then `close`, then nothing more. */
  #closed(code: number, reason: string, wasClean: boolean): void {
    if (this.#state === 3) return;
    this.#state = 3;
    const connection = this.#connection;
    if (connection !== undefined && connection.readyState !== 3) connection.terminate();
    if (this.#failed) this.dispatchEvent(new WebSocketErrorEvent(this.#failure));
    this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }));
  }

  #setHandler(type: 'open' | 'message' | 'error' | 'close', handler: Listener | null): void {
    const previous = this.#handlers[type];
    if (previous !== null) this.removeEventListener(type, previous);
    this.#handlers[type] = typeof handler === 'function' ? handler : null;
    if (typeof handler === 'function') this.addEventListener(type, handler);
  }

  #convert(data: Buffer, isBinary: boolean): string | Blob | ArrayBuffer | Buffer {
    if (!isBinary) return data.toString('utf8');
    switch (this.#binaryType) {
      case 'nodebuffer':
        return data;
      case 'arraybuffer':
        return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      default:
        return new Blob([data]);
    }
  }
}

function sendNow(connection: NodeWebSocket, data: Uint8Array | string): void {
  if (typeof data === 'string') connection.send(data);
  else connection.send(data, true);
}

function toBytes(data: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function byteLength(data: Sendable): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}
