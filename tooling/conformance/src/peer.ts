import { performance } from 'node:perf_hooks';
import { type ChannelKind, type ChannelRequest, channelWords, type PeerChannel } from './channel.js';
import { type ChopOptions, ScriptedEndpoint, sleep } from './endpoint.js';
import { FrameReader, type InFrame } from './frame-reader.js';
import {
  closePayload,
  concatBytes,
  encodeFragmentedMessage,
  encodeFrame,
  Op,
  type OutFrame,
  toBytes,
  toHex,
} from './frame-writer.js';
import { openHttp2Channel } from './open-http2.js';
import { openSocketChannel } from './open-socket.js';

/**
 * A scripted raw WebSocket client. It writes exactly the bytes a case asks for (chopped
 * and timed as asked), records what the server sends as events, and tracks the closing
 * handshake and the teardown precisely enough to tell who sent the first close frame
 * and who dropped the connection. It runs over TCP or TLS (an HTTP/1.1 upgrade) or over
 * an HTTP/2 stream (RFC 8441 extended CONNECT, `http2: true`); "TCP" below means the
 * transport: for a stream, FIN is END_STREAM and RST is RST_STREAM (src/channel.ts).
 *
 * It plays the client side of the Autobahn|Testsuite fuzzing client: it answers a
 * server's close frame by echoing its code and then waits for the server to close
 * TCP; it never drops TCP itself unless a deadline passes (and then the case fails).
 */

export type ObservedEvent =
  | { type: 'message'; data: Uint8Array; binary: boolean; at: number }
  | { type: 'pong'; data: Uint8Array; at: number }
  | { type: 'ping'; data: Uint8Array; at: number }
  | { type: 'timeout'; tag: string; at: number };

/**
 * Hook for a negotiated extension (permessage-deflate will plug in here): the offer
 * goes into the handshake, `accept` sees the server's answer and returns the RSV bits
 * the server may then set on data frames, `decodeMessage` turns a received message
 * into application bytes and `encodeMessage` does the reverse for the peer's sends.
 */
export interface PeerExtension {
  readonly offer: string;
  accept(responseHeader: string | undefined): number;
  decodeMessage(payload: Uint8Array, rsv: number): Uint8Array;
  /** May return a promise (a streaming compressor), which must then resolve in call order. */
  encodeMessage?(
    payload: Uint8Array,
  ): { payload: Uint8Array; rsv: number } | Promise<{ payload: Uint8Array; rsv: number }>;
}

export interface PeerOptions {
  host: string;
  port: number;
  path?: string;
  tls?: boolean;
  /** Open the WebSocket with an extended CONNECT on an HTTP/2 session (RFC 8441); needs `tls`. */
  http2?: boolean;
  /** PEM CA to trust; without it the server certificate is not verified (self-signed test certs). */
  ca?: string;
  extension?: PeerExtension;
  headers?: Record<string, string>;
  connectTimeoutMs?: number;
}

export interface CloseInfo {
  code: number | undefined;
  reason: Uint8Array;
  payload: Uint8Array;
  at: number;
}

export type ServerTcpEnd = 'fin' | 'reset' | null;

export interface PeerSnapshot {
  /** What carried the WebSocket: TCP, TLS, or an HTTP/2 stream. */
  transport: ChannelKind;
  events: ObservedEvent[];
  violations: string[];
  closeSent: CloseInfo | null;
  closeReceived: CloseInfo | null;
  closedByMe: boolean;
  serverTcpEnd: ServerTcpEnd;
  serverTcpEndAt: number | null;
  droppedByMe: boolean;
  /** A reset from the server (TCP RST, RST_STREAM with its code), even one after its FIN/END_STREAM. */
  serverReset: { detail: string; at: number } | null;
  /** Close frames sent and received, then the server dropped TCP (not us). */
  wasClean: boolean;
  log: string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Codes a server may put in a close frame on the wire (RFC 6455 §7.4, IANA registry). */
export function isWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

export type { ChopOptions } from './endpoint.js';
export { sleep } from './endpoint.js';

function describeFrame(f: { opcode: number; fin?: boolean; rsv?: number }, len: number): string {
  return `op=${f.opcode} fin=${(f.fin ?? true) ? 1 : 0} rsv=${f.rsv ?? 0} len=${len}`;
}

export class Peer extends ScriptedEndpoint {
  readonly violations: string[] = [];
  closeSent: CloseInfo | null = null;
  closeReceived: CloseInfo | null = null;
  closedByMe = false;
  serverTcpEnd: ServerTcpEnd = null;
  serverTcpEndAt: number | null = null;
  serverReset: PeerSnapshot['serverReset'] = null;
  droppedByMe = false;
  socketClosed = false;
  /** Response headers of the opening handshake. */
  readonly responseHeaders: Record<string, string>;

