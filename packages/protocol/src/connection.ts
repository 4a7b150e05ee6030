import { assertSendableCloseCode, CloseCode, encodeClosePayload, parseClosePayload } from '@websock/close';
import { encodeFrame, type Frame, FrameParser, type FramePiece, Opcode } from '@websock/frame';
import { isUtf8, Utf8Validator } from '@websock/utf8';
import { MessageAccumulator } from './accumulator.js';
import { InvalidStateError, type ProtocolError, ProtocolErrorCode, toProtocolError, violation } from './errors.js';
import type { EncodedMessage, MessageExtension } from './extension.js';
import { type PreparedFrame, preparedFrameProblem, preparedLength } from './prepared.js';
import { StreamedMessage, type StreamOwner } from './streamed.js';

export type Role = 'server' | 'client';
export type ConnectionState = 'connecting' | 'open' | 'closing' | 'closed';

/** Default limit for one message (all its fragments, after decompression): 64 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

const MAX_CONTROL_PAYLOAD = 125;
const EMPTY = new Uint8Array(0);
const NO_MESSAGE = -1;
/** `messageStreamThreshold` when messages are never reported in pieces. */
const NEVER = Number.POSITIVE_INFINITY;

// Bits of `Connection.flags`.
const TRANSPORT_RELEASED = 1;
const RELEASE_WHEN_FLUSHED = 2;
const DISCARDING = 4;
const UTF8_ACTIVE = 8;
const SENDING_TRANSFORMED = 16;
const ENCODE_FAILED = 32;
const STREAMING = 64;
const INPUT_PAUSED = 128;
const INPUT_HELD = 256;
const LOOPING = 512;
/**
 * The empty queues and extension list of a connection that has none: shared by all of them
 * (frozen, so a push that forgot to make the connection its own array throws at once). An idle
 * connection holds no array of its own.
 */
const NO_EXTENSIONS: readonly MessageExtension[] = Object.freeze([]);
const NO_OUTGOING = Object.freeze([]) as unknown as Outgoing[];
const NO_HELD = Object.freeze([]) as unknown as HeldMessage[];

/**
 * What the core reports, and the only way bytes leave it. Every call is synchronous
 * and made in protocol order, so an I/O layer that writes what it is given, as it is
 * given, keeps the wire order right (replies to earlier messages go out before a
 * failing close frame, pongs interleave with echoes exactly as the pings arrived).
 */
export interface ConnectionHandler {
  /**
   * Bytes for the wire: one frame, header apart from payload (for writev/cork). Both are
   * read-only: small headers are shared between connections, payloads may be the caller's.
   */
  write(header: Uint8Array, payload: Uint8Array): void;
  /** A complete message. `data` may be a view into the received chunk. */
  message(data: Uint8Array, isBinary: boolean): void;
  /**
   * A message reported in pieces begins (see `messageStreamThreshold`): its bytes follow in
   * `messageChunk` calls, then `messageEnd`. Other events (ping, pong) may come in between;
   * a failure (`error`) or the transport's end means the message will not be finished.
   */
  messageStart?(isBinary: boolean): void;
  /**
   * The next bytes of that message, checked: within `maxMessageSize`, and for text, valid
   * UTF-8 so far (a chunk may end inside a character). A view into the received chunk or a
   * decoder's output: consume it now or keep it as it is (the core never writes to it again).
   */
  messageChunk?(data: Uint8Array): void;
  /** That message is complete (and, for text, ends on a character boundary). */
  messageEnd?(): void;
  /** A ping arrived; the pong has already been written. */
  ping?(data: Uint8Array): void;
  pong?(data: Uint8Array): void;
  /** The peer's close frame arrived (code 1005 when it carried none). */
  closeReceived?(code: number, reason: string): void;
  /** The peer broke the protocol; the failing close frame has already been written. */
  error?(error: ProtocolError): void;
  /**
   * The core is done with the transport: the close handshake completed, or the
   * connection was failed. A server closes TCP now (RFC 6455 §7.1.1); a client
   * waits a little for the server to do it, then closes it itself. Called once.
   */
  closeTransport(): void;
  /**
   * The core takes no input until `resume`: an asynchronous extension transform is running, or
   * the application called `pauseInput()`. Stop reading from the transport meanwhile.
   */
  pause?(): void;
  resume?(): void;
  /**
   * Allocates a buffer the core fills completely before anyone sees it: the payload of a frame
   * that spans received chunks (unmasked straight into it), a message reassembled from fragments,
   * a client's masked copy of a payload. Called as a plain function (not as a method), so one
   * function serves every connection. Default `new Uint8Array(length)`, which zero-fills first; an
   * I/O layer on Node passes `Buffer.allocUnsafe`, which skips that pass over every large message.
   */
  readonly allocate?: (length: number) => Uint8Array;
}

export interface ConnectionOptions {
  readonly role: Role;
  readonly handler: ConnectionHandler;
  /** Largest message accepted, fragments and decompression included. */
  readonly maxMessageSize?: number | undefined;
  /** Negotiated per-message extensions (at most one per RSV bit). */
  readonly extensions?: readonly MessageExtension[] | undefined;
  /**
   * Report a message that reaches this many bytes in pieces as it arrives (`messageStart`,
   * `messageChunk`..., `messageEnd`) instead of whole (`message`). An untransformed message is
   * known to from its first frame's header, or once its fragments add up to it; a compressed one
   * is inflated as it arrives and reported in pieces once its inflated bytes reach it (whole when
   * it ends short of it). A large frame is never held whole. Default: never (`Infinity`). Needs
   * the three handler methods, and extensions that implement `decodeStream`. Undefined: the default.
   */
  readonly messageStreamThreshold?: number | undefined;
}

export interface CloseRecord {
  readonly code: number;
  readonly reason: string;
}

/** How the connection ended, as told to the application. */
export interface CloseResult extends CloseRecord {
  /** True only when close frames went both ways before the transport closed. */
  readonly wasClean: boolean;
}

type Outgoing =
  | { readonly kind: 'frame'; readonly opcode: number; readonly payload: Uint8Array }
  | {
      readonly kind: 'message';
      readonly encoded: Promise<EncodedMessage>;
      readonly isBinary: boolean;
      readonly size: number;
    }
  | PreparedOutgoing
  | WrittenMarker
  | FragmentOutgoing;

