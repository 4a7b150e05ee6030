// The fan-out load in a load generator process: its share of the subscribers and, in the first
// generator, the one publisher. Flow control is end to end: the publisher keeps at most `window`
// messages that some subscriber (in any generator) has not received yet. Each generator tells the
// driver how far all of its subscribers have got; the driver forwards that to the publisher's.
//
// Every subscriber receives every message, in publish order, so the k-th message a subscriber
// counts is the publisher's k-th: latency needs no payload parsing. The publisher still writes its
// sequence number and absolute send time (performance.timeOrigin + performance.now()) into each
// payload, so every message differs, as in a real feed. Latency is measured by the subscribers
// that share the publisher's process (its clock, its table of send times).

import { connect, type Socket } from 'node:net';
import type { FanoutPlan, FanoutReply, LoadMark } from './ipc.js';
import { asciiPayload, clientFrame, FrameCounter, OP_TEXT, upgradeRequest } from './wire.js';

const HOST = '127.0.0.1';
const RING = 1024;
const MASK = RING - 1;
const SAMPLE_CAP = 50_000;
/** Subscribers per generator whose every receipt is timed (spread evenly over its share). */
const TIMED_SUBSCRIBERS = 64;
const OPEN_CONCURRENCY = 128;
const OPEN_TIMEOUT_MS = 15_000;
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

interface Link {
  socket: Socket;
  onRead: (chunk: Buffer) => void;
}

/** Connects and completes the upgrade; the link's reader is then the caller's. */
function openLink(plan: FanoutPlan, request: Buffer, sockets: Set<Socket>): Promise<{ link: Link; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const link: Link = { socket: undefined as unknown as Socket, onRead: () => {} };
    link.socket = connect({
      host: HOST,
      port: plan.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n) => {
          link.onRead(READ_BUFFER.subarray(0, n));
          return true;
        },
      },
    });
    sockets.add(link.socket);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('connect/upgrade timed out')), OPEN_TIMEOUT_MS);
    const done = (error: Error | null, rest?: Buffer) => {
      clearTimeout(timer);
      link.onRead = () => {};
      link.socket.removeListener('error', done).removeListener('close', onClose);
      if (!error) return resolve({ link, rest: rest ?? Buffer.alloc(0) });
      link.socket.destroy();
      sockets.delete(link.socket);
      reject(error);
    };
    const onClose = () => done(new Error('closed during the opening handshake'));
    link.onRead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n', 0, 'latin1');
      if (end < 0) return;
      const text = head.toString('latin1', 0, end);
      if (!text.startsWith('HTTP/1.1 101')) done(new Error(`upgrade refused: ${text.split('\r\n')[0]}`));
      else if (plan.offer && !/\r\nsec-websocket-extensions:[^\r]*permessage-deflate/i.test(text)) {
        done(new Error('the server did not accept permessage-deflate'));
      } else done(null, head.subarray(end + 4));
    };
    link.socket.on('error', done).on('close', onClose);
    link.socket.once('connect', () => link.socket.write(request));
  });
}

export class FanoutLoad {
  private readonly sockets = new Set<Socket>();
  private readonly arrivals = new Uint32Array(RING);
  private readonly sendTimes = new Float64Array(RING);
  private readonly samples = new Float64Array(SAMPLE_CAP);
  /** How far every generator's subscribers have got (index 0 is this one's when it publishes). */
  private readonly peerDone: number[];
  private readonly template: Buffer;
  private subscribers = 0;
  private localDone = 0;
  private publisher: Socket | undefined;
  private sent = 0;
  private seen = 0;
  private running = false;
  private recording = false;
  private notifyPending = false;
  private deliveries = 0;
  private errors = 0;
  private firstError: string | undefined;
  private readonly warmers: Array<{ messages: number; resolve(reached: boolean): void }> = [];

  constructor(
    private readonly plan: FanoutPlan,
    /** Reports this generator's progress (all its subscribers have the first `done` messages). */
    private readonly notify: (done: number) => void,
  ) {
    this.peerDone = new Array<number>(plan.generators).fill(0);
    this.template = asciiPayload(plan.size);
  }

  private fail(error: unknown): void {
    this.errors++;
    this.firstError ??= error instanceof Error ? error.message : String(error);
  }