  private readonly reader = new FrameReader();
  private readonly allowedRsv: number;
  private message: { opcode: number; rsv: number; parts: Uint8Array[] } | null = null;
  private readonly extension: PeerExtension | undefined;
  private readonly channel: PeerChannel;

  private constructor(
    channel: PeerChannel,
    extension: PeerExtension | undefined,
    allowedRsv: number,
    startedAt: number,
  ) {
    super(channel.stream, startedAt);
    this.channel = channel;
    this.extension = extension;
    this.allowedRsv = allowedRsv;
    this.responseHeaders = channel.responseHeaders;
  }

  static async connect(options: PeerOptions): Promise<Peer> {
    const startedAt = performance.now();
    const request: ChannelRequest = {
      host: options.host,
      port: options.port,
      path: options.path ?? '/',
      tls: options.tls === true,
      http2: options.http2 === true,
      ca: options.ca,
      extensions: options.extension?.offer,
      headers: options.headers,
      timeoutMs: options.connectTimeoutMs ?? 5000,
    };
    const channel = await (request.http2 ? openHttp2Channel(request) : openSocketChannel(request));
    let allowedRsv = 0;
    const answer = channel.responseHeaders['sec-websocket-extensions'];
    try {
      if (options.extension) allowedRsv = options.extension.accept(answer);
      else if (answer) throw new Error(`server accepted an extension that was not offered: ${answer}`);
    } catch (err) {
      channel.abort();
      throw err;
    }
    const peer = new Peer(channel, options.extension, allowedRsv, startedAt);
    peer.attach();
    // Bytes that came with the 101 are frames: they must not be lost.
    if (channel.head.length > 0) peer.onData(channel.head);
    return peer;
  }

  /** True while neither side has sent a close frame and TCP is up. */
  get isOpen(): boolean {
    return !this.closeSent && !this.closeReceived && !this.serverTcpEnd && !this.socketClosed;
  }

  snapshot(): PeerSnapshot {
    return {
      transport: this.channel.kind,
      events: this.events,
      violations: this.violations,
      closeSent: this.closeSent,
      closeReceived: this.closeReceived,
      closedByMe: this.closedByMe,
      serverTcpEnd: this.serverTcpEnd,
      serverTcpEndAt: this.serverTcpEndAt,
      droppedByMe: this.droppedByMe,
      serverReset: this.serverReset,
      wasClean:
        this.closeSent !== null && this.closeReceived !== null && this.serverTcpEnd !== null && !this.droppedByMe,
      log: this.log,
    };
  }

  // ---- sending ---------------------------------------------------------------

  async sendFrame(frame: OutFrame, options: ChopOptions = {}): Promise<void> {
    const bytes = encodeFrame(frame);
    this.note(
      `TX ${describeFrame(frame, toBytes(frame.payload).length)}${options.chopSize ? ` chop=${options.chopSize}` : ''}`,
    );
    await this.write(bytes, options);
  }

  /**
   * Raw frames, close frames included: like the official suite's `sendFrame`, a raw
   * close frame is NOT tracked as this peer's close (use sendClose/sendCloseFrame).
   * 'one-chop': one TCP write; 'frame-wise': one write per frame with a
   * short pause so each leaves as its own segment; 'octet-wise': one write per byte.
   */
  async sendFrames(
    frames: readonly OutFrame[],
    mode: 'one-chop' | 'frame-wise' | 'octet-wise' = 'one-chop',
  ): Promise<void> {
    for (const f of frames) this.note(`TX ${describeFrame(f, toBytes(f.payload).length)} (${mode})`);
    const encoded = frames.map(encodeFrame);
    if (mode === 'one-chop') await this.write(concatBytes(encoded));
    else if (mode === 'octet-wise') await this.write(concatBytes(encoded), { chopSize: 1 });
    else {
      for (const bytes of encoded) {
        await this.write(bytes);
        await sleep(2);
      }
    }
  }

