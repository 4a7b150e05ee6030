import type { Duplex } from 'node:stream';
import { CloseCode } from '@websock/close';
import {
  type CloseResult,
  Connection,
  type ConnectionHandler,
  InvalidStateError,
  type MessageExtension,
  type PreparedFrame,
  type ProtocolError,
  type Role,
} from '@websock/protocol';
import {
  appendFrame,
  BATCH_FRAME_LIMIT,
  batchedBytesOf,
  beginBatch,
  endBatch,
  flushBatchOf,
  isBatching,
} from './batch.js';
import { ConnectionClosedError } from './errors.js';
import {
  DEFAULT_MESSAGE_STREAM_HIGH_WATER_MARK,
  type MessageStream,
  type MessageStreamHost,
  MessageStreams,
} from './message-stream.js';
import { createMessageWriter, kWriterFragment, type MessageWriterOptions } from './message-writer.js';
import type { StreamChunk } from './streams.js';
import {
  abortTransport,
  remoteOf,
  setNoDelay,
  type Transport,
  type TransportKind,
  transportKind,
} from './transport.js';
import { Waiters } from './waiters.js';

const DEFAULT_CLOSE_TIMEOUT = 5_000;
const PAUSED_BY_APP = 1;
const PAUSED_BY_CORE = 2;
const OWES_DRAIN = 4;
const HEARD_FROM = 8;
const WRITING_MESSAGE = 16;

/**
 * Event handlers for one connection: one object per server (or client), no per-message closures.
 *
 * A handler that throws does not take the process down: the error is reported to `error`
 * (or, without one, to `console.error`) and the connection is closed with 1011
 * (internal error), since the application's state for it can no longer be trusted.
 */
export interface WebSocketHandlers<Data> {
  open?(ws: WebSocket<Data>): void;
  /** A whole message. `data` is a view (no copy); `isBinary` false means it is valid UTF-8 text. */
  message?(ws: WebSocket<Data>, data: Buffer, isBinary: boolean): void;
  /**
   * A large message as a stream of its bytes, as they arrive, instead of one buffer: with this
   * handler, a message that reaches `messageStreamThreshold` bytes (default 1 MiB, counted after
   * decompression) comes here; smaller ones still go to `message`. `stream` yields Buffers (views, no copy; async-iterable:
   * `for await (const chunk of stream)`); text is UTF-8 checked as it comes, and a chunk may end
   * inside a character (decode with `TextDecoderStream`). Reading from the socket stops while the
   * reader is `messageStreamHighWaterMark` bytes behind, so read the stream, or cancel it (the
   * rest of the message is then dropped). The stream errors when the message does not finish: a
   * `ProtocolError` (1007 invalid UTF-8, 1009 over `maxMessageSize`...) or a
   * `ConnectionClosedError`. It may be async: a rejection is reported like a throw, unless it is
   * the stream's own error (already reported as what ended the connection).
   */
  messageStream?(ws: WebSocket<Data>, stream: MessageStream, isBinary: boolean): void | Promise<void>;
  /** Everything the connection holds for the peer fell below the high-water mark after `send` returned false. */
  drain?(ws: WebSocket<Data>): void;
  ping?(ws: WebSocket<Data>, data: Buffer): void;
  pong?(ws: WebSocket<Data>, data: Buffer): void;
  /** Called once, when the transport has closed. */
  close?(ws: WebSocket<Data>, code: number, reason: string, wasClean: boolean): void;
  /**
   * Something went wrong on this connection: the peer broke the protocol (a `ProtocolError`;
   * the connection is being failed with its `closeCode`), or one of these handlers threw
   * (the connection is being closed with 1011).
   */
  error?(ws: WebSocket<Data>, error: unknown): void;
}

export interface WebSocketOptions {
  readonly role: Role;
  /** Largest message accepted (fragments and decompression included). Default 64 MiB. */
  readonly maxMessageSize?: number;
  /**
   * With a `messageStream` handler: messages that reach this many bytes (after decompression) go
   * to it as streams. Default 1 MiB. Without the handler, unused.
   */
  readonly messageStreamThreshold?: number;
  /** Bytes a message stream queues before reading from the socket stops. Default 64 KiB. */
  readonly messageStreamHighWaterMark?: number;
  /** How long to wait for the peer's part of the closing handshake, in ms. Default 5000. */
  readonly closeTimeout?: number;
  readonly extensions?: readonly MessageExtension[];
  /** The negotiated subprotocol ('' for none). */
  readonly protocol?: string;
  /** The negotiated `Sec-WebSocket-Extensions` value ('' for none). */
  readonly extensionsHeader?: string;
  /** Close (1001) a connection with no traffic either way for this long, in ms. 0 (default) = never. */
  readonly idleTimeout?: number;
  /**
   * Close (1008) a connection whose unsent data passes this many bytes: a peer that
   * stops reading cannot make the process buffer without end. Default 64 MiB.
   */
  readonly maxBufferedAmount?: number;
}

