import type { Socket } from 'node:net';
import { type ChopOptions, ScriptedEndpoint } from '../endpoint.js';
import { Op, type OutFrame } from '../frame-writer.js';
import { type CloseInfo, isUtf8, isWireCloseCode, type ObservedEvent, sleep } from '../peer.js';
import { type ClientFrame, ClientFrameReader } from './frame-reader.js';
import { concat, encodeServerFrame, payloadBytes } from './frame-writer.js';
import type { ClientRequest } from './handshake.js';

/**
 * One accepted connection, played from the server's side: the mirror image of `Peer`
 * (src/peer.ts). It writes exactly the (unmasked) bytes a case asks for, chopped and
 * timed as asked, records what the client sends as events, and checks every client
 * frame: masked (RFC 6455 §5.1), no RSV bits, known opcode, well-formed control
 * frames, valid UTF-8 text, nothing after the client's close frame.
 *
 * Like the Autobahn|Testsuite fuzzing server it answers a client's ping with a pong
 * and a client's close with a close echoing the code, and it closes TCP itself once
 * the closing handshake is complete (RFC 6455 §7.1.1: the server closes first). It
 * holds its FIN for `finHoldMs` first, so a client that drops TCP without waiting for
 * the server is seen doing so; 0 closes at once, exactly like the suite.
 */

export type ClientTcpEnd = 'fin' | 'reset' | null;

export interface ServerPeerOptions {
  /** Delay between the completed closing handshake and the server's FIN. */
  finHoldMs?: number;
}

/** Chops for the server's writes: the same options as the client peer's. */
export type ServerChopOptions = ChopOptions;

export interface ServerPeerSnapshot {
  events: ObservedEvent[];
  /** What the client did wrong on the wire (frames, masking, close payload). */
  violations: string[];
  /** The server's close frame. */
  closeSent: CloseInfo | null;
  /** The client's close frame. */
  closeReceived: CloseInfo | null;
  /** Whether the client's close frame was well-formed (payload of 0 or 2+ bytes, wire code, UTF-8 reason). */
  closeReceivedValid: boolean;
  /** The server sent the first close frame. */
  closedByMe: boolean;
  /** When both close frames had been exchanged. */
  handshakeCompleteAt: number | null;
  /** When the server closed TCP (FIN). */
  finSentAt: number | null;
  clientTcpEnd: ClientTcpEnd;
  clientTcpEndAt: number | null;
  /** The client's FIN or RST came before the server's FIN. */
  clientClosedFirst: boolean;
  /** The server destroyed the connection because a deadline passed. */
  droppedByMe: boolean;
  dropReason: string | null;
  framesReceived: number;
  unmaskedFrames: number;
  request: ClientRequest;
  log: string[];
}

function describe(f: { opcode: number; fin?: boolean; rsv?: number }, length: number, extra = ''): string {
  return `op=${f.opcode} fin=${(f.fin ?? true) ? 1 : 0} rsv=${f.rsv ?? 0} len=${length}${extra}`;
}