/** One fragment of a message sent in pieces, waiting for its transform or its turn. */
interface FragmentOutgoing {
  readonly kind: 'fragment';
  readonly encoded: Promise<EncodedMessage>;
  /** Text or Binary for the first fragment, Continuation after. */
  readonly opcode: number;
  readonly fin: boolean;
  readonly first: boolean;
  readonly size: number;
}

/** A message sent while a fragmented one was open: it goes out once that one is finished. */
type HeldMessage =
  | { readonly kind: 'send'; readonly data: Uint8Array; readonly isBinary: boolean; readonly transform: boolean }
  | { readonly kind: 'prepared'; readonly frame: PreparedFrame | Promise<PreparedFrame>; readonly size?: number };

/** Not output: a caller waiting until everything queued before this point was written (see `whenWritten`). */
interface WrittenMarker {
  readonly kind: 'marker';
  readonly written: (ok: boolean) => void;
}

/** A frame encoded elsewhere (see `sendPrepared`), waiting for its turn or its Promise. */
interface PreparedOutgoing {
  readonly kind: 'prepared';
  readonly frame: PreparedFrame | Promise<PreparedFrame>;
  readonly size: number;
}

/**
 * A WebSocket connection without I/O (sans-I/O): bytes in through `receive`,
 * events and frames out through the handler. It never touches a socket and never
 * starts a timer; the I/O layer owns time (close timeouts, keepalive).
 */
export class Connection {
  readonly role: Role;
  private readonly handler: ConnectionHandler;
  /**
   * Made when the first bytes arrive (see `receive`): a connection that has not sent anything
   * yet, as many idle ones never do, holds no parser.
   */
  private parser: FrameParser | null = null;
  private readonly maxMessageSize: number;
  private readonly extensions: readonly MessageExtension[];
  private readonly extensionRsv: number;

  private currentState: ConnectionState = 'connecting';
  /**
   * The connection's yes/no state, one bit each (see the accessors below): one field instead of
   * ten, since every field costs each open connection 8 bytes.
   */
  private flags = 0;
  private sentClose: CloseRecord | null = null;
  private receivedClose: CloseRecord | null = null;
  private failure: ProtocolError | null = null;
  private closeInitiator: 'local' | 'remote' | null = null;

  // The message being reassembled from fragments.
  private messageOpcode = NO_MESSAGE;
  private messageRsv = 0;
  /** Made on the first fragmented message (see `fragments`). */
  private accumulator: MessageAccumulator | null = null;
  /** Made on the first text message that arrives in pieces (see `utf8`). */
  private validator: Utf8Validator | null = null;
  /** Payload bytes of the in-progress frame already validated (fail-fast inside one frame). */
  private partialValidated = 0;

  // Messages reported in pieces: from this size on (Infinity: never), and the one in progress.
  private streamThreshold = NEVER;
  private streamed: StreamedMessage | null = null;
  private streamOwner: StreamOwner | null = null;

  // Input waits while an extension decode runs or the application paused it; output queues behind an encode.
  private decodesRunning = 0;
  /** NO_OUTGOING until something has to wait (see `enqueue`). */
  private outgoing: Outgoing[] = NO_OUTGOING;
  private queuedBytes = 0;
  /** Opcode of the fragmented message being sent (see `sendFragment`), NO_MESSAGE when none. */
  private sendingOpcode = NO_MESSAGE;
  /** Messages sent while a fragmented one is open, with the bytes `bufferedAmount` counts for them. */
  private held: HeldMessage[] = NO_HELD;
  private heldBytes = 0;

  constructor(options: ConnectionOptions) {
    this.role = options.role;
    this.handler = options.handler;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    if (!(this.maxMessageSize > 0)) throw new RangeError('maxMessageSize must be a positive number');
    this.extensions = options.extensions ?? NO_EXTENSIONS;
    let rsv = 0;
    for (const extension of this.extensions) {
      if ((rsv & extension.rsvMask) !== 0) {
        throw new TypeError(`extension ${extension.name} claims an RSV bit another extension owns`);
      }
      rsv |= extension.rsvMask;
    }
    // Checked here, not when the parser is made on the first bytes: a bad extension fails at once.
    if (!Number.isInteger(rsv) || rsv < 0 || rsv > 7)
      throw new RangeError(`extension RSV bits ${rsv} are not within 0-7`);
    this.extensionRsv = rsv;
    if (options.messageStreamThreshold !== undefined) this.messageStreamThreshold = options.messageStreamThreshold;
  }

  /**
   * Messages that reach this many bytes (decoded) are reported in pieces (see the option).
   * Settable, e.g. to `Infinity` to have every message whole again; it applies from the next
   * message on. Throws RangeError for a negative value, TypeError when the handler lacks
   * `messageStart`, `messageChunk` or `messageEnd` or an extension lacks `decodeStream`.
   */
  get messageStreamThreshold(): number {
    return this.streamThreshold;
  }

  set messageStreamThreshold(value: number) {
    if (!(value >= 0)) throw new RangeError('messageStreamThreshold must be a non-negative number');
    if (value !== NEVER) {
      const handler = this.handler;
      if (handler.messageStart === undefined || handler.messageChunk === undefined || handler.messageEnd === undefined)
        throw new TypeError('streamed messages need the handler methods messageStart, messageChunk and messageEnd');
      for (const extension of this.extensions) {
        if (extension.decodeStream === undefined)
          throw new TypeError(`extension ${extension.name} cannot decode a message in pieces (no decodeStream)`);
      }
    }
    this.streamThreshold = value;
    this.streaming = value !== NEVER;
  }

  /**
   * Stops reporting what arrives (message chunks, and every event after them) until
   * `resumeInput()`: the application is behind. Received bytes wait in the core, a streamed
   * message's decoder stops producing, and the handler's `pause` asks the I/O layer to stop
   * reading, so memory stays bounded. A second call does nothing.
   */
  pauseInput(): void {
    if (this.currentState === 'closed' || this.inputPaused) return;
    if (!this.inputHeld) this.handler.pause?.();
    this.inputPaused = true;
    this.inputHeld = true;
    this.streamed?.pause();
  }

  /** Undoes `pauseInput()`: what waits is reported (now, or after a running decode). */
  resumeInput(): void {
    if (!this.inputPaused) return;
    this.inputPaused = false;
    this.inputHeld = this.decodesRunning > 0;
    this.streamed?.resume();
    this.inputReleased();
  }