/** Default bound on unsent bytes per connection: one maximum-size message. */
export const DEFAULT_MAX_BUFFERED_AMOUNT = 64 * 1024 * 1024;

/** Default size from which a message goes to the `messageStream` handler (when there is one). */
export const DEFAULT_MESSAGE_STREAM_THRESHOLD = 1024 * 1024;

/** Per-message options of `send` and `sendAsync`: the slow path (the fast one is `send(data, isBinary)`). */
export interface SendOptions {
  /** Send as binary; default: strings as text, bytes as binary. */
  readonly binary?: boolean;
  /**
   * `false` sends this message uncompressed even with permessage-deflate negotiated (RSV1
   * clear, always legal): for data that will not shrink (media, encrypted or random bytes).
   * Default true (the negotiated extension decides, e.g. by its threshold).
   */
  readonly compress?: boolean;
  /**
   * Sends `data` as one fragment of a message sent in pieces: `false` for every piece but the
   * last, `true` for the last (it may be empty), so a large message never has to be held whole.
   * The first fragment sets the message's type; permessage-deflate compresses across the
   * fragments. Messages sent without `fin` meanwhile wait until the last fragment is sent.
   * Without `fin`, `data` is a whole message. While a `stream()` writer is open its message owns
   * the fragments: `send` with `fin` throws InvalidStateError then.
   */
  readonly fin?: boolean;
}

/**
 * The message-stream settings of `options` that are set, to pass on to a `WebSocket` (server and
 * client take the same two options).
 */
export function messageStreamOptions(
  options: Pick<WebSocketOptions, 'messageStreamThreshold' | 'messageStreamHighWaterMark'>,
): Pick<WebSocketOptions, 'messageStreamThreshold' | 'messageStreamHighWaterMark'> {
  return {
    ...(options.messageStreamThreshold === undefined ? {} : { messageStreamThreshold: options.messageStreamThreshold }),
    ...(options.messageStreamHighWaterMark === undefined
      ? {}
      : { messageStreamHighWaterMark: options.messageStreamHighWaterMark }),
  };
}

export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

const readyStates = { connecting: 0, open: 1, closing: 2, closed: 3 } as const;

/**
 * One WebSocket connection over a Node byte stream (a TCP or TLS socket, or an HTTP/2
 * stream opened by an RFC 8441 extended CONNECT), for either role.
 * It feeds the socket's bytes to the sans-I/O core, writes what the core gives
 * back, and owns the timers the core leaves to its I/O layer.
 */
export class WebSocket<Data = undefined> {
  static readonly CONNECTING = ReadyState.CONNECTING;
  static readonly OPEN = ReadyState.OPEN;
  static readonly CLOSING = ReadyState.CLOSING;
  static readonly CLOSED = ReadyState.CLOSED;

  /** Application data attached to the connection (e.g. by the server's `upgrade` hook). */
  data: Data;
  readonly remoteAddress: string;
  readonly remotePort: number;

  /** @internal The transport: a TCP/TLS socket or an HTTP/2 stream. */
  readonly socket: Transport;
  private readonly connection: Connection;
  private handlers: WebSocketHandlers<Data>;
  private readonly events: CoreEvents<Data>;
  /**
   * The options it was made with: a server passes one object to all its connections (one per
   * connection only when a subprotocol or an extension was negotiated), so the settings cost
   * an idle connection one reference, not a field each.
   */
  private readonly options: WebSocketOptions;
  private closeTimer: NodeJS.Timeout | undefined;
  /**
   * Who paused reading (PAUSED_BY_APP, PAUSED_BY_CORE), OWES_DRAIN, HEARD_FROM and
   * WRITING_MESSAGE: one field for what would be four, read through the accessors below.
   */
  private bits = HEARD_FROM;
  /** Bytes that came with the handshake while the application had paused in `open`. */
  private heldHead: Uint8Array | undefined;
  private result: CloseResult | null = null;
  /** Pending round trips and drain waiters, made on first use. */
  private waiters: Waiters | undefined;
  /** The streams of large messages (see the `messageStream` handler), made on first use. */
  private messageStreams: MessageStreams | undefined;