  async open(): Promise<{ connections: number; failed: number; firstError?: string }> {
    const request = upgradeRequest(this.plan.port, this.plan.offer);
    const stride = Math.max(1, Math.floor(this.plan.subscribers / TIMED_SUBSCRIBERS));
    let next = 0;
    let failed = 0;
    let firstError: string | undefined;
    const worker = async () => {
      while (next < this.plan.subscribers) {
        const index = next++;
        try {
          const { link, rest } = await openLink(this.plan, request, this.sockets);
          this.subscribe(link, rest, this.plan.publisher && index % stride === 0);
        } catch (error) {
          failed++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, this.plan.subscribers) }, worker));
    if (this.plan.publisher && failed === 0) {
      const { link, rest } = await openLink(this.plan, request, this.sockets);
      this.attachPublisher(link, rest);
    }
    const reply = { connections: this.subscribers, failed };
    return firstError === undefined ? reply : { ...reply, firstError };
  }

  private watch(socket: Socket): void {
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.running) this.fail(new Error('the server closed a connection during the run'));
    });
  }

  private subscribe(link: Link, rest: Buffer, timed: boolean): void {
    this.subscribers++;
    const counter = new FrameCounter(OP_TEXT);
    let received = 0;
    link.onRead = (chunk) => {
      const count = counter.feed(chunk);
      if (counter.closeFrames > 0 || counter.unexpected > 0) {
        this.fail(new Error('unexpected frame from the server (close or wrong opcode)'));
        counter.closeFrames = 0;
        counter.unexpected = 0;
      }
      if (count === 0) return;
      const now = timed && this.recording ? performance.now() : 0;
      for (let seq = received, end = received + count; seq < end; seq++) {
        this.arrivals[seq & MASK]!++;
        if (now > 0) this.sample(now - this.sendTimes[seq & MASK]!);
      }
      received += count;
      this.deliveries += count;
      this.advance();
    };
    this.watch(link.socket);
    if (rest.length > 0) link.onRead(rest);
  }

  private attachPublisher(link: Link, rest: Buffer): void {
    const counter = new FrameCounter(OP_TEXT);
    // The publisher's own copies come back too (it is one of the connections); only a close matters.
    link.onRead = (chunk) => {
      counter.feed(chunk);
      if (counter.closeFrames > 0) this.fail(new Error('the server closed the publisher'));
    };
    this.watch(link.socket);
    this.publisher = link.socket;
    if (rest.length > 0) link.onRead(rest);
  }

  private sample(ms: number): void {
    const seen = this.seen++;
    if (seen < SAMPLE_CAP) this.samples[seen] = ms;
    else {
      const slot = Math.floor(Math.random() * (seen + 1));
      if (slot < SAMPLE_CAP) this.samples[slot] = ms;
    }
  }

  /** Moves `localDone` past every message all local subscribers have, then lets the publisher know. */
  private advance(): void {
    const start = this.localDone;
    while (this.arrivals[this.localDone & MASK] === this.subscribers) {
      this.arrivals[this.localDone & MASK] = 0;
      this.localDone++;
    }
    if (this.localDone === start) return;
    for (let i = this.warmers.length - 1; i >= 0; i--) {
      if (this.localDone >= this.warmers[i]!.messages) this.warmers.splice(i, 1)[0]!.resolve(true);
    }
    if (this.publisher) this.pump();
    else if (!this.notifyPending) {
      // One report per turn of the event loop, however many reads advanced it.
      this.notifyPending = true;
      setImmediate(() => {
        this.notifyPending = false;
        this.notify(this.localDone);
      });
    }
  }

  /** From the driver: how far another generator's subscribers have got. */
  peer(from: number, done: number): void {
    if (from > 0 && from < this.peerDone.length) this.peerDone[from] = Math.max(this.peerDone[from]!, done);
    this.pump();
  }

  private pump(): void {
    const socket = this.publisher;
    if (!socket || !this.running) return;
    let floor = this.localDone;
    for (let i = 1; i < this.peerDone.length; i++) floor = Math.min(floor, this.peerDone[i]!);
    const limit = floor + this.plan.window;
    if (this.sent >= limit) return;
    socket.cork();
    for (; this.sent < limit; this.sent++) socket.write(this.frame(this.sent));
    socket.uncork();
  }

  private frame(seq: number): Buffer {
    const now = performance.now();
    this.sendTimes[seq & MASK] = now;
    const payload = Buffer.from(this.template);
    payload.write(`${seq} ${(performance.timeOrigin + now).toFixed(3)} `.slice(0, payload.length), 'latin1');
    return clientFrame(OP_TEXT, payload);
  }

  go(): void {
    this.running = true;
    this.pump();
  }

  /**
   * Resolves true once every local subscriber has the first `messages` messages: the first
   * deliveries pay one-time costs (per-connection compressors, JIT), which the warm-up must hold.
   */
  warm(messages: number, timeoutMs: number): Promise<boolean> {
    if (this.localDone >= messages) return Promise.resolve(true);
    return new Promise((resolve) => {
      const warmer = { messages, resolve };
      this.warmers.push(warmer);
      setTimeout(() => {
        const at = this.warmers.indexOf(warmer);
        if (at >= 0) this.warmers.splice(at, 1);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  mark(record: boolean): LoadMark {
    this.recording = record;
    const cpu = process.cpuUsage();
    return {
      time: performance.now(),
      messages: this.deliveries,
      bytes: this.deliveries * this.plan.size,
      errors: this.errors,
      cpu: cpu.user + cpu.system,
    };
  }

  stop(id: number): FanoutReply {
    this.running = false;
    this.recording = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const count = Math.min(this.seen, SAMPLE_CAP);
    const reply: FanoutReply = {
      id,
      type: 'fanout-stopped',
      latencies: Array.from(this.samples.subarray(0, count)),
      samples: this.seen,
      published: this.sent,
      errors: this.errors,
    };
    if (this.firstError !== undefined) reply.firstError = this.firstError;
    return reply;
  }
}