  /** An asynchronous decode starts: later input waits for it (order is preserved, memory bounded). */
  private decodeStarted(): void {
    if (!this.inputHeld) this.handler.pause?.();
    this.decodesRunning++;
    this.inputHeld = true;
  }

  /**
   * A decode settled: `then` reports its result (and may start another decode), then input flows
   * again unless something else holds it. After the transport closed, nothing is reported.
   */
  private decodeSettled(then?: () => void): void {
    if (this.currentState === 'closed') {
      this.decodesRunning--;
      return;
    }
    if (!this.discarding) then?.();
    this.decodesRunning--;
    this.inputHeld = this.inputPaused || this.decodesRunning > 0;
    this.inputReleased();
  }

  /** Whatever held input may be gone: if so, reading resumes and waiting input is processed. */
  private inputReleased(): void {
    if (this.inputHeld) return;
    this.handler.resume?.();
    this.processFrames();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  // ---- flags ----

  /** The core has told the handler to close the transport. */
  private get transportReleased(): boolean {
    return (this.flags & TRANSPORT_RELEASED) !== 0;
  }
  private set transportReleased(value: boolean) {
    this.flags = value ? this.flags | TRANSPORT_RELEASED : this.flags & ~TRANSPORT_RELEASED;
  }

  /** Release the transport once the output queue has drained. */
  private get releaseWhenFlushed(): boolean {
    return (this.flags & RELEASE_WHEN_FLUSHED) !== 0;
  }
  private set releaseWhenFlushed(value: boolean) {
    this.flags = value ? this.flags | RELEASE_WHEN_FLUSHED : this.flags & ~RELEASE_WHEN_FLUSHED;
  }

  /** Input is ignored from the moment a close frame arrived or the connection failed. */
  private get discarding(): boolean {
    return (this.flags & DISCARDING) !== 0;
  }
  private set discarding(value: boolean) {
    this.flags = value ? this.flags | DISCARDING : this.flags & ~DISCARDING;
  }

  /** Whether `utf8` is tracking the current text message (fragmented or arriving in chops). */
  private get utf8Active(): boolean {
    return (this.flags & UTF8_ACTIVE) !== 0;
  }
  private set utf8Active(value: boolean) {
    this.flags = value ? this.flags | UTF8_ACTIVE : this.flags & ~UTF8_ACTIVE;
  }

  /** `streamThreshold` is finite: the reading loop's check (a bit test, cheaper than a double compare). */
  private get streaming(): boolean {
    return (this.flags & STREAMING) !== 0;
  }
  private set streaming(value: boolean) {
    this.flags = value ? this.flags | STREAMING : this.flags & ~STREAMING;
  }

  /** The application paused input (see `pauseInput`). */
  private get inputPaused(): boolean {
    return (this.flags & INPUT_PAUSED) !== 0;
  }
  private set inputPaused(value: boolean) {
    this.flags = value ? this.flags | INPUT_PAUSED : this.flags & ~INPUT_PAUSED;
  }

  /** Input is paused or a decode runs: the reading loop checks this one bit per frame. */
  private get inputHeld(): boolean {
    return (this.flags & INPUT_HELD) !== 0;
  }
  private set inputHeld(value: boolean) {
    this.flags = value ? this.flags | INPUT_HELD : this.flags & ~INPUT_HELD;
  }

  /** `processFrames` is on the stack: a handler that resumes input must not start a second loop. */
  private get looping(): boolean {
    return (this.flags & LOOPING) !== 0;
  }
  private set looping(value: boolean) {
    this.flags = value ? this.flags | LOOPING : this.flags & ~LOOPING;
  }

  /** Whether the fragmented message being sent goes through the extension's `encodeFragment`. */
  private get sendingTransformed(): boolean {
    return (this.flags & SENDING_TRANSFORMED) !== 0;
  }
  private set sendingTransformed(value: boolean) {
    this.flags = value ? this.flags | SENDING_TRANSFORMED : this.flags & ~SENDING_TRANSFORMED;
  }

  /** A queued message failed to encode: markers still queued cover a message that never left. */
  private get encodeFailed(): boolean {
    return (this.flags & ENCODE_FAILED) !== 0;
  }
  private set encodeFailed(value: boolean) {
    this.flags = value ? this.flags | ENCODE_FAILED : this.flags & ~ENCODE_FAILED;
  }

  private get fragments(): MessageAccumulator {
    if (this.accumulator === null) {
      this.accumulator = new MessageAccumulator(this.handler.allocate);
    }
    return this.accumulator;
  }

  private get utf8(): Utf8Validator {
    if (this.validator === null) this.validator = new Utf8Validator();
    return this.validator;
  }

  /** Queues output behind an asynchronous transform; returns the queue's new length. */
  private enqueue(item: Outgoing): number {
    if (this.outgoing === NO_OUTGOING) this.outgoing = [];
    return this.outgoing.push(item);
  }

  /** Who started the closing handshake (or failed the connection), once known. */
  get closedBy(): 'local' | 'remote' | null {
    return this.closeInitiator;
  }

  /** The close frame we sent, if any. */
  get closeSent(): CloseRecord | null {
    return this.sentClose;
  }

  /** The close frame the peer sent, if any. */
  get closeReceived(): CloseRecord | null {
    return this.receivedClose;
  }

  /** The protocol violation the connection was failed for, if any. */
  get error(): ProtocolError | null {
    return this.failure;
  }

  /** Bytes of outgoing messages waiting behind an asynchronous extension transform. */
  get bufferedAmount(): number {
    return this.queuedBytes + this.heldBytes;
  }

  /** The opening handshake completed: frames may flow. */
  open(): void {
    if (this.currentState !== 'connecting')
      throw new InvalidStateError(`cannot open a connection that is ${this.currentState}`);
    this.currentState = 'open';
  }

  /** Feeds bytes from the transport. The core may keep views into `chunk` and unmask it in place. */
  receive(chunk: Uint8Array): void {
    if (this.discarding || this.currentState === 'closed') return;
    if (this.currentState === 'connecting')
      throw new InvalidStateError('received frames before the connection was opened');
    if (this.parser === null) {
      this.parser = new FrameParser({
        role: this.role,
        maxPayloadLength: this.maxMessageSize,
        allowedRsv: this.extensionRsv,
        allocate: this.handler.allocate,
      });
    }
    this.parser.push(chunk);
    this.processFrames();
  }

  /**
   * The transport closed (EOF or error). Returns what the application is told:
   * the peer's close code, else the code we failed the connection with, else 1006.
   */
  receiveEof(): CloseResult {
    if (this.currentState !== 'closed') {
      this.currentState = 'closed';
      this.discarding = true;
      this.held = NO_HELD;
      this.heldBytes = 0;
      const dropped = this.outgoing;
      this.outgoing = NO_OUTGOING;
      for (const item of dropped) if (item.kind === 'marker') item.written(false);
      this.queuedBytes = 0;
      this.abandonStream();
      for (const extension of this.extensions) extension.dispose?.();
    }
    const code = this.receivedClose?.code ?? this.failure?.closeCode ?? CloseCode.Abnormal;
    return {
      code,
      reason: this.receivedClose?.reason ?? '',
      wasClean: this.sentClose !== null && this.receivedClose !== null && this.failure === null,
    };
  }

  /** Sends one message. Throws InvalidStateError unless the connection is open. */
  send(data: Uint8Array, isBinary: boolean): void {
    if (this.currentState !== 'open')
      throw new InvalidStateError(`cannot send: the connection is ${this.currentState}`);
    if (this.sendingOpcode !== NO_MESSAGE) {
      this.hold({ kind: 'send', data, isBinary, transform: true }, data.length);
      return;
    }
    const opcode = isBinary ? Opcode.Binary : Opcode.Text;
    const extension = this.extensions[0];
    if (extension === undefined) {
      this.enqueueFrame(opcode, data);
      return;
    }
    let encoded: EncodedMessage | Promise<EncodedMessage>;
    try {
      encoded = extension.encode(data, isBinary);
    } catch (error) {
      this.failLocally(error);
      return;
    }
    if (isPromise(encoded)) {
      this.queuedBytes += data.length;
      if (this.enqueue({ kind: 'message', encoded, isBinary, size: data.length }) === 1) this.flushWhenReady();
    } else if (this.outgoing.length === 0) {
      this.writeFrame(opcode, encoded.payload, encoded.rsv);
    } else {
      this.queuedBytes += data.length;
      this.enqueue({ kind: 'message', encoded: Promise.resolve(encoded), isBinary, size: data.length });
    }
  }

  /**
   * Sends one message as it is, without the extensions' transform (RSV bits clear, which is
   * always legal, even with permessage-deflate negotiated): for data that does not compress
   * (already compressed media, random bytes). It takes the same ordered path as `send()`.
   * Throws InvalidStateError unless the connection is open.
   */
  sendUntransformed(data: Uint8Array, isBinary: boolean): void {
    if (this.currentState !== 'open')
      throw new InvalidStateError(`cannot send: the connection is ${this.currentState}`);
    if (this.sendingOpcode !== NO_MESSAGE) {
      this.hold({ kind: 'send', data, isBinary, transform: false }, data.length);
      return;
    }
    if (this.outgoing.length === 0) {
      this.writeFrame(isBinary ? Opcode.Binary : Opcode.Text, data, 0);
      return;
    }
    this.queuedBytes += data.length;
    const encoded = Promise.resolve({ payload: data, rsv: 0 });
    this.enqueue({ kind: 'message', encoded, isBinary, size: data.length });
  }

  /**
   * Sends one fragment of a message sent in pieces (RFC 6455 §5.4), so a large message never has
   * to be held whole: call it with `fin` false for every piece but the last, and `fin` true for
   * the last (which may be empty). The first call decides the message's type (`isBinary`; later
   * calls' is ignored) and whether it is transformed: with `transform` (default true) and an
   * extension that implements `encodeFragment` (permessage-deflate compresses across the
   * fragments), else the fragments go as they are. Control frames may go out between fragments;
   * other messages sent meanwhile (`send`, `sendPrepared`...) wait until the last fragment, in
   * order, and count in `bufferedAmount`. Throws InvalidStateError unless the connection is open.
   */
  sendFragment(data: Uint8Array, isBinary: boolean, fin: boolean, transform = true): void {
    if (this.currentState !== 'open')
      throw new InvalidStateError(`cannot send: the connection is ${this.currentState}`);
    const first = this.sendingOpcode === NO_MESSAGE;
    const opcode = first ? (isBinary ? Opcode.Binary : Opcode.Text) : Opcode.Continuation;
    const extension = this.extensions[0];
    if (first) {
      this.sendingOpcode = opcode;
      this.sendingTransformed = transform && extension?.encodeFragment !== undefined;
    }
    let encoded: EncodedMessage | Promise<EncodedMessage> = { payload: data, rsv: 0 };
    if (this.sendingTransformed && extension?.encodeFragment !== undefined) {
      try {
        encoded = extension.encodeFragment(data, isBinary, first, fin);
      } catch (error) {
        this.failLocally(error);
        return;
      }
    }
    if (fin) this.sendingOpcode = NO_MESSAGE;
    if (!isPromise(encoded) && this.outgoing.length === 0) {
      this.writeFragment(opcode, encoded, first, fin);
    } else {
      this.queuedBytes += data.length;
      const pending = isPromise(encoded) ? encoded : Promise.resolve(encoded);
      if (this.enqueue({ kind: 'fragment', encoded: pending, opcode, fin, first, size: data.length }) === 1) {
        this.flushWhenReady();
      }
    }
    if (fin) this.releaseHeld();
  }

  private hold(message: HeldMessage, bytes: number): void {
    if (this.held === NO_HELD) this.held = [];
    this.held.push(message);
    this.heldBytes += bytes;
  }

  /** The fragmented message is finished: what was sent meanwhile goes out now, in order. */
  private releaseHeld(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = NO_HELD;
    this.heldBytes = 0;
    for (const message of held) {
      if (this.currentState !== 'open') return;
      if (message.kind === 'prepared') this.sendPrepared(message.frame, message.size);
      else if (message.transform) this.send(message.data, message.isBinary);
      else this.sendUntransformed(message.data, message.isBinary);
    }
  }

  private writeFragment(opcode: number, encoded: EncodedMessage, first: boolean, fin: boolean): void {
    const rsv = first ? encoded.rsv : 0;
    const [header, body] = encodeFrame(opcode, encoded.payload, { fin, rsv, mask: this.role === 'client' });
    this.handler.write(header, body);
  }

  /**
   * Tells when everything sent so far has been given to the handler's `write`: returns false,
   * and never calls `written`, when that is already so (nothing waits behind an asynchronous
   * transform). Otherwise returns true and calls `written(true)` once the queue has flushed up
   * to this point, or `written(false)` when it never will: the connection closed first, or a
   * queued message failed to encode (the connection is then being failed).
   */
  whenWritten(written: (ok: boolean) => void): boolean {
    if (this.outgoing.length === 0) return false;
    this.enqueue({ kind: 'marker', written });
    return true;
  }

  /**
   * Sends a frame encoded once for many connections (see `prepareFrame`), e.g. a message
   * published to a topic. It takes the same ordered path as `send()`: after any message whose
   * asynchronous extension transform is still running, before anything sent later. `frame` may
   * be a Promise (a compression shared by many connections, still running); `size` is what
   * `bufferedAmount` counts for it while it waits (default: the frame's length, 0 for a Promise).
   * The frame bypasses the extensions, so a compressed one must already be compressed the way
   * this connection negotiated. Only a server sends prepared frames (client frames are masked
   * one by one), and their RSV bits must belong to a negotiated extension: TypeError otherwise.
   * Throws InvalidStateError unless the connection is open.
   */
  sendPrepared(frame: PreparedFrame | Promise<PreparedFrame>, size?: number): void {
    if (this.currentState !== 'open')
      throw new InvalidStateError(`cannot send: the connection is ${this.currentState}`);
    if (this.role !== 'server') throw new TypeError('only a server sends prepared frames (they are unmasked)');
    if (this.sendingOpcode !== NO_MESSAGE) {
      const bytes = size ?? (isPromise(frame) ? 0 : preparedLength(frame));
      this.hold(size === undefined ? { kind: 'prepared', frame } : { kind: 'prepared', frame, size }, bytes);
      return;
    }
    let bytes = size ?? 0;
    if (!isPromise(frame)) {
      const problem = preparedFrameProblem(frame, this.extensionRsv);
      if (problem !== null) throw new TypeError(problem);
      if (this.outgoing.length === 0) {
        this.handler.write(frame.header, frame.payload);
        return;
      }
      bytes = size ?? preparedLength(frame);
    }
    this.queuedBytes += bytes;
    if (this.enqueue({ kind: 'prepared', frame, size: bytes }) === 1) this.flushWhenReady();
  }

  ping(data: Uint8Array = EMPTY): void {
    this.sendControl(Opcode.Ping, data);
  }

  pong(data: Uint8Array = EMPTY): void {
    this.sendControl(Opcode.Pong, data);
  }

  /**
   * Starts the closing handshake. Without a code the close frame is empty (the peer
   * sees 1005). A second call, or a call once closing, does nothing.
   * Throws RangeError for a code an application may not send or a reason over 123 bytes.
   */
  close(code?: number, reason = ''): void {
    if (this.currentState === 'closing' || this.currentState === 'closed') return;
    if (code !== undefined) assertSendableCloseCode(code);
    const payload = encodeClosePayload(code, reason);
    this.closeInitiator ??= 'local';
    this.sentClose = { code: code ?? CloseCode.NoStatus, reason };
    this.currentState = 'closing';
    this.enqueueFrame(Opcode.Close, payload);
  }

  private sendControl(opcode: number, data: Uint8Array): void {
    if (this.currentState !== 'open')
      throw new InvalidStateError(`cannot send: the connection is ${this.currentState}`);
    if (data.length > MAX_CONTROL_PAYLOAD) throw new RangeError('a control frame payload is at most 125 bytes');
    this.enqueueFrame(opcode, data);
  }

  // ---- input ----

  private processFrames(): void {
    // A handler that resumed input from inside the loop: the running loop goes on by itself.
    if (this.looping) return;
    this.looping = true;
    try {
      this.readFrames();
    } finally {
      this.looping = false;
    }
  }

  private readFrames(): void {
    const parser = this.parser;
    if (parser === null) return;
    while (!this.discarding && !this.inputHeld) {
      // Cap the next frame so the whole message stays within the limit; control
      // frames are capped at 125 bytes by the parser, so never go below that.
      const messageSoFar = this.messageOpcode === NO_MESSAGE ? 0 : this.messageBytesSoFar();
      const cap = Math.max(MAX_CONTROL_PAYLOAD, this.maxMessageSize - messageSoFar);
      if (parser.maxPayloadLength !== cap) parser.maxPayloadLength = cap;
      let frame: Frame | FramePiece | null;
      try {
        frame = this.streaming ? parser.nextPiece(this.pieceThreshold()) : parser.next();
      } catch (error) {
        this.fail(error);
        return;
      }
      if (frame === null) {
        this.validatePartialText();
        return;
      }
      if (this.streaming && isPiece(frame)) {
        this.onPiece(frame);
        continue;
      }
      const validatedBefore = this.partialValidated;
      this.partialValidated = 0;
      switch (frame.opcode) {
        case Opcode.Text:
        case Opcode.Binary:
          this.onDataFrame(frame.opcode, frame.fin, frame.rsv, frame.payload, validatedBefore);
          break;
        case Opcode.Continuation:
          this.onContinuation(frame.fin, frame.rsv, frame.payload, validatedBefore);
          break;
        case Opcode.Close:
          this.onClose(frame.rsv, frame.payload);
          break;
        case Opcode.Ping:
          if (this.rejectRsv(frame.rsv)) return;
          if (this.currentState === 'open') this.enqueueFrame(Opcode.Pong, frame.payload);
          this.handler.ping?.(frame.payload);
          break;
        case Opcode.Pong:
          if (this.rejectRsv(frame.rsv)) return;
          this.handler.pong?.(frame.payload);
          break;
      }
    }
  }

  private onDataFrame(opcode: number, fin: boolean, rsv: number, payload: Uint8Array, validatedBefore: number): void {
    if (this.messageOpcode !== NO_MESSAGE) {
      this.fail(violation(ProtocolErrorCode.ExpectedContinuation, 'a new message started inside a fragmented one'));
      return;
    }
    const isText = opcode === Opcode.Text;
    const transformed = (rsv & this.extensionRsv) !== 0;
    if (this.streaming && validatedBefore === 0) {
      if (this.readsAsItArrives(payload.length, fin, transformed)) {
        this.messageOpcode = opcode;
        this.messageRsv = rsv;
        if (this.beginStream(null)) this.streamBytes(payload, fin);
        return;
      }
    }
    if (fin) {
      // The hot path: one whole message in one frame.
      if (isText && !transformed) {
        const valid =
          validatedBefore === 0
            ? isUtf8(payload)
            : this.utf8.write(payload.subarray(validatedBefore)) && this.utf8.end();
        this.utf8Active = false;
        if (!valid) {
          this.failInvalidUtf8();
          return;
        }
      }
      this.deliver(payload, opcode, rsv);
      return;
    }
    this.messageOpcode = opcode;
    this.messageRsv = rsv;
    if (isText && !transformed && !this.validateTextFragment(payload, validatedBefore)) return;
    this.fragments.append(payload);
  }

  private onContinuation(fin: boolean, rsv: number, payload: Uint8Array, validatedBefore: number): void {
    if (this.messageOpcode === NO_MESSAGE) {
      this.fail(
        violation(ProtocolErrorCode.UnexpectedContinuation, 'a continuation frame without a message to continue'),
      );
      return;
    }
    if (this.rejectRsv(rsv)) return;
    if (this.streamed !== null) {
      this.streamBytes(payload, fin);
      return;
    }
    if (this.fragments.length + payload.length > this.maxMessageSize) {
      this.failTooBig();
      return;
    }
    if (this.fragments.length + payload.length >= this.streamThreshold && validatedBefore === 0) {
      // Only untransformed messages are gathered while streaming is on (see readsAsItArrives).
      if (this.beginStream(this.fragments.take())) this.streamBytes(payload, fin);
      return;
    }
    const isText = this.messageOpcode === Opcode.Text;
    if (isText && (this.messageRsv & this.extensionRsv) === 0) {
      if (!this.validateTextFragment(payload, validatedBefore)) return;
      if (fin && !this.utf8.end()) {
        this.failInvalidUtf8();
        return;
      }
    }
    this.fragments.append(payload);
    if (!fin) return;
    const opcode = this.messageOpcode;
    const messageRsv = this.messageRsv;
    const message = this.fragments.take();
    this.messageOpcode = NO_MESSAGE;
    this.messageRsv = 0;
    this.utf8Active = false;
    this.deliver(message, opcode, messageRsv);
  }

  /** Bytes of the message in progress received so far (on the wire). */
  private messageBytesSoFar(): number {
    return this.streamed === null ? this.fragments.length : this.streamed.wireBytes;
  }

  /**
   * Whether a message whose first frame came whole (`length` bytes, `fin`) is read as it arrives
   * (in a `StreamedMessage`) rather than gathered and reported whole. An untransformed message is,
   * from the threshold on (its smaller fragments are gathered until they reach it). A transformed
   * one is unless it is one frame under the threshold (decoded whole, up to the threshold, see
   * `deliver`): its size only shows as it is decoded.
   */
  private readsAsItArrives(length: number, fin: boolean, transformed: boolean): boolean {
    if (length >= this.streamThreshold) return true;
    return transformed && !fin;
  }

  /**
   * The smallest data frame the parser returns in pieces: any frame of a message being streamed;
   * else the rest of the way to the threshold (a message that reaches it streams).
   */
  private pieceThreshold(): number {
    if (this.streamed !== null) return 0;
    return this.messageOpcode === NO_MESSAGE ? this.streamThreshold : this.streamThreshold - this.fragments.length;
  }

  /** A piece of a data frame too large to hold (see `FrameParser.nextPiece`): the message is read as it arrives. */
  private onPiece(piece: FramePiece): void {
    if (piece.offset === 0) {
      if (piece.opcode !== Opcode.Continuation) {
        if (this.messageOpcode !== NO_MESSAGE) {
          this.fail(violation(ProtocolErrorCode.ExpectedContinuation, 'a new message started inside a fragmented one'));
          return;
        }
        this.messageOpcode = piece.opcode;
        this.messageRsv = piece.rsv;
        if (!this.beginStream(null)) return;
      } else {
        if (this.messageOpcode === NO_MESSAGE) {
          this.fail(
            violation(ProtocolErrorCode.UnexpectedContinuation, 'a continuation frame without a message to continue'),
          );
          return;
        }
        if (this.rejectRsv(piece.rsv)) return;
        if (this.streamed === null && !this.beginStream(this.fragments.take())) return;
      }
    }
    this.streamBytes(piece.payload, piece.fin && piece.offset + piece.payload.length === piece.frameLength);
  }

  /**
   * The message in `messageOpcode`/`messageRsv` is read as it arrives from now on. `gathered`
   * holds its untransformed fragments received before it reached the threshold (text among them
   * already validated): it is then reported in pieces at once. An untransformed message starting
   * here is too (it reached the threshold); a transformed one when its decoded bytes do. False
   * when the connection was failed.
   */
  private beginStream(gathered: Uint8Array | null): boolean {
    const rsv = this.messageRsv;
    const transformed = (rsv & this.extensionRsv) !== 0;
    const isText = this.messageOpcode === Opcode.Text;
    // The validator of gathered text carries on; a message starting here starts it afresh.
    if (isText && gathered === null) this.utf8.reset();
    this.utf8Active = isText;
    let streamed: StreamedMessage;
    try {
      streamed = new StreamedMessage(this.ownerOfStreams(), {
        isBinary: !isText,
        utf8: isText ? this.utf8 : null,
        extension: transformed ? this.extensionFor(rsv) : null,
        rsv,
        threshold: this.streamThreshold,
      });
    } catch (error) {
      this.fail(error);
      return false;
    }
    this.streamed = streamed;
    if (transformed) return true;
    streamed.begin();
    if (gathered !== null && gathered.length > 0) {
      // Already counted and validated while gathered: report it as it is.
      streamed.wireBytes = gathered.length;
      this.handler.messageChunk?.(gathered);
    }
    return !this.discarding;
  }

  /** What streamed messages report to: this connection's handler, and its bookkeeping. */
  private ownerOfStreams(): StreamOwner {
    this.streamOwner ??= {
      maxMessageSize: this.maxMessageSize,
      start: (isBinary) => this.handler.messageStart?.(isBinary),
      chunk: (data) => this.handler.messageChunk?.(data),
      end: () => {
        this.messageDone();
        this.handler.messageEnd?.();
      },
      whole: (data, isBinary) => {
        this.messageDone();
        this.handler.message(data, isBinary);
      },
      fail: (error) => this.fail(error),
    };
    return this.streamOwner;
  }

  /** The next bytes of the message read as it arrives (`last` when they end it). */
  private streamBytes(bytes: Uint8Array, last: boolean): void {
    const streamed = this.streamed;
    if (streamed === null) return;
    const result = streamed.write(bytes, last);
    if (typeof result === 'boolean') return;
    this.decodeStarted();
    result.then(() => this.decodeSettled());
  }

  /** The message read as it arrived is complete (it reported its end itself). */
  private messageDone(): void {
    this.streamed = null;
    this.messageOpcode = NO_MESSAGE;
    this.messageRsv = 0;
    this.utf8Active = false;
  }

  /**
   * Nothing more will be reported (a failure, a close frame, the transport's end): a message read
   * as it arrives will not be finished, its decoder is released, and an application's pause of
   * input no longer holds reading back (the peer's close and EOF must still come in).
   */
  private abandonStream(): void {
    const streamed = this.streamed;
    if (streamed !== null) {
      this.streamed = null;
      streamed.abort();
    }
    if (!this.inputPaused) return;
    this.inputPaused = false;
    this.inputHeld = this.decodesRunning > 0;
    if (!this.inputHeld && this.currentState !== 'closed') this.handler.resume?.();
  }

  /** Validates a text fragment (or the rest of one already partly validated while it arrived). */
  private validateTextFragment(payload: Uint8Array, validatedBefore: number): boolean {
    if (!this.utf8Active) {
      this.utf8.reset();
      this.utf8Active = true;
    }
    if (this.utf8.write(validatedBefore === 0 ? payload : payload.subarray(validatedBefore))) return true;
    this.failInvalidUtf8();
    return false;
  }

  /**
   * Fail-fast inside a frame: while a text frame's payload is still arriving in TCP
   * chunks, validate what has arrived so the connection fails on the chunk that made
   * the text invalid, not when the frame completes (Autobahn 6.4.3, 6.4.4).
   */
  private validatePartialText(): void {
    const partial = this.parser?.partial ?? null;
    if (partial === null || partial.received.length <= this.partialValidated) return;
    let isText: boolean;
    if (partial.opcode === Opcode.Text) {
      if (this.messageOpcode !== NO_MESSAGE) return; // a protocol error, reported when the frame completes
      isText = (partial.rsv & this.extensionRsv) === 0;
      if (isText && this.partialValidated === 0) {
        this.utf8.reset();
        this.utf8Active = true;
      }
    } else {
      isText =
        partial.opcode === Opcode.Continuation &&
        this.messageOpcode === Opcode.Text &&
        (this.messageRsv & this.extensionRsv) === 0;
    }
    if (!isText) return;
    const fresh = partial.received.subarray(this.partialValidated);
    this.partialValidated = partial.received.length;
    if (!this.utf8.write(fresh)) this.failInvalidUtf8();
  }

  private deliver(payload: Uint8Array, opcode: number, rsv: number): void {
    const isBinary = opcode === Opcode.Binary;
    if ((rsv & this.extensionRsv) === 0) {
      this.handler.message(payload, isBinary);
      return;
    }
    const extension = this.extensionFor(rsv);
    // While streaming is on, a message decoding to the threshold is read again as it arrives.
    const limit = Math.min(this.maxMessageSize, this.streamThreshold - 1);
    let decoded: Uint8Array | Promise<Uint8Array>;
    try {
      decoded = extension.decode(payload, rsv & extension.rsvMask, limit);
    } catch (error) {
      this.decodeFailed(error, limit, payload, opcode, rsv);
      return;
    }
    if (!isPromise(decoded)) {
      this.deliverDecoded(decoded, isBinary);
      return;
    }
    // Later frames wait until this message is delivered: order is preserved.
    this.decodeStarted();
    decoded.then(
      (data) => this.decodeSettled(() => this.deliverDecoded(data, isBinary)),
      (error: unknown) => this.decodeSettled(() => this.decodeFailed(error, limit, payload, opcode, rsv)),
    );
  }

  /**
   * A whole message failed to decode. Past a limit under `maxMessageSize` (the threshold of
   * streamed messages), it is decoded again as it arrives, and reported in pieces; otherwise the
   * connection fails.
   */
  private decodeFailed(error: unknown, limit: number, payload: Uint8Array, opcode: number, rsv: number): void {
    if (this.discarding) return;
    const tooBig = (error as { closeCode?: unknown } | null)?.closeCode === CloseCode.MessageTooBig;
    if (!tooBig || limit >= this.maxMessageSize) {
      this.fail(error);
      return;
    }
    this.messageOpcode = opcode;
    this.messageRsv = rsv;
    if (this.beginStream(null)) this.streamBytes(payload, true);
  }

  private deliverDecoded(data: Uint8Array, isBinary: boolean): void {
    if (data.length > this.maxMessageSize) {
      this.failTooBig();
      return;
    }
    if (!isBinary && !isUtf8(data)) {
      this.failInvalidUtf8();
      return;
    }
    this.handler.message(data, isBinary);
  }

  private extensionFor(rsv: number): MessageExtension {
    for (const extension of this.extensions) if ((rsv & extension.rsvMask) !== 0) return extension;
    // Unreachable: the parser rejects RSV bits no extension owns.
    throw violation(ProtocolErrorCode.UnexpectedRsv, 'reserved bits set without a negotiated extension');
  }

  private onClose(rsv: number, payload: Uint8Array): void {
    if (this.rejectRsv(rsv)) return;
    const parsed = parseClosePayload(payload);
    if (!parsed.ok) {
      this.fail(parsed.error);
      return;
    }
    // Whatever follows a close frame is ignored (RFC 6455 §5.5.1): a streamed message stays unfinished.
    this.discarding = true;
    this.abandonStream();
    this.receivedClose = { code: parsed.code, reason: parsed.reason };
    this.closeInitiator ??= 'remote';
    this.handler.closeReceived?.(parsed.code, parsed.reason);
    if (this.sentClose === null) {
      // Echo the status code received; an empty close is answered with an empty close.
      const echo = parsed.code === CloseCode.NoStatus ? EMPTY : encodeCode(parsed.code);
      this.sentClose = { code: parsed.code, reason: '' };
      this.enqueueFrame(Opcode.Close, echo);
    }
    this.currentState = 'closing';
    this.releaseTransport();
  }

  /** Control and continuation frames never carry RSV bits, not even extension-owned ones. */
  private rejectRsv(rsv: number): boolean {
    if (rsv === 0) return false;
    this.fail(violation(ProtocolErrorCode.UnexpectedRsv, 'reserved bits set on a control or continuation frame'));
    return true;
  }

  private failInvalidUtf8(): void {
    this.fail(violation(ProtocolErrorCode.InvalidUtf8, 'text message is not valid UTF-8'));
  }

  private failTooBig(): void {
    this.fail(violation(ProtocolErrorCode.MessageTooBig, `message exceeds the limit of ${this.maxMessageSize} bytes`));
  }

  private failLocally(error: unknown): void {
    this.encodeFailed = true;
    this.fail(violation(ProtocolErrorCode.Internal, 'extension failed to encode a message', { cause: error }));
  }

  /**
   * Fails the connection (RFC 6455 §7.1.7): a close frame with the failure's close code, then
   * release the transport. Every failure passes through `toProtocolError`, the one place that
   * decides that code, so only a code that may go on the wire is ever written.
   */
  private fail(cause: unknown): void {
    if (this.failure !== null || this.currentState === 'closed') return;
    const error = toProtocolError(cause);
    this.failure = error;
    this.discarding = true;
    this.abandonStream();
    this.messageOpcode = NO_MESSAGE;
    this.accumulator?.take();
    this.closeInitiator ??= 'local';
    if (this.sentClose === null) {
      this.sentClose = { code: error.closeCode, reason: '' };
      this.enqueueFrame(Opcode.Close, encodeCode(error.closeCode));
    }
    this.currentState = 'closing';
    this.handler.error?.(error);
    this.releaseTransport();
  }

  /** Tells the I/O layer to close the transport, once everything queued before is written. */
  private releaseTransport(): void {
    if (this.transportReleased) return;
    if (this.outgoing.length > 0) {
      this.releaseWhenFlushed = true;
      return;
    }
    this.transportReleased = true;
    this.handler.closeTransport();
  }

  // ---- output ----

  private enqueueFrame(opcode: number, payload: Uint8Array): void {
    if (this.outgoing.length === 0) this.writeFrame(opcode, payload, 0);
    else this.enqueue({ kind: 'frame', opcode, payload });
  }

  private writeFrame(opcode: number, payload: Uint8Array, rsv: number): void {
    if (this.role === 'server' && rsv === 0 && payload.length <= MAX_CONTROL_PAYLOAD) {
      // The hot path of a server: a small unmasked frame, whose header is one of a few
      // hundred byte pairs. They are made once and shared (never mutated), so sending a
      // small message allocates no header.
      this.handler.write(smallHeader(opcode, payload.length), payload);
      return;
    }
    // A client masks into a copy from `allocate` (the caller's bytes stay as they are).
    const [header, body] = encodeFrame(opcode, payload, {
      rsv,
      mask: this.role === 'client',
      allocate: this.handler.allocate,
    });
    this.handler.write(header, body);
  }

  /** Writes queued output in order, waiting for each pending encode in turn. */
  private flushWhenReady(): void {
    const head = this.outgoing[0];
    if (head === undefined) {
      if (this.releaseWhenFlushed) this.releaseTransport();
      return;
    }
    if (head.kind === 'frame') {
      this.outgoing.shift();
      this.writeFrame(head.opcode, head.payload, 0);
      this.flushWhenReady();
      return;
    }
    if (head.kind === 'prepared') {
      this.flushPrepared(head);
      return;
    }
    if (head.kind === 'fragment') {
      this.flushFragment(head);
      return;
    }
    if (head.kind === 'marker') {
      this.outgoing.shift();
      head.written(!this.encodeFailed);
      this.flushWhenReady();
      return;
    }
    this.whenHeadSettles(head.encoded, head.size, (encoded) =>
      this.writeFrame(head.isBinary ? Opcode.Binary : Opcode.Text, encoded.payload, encoded.rsv),
    );
  }

  /** Writes the fragment at the head of the queue once its transform settled. */
  private flushFragment(head: FragmentOutgoing): void {
    this.whenHeadSettles(head.encoded, head.size, (encoded) =>
      this.writeFragment(head.opcode, encoded, head.first, head.fin),
    );
  }

  /**
   * Once the head of the queue (`pending`, `size` bytes counted as queued) settles: takes it off
   * the queue, writes it, or fails the connection when its transform failed; then goes on.
   */
  private whenHeadSettles<T>(pending: Promise<T>, size: number, write: (value: T) => void): void {
    pending.then(
      (value) => {
        if (this.currentState === 'closed') return;
        this.outgoing.shift();
        this.queuedBytes -= size;
        write(value);
        this.flushWhenReady();
      },
      (error: unknown) => {
        if (this.currentState === 'closed') return;
        this.outgoing.shift();
        this.queuedBytes -= size;
        this.failLocally(error);
        this.flushWhenReady();
      },
    );
  }

  /** Writes the prepared frame at the head of the queue, once its Promise (if any) settled. */
  private flushPrepared(head: PreparedOutgoing): void {
    const frame = head.frame;
    if (!isPromise(frame)) {
      this.writePrepared(head, frame);
      return;
    }
    this.whenHeadSettles(frame, head.size, (ready) => this.writePreparedFrame(ready));
  }

  private writePrepared(head: PreparedOutgoing, frame: PreparedFrame): void {
    this.outgoing.shift();
    this.queuedBytes -= head.size;
    this.writePreparedFrame(frame);
    this.flushWhenReady();
  }

  private writePreparedFrame(frame: PreparedFrame): void {
    const problem = preparedFrameProblem(frame, this.extensionRsv);
    if (problem === null) this.handler.write(frame.header, frame.payload);
    else this.failLocally(new TypeError(problem));
  }
}

/** Shared, immutable headers of final, unmasked, RSV-free frames of up to 125 bytes, by opcode and length. */
const smallHeaders: Array<Uint8Array | undefined> = [];

function smallHeader(opcode: number, length: number): Uint8Array {
  const index = (opcode << 7) | length;
  let header = smallHeaders[index];
  if (header === undefined) {
    header = Uint8Array.of(0x80 | opcode, length);
    smallHeaders[index] = header;
  }
  return header;
}

function encodeCode(code: number): Uint8Array {
  return new Uint8Array([code >> 8, code & 0xff]);
}

function isPiece(frame: Frame | FramePiece): frame is FramePiece {
  return (frame as Partial<FramePiece>).offset !== undefined;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}