  constructor(socket: Transport, handlers: WebSocketHandlers<Data>, options: WebSocketOptions, data: Data) {
    this.socket = socket;
    this.handlers = handlers;
    this.data = data;
    const remote = remoteOf(socket);
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    this.options = options;
    this.events = new CoreEvents(this, handlers);
    // One literal of fixed shape (the core reads an undefined setting as its default): no
    // object spreads on every connection's setup.
    this.connection = new Connection({
      role: options.role,
      handler: this.events,
      maxMessageSize: options.maxMessageSize,
      extensions: options.extensions,
      messageStreamThreshold:
        handlers.messageStream === undefined
          ? undefined
          : (options.messageStreamThreshold ?? DEFAULT_MESSAGE_STREAM_THRESHOLD),
    });
  }

  /** Who wants reading stopped: the application (APP) and/or the core (CORE). */
  private get pausedBy(): number {
    return this.bits & (PAUSED_BY_APP | PAUSED_BY_CORE);
  }
  private set pausedBy(value: number) {
    this.bits = (this.bits & ~(PAUSED_BY_APP | PAUSED_BY_CORE)) | value;
  }

  /** `send` returned false and the `drain` handler is owed a call. */
  private get owesDrain(): boolean {
    return (this.bits & OWES_DRAIN) !== 0;
  }
  private set owesDrain(value: boolean) {
    this.bits = value ? this.bits | OWES_DRAIN : this.bits & ~OWES_DRAIN;
  }

  /** A `stream()` writer is open: its message is not finished. */
  private get writingMessage(): boolean {
    return (this.bits & WRITING_MESSAGE) !== 0;
  }
  private set writingMessage(value: boolean) {
    this.bits = value ? this.bits | WRITING_MESSAGE : this.bits & ~WRITING_MESSAGE;
  }

  /** Whether anything arrived since the last keepalive ping. */
  private get heardFrom(): boolean {
    return (this.bits & HEARD_FROM) !== 0;
  }
  private set heardFrom(value: boolean) {
    this.bits = value ? this.bits | HEARD_FROM : this.bits & ~HEARD_FROM;
  }

  /**
   * Starts the connection on its socket: the handshake is done, `head` holds any
   * bytes that arrived with it (they are frames and must not be lost).
   */
  start(head?: Uint8Array): void {
    const socket = this.socket;
    setNoDelay(socket);
    const idleTimeout = this.options.idleTimeout ?? 0;
    // Node's socket timeout restarts on any read or write: exactly "no traffic for N ms". A
    // timeout someone set before (an http server's) is cleared; a socket with none is left
    // alone (setting 0 would add a property to every socket for nothing).
    if (idleTimeout > 0 || (socket as { timeout?: number }).timeout) socket.setTimeout(idleTimeout);
    // Listeners are shared functions that find the connection on the socket: no
    // closures per connection (they cost memory on every idle connection), and none that
    // the socket does not need: a second listener of one event costs an array.
    (socket as SocketWithWebSocket)[kWebSocket] = this as WebSocket<unknown>;
    if (idleTimeout > 0) socket.on('timeout', onSocketTimeout);
    socket.on('data', onSocketData);
    // A socket that does not allow half-open connections ends its side by itself on EOF.
    if ((socket as { allowHalfOpen?: boolean }).allowHalfOpen !== false) socket.on('end', onSocketEnd);
    socket.on('close', onSocketClose);
    // The 'close' that follows an error reports it (as 1006 when no close frame came). The
    // server has usually added this same listener already: a second copy would cost an array.
    addErrorSink(socket);
    if (this.handlers.drain !== undefined) socket.on('drain', onSocketDrain);
    this.connection.open();
    if (this.handlers.open !== undefined) {
      try {
        this.handlers.open(this);
      } catch (error) {
        this.handlerFailed(error);
      }
    }
    if (head !== undefined && head.length > 0) {
      if (this.pausedBy === 0) this.receive(head);
      else this.heldHead = head;
    }
    if (this.pausedBy === 0) socket.resume();
  }

  /** The negotiated subprotocol ('' for none). */
  get protocol(): string {
    return this.options.protocol ?? '';
  }

