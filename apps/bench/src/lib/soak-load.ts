// The load generator's side of the soak: keep about N connections open, retire some all the time
// (close handshake, FIN, reset, or a fragmented message cut short) and open new ones, and send a
// trickle of text and binary messages of mixed sizes on the open ones. Unlike the benchmark
// workloads this is not a hot path: it is written for clarity and for bounded memory, not speed.

import { connect, type Socket } from 'node:net';
import type { SoakCounters, SoakPlan } from './ipc.js';
import {
  ANY_DATA,
  clientFrame,
  closePayload,
  FrameCounter,
  OP_BINARY,
  OP_CLOSE,
  OP_TEXT,
  upgradeRequest,
} from './wire.js';

const HOST = '127.0.0.1';
/** Churn, traffic and opening are scheduled on one timer for all connections, not one per connection. */
const TICK_MS = 50;
/**
 * Connections in their opening handshake at once: enough to replace retired ones even when a busy
 * server takes a few hundred ms per handshake, few enough not to overflow its accept queue (511).
 */
const OPEN_CONCURRENCY = 384;
/** Connections sent a close frame per tick while draining, so the server sees a steady stream. */
const DRAIN_PER_TICK = 1_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long the server has to answer a close frame and close TCP (websock's own default is 5 s). */
const CLOSE_TIMEOUT_MS = 5_000;
const DRAIN_TIMEOUT_MS = CLOSE_TIMEOUT_MS + 5_000;
const MIN_SIZE = 16;
const MAX_SIZE = 64 * 1024;
/** Distinct message sizes, log-spaced from MIN_SIZE to MAX_SIZE. */
const SIZE_STEPS = 13;

export const RetireKind = { Close: 'close', Drop: 'drop', Reset: 'reset', Fragment: 'fragment' } as const;
export type RetireKind = (typeof RetireKind)[keyof typeof RetireKind];

/** mulberry32: small, fast, seedable; quality is ample for picking connections and sizes. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes from 16 B to 64 KiB, evenly spaced on a log scale: as many small messages as large ones. */
export function messageSizes(): number[] {
  const ratio = Math.log(MAX_SIZE / MIN_SIZE);
  return Array.from({ length: SIZE_STEPS }, (_, i) => Math.round(MIN_SIZE * Math.exp((ratio * i) / (SIZE_STEPS - 1))));
}

/**
 * Valid UTF-8 of exactly `size` bytes with 1-, 2-, 3- and 4-byte sequences, so the server's
 * validator meets every sequence length (padded with ASCII where a sequence would not fit).
 */
export function utf8Payload(size: number): Buffer {
  const out = Buffer.alloc(size, 0x61);
  const pattern = Buffer.from('soak é€😀 ', 'utf8');
  let at = 0;
  while (at < size) {
    let i = 0;
    while (i < pattern.length && at < size) {
      const lead = pattern[i]!;
      const width = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
      if (at + width > size) {
        at = size;
        break;
      }
      pattern.copy(out, at, i, i + width);
      at += width;
      i += width;
    }
  }
  return out;
}

function binaryPayload(size: number, seed: number): Buffer {
  const random = prng(seed);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** A masked client frame with an explicit FIN bit and opcode (for fragments). */
function fragmentFrame(opcode: number, payload: Uint8Array, fin: boolean): Buffer {
  const frame = clientFrame(opcode, payload);
  if (!fin) frame[0] = frame[0]! & 0x7f;
  return frame;
}

interface Frames {
  /** Complete messages, text and binary, at every size. */
  messages: Array<{ frame: Buffer; size: number }>;
  /** The first fragment of a message (FIN clear), then a continuation frame of which only a part is sent. */
  fragments: Buffer[];
  close: Buffer;
}

function buildFrames(): Frames {
  const messages: Frames['messages'] = [];
  for (const size of messageSizes()) {
    messages.push({ frame: clientFrame(OP_TEXT, utf8Payload(size)), size });
    messages.push({ frame: clientFrame(OP_BINARY, binaryPayload(size, size)), size });
  }
  const fragments = [OP_TEXT, OP_BINARY].flatMap((opcode) =>
    [64, 4096, 40_000].map((size) => {
      const payload = opcode === OP_TEXT ? utf8Payload(size) : binaryPayload(size, size + 1);
      const first = fragmentFrame(opcode, payload.subarray(0, size >> 1), false);
      const next = fragmentFrame(0, payload.subarray(size >> 1), true);
      // Cut inside the continuation's payload: the server holds a partial message and a partial frame.
      return Buffer.concat([first, next.subarray(0, Math.max(3, next.length >> 1))]);
    }),
  );
  return { messages, fragments, close: clientFrame(OP_CLOSE, closePayload(1000)) };
}

const ConnState = { Opening: 'opening', Open: 'open', Closing: 'closing', Gone: 'gone' } as const;
type ConnState = (typeof ConnState)[keyof typeof ConnState];

interface Conn {
  socket: Socket;
  state: ConnState;
  /** Index in Soak.open while open (swap-remove keeps picking and removing O(1)). */
  slot: number;
  counter: FrameCounter;
  /** A message was sent and its echo has not come back yet. */
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

type Phase = 'idle' | 'ramp' | 'churn' | 'drain' | 'stopped';

export class Soak {
  private readonly frames = buildFrames();
  private readonly random: () => number;
  private readonly request: Buffer;
  private readonly open: Conn[] = [];
  private readonly all = new Set<Conn>();
  private phase: Phase = 'idle';
  private ticker: NodeJS.Timeout | undefined;
  private safety: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private retireCarry = 0;
  private messageCarry = 0;
  /** Opens allowed in total: churn at the planned rate for the longest allowed time, twice over. */
  private readonly maxOpens: number;
  private readonly counters: Omit<SoakCounters, 'open' | 'opening' | 'closing' | 'cpu'> = {
    opened: 0,
    openFailed: 0,
    openMsTotal: 0,
    openMsMax: 0,
    slowOpens: 0,
    connectMsMax: 0,
    closedClean: 0,
    dropped: 0,
    reset: 0,
    vanished: 0,
    closeTimeouts: 0,
    unexpectedCloses: 0,
    messagesSent: 0,
    messagesEchoed: 0,
    bytesSent: 0,
    errors: 0,
  };
  private opening = 0;
  private closing = 0;
  private attempts = 0;
  private rampDone: { resolve(): void; reject(error: Error): void } | undefined;
  private drainDone: (() => void) | undefined;

  constructor(private readonly plan: SoakPlan) {
    this.random = prng(plan.seed);
    this.request = upgradeRequest(plan.port);
    this.maxOpens =
      plan.connections + Math.ceil(((plan.connections * plan.maxChurnMs) / plan.lifetimeMs) * 2) + OPEN_CONCURRENCY;
  }

  /** Opens the plan's connections; resolves when all are open (open failures are retried, up to a bound). */
  ramp(): Promise<void> {
    this.phase = 'ramp';
    this.startTicker();
    return new Promise((resolve, reject) => {
      this.rampDone = { resolve, reject };
      this.rampProgress();
    });
  }

  /** During ramp-up every settled open makes room for the next at once, not at the next tick. */
  private rampProgress(): void {
    if (this.phase !== 'ramp') return;
    this.openMore();
    if (this.open.length >= this.plan.connections) {
      this.phase = 'idle';
      this.rampDone?.resolve();
      this.rampDone = undefined;
    } else if (this.attempts >= this.maxOpens && this.opening === 0) {
      this.phase = 'idle';
      this.rampDone?.reject(
        new Error(
          `only ${this.open.length} of ${this.plan.connections} connections opened: ${this.counters.firstError}`,
        ),
      );
      this.rampDone = undefined;
    }
  }

  go(): void {
    this.phase = 'churn';
    this.lastTick = performance.now();
    // Bounded in time whatever the driver does: churn stops on its own (the connections stay open).
    this.safety = setTimeout(() => {
      if (this.phase === 'churn') this.phase = 'idle';
    }, this.plan.maxChurnMs);
  }

  /** Stops churn and traffic and closes every connection with a close handshake; resolves when all are gone. */
  async drain(): Promise<void> {
    this.phase = 'drain';
    clearTimeout(this.safety);
    this.startTicker();
    const done = new Promise<void>((resolve) => {
      this.drainDone = resolve;
    });
    this.tick();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (this.all.size > 0) this.fail(new Error(`${this.all.size} connections still open after the drain`));
    this.stop();
  }

  stop(): void {
    this.phase = 'stopped';
    clearInterval(this.ticker);
    clearTimeout(this.safety);
    this.ticker = undefined;
    for (const conn of this.all) {
      clearTimeout(conn.timer);
      conn.state = ConnState.Gone;
      conn.socket.destroy();
    }
    this.all.clear();
    this.open.length = 0;
    this.rampDone?.reject(new Error('soak stopped during ramp-up'));
    this.rampDone = undefined;
  }

  snapshot(): SoakCounters {
    const cpu = process.cpuUsage();
    return {
      ...this.counters,
      open: this.open.length,
      opening: this.opening,
      closing: this.closing,
      cpu: cpu.user + cpu.system,
    };
  }

  private startTicker(): void {
    if (this.ticker !== undefined) return;
    this.lastTick = performance.now();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  private fail(error: unknown): void {
    this.counters.errors++;
    this.counters.firstError ??= error instanceof Error ? error.message : String(error);
  }

  private tick(): void {
    const now = performance.now();
    const seconds = Math.min(1, (now - this.lastTick) / 1000);
    this.lastTick = now;
    switch (this.phase) {
      case 'ramp':
        this.rampProgress();
        break;
      case 'churn':
        this.retire(seconds);
        this.openMore();
        this.traffic(seconds);
        break;
      case 'drain': {
        for (let n = 0; n < DRAIN_PER_TICK && this.open.length > 0; n++) {
          this.retireOne(this.open[this.open.length - 1]!, RetireKind.Close);
        }
        if (this.all.size === 0) this.drainDone?.();
        break;
      }
      default:
        break;
    }
  }

  private openMore(): void {
    const wanted = this.plan.connections - this.open.length - this.opening;
    const slots = OPEN_CONCURRENCY - this.opening;
    for (let n = Math.min(wanted, slots); n > 0 && this.attempts < this.maxOpens; n--) this.dial();
  }

  /** Poisson-like retirement: on average open × dt / lifetime per tick, the fraction carried over. */
  private retire(seconds: number): void {
    this.retireCarry += (this.open.length * seconds * 1000) / this.plan.lifetimeMs;
    while (this.retireCarry >= 1 && this.open.length > 0) {
      this.retireCarry--;
      const conn = this.open[Math.floor(this.random() * this.open.length)]!;
      this.retireOne(conn, this.pickKind());
    }
  }

  private pickKind(): RetireKind {
    const { mix } = this.plan;
    const roll = this.random() * (mix.close + mix.drop + mix.reset + mix.fragment);
    if (roll < mix.close) return RetireKind.Close;
    if (roll < mix.close + mix.drop) return RetireKind.Drop;
    if (roll < mix.close + mix.drop + mix.reset) return RetireKind.Reset;
    return RetireKind.Fragment;
  }

  private traffic(seconds: number): void {
    this.messageCarry += (this.open.length * seconds * 1000) / this.plan.messageIntervalMs;
    // A pick that lands on a connection still awaiting its echo is skipped, not retried: the trickle
    // stays a trickle, and a slow server is not buried under a growing backlog.
    while (this.messageCarry >= 1 && this.open.length > 0) {
      this.messageCarry--;
      const conn = this.open[Math.floor(this.random() * this.open.length)]!;
      if (conn.busy) continue;
      const message = this.frames.messages[Math.floor(this.random() * this.frames.messages.length)]!;
      conn.busy = true;
      this.counters.messagesSent++;
      this.counters.bytesSent += message.size;
      conn.socket.write(message.frame);
    }
  }

  private addOpen(conn: Conn): void {
    conn.state = ConnState.Open;
    conn.slot = this.open.length;
    this.open.push(conn);
  }

  /** Idempotent: the slot, not the state, says whether the connection is still in the list. */
  private removeOpen(conn: Conn): void {
    if (conn.slot < 0) return;
    const last = this.open.pop()!;
    if (last !== conn) {
      this.open[conn.slot] = last;
      last.slot = conn.slot;
    }
    conn.slot = -1;
  }

  private forget(conn: Conn): void {
    clearTimeout(conn.timer);
    this.removeOpen(conn);
    if (conn.state === ConnState.Closing) this.closing--;
    conn.state = ConnState.Gone;
    this.all.delete(conn);
    if (this.phase === 'drain' && this.all.size === 0) this.drainDone?.();
  }

  private dial(): void {
    this.attempts++;
    this.opening++;
    const socket = connect({ host: HOST, port: this.plan.port, noDelay: true });
    const conn: Conn = {
      socket,
      state: ConnState.Opening,
      slot: -1,
      counter: new FrameCounter(ANY_DATA),
      busy: false,
      timer: undefined,
    };
    this.all.add(conn);
    const dialled = performance.now();
    let head: Buffer | undefined;
    const openFailed = (error: Error) => {
      if (conn.state !== ConnState.Opening) return;
      this.opening--;
      this.counters.openFailed++;
      this.fail(error);
      this.forget(conn);
      socket.destroy();
      this.rampProgress();
    };
    conn.timer = setTimeout(() => openFailed(new Error('connect/upgrade timed out')), HANDSHAKE_TIMEOUT_MS);
    socket.once('connect', () => {
      this.counters.connectMsMax = Math.max(this.counters.connectMsMax, performance.now() - dialled);
      socket.write(this.request);
    });
    socket.on('data', (chunk: Buffer) => {
      if (conn.state === ConnState.Opening) {
        head = head === undefined ? chunk : Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n', 0, 'latin1');
        if (end < 0) {
          if (head.length > 16 * 1024) openFailed(new Error('response head too large'));
          return;
        }
        if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
          openFailed(new Error(`upgrade refused: ${head.toString('latin1', 0, head.indexOf('\r\n'))}`));
          return;
        }
        clearTimeout(conn.timer);
        conn.timer = undefined;
        this.opening--;
        this.counters.opened++;
        const took = performance.now() - dialled;
        this.counters.openMsTotal += took;
        this.counters.openMsMax = Math.max(this.counters.openMsMax, took);
        if (took > 1_000) this.counters.slowOpens++;
        const rest = head.subarray(end + 4);
        head = undefined;
        this.addOpen(conn);
        // Opened while draining (it was dialled before the drain began): close it at once.
        if (this.phase === 'drain' || this.phase === 'stopped') this.retireOne(conn, RetireKind.Close);
        if (rest.length > 0) this.onFrames(conn, rest);
        // A settled open makes room for the next at once, not at the next tick (failures wait for the
        // tick, so a server that refuses everything does not turn this into a busy loop).
        if (this.phase === 'churn') this.openMore();
        else this.rampProgress();
        return;
      }
      this.onFrames(conn, chunk);
    });
    socket.on('error', (error) => {
      if (conn.state === ConnState.Opening) openFailed(error);
      else if (conn.state === ConnState.Open) this.unexpected(conn, error);
    });
    socket.on('close', () => {
      switch (conn.state) {
        case ConnState.Opening:
          openFailed(new Error('closed during the opening handshake'));
          break;
        case ConnState.Open:
          this.unexpected(conn, new Error('the server closed an open connection'));
          break;
        case ConnState.Closing:
          // Clean only if the server answered our close frame before it closed TCP.
          if (conn.counter.closeFrames > 0) this.counters.closedClean++;
          else this.fail(new Error('TCP closed without the server close frame'));
          this.forget(conn);
          break;
        default:
          break;
      }
    });
  }

  private onFrames(conn: Conn, chunk: Buffer): void {
    const echoed = conn.counter.feed(chunk);
    if (echoed > 0) {
      this.counters.messagesEchoed += echoed;
      conn.busy = false;
    }
    if (conn.counter.unexpected > 0) {
      conn.counter.unexpected = 0;
      this.fail(new Error('unexpected frame from the server'));
    }
    if (conn.counter.closeFrames > 0 && conn.state === ConnState.Open) {
      this.unexpected(conn, new Error('the server sent a close frame unasked'));
    }
  }

  private unexpected(conn: Conn, error: Error): void {
    this.counters.unexpectedCloses++;
    this.fail(error);
    this.forget(conn);
    conn.socket.destroy();
  }

  private retireOne(conn: Conn, kind: RetireKind): void {
    if (conn.state !== ConnState.Open) return;
    this.removeOpen(conn);
    const { socket } = conn;
    switch (kind) {
      case RetireKind.Close:
        conn.state = ConnState.Closing;
        this.closing++;
        socket.write(this.frames.close);
        conn.timer = setTimeout(() => {
          this.counters.closeTimeouts++;
          this.fail(new Error('the server did not complete the close handshake in time'));
          this.forget(conn);
          socket.destroy();
        }, CLOSE_TIMEOUT_MS);
        return;
      case RetireKind.Drop:
        this.counters.dropped++;
        this.forget(conn);
        socket.destroy();
        return;
      case RetireKind.Reset:
        this.counters.reset++;
        this.forget(conn);
        socket.resetAndDestroy();
        return;
      case RetireKind.Fragment: {
        this.counters.vanished++;
        this.forget(conn);
        const fragment = this.frames.fragments[Math.floor(this.random() * this.frames.fragments.length)]!;
        // Gone once the bytes are handed to the kernel, so the server really holds half a message.
        const timer = setTimeout(() => socket.destroy(), 1_000);
        socket.write(fragment, () => {
          clearTimeout(timer);
          socket.destroy();
        });
        return;
      }
    }
  }
}