function hex(bytes: Uint8Array, max = 32): string {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${shown}...(${bytes.length} bytes)` : shown;
}

export function closeFramePayload(code?: number, reason: Uint8Array | string = ''): Uint8Array {
  const r = payloadBytes(reason);
  if (code === undefined) return r;
  const out = new Uint8Array(2 + r.length);
  out[0] = (code >>> 8) & 0xff;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

export class ServerPeer extends ScriptedEndpoint {
  readonly violations: string[] = [];
  readonly request: ClientRequest;
  closeSent: CloseInfo | null = null;
  closeReceived: CloseInfo | null = null;
  closeReceivedValid = false;
  closedByMe = false;
  handshakeCompleteAt: number | null = null;
  finSentAt: number | null = null;
  clientTcpEnd: ClientTcpEnd = null;
  clientTcpEndAt: number | null = null;
  clientClosedFirst = false;
  droppedByMe = false;
  dropReason: string | null = null;
  socketClosed = false;
  framesReceived = 0;
  unmaskedFrames = 0;

  private readonly reader = new ClientFrameReader();
  private readonly finHoldMs: number;
  private finTimer: NodeJS.Timeout | undefined;
  private message: { opcode: number; parts: Uint8Array[] } | null = null;
  private unparseable = false;

  /**
   * Takes over a socket whose 101 answer was just written; `rest` holds the bytes
   * that came after the request head (they are frames and must not be lost).
   */
  constructor(
    socket: Socket,
    request: ClientRequest,
    rest: Uint8Array,
    startedAt: number,
    options: ServerPeerOptions = {},
  ) {
    super(socket, startedAt);
    this.request = request;
    this.finHoldMs = options.finHoldMs ?? 50;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onClientEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.clientTcpEnd && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        this.clientTcpEnd = 'reset';
        this.clientTcpEndAt = this.now();
        this.clientClosedFirst = this.finSentAt === null;
      }
      this.note(`socket error ${err.code ?? ''} ${err.message}`);
      this.wake();
    });
    socket.on('close', () => {
      this.socketClosed = true;
      if (this.finTimer) clearTimeout(this.finTimer);
      this.note('TCP closed');
      this.wake();
    });
    if (rest.length > 0) this.onData(rest);
  }

  /** True while neither side has sent a close frame and TCP is up both ways. */
  get isOpen(): boolean {
    return !this.closeSent && !this.closeReceived && !this.clientTcpEnd && !this.socketClosed;
  }

  snapshot(): ServerPeerSnapshot {
    return {
      events: this.events,
      violations: this.violations,
      closeSent: this.closeSent,
      closeReceived: this.closeReceived,
      closeReceivedValid: this.closeReceivedValid,
      closedByMe: this.closedByMe,
      handshakeCompleteAt: this.handshakeCompleteAt,
      finSentAt: this.finSentAt,
      clientTcpEnd: this.clientTcpEnd,
      clientTcpEndAt: this.clientTcpEndAt,
      clientClosedFirst: this.clientClosedFirst,
      droppedByMe: this.droppedByMe,
      dropReason: this.dropReason,
      framesReceived: this.framesReceived,
      unmaskedFrames: this.unmaskedFrames,
      request: this.request,
      log: this.log,
    };
  }

  // ---- sending ---------------------------------------------------------------

  async sendFrame(frame: OutFrame, options: ServerChopOptions = {}): Promise<void> {
    const bytes = encodeServerFrame(frame);
    const masked = frame.mask instanceof Uint8Array ? ' MASKED' : '';
    this.note(
      `TX ${describe(frame, payloadBytes(frame.payload).length, masked)}${options.chopSize ? ` chop=${options.chopSize}` : ''}`,
    );
    await this.write(bytes, options);
  }

  /**
   * Raw frames (a raw close frame is not tracked as the server's close, as in the
   * suite). 'one-chop': one TCP write; 'frame-wise': one write per frame with a short
   * pause so each leaves as its own segment; 'octet-wise': one write per octet.
   */
  async sendFrames(
    frames: readonly OutFrame[],
    mode: 'one-chop' | 'frame-wise' | 'octet-wise' = 'one-chop',
  ): Promise<void> {
    for (const f of frames) this.note(`TX ${describe(f, payloadBytes(f.payload).length)} (${mode})`);
    const encoded = frames.map(encodeServerFrame);
    if (mode === 'one-chop') await this.write(concat(encoded));
    else if (mode === 'octet-wise') await this.write(concat(encoded), { chopSize: 1 });
    else {
      for (const bytes of encoded) {
        await this.write(bytes);
        await sleep(2);
      }
    }
  }

  /** A close frame through the state machine (the first close frame decides closedByMe). */
  async sendClose(code?: number, reason: Uint8Array | string = ''): Promise<void> {
    await this.sendCloseFrame({ opcode: Op.Close, payload: closeFramePayload(code, reason) });
  }

  /** Any close frame (possibly malformed), tracked as the server's close. */
  async sendCloseFrame(frame: OutFrame, options: ServerChopOptions = {}): Promise<void> {
    if (!this.canWrite) {
      this.note('TX close skipped: socket no longer writable');
      return;
    }
    this.recordCloseSent(payloadBytes(frame.payload));
    // An unchopped frame is queued synchronously, so the handshake can complete (and
    // the FIN be scheduled) right away, exactly behind it.
    const written = this.sendFrame(frame, options);
    if (!options.chopSize) this.maybeHandshakeComplete();
    await written;
    this.maybeHandshakeComplete();
  }

  /** Destroys the connection from the server's side because a deadline passed. */
  drop(reason: string): void {
    if (this.socketClosed) return;
    this.droppedByMe = true;
    this.dropReason = reason;
    this.note(`DROP TCP by server: ${reason}`);
    this.socket.destroy();
  }

  // ---- waiting -----------------------------------------------------------------

  /**
   * The end of every case: wait for the client's close (if the server sent its own),
   * let the FIN go out, then wait for the client to close its side. Only a deadline
   * makes the server destroy the connection (and that is recorded).
   */
  async awaitClosure(options: { closeTimeoutMs: number; dropTimeoutMs: number }): Promise<void> {
    if (this.closeSent && !this.closeReceived) {
      await this.waitFor(() => this.closeReceived !== null || this.clientTcpEnd !== null, options.closeTimeoutMs);
      if (!this.closeReceived && !this.clientTcpEnd) {
        // As the suite does when its closing handshake times out.
        this.drop(`no close frame from the client within ${options.closeTimeoutMs} ms`);
      }
    }
    await this.waitFor(() => this.finSentAt !== null || this.socketClosed, this.finHoldMs + 1000);
    await this.waitFor(() => this.clientTcpEnd !== null || this.socketClosed, options.dropTimeoutMs);
    if (!this.clientTcpEnd && !this.socketClosed) {
      this.drop(`the client did not close TCP within ${options.dropTimeoutMs} ms of the server's FIN`);
    }
    await this.waitFor(() => this.socketClosed, 2000);
    if (!this.socketClosed) this.socket.destroy();
  }

  // ---- receiving ---------------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    if (this.unparseable) return;
    this.reader.push(chunk);
    for (;;) {
      let frame: ClientFrame | null;
      try {
        frame = this.reader.next();
      } catch (err) {
        this.unparseable = true;
        this.violate(`unparseable client frame: ${(err as Error).message}`);
        this.drop('unparseable client frame');
        return;
      }
      if (!frame) break;
      this.onFrame(frame);
    }
    this.wake();
  }

  private onClientEnd(): void {
    if (!this.clientTcpEnd) {
      this.clientTcpEnd = 'fin';
      this.clientTcpEndAt = this.now();
      this.clientClosedFirst = this.finSentAt === null;
      this.note(
        this.finSentAt === null ? 'RX FIN (the client closed TCP before the server did)' : 'RX FIN (client closed TCP)',
      );
    }
    // Nothing more will come: finish our side now rather than after the hold.
    this.sendFin();
    this.wake();
  }

  private violate(what: string): void {
    this.violations.push(`${what} (at ${this.now()}ms)`);
    this.note(`VIOLATION ${what}`);
  }

  private onFrame(f: ClientFrame): void {
    this.framesReceived++;
    const small = f.payload.length <= 32 ? ` ${hex(f.payload)}` : '';
    this.note(`RX ${describe(f, f.payload.length, f.masked ? '' : ' UNMASKED')}${small}`);
    if (this.closeReceived) {
      this.violate(`client sent a frame (opcode ${f.opcode}) after its close frame`);
      return;
    }
    if (!f.masked) {
      this.unmaskedFrames++;
      this.violate(`client frame is not masked (opcode ${f.opcode}): RFC 6455 §5.1 requires every client frame masked`);
    }
    if (f.rsv !== 0) this.violate(`client frame has RSV bits ${f.rsv} (opcode ${f.opcode}), no extension negotiated`);
    const isControl = f.opcode >= 8;
    if (isControl) {
      if (!f.fin) this.violate(`client sent a fragmented control frame (opcode ${f.opcode})`);
      if (f.payload.length > 125) this.violate(`client control frame payload of ${f.payload.length} bytes`);
    }
    switch (f.opcode) {
      case Op.Text:
      case Op.Binary:
        if (this.message) this.violate('client started a new data message inside a fragmented one');
        this.message = { opcode: f.opcode, parts: [f.payload] };
        if (f.fin) this.completeMessage();
        return;
      case Op.Continuation:
        if (!this.message) {
          this.violate('client sent a continuation frame with no message in progress');
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
        this.violate(`client sent reserved opcode ${f.opcode}`);
    }
  }

  private completeMessage(): void {
    const m = this.message as { opcode: number; parts: Uint8Array[] };
    this.message = null;
    const data = m.parts.length === 1 ? (m.parts[0] as Uint8Array) : concat(m.parts);
    const binary = m.opcode === Op.Binary;
    if (!binary && !isUtf8(data)) this.violate('client sent a text message that is not valid UTF-8');
    this.events.push({ type: 'message', data, binary, at: this.now() });
  }

  private onClose(payload: Uint8Array): void {
    let code: number | undefined;
    let reason: Uint8Array = new Uint8Array(0);
    let valid = payload.length !== 1;
    if (payload.length === 1) this.violate('client close frame has a 1-byte payload');
    if (payload.length >= 2) {
      code = ((payload[0] as number) << 8) | (payload[1] as number);
      reason = payload.subarray(2);
      if (!isWireCloseCode(code)) {
        valid = false;
        this.violate(`client close frame carries code ${code}, not valid on the wire`);
      }
      if (!isUtf8(reason)) {
        valid = false;
        this.violate('client close reason is not valid UTF-8');
      }
    }
    this.closeReceived = { code, reason, payload, at: this.now() };
    this.closeReceivedValid = valid;
    this.note(
      `RX CLOSE code=${code ?? 'none'}${reason.length ? ` reason=${JSON.stringify(Buffer.from(reason).toString())}` : ''}`,
    );
    if (!this.closeSent) {
      // As the suite does: echo the client's code (a broken close frame gets 1002).
      void this.sendClose(valid ? code : 1002);
    } else this.maybeHandshakeComplete();
  }

  private recordCloseSent(payload: Uint8Array): void {
    if (this.closeSent) return;
    const code = payload.length >= 2 ? ((payload[0] as number) << 8) | (payload[1] as number) : undefined;
    this.closeSent = { code, reason: payload.subarray(2), payload, at: this.now() };
    if (!this.closeReceived) this.closedByMe = true;
  }

  private maybeHandshakeComplete(): void {
    if (!this.closeSent || !this.closeReceived || this.handshakeCompleteAt !== null) return;
    this.handshakeCompleteAt = this.now();
    this.note('closing handshake complete');
    if (this.finHoldMs <= 0) this.sendFin();
    else {
      this.finTimer = setTimeout(() => this.sendFin(), this.finHoldMs);
      this.finTimer.unref?.();
    }
    this.wake();
  }

  private sendFin(): void {
    if (this.finTimer) clearTimeout(this.finTimer);
    if (this.finSentAt !== null || this.socket.destroyed || this.socket.writableEnded) return;
    this.finSentAt = this.now();
    this.note('TX FIN (server closed TCP)');
    this.socket.end();
    this.wake();
  }
}