  /** The negotiated `Sec-WebSocket-Extensions` value ('' for none). */
  get extensions(): string {
    return this.options.extensionsHeader ?? '';
  }

  /** Which transport carries the connection: 'tcp', 'tls' or 'http2' (an RFC 8441 stream). */
  get transport(): TransportKind {
    return transportKind(this.socket);
  }

  get readyState(): ReadyState {
    return readyStates[this.connection.state];
  }

  /**
   * Every byte the connection holds for the peer and has not handed to the kernel: the
   * socket's buffer, frames batched for it, and messages queued in the core behind an
   * asynchronous extension (counted before compression).
   */
  get bufferedAmount(): number {
    const socket = this.socket;
    return socket.writableLength + batchedBytesOf(socket) + this.connection.bufferedAmount;
  }

  /**
   * Sends a message: strings as text, bytes as binary unless `isBinary` says otherwise. The
   * second argument may instead be a `SendOptions` object (`binary`, `compress`, `fin`): the
   * slow path, for per-message options; `send(data, isBinary)` stays the fast one.
   *
   * Returns true when the message went out or is buffered under the high-water mark.
   * Returns false when it was not sent right away: while `readyState` is OPEN, it is
   * buffered and `bufferedAmount` is over the high-water mark (wait for `drain`; past
   * `maxBufferedAmount` the connection is closed with 1008); once the connection is
   * closing or closed, the message was dropped. It never throws for the connection's
   * state, so a loop over many connections cannot stop halfway on one that is closing.
   */
  send(data: string | ArrayBufferView | ArrayBuffer, isBinary?: boolean | SendOptions): boolean {
    if (this.connection.state !== 'open') return false;
    if (typeof isBinary === 'object') return this.sendWith(data, isBinary);
    if (typeof data === 'string') {
      this.connection.send(Buffer.from(data, 'utf8'), isBinary ?? false);
    } else {
      this.connection.send(toUint8Array(data), isBinary ?? true);
    }
    return this.checkBuffered();
  }

  /** The slow path of `send`: per-message options. */
  private sendWith(data: string | ArrayBufferView | ArrayBuffer, options: SendOptions): boolean {
    const bytes = toBytes(data);
    const binary = options.binary ?? typeof data !== 'string';
    if (options.fin !== undefined && this.writingMessage && !(kWriterFragment in options))
      throw new InvalidStateError(
        'a message is being written with stream(): its fragments cannot be mixed with others',
      );
    if (options.fin !== undefined) this.connection.sendFragment(bytes, binary, options.fin, options.compress !== false);
    else if (options.compress === false) this.connection.sendUntransformed(bytes, binary);
    else this.connection.send(bytes, binary);
    return this.checkBuffered();
  }

  /**
   * Sends a message like `send(data, options)` and tells what became of it: resolves once its
   * frame was handed to the OS (written to the socket, after everything sent before it,
   * including messages waiting for the compressor), rejects with a `ConnectionClosedError` when
   * it never will be: the connection was not open (nothing is sent), or it closed first. The
   * same backpressure rules apply as for `send` (past `maxBufferedAmount`: 1008). Awaiting each
   * call paces a producer at the pace the kernel takes the bytes.
   */
  sendAsync(data: string | ArrayBufferView | ArrayBuffer, options: SendOptions = {}): Promise<void> {
    if (this.connection.state !== 'open') {
      return Promise.reject(
        new ConnectionClosedError(`cannot send: the connection is ${this.connection.state}`, this.result),
      );
    }
    this.sendWith(data, options);
    return new Promise((resolve, reject) => {
      const written = (ok: boolean) => {
        if (ok) this.afterSocketWrites(resolve, reject);
        else reject(new ConnectionClosedError('the connection closed before the message was written', this.result));
      };
      if (!this.connection.whenWritten(written)) written(true);
    });
  }

  /**
   * Sends one message as it is written, never holding it whole: a WHATWG `WritableStream` whose
   * writes go out as fragments of one message (`send(chunk, { fin: false })`, compressed across
   * the fragments with permessage-deflate); closing it sends the last fragment. A write resolves
   * once `bufferedAmount` is under the socket's high-water mark (at once while it is), so
   * `readable.pipeTo(ws.stream())` goes at the pace the peer reads; `close()` resolves once the
   * message was handed to the OS. Aborting it closes the connection (1011, or the reason's
   * `closeCode`): a message cannot be cut short. Messages sent meanwhile wait for its end. One at
   * a time: InvalidStateError while another one is open. Writes reject with a
   * `ConnectionClosedError` once the connection is closing or closed.
   */
  stream(options: MessageWriterOptions = {}): WritableStream<StreamChunk> {
    if (this.writingMessage) throw new InvalidStateError('a message is already being written with stream()');
    this.writingMessage = true;
    return createMessageWriter(this, options, () => {
      this.writingMessage = false;
    });
  }