  /**
   * An application message: through the negotiated extension if there is one (sets its
   * RSV bits, e.g. RSV1 for permessage-deflate), optionally fragmented and chopped.
   */
  async sendMessage(
    data: Uint8Array | string,
    options: { binary?: boolean; fragmentSize?: number } & ChopOptions = {},
  ): Promise<void> {
    const opcode = options.binary ? Op.Binary : Op.Text;
    let payload = toBytes(data);
    let rsv = 0;
    if (this.extension?.encodeMessage) ({ payload, rsv } = await this.extension.encodeMessage(payload));
    const { bytes, frames } = encodeFragmentedMessage(
      opcode,
      payload,
      options.fragmentSize ?? Math.max(1, payload.length),
      rsv,
    );
    this.note(`TX message op=${opcode} rsv=${rsv} len=${payload.length} in ${frames} frame(s)`);
    await this.write(bytes, options);
  }

  /** Sends a close frame through the state machine (first close → closedByMe). */
  async sendClose(code?: number, reason: Uint8Array | string = ''): Promise<void> {
    await this.sendCloseFrame({ opcode: Op.Close, payload: closePayload(code, reason) });
  }

  /** Any close frame (possibly malformed), tracked as this peer's close. */
  async sendCloseFrame(frame: OutFrame, options: ChopOptions = {}): Promise<void> {
    this.recordCloseSent(toBytes(frame.payload));
    await this.sendFrame(frame, options);
  }

  /**
   * Drops the connection from this side (counts against the server unless it already
   * dropped): destroys the TCP socket, or resets the HTTP/2 stream (RST_STREAM CANCEL).
   */
  drop(reason: string): void {
    if (this.socketClosed) return;
    if (!this.serverTcpEnd) {
      this.droppedByMe = true;
      this.note(`DROP ${channelWords(this.channel.kind).connection} by peer: ${reason}`);
    }
    this.channel.abort();
  }

  // ---- waiting -----------------------------------------------------------------

  /**
   * The end of every case: wait for the server's close (if we sent ours), then for the
   * server to close TCP; only when a deadline passes does the peer drop the connection.
   */
  async awaitClosure(options: { closeTimeoutMs: number; dropTimeoutMs: number }): Promise<void> {
    if (this.closeSent && !this.closeReceived) {
      await this.waitFor(
        () => this.closeReceived !== null || this.serverTcpEnd !== null || this.socketClosed,
        options.closeTimeoutMs,
      );
      if (!this.closeReceived && !this.serverTcpEnd) this.note('no close frame from the server before the deadline');
    }
    await this.waitFor(() => this.serverTcpEnd !== null || this.socketClosed, options.dropTimeoutMs);
    if (!this.serverTcpEnd && !this.socketClosed) this.drop('server did not close TCP before the deadline');
    await this.waitFor(() => this.socketClosed, 2000);
    if (!this.socketClosed) this.channel.abort();
  }

  // ---- receiving ---------------------------------------------------------------

  private attach(): void {
    const words = channelWords(this.channel.kind);
    this.channel.listen({
      data: (chunk) => this.onData(chunk),
      serverEnd: () => {
        if (!this.serverTcpEnd && !this.droppedByMe) {
          this.serverTcpEnd = 'fin';
          this.serverTcpEndAt = this.now();
          this.note(`RX ${words.end} (server closed ${words.connection})`);
        }
        this.wake();
      },
      serverReset: (detail) => {
        if (this.droppedByMe) return;
        this.serverReset ??= { detail, at: this.now() };
        if (!this.serverTcpEnd) {
          this.serverTcpEnd = 'reset';
          this.serverTcpEndAt = this.now();
        }
        this.note(`RX ${detail} (server reset ${words.connection})`);
        this.wake();
      },
      error: (err) => {
        this.note(`${this.channel.kind === 'h2' ? 'stream' : 'socket'} error ${err.code ?? ''} ${err.message}`);
        this.wake();
      },
      closed: () => {
        this.socketClosed = true;
        this.note(`${this.channel.kind === 'h2' ? 'stream' : 'TCP'} closed`);
        this.wake();
      },
    });
  }