  /** Calls back once everything written to the socket so far is with the OS (or never will be). */
  private afterSocketWrites(resolve: () => void, reject: (error: unknown) => void): void {
    const socket = this.socket;
    flushBatchOf(socket);
    const failed = (cause?: unknown) =>
      reject(new ConnectionClosedError('the connection closed before the message was written', this.result, { cause }));
    if (socket.writableFinished) resolve();
    else if (socket.destroyed) failed();
    else if (socket.writableEnded) {
      // Ended after our bytes: they are out once the socket finishes.
      socket.once('finish', resolve);
      socket.once('close', failed);
    } else {
      // A zero-length write calls back after every write before it.
      socket.write(EMPTY, (error) => (error == null ? resolve() : failed(error)));
    }
  }

  /**
   * Sends a ping with a payload of its own (unique unless `data` is given) and resolves with
   * the round-trip time in ms when the matching pong arrives (a pong answers the ping it
   * echoes and any sent before it); `rtt` keeps the last one. Rejects with a
   * `ConnectionClosedError` when the connection is not open or closes before the pong, and
   * with RangeError for a payload over 125 bytes. `ping()` is unchanged (fire and forget).
   */
  roundTrip(data?: string | ArrayBufferView | ArrayBuffer): Promise<number> {
    if (this.connection.state !== 'open') {
      return Promise.reject(
        new ConnectionClosedError(`cannot ping: the connection is ${this.connection.state}`, this.result),
      );
    }
    const waiters = this.waitersOf();
    const payload = data === undefined ? waiters.uniquePayload() : toBytes(data);
    try {
      this.connection.ping(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    return waiters.expectPong(payload);
  }

  /** The round-trip time measured by the last answered `roundTrip()`, in ms; undefined before. */
  get rtt(): number | undefined {
    return this.waiters?.rtt;
  }

  /**
   * @internal Resolves once `bufferedAmount` is below the high-water mark (at once when it is);
   * rejects with a `ConnectionClosedError` if the connection closes first. For stream writers.
   */
  whenDrained(): Promise<void> {
    if (this.result !== null) return Promise.reject(new ConnectionClosedError('the connection closed', this.result));
    if (this.bufferedAmount < this.socket.writableHighWaterMark) return Promise.resolve();
    const waiters = this.waitersOf();
    if (this.handlers.drain === undefined && !this.socket.listeners('drain').includes(onSocketDrain)) {
      this.socket.on('drain', onSocketDrain);
    }
    this.owesDrain = true;
    return waiters.whenDrained();
  }

  private waitersOf(): Waiters {
    if (this.waiters === undefined) this.waiters = new Waiters();
    return this.waiters;
  }

  /**
   * @internal Takes this connection's messages away from the handlers it was created with (a
   * stream consumes them instead: see `toStreams`). `close` runs before the original one, which
   * still runs (a server keeps its bookkeeping).
   */
  divert(diverted: Required<Pick<WebSocketHandlers<Data>, 'message' | 'close'>>): void {
    const original = this.handlers;
    // Large messages too go to the stream consumer, whole: no `messageStream`.
    const { messageStream: _streamedElsewhere, ...kept } = original;
    const handlers: WebSocketHandlers<Data> = {
      ...kept,
      message: diverted.message,
      close(ws, code, reason, wasClean) {
        try {
          diverted.close(ws, code, reason, wasClean);
        } finally {
          original.close?.(ws, code, reason, wasClean);
        }
      },
    };
    this.handlers = handlers;
    this.events.handlers = handlers;
    this.connection.messageStreamThreshold = Number.POSITIVE_INFINITY;
  }

  /** @internal The streams of large messages, made when the first one begins. */
  messageStreamsOf(): MessageStreams {
    if (this.messageStreams === undefined) {
      this.messageStreams = new MessageStreams(
        new StreamHost(this),
        this.options.messageStreamHighWaterMark ?? DEFAULT_MESSAGE_STREAM_HIGH_WATER_MARK,
      );
    }
    return this.messageStreams;
  }

  /** @internal The core failed the connection: a message being streamed will not finish. */
  failMessageStream(error: unknown): void {
    this.messageStreams?.fail(error);
  }

  /** @internal A message stream's reader fell behind / caught up: stop / resume the core's input. */
  pauseInput(): void {
    this.connection.pauseInput();
  }

  resumeInput(): void {
    this.connection.resumeInput();
  }

  /** @internal Hands a new message stream to the `messageStream` handler. */
  deliverStream(stream: MessageStream, isBinary: boolean): void {
    const handler = this.handlers.messageStream;
    if (handler === undefined) {
      void stream.cancel();
      return;
    }
    let result: unknown;
    try {
      result = handler(this, stream, isBinary);
    } catch (error) {
      this.handlerFailed(error);
      return;
    }
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (!this.messageStreams?.endedWith(error)) this.handlerFailed(error);
      });
    }
  }

  /** @internal A pong arrived: it may answer a `roundTrip()`. */
  pongArrived(data: Uint8Array): void {
    this.waiters?.pong(data);
  }

  /** Applies the backpressure rules after a write: true while under the high-water mark. */
  private checkBuffered(): boolean {
    const buffered = this.bufferedAmount;
    if (buffered > (this.options.maxBufferedAmount ?? DEFAULT_MAX_BUFFERED_AMOUNT)) {
      this.close(CloseCode.PolicyViolation, 'slow consumer');
      return false;
    }
    if (buffered < this.socket.writableHighWaterMark) return true;
    if (this.handlers.drain !== undefined) this.owesDrain = true;
    return false;
  }

  /**
   * Sends a frame encoded once for many connections (`prepareFrame` from @websock/protocol: a
   * server's topic publish) on the same ordered path as `send`, under the same limit: past
   * `maxBufferedAmount` (checked after the write, queued Promise frames counted by `size`) the
   * connection is closed with 1008. Returns what `send` returns (false once closing: dropped).
   * Server role only.
   */
  sendPrepared(frame: PreparedFrame | Promise<PreparedFrame>, size?: number): boolean {
    if (this.connection.state !== 'open') return false;
    this.connection.sendPrepared(frame, size);
    return this.checkBuffered();
  }

  /**
   * One keepalive round, for the owner's timer: if nothing arrived since the previous
   * round, the peer is gone and the connection is terminated (reported as 1006);
   * otherwise a ping goes out. Returns whether the connection is still alive.
   */
  heartbeat(): boolean {
    if (this.connection.state !== 'open') return this.connection.state !== 'closed';
    if (!this.heardFrom) {
      this.terminate();
      return false;
    }
    this.heardFrom = false;
    this.connection.ping();
    return true;
  }

  /**
   * Sends a ping (payload at most 125 bytes, else RangeError). Returns false, sending
   * nothing, once the connection is closing or closed, like `send`.
   */
  ping(data?: string | ArrayBufferView | ArrayBuffer): boolean {
    if (this.connection.state !== 'open') return false;
    this.connection.ping(data === undefined ? undefined : toBytes(data));
    return true;
  }

  /** Sends an unsolicited pong (a heartbeat the peer need not answer); false once closing, like `ping`. */
  pong(data?: string | ArrayBufferView | ArrayBuffer): boolean {
    if (this.connection.state !== 'open') return false;
    this.connection.pong(data === undefined ? undefined : toBytes(data));
    return true;
  }

  /**
   * Starts the closing handshake; the transport closes when the peer answers,
   * or after `closeTimeout`. Throws RangeError for a code or reason that may not be sent.
   */
  close(code?: number, reason?: string): void {
    if (this.connection.state !== 'open') return;
    this.connection.close(code, reason);
    this.armCloseTimer();
  }

  /**
   * Closes the transport at once, without a closing handshake (the peer sees 1006): a
   * socket is destroyed, an HTTP/2 stream is reset (RST_STREAM CANCEL).
   */
  terminate(): void {
    abortTransport(this.socket);
  }

  /** Stops reading from the socket (backpressure toward the peer) until `resume()`. */
  pause(): void {
    this.setPaused(PAUSED_BY_APP, true);
  }

  resume(): void {
    this.setPaused(PAUSED_BY_APP, false);
  }

  /** @internal The core waits for an asynchronous extension transform. */
  setPaused(by: number, paused: boolean): void {
    const before = this.pausedBy;
    this.pausedBy = paused ? before | by : before & ~by;
    if (this.pausedBy !== 0) {
      this.socket.pause();
    } else if (before !== 0) {
      const head = this.heldHead;
      this.heldHead = undefined;
      if (head !== undefined) this.receive(head);
      this.socket.resume();
    }
  }

  /** @internal */
  receive(chunk: Uint8Array): void {
    this.heardFrom = true;
    // Everything the core writes in reply to this chunk (echoes, pongs, a close) is
    // batched, and leaves in one write (small frames) or one writev (corked).
    const socket = this.socket;
    socket.cork();
    beginBatch(socket);
    try {
      this.connection.receive(chunk);
    } finally {
      endBatch();
      socket.uncork();
    }
  }

  /** @internal The socket drained, or the core wrote queued output: the `drain` handler may be due. */
  checkDrain(): void {
    if (!this.owesDrain || this.bufferedAmount >= this.socket.writableHighWaterMark) return;
    this.owesDrain = false;
    this.waiters?.drained();
    if (this.handlers.drain === undefined) return;
    try {
      this.handlers.drain(this);
    } catch (error) {
      this.handlerFailed(error);
    }
  }

  /** @internal Reports an error of this connection to the `error` handler (never silently). */
  reportError(error: unknown): void {
    if (this.handlers.error === undefined) {
      console.error('websock: unhandled error on a connection (pass an `error` handler to handle it):', error);
      return;
    }
    try {
      this.handlers.error(this, error);
    } catch (secondary) {
      console.error('websock: the `error` handler threw while reporting', error, secondary);
    }
  }

  /** @internal An application handler threw: report it and close with 1011 (internal error). */
  handlerFailed(error: unknown): void {
    this.reportError(error);
    if (this.connection.state === 'open') this.close(CloseCode.InternalError);
  }

  /** @internal Called by the core: write one frame. */
  writeFrame(header: Uint8Array, payload: Uint8Array): void {
    const socket = this.socket;
    if (!socket.writable) return;
    const length = payload.length;
    if (length <= BATCH_FRAME_LIMIT) {
      if (isBatching(socket)) {
        appendFrame(header, payload);
      } else if (length === 0) {
        socket.write(header);
      } else {
        // One write beats two for a small frame: copy header and payload together.
        const frame = Buffer.allocUnsafe(header.length + length);
        frame.set(header, 0);
        frame.set(payload, header.length);
        socket.write(frame);
      }
    } else {
      flushBatchOf(socket); // what was batched goes first
      socket.cork();
      socket.write(header);
      socket.write(payload);
      socket.uncork();
    }
    // Output the core had queued (behind a compressor) just moved into the socket. When the
    // socket itself is under its mark it will emit no 'drain': check here, once the core's
    // current call has returned (a `drain` handler may send again).
    if (this.owesDrain && !socket.writableNeedDrain) process.nextTick(checkDrainOf, this);
  }

  /** @internal Called by the core when the handshake is complete or the connection failed. */
  releaseTransport(): void {
    if (this.connection.role === 'server') {
      // The close frame may still sit in the output batch: it goes before the FIN.
      flushBatchOf(this.socket);
      // The server closes TCP first (RFC 6455 §7.1.1). A half-close keeps reading,
      // so the peer's close frame still in flight does not turn our FIN into a reset.
      this.socket.end();
    }
    // A client waits for the server to close TCP, and gives up after the timeout.
    this.armCloseTimer();
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== undefined || this.socket.destroyed) return;
    this.closeTimer = setTimeout(() => abortTransport(this.socket), this.options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT);
    this.closeTimer.unref?.();
  }

  /** @internal */
  onIdle(): void {
    if (this.connection.state === 'open') this.close(1001, 'idle timeout');
    else abortTransport(this.socket);
  }

  /** @internal */
  onEnd(): void {
    // The peer will send nothing more: finish our side too.
    if (!this.socket.writableEnded) this.socket.end();
  }

  /** @internal */
  onTransportClosed(): void {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    if (this.result !== null) return;
    const result = this.connection.receiveEof();
    this.result = result;
    this.waiters?.closed(result);
    this.messageStreams?.closed(result.code, result.reason, result.wasClean);
    if (this.handlers.close === undefined) return;
    try {
      this.handlers.close(this, result.code, result.reason, result.wasClean);
    } catch (error) {
      this.reportError(error);
    }
  }
}

/** The core's view of a WebSocket: one object per connection, methods on the prototype. */
class CoreEvents<Data> implements ConnectionHandler {
  constructor(
    private readonly ws: WebSocket<Data>,
    /** Replaced only when streams take the connection over (`divert`). */
    public handlers: WebSocketHandlers<Data>,
  ) {}

  write(header: Uint8Array, payload: Uint8Array): void {
    this.ws.writeFrame(header, payload);
  }

  /** Buffers the core fills completely (large payloads, reassembled messages): no zero fill. */
  get allocate(): (length: number) => Uint8Array {
    return allocateUnsafe;
  }

  message(data: Uint8Array, isBinary: boolean): void {
    if (this.handlers.message === undefined) return;
    try {
      this.handlers.message(this.ws, toBuffer(data), isBinary);
    } catch (error) {
      this.ws.handlerFailed(error);
    }
  }

  ping(data: Uint8Array): void {
    if (this.handlers.ping === undefined) return;
    try {
      this.handlers.ping(this.ws, toBuffer(data));
    } catch (error) {
      this.ws.handlerFailed(error);
    }
  }

  pong(data: Uint8Array): void {
    this.ws.pongArrived(data);
    if (this.handlers.pong === undefined) return;
    try {
      this.handlers.pong(this.ws, toBuffer(data));
    } catch (error) {
      this.ws.handlerFailed(error);
    }
  }