  onData(chunk: Uint8Array): void {
    this.reader.push(chunk);
    for (;;) {
      let frame: InFrame | null;
      try {
        frame = this.reader.next();
      } catch (err) {
        this.violate(`unparseable server frame: ${(err as Error).message}`);
        this.drop('unparseable server frame');
        return;
      }
      if (!frame) break;
      this.onFrame(frame);
    }
    this.wake();
  }

  private violate(what: string): void {
    this.violations.push(`${what} (at ${this.now()}ms)`);
    this.note(`VIOLATION ${what}`);
  }

  private onFrame(f: InFrame): void {
    this.note(`RX ${describeFrame(f, f.payload.length)}${f.payload.length <= 32 ? ` ${toHex(f.payload)}` : ''}`);
    if (this.closeReceived) {
      this.violate(`server sent a frame (opcode ${f.opcode}) after its close frame`);
      return;
    }
    if (f.masked) this.violate(`server frame is masked (opcode ${f.opcode})`);
    const isControl = f.opcode >= 8;
    const rsvAllowed = isControl || f.opcode === Op.Continuation ? 0 : this.allowedRsv;
    if (f.rsv & ~rsvAllowed) this.violate(`server frame has RSV bits ${f.rsv} (opcode ${f.opcode})`);
    if (isControl) {
      if (!f.fin) this.violate(`server sent a fragmented control frame (opcode ${f.opcode})`);
      if (f.payload.length > 125) this.violate(`server control frame payload of ${f.payload.length} bytes`);
    }
    switch (f.opcode) {
      case Op.Text:
      case Op.Binary:
        if (this.message) this.violate('server started a new data message inside a fragmented one');
        this.message = { opcode: f.opcode, rsv: f.rsv, parts: [f.payload] };
        if (f.fin) this.completeMessage();
        return;
      case Op.Continuation:
        if (!this.message) {
          this.violate('server sent a continuation frame with no message in progress');
          return;
        }
        this.message.parts.push(f.payload);
        if (f.fin) this.completeMessage();
        return;
      case Op.Ping:
        this.events.push({ type: 'ping', data: f.payload, at: this.now() });
        if (this.canWrite && !this.closeSent) void this.sendFrame({ opcode: Op.Pong, payload: f.payload });
        return;
      case Op.Pong:
        this.events.push({ type: 'pong', data: f.payload, at: this.now() });
        return;
      case Op.Close:
        this.onClose(f.payload);
        return;
      default:
        this.violate(`server sent reserved opcode ${f.opcode}`);
    }
  }

  private completeMessage(): void {
    const m = this.message as { opcode: number; rsv: number; parts: Uint8Array[] };
    this.message = null;
    let data = m.parts.length === 1 ? (m.parts[0] as Uint8Array) : concatBytes(m.parts);
    if (this.extension && m.rsv !== 0) {
      try {
        data = this.extension.decodeMessage(data, m.rsv);
      } catch (err) {
        this.violate(`extension could not decode a server message: ${(err as Error).message}`);
      }
    }
    const binary = m.opcode === Op.Binary;
    if (!binary && !isUtf8(data)) this.violate('server sent a text message that is not valid UTF-8');
    this.events.push({ type: 'message', data, binary, at: this.now() });
  }

  private onClose(payload: Uint8Array): void {
    let code: number | undefined;
    let reason: Uint8Array = new Uint8Array(0);
    if (payload.length === 1) this.violate('server close frame has a 1-byte payload');
    if (payload.length >= 2) {
      code = ((payload[0] as number) << 8) | (payload[1] as number);
      reason = payload.subarray(2);
      if (!isWireCloseCode(code)) this.violate(`server close frame carries code ${code}, not valid on the wire`);
      if (!isUtf8(reason)) this.violate('server close reason is not valid UTF-8');
    }
    this.closeReceived = { code, reason, payload, at: this.now() };
    this.note(
      `RX CLOSE code=${code ?? 'none'}${reason.length ? ` reason=${JSON.stringify(Buffer.from(reason).toString())}` : ''}`,
    );
    if (!this.closeSent) {
      // As the official fuzzing client does: answer with the server's own code.
      void this.sendClose(code);
    }
  }

  private recordCloseSent(payload: Uint8Array): void {
    if (this.closeSent) return;
    const code = payload.length >= 2 ? ((payload[0] as number) << 8) | (payload[1] as number) : undefined;
    this.closeSent = { code, reason: payload.subarray(2), payload, at: this.now() };
    if (!this.closeReceived) this.closedByMe = true;
  }
}