  messageStart(isBinary: boolean): void {
    this.ws.messageStreamsOf().start(isBinary);
  }

  messageChunk(data: Uint8Array): void {
    this.ws.messageStreamsOf().chunk(data);
  }

  messageEnd(): void {
    this.ws.messageStreamsOf().end();
  }

  error(error: ProtocolError): void {
    // A message being streamed will not finish: its reader learns why.
    this.ws.failMessageStream(error);
    // The peer's violation was answered on the wire; it is news only to an application that asked.
    if (this.handlers.error !== undefined) this.ws.reportError(error);
  }

  closeTransport(): void {
    this.ws.releaseTransport();
  }

  pause(): void {
    this.ws.setPaused(PAUSED_BY_CORE, true);
  }

  resume(): void {
    this.ws.setPaused(PAUSED_BY_CORE, false);
  }
}

/** What a connection's message streams see of it. */
class StreamHost implements MessageStreamHost {
  constructor(private readonly ws: WebSocket<unknown>) {}

  pauseInput(): void {
    this.ws.pauseInput();
  }

  resumeInput(): void {
    this.ws.resumeInput();
  }

  deliver(stream: MessageStream, isBinary: boolean): void {
    this.ws.deliverStream(stream, isBinary);
  }
}

/**
 * @internal Swallows a transport's 'error' events: its 'close' follows and reports the end. One function
 * for every listener websock adds (server and connection alike), so it is added once per socket.
 */
export function ignoreTransportError(): void {}

/** @internal Adds `ignoreTransportError` as an 'error' listener unless the transport already has it. */
export function addErrorSink(transport: Transport | Duplex): void {
  // listenerCount with a listener (Node 18.16+) counts without copying the listener array.
  if (transport.listenerCount('error', ignoreTransportError) === 0) transport.on('error', ignoreTransportError);
}

const EMPTY = Buffer.alloc(0);

/** One allocator for every connection (a getter returns it: no field or closure per connection). */
function allocateUnsafe(length: number): Uint8Array {
  return Buffer.allocUnsafe(length);
}

const kWebSocket = Symbol('websock.connection');
type SocketWithWebSocket = Transport & { [kWebSocket]: WebSocket<unknown> };

function onSocketData(this: SocketWithWebSocket, chunk: Buffer): void {
  this[kWebSocket].receive(chunk);
}

function onSocketEnd(this: SocketWithWebSocket): void {
  this[kWebSocket].onEnd();
}

function onSocketClose(this: SocketWithWebSocket): void {
  this[kWebSocket].onTransportClosed();
}

function onSocketTimeout(this: SocketWithWebSocket): void {
  this[kWebSocket].onIdle();
}

function onSocketDrain(this: SocketWithWebSocket): void {
  this[kWebSocket].checkDrain();
}

function checkDrainOf(ws: WebSocket<unknown>): void {
  ws.checkDrain();
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toUint8Array(data: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function toBytes(data: string | ArrayBufferView | ArrayBuffer): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : toUint8Array(data);
}
