// Load generator process. The driver starts one or more of these (pinned away from the server's
// core) and steers them over IPC: setup (open connections), go, mark, mark, stop.
// Hot path per data event: count complete frames, write a prefix of a pre-built burst of masked
// frames. No per-message allocation, masking or parsing library.

import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { constants, deflateRawSync } from 'node:zlib';
import { FanoutLoad } from './lib/fanout-load.js';
import type { FanoutProgress, FanoutRequest, LoadMark, LoadReply, LoadRequest } from './lib/ipc.js';
import { describeTls, dialTls, Http2Sessions, openWebSocketStream, type SecureLink } from './lib/secure-load.js';
import { Soak } from './lib/soak-load.js';
import {
  asciiPayload,
  clientFrame,
  closePayload,
  FrameCounter,
  jsonPayloads,
  OP_BINARY,
  OP_CLOSE,
  OP_TEXT,
  repeatFrame,
  upgradeRequest,
} from './lib/wire.js';
import { WorkloadKind, type WorkloadSpec } from './lib/workloads.js';

const HOST = '127.0.0.1';
const CONNECT_TIMEOUT_MS = 10_000;
const CYCLE_TIMEOUT_MS = 5_000;
const OPEN_CONCURRENCY = 128;
const SAMPLE_CAP = 50_000;
/** Nothing runs longer than this after `go`, whatever the driver does. */
const MAX_RUN_MS = 10 * 60_000;
const DEFLATE_OFFER = 'permessage-deflate; client_no_context_takeover; server_no_context_takeover';
/** Context takeover both ways: the server keeps its compression window and the client's. */
const DEFLATE_TAKEOVER_OFFER = 'permessage-deflate; client_max_window_bits';
/** Distinct messages a compression workload cycles through (each compressed once, up front). */
const DEFLATE_MESSAGES = 64;
/**
 * Connections per local address. One source address reaches one server port through at most
 * the ephemeral port range (32768-60999 by default: 28,232 ports); past this many, connections
 * take turns over 127.0.0.1, 127.0.0.2, ... (all of 127/8 is loopback on Linux).
 */
const CONNECTIONS_PER_ADDRESS = 20_000;

interface Run {
  spec: WorkloadSpec;
  port: number;
  tcp: boolean;
  /** wss:// (HTTP/1.1 over TLS or HTTP/2 streams) instead of ws:// over TCP. */
  secure: SecureLink | undefined;
  /** Over HTTP/2: the sessions the WebSockets are opened on. */
  sessions: Http2Sessions | undefined;
  /** The TLS the first connection negotiated (wss:// only). */
  tls: string | undefined;
  connections: number;
  request: Buffer;
  /** One client frame (or raw payload for TCP) and `inflight` copies of it back to back. */
  frame: Buffer;
  burst: Buffer;
  /** Compression workloads: distinct frames back to back, twice over, so any run of them is one slice. */
  ring: FrameRing | undefined;
  closeFrame: Buffer;
  sockets: Set<Duplex>;
  /** Local addresses to dial from in turn (empty: let the kernel choose). */
  localAddresses: string[];
  dialed: number;
  echoes: EchoConnection[];
  churnLoops: Promise<void>[];
  running: boolean;
  recording: boolean;
  messages: number;
  /** Payload bytes of the echoes as they came over the wire (compressed ones with deflate). */
  wireBytes: number;
  errors: number;
  firstError: string | undefined;
  samples: Float64Array;
  seen: number;
  safety: NodeJS.Timeout | undefined;
}

/** `count` frames laid out twice over; frame i starts at offsets[i] (offsets has 2 * count + 1 entries). */
interface FrameRing {
  bytes: Buffer;
  offsets: number[];
  count: number;
}

/**
 * The frames of a compression workload: distinct JSON-like messages, each compressed on its own
 * (so they are valid with or without context takeover on the client's side).
 */
function deflateRing(spec: WorkloadSpec): FrameRing {
  const frames = jsonPayloads(spec.size, DEFLATE_MESSAGES).map((payload) => {
    const compressed = deflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH });
    return clientFrame(spec.binary ? OP_BINARY : OP_TEXT, compressed.subarray(0, compressed.length - 4), true);
  });
  const twice = [...frames, ...frames];
  const offsets = [0];
  for (const frame of twice) offsets.push(offsets[offsets.length - 1]! + frame.length);
  return { bytes: Buffer.concat(twice), offsets, count: frames.length };
}

let run: Run | undefined;
/** The soak in progress (separate from `run`: a soak is not a workload of the benchmark). */
let soak: Soak | undefined;
/** The fan-out measurement in progress, if any. */
let fanout: FanoutLoad | undefined;

/**
 * Every read of every connection lands in this one buffer (net's `onread` option): a read is handled
 * synchronously before the next can happen, so nothing is allocated per read and no stream
 * machinery runs. Handlers must copy whatever they keep.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

interface Connection {
  /** A TCP or TLS socket, or an HTTP/2 stream. */
  socket: Duplex;
  /** Replaced as the connection moves from handshake to echo. */
  onRead: (chunk: Buffer) => void;
}

function dial(current: Run): Connection {
  const connection: Connection = {
    socket: undefined as unknown as Duplex,
    onRead: () => {},
  };
  if (current.secure !== undefined) {
    // TLS hands over decrypted chunks of its own: no shared read buffer to lend it.
    const socket = dialTls(current.port, current.secure);
    socket.on('data', (chunk: Buffer) => connection.onRead(chunk));
    socket.once('secureConnect', () => {
      current.tls ??= describeTls(socket);
    });
    connection.socket = socket;
    current.sockets.add(socket);
    return connection;
  }
  const addresses = current.localAddresses;
  const localAddress = addresses.length > 0 ? addresses[current.dialed++ % addresses.length] : undefined;
  connection.socket = connect({
    host: HOST,
    port: current.port,
    ...(localAddress === undefined ? {} : { localAddress }),
    noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (length) => {
        connection.onRead(READ_BUFFER.subarray(0, length));
        return true;
      },
    },
  });
  current.sockets.add(connection.socket);
  return connection;
}

function fail(current: Run, error: unknown): void {
  current.errors++;
  current.firstError ??= error instanceof Error ? error.message : String(error);
}

function sample(current: Run, ms: number): void {
  const seen = current.seen++;
  if (seen < SAMPLE_CAP) current.samples[seen] = ms;
  else {
    // Reservoir sampling keeps a uniform subset however long the run.
    const slot = Math.floor(Math.random() * (seen + 1));
    if (slot < SAMPLE_CAP) current.samples[slot] = ms;
  }
}

function buildRun(
  spec: WorkloadSpec,
  port: number,
  connections: number,
  tcp: boolean,
  secure: SecureLink | undefined,
): Run {
  const payload = asciiPayload(spec.size);
  const ring = spec.deflate && !tcp ? deflateRing(spec) : undefined;
  let frame: Buffer;
  if (tcp) frame = payload;
  else if (ring !== undefined) frame = ring.bytes.subarray(0, ring.offsets[1]);
  else frame = clientFrame(spec.binary ? OP_BINARY : OP_TEXT, payload);
  return {
    spec,
    port,
    tcp,
    secure,
    sessions: secure?.transport === 'http2' ? new Http2Sessions(port, secure, () => {}) : undefined,
    tls: undefined,
    connections,
    request: upgradeRequest(port, spec.deflate ? (spec.takeover ? DEFLATE_TAKEOVER_OFFER : DEFLATE_OFFER) : undefined),
    frame,
    burst: repeatFrame(frame, Math.max(1, spec.inflight)),
    ring,
    closeFrame: clientFrame(OP_CLOSE, closePayload(1000)),
    sockets: new Set(),
    localAddresses: localAddressesFor(connections),
    dialed: 0,
    echoes: [],
    churnLoops: [],
    running: false,
    recording: false,
    messages: 0,
    wireBytes: 0,
    errors: 0,
    firstError: undefined,
    samples: new Float64Array(SAMPLE_CAP),
    seen: 0,
    safety: undefined,
  };
}

/** Opens a WebSocket on an HTTP/2 stream (extended CONNECT): no bytes follow a head here. */
async function openStream(current: Run, sessions: Http2Sessions): Promise<{ connection: Connection; rest: Buffer }> {
  const stream = await openWebSocketStream(await sessions.session(), current.port);
  current.tls ??= sessions.tls;
  current.sockets.add(stream);
  const connection: Connection = { socket: stream, onRead: () => {} };
  stream.on('data', (chunk: Buffer) => connection.onRead(chunk));
  return { connection, rest: Buffer.alloc(0) };
}

function localAddressesFor(connections: number): string[] {
  const count = Math.ceil(connections / CONNECTIONS_PER_ADDRESS);
  return count <= 1 ? [] : Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

/** Opens a TCP connection and, for WebSocket servers, completes the upgrade. Resolves with bytes that followed the head. */
function open(current: Run): Promise<{ connection: Connection; rest: Buffer }> {
  if (current.sessions !== undefined) return openStream(current, current.sessions);
  return new Promise((resolve, reject) => {
    const connection = dial(current);
    const { socket } = connection;
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('connect/upgrade timed out')), CONNECT_TIMEOUT_MS);
    const done = (error: Error | null, rest?: Buffer) => {
      clearTimeout(timer);
      connection.onRead = () => {};
      socket.removeListener('error', done);
      socket.removeListener('close', onClose);
      if (error) {
        socket.destroy();
        current.sockets.delete(socket);
        reject(error);
      } else resolve({ connection, rest: rest ?? Buffer.alloc(0) });
    };
    const onClose = () => done(new Error('closed during the opening handshake'));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n', 0, 'latin1');
      if (end < 0) {
        if (head.length > 16 * 1024) done(new Error('response head too large'));
        return;
      }
      const text = head.toString('latin1', 0, end);
      const status = text.slice(0, text.indexOf('\r\n'));
      if (!/^HTTP\/1\.1 101\b/.test(status)) done(new Error(`upgrade refused: ${status}`));
      else if (current.spec.deflate && !/\r\nsec-websocket-extensions:[^\r]*permessage-deflate/i.test(text)) {
        done(new Error('the server did not accept permessage-deflate'));
      } else done(null, head.subarray(end + 4));
    };
    socket.on('error', done);
    socket.on('close', onClose);
    socket.once(current.secure === undefined ? 'connect' : 'secureConnect', () => {
      if (current.tcp) done(null);
      else {
        connection.onRead = onData;
        socket.write(current.request);
      }
    });
  });
}

class EchoConnection {
  private sent = 0;
  private received = 0;
  private rawBytes = 0;
  /** Next frame of the ring to send (compression workloads). */
  private position = 0;
  private readonly counter: FrameCounter;
  private readonly times: Float64Array;
  private readonly frameLength: number;
  private readonly inflight: number;
  private readonly sampleMask: number;

  private readonly socket: Duplex;

  constructor(
    private readonly current: Run,
    connection: Connection,
    rest: Buffer,
  ) {
    const socket = connection.socket;
    this.socket = socket;
    const { spec } = current;
    this.counter = new FrameCounter(spec.binary ? OP_BINARY : OP_TEXT);
    this.inflight = spec.inflight;
    this.times = new Float64Array(spec.inflight);
    this.frameLength = current.frame.length;
    this.sampleMask = spec.sampleEvery - 1;
    connection.onRead = (chunk) => this.onData(chunk);
    socket.on('error', (error) => fail(current, error));
    socket.on('close', () => {
      current.sockets.delete(socket);
      if (current.running) fail(current, new Error('server closed a connection during the run'));
    });
    if (rest.length > 0) this.onData(rest);
  }

  start(): void {
    this.send(this.inflight, performance.now());
  }

  private send(count: number, now: number): void {
    const { times, inflight } = this;
    for (let s = this.sent, end = s + count; s < end; s++) times[s % inflight] = now;
    this.sent += count;
    const ring = this.current.ring;
    if (ring !== undefined) {
      const start = this.position;
      this.socket.write(ring.bytes.subarray(ring.offsets[start], ring.offsets[start + count]));
      this.position = (start + count) % ring.count;
      return;
    }
    this.socket.write(
      count === inflight ? this.current.burst : this.current.burst.subarray(0, count * this.frameLength),
    );
  }

  private onData(chunk: Buffer): void {
    const current = this.current;
    let count: number;
    if (current.tcp) {
      this.rawBytes += chunk.length;
      count = Math.floor(this.rawBytes / current.spec.size) - this.received;
    } else {
      const before = this.counter.payloadBytes;
      count = this.counter.feed(chunk);
      current.wireBytes += this.counter.payloadBytes - before;
      if (this.counter.unexpected > 0 || this.counter.closeFrames > 0) {
        fail(current, new Error('unexpected frame from server (close or wrong opcode)'));
        this.counter.unexpected = 0;
        this.counter.closeFrames = 0;
      }
    }
    if (count <= 0) return;
    const now = performance.now();
    if (current.recording) {
      const { times, inflight, sampleMask } = this;
      for (let r = this.received, end = r + count; r < end; r++) {
        if ((r & sampleMask) === 0) sample(current, now - times[r % inflight]!);
      }
    }
    this.received += count;
    current.messages += count;
    if (current.running) this.send(count, now);
  }
}

/** One churn cycle: connect, upgrade, one message, close handshake, wait for the server to close TCP. */
function churnOnce(current: Run): Promise<void> {
  return new Promise((resolve, reject) => {
    const connection = dial(current);
    const { socket } = connection;
    const counter = new FrameCounter(current.spec.binary ? OP_BINARY : OP_TEXT);
    let phase: 'connect' | 'head' | 'echo' | 'closing' | 'done' = 'connect';
    let head: Buffer | undefined;
    let rawBytes = 0;
    const timer = setTimeout(() => finish(new Error(`churn cycle timed out in phase ${phase}`)), CYCLE_TIMEOUT_MS);
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      current.sockets.delete(socket);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const afterEcho = () => {
      phase = 'closing';
      if (current.tcp) socket.end();
      else socket.write(current.closeFrame);
    };
    const onFrames = (chunk: Buffer) => {
      const messages = counter.feed(chunk);
      if (phase === 'echo' && messages > 0) afterEcho();
      if (counter.unexpected > 0) finish(new Error('unexpected frame from server'));
    };
    socket.on('connect', () => {
      phase = current.tcp ? 'echo' : 'head';
      socket.write(current.tcp ? current.frame : current.request);
    });
    connection.onRead = (chunk: Buffer) => {
      if (current.tcp) {
        rawBytes += chunk.length;
        if (phase === 'echo' && rawBytes >= current.spec.size) afterEcho();
        return;
      }
      if (phase === 'head') {
        head = head === undefined ? Buffer.from(chunk) : Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n', 0, 'latin1');
        if (end < 0) return;
        if (!head.subarray(0, 13).toString('latin1').startsWith('HTTP/1.1 101')) {
          finish(new Error('upgrade refused'));
          return;
        }
        phase = 'echo';
        socket.write(current.frame);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) onFrames(rest);
        return;
      }
      onFrames(chunk);
    };
    socket.on('error', (error) => finish(error));
    socket.on('close', () => {
      // Clean only if the echo came back and, for WebSocket, the server answered our close frame.
      if (phase === 'closing' && (current.tcp || counter.closeFrames > 0)) {
        phase = 'done';
        finish(null);
      } else finish(new Error(`connection closed in phase ${phase}`));
    });
  });
}

async function churnLoop(current: Run): Promise<void> {
  while (current.running) {
    const started = performance.now();
    try {
      await churnOnce(current);
      current.messages++;
      if (current.recording) sample(current, performance.now() - started);
    } catch (error) {
      fail(current, error);
      // A failing server must not turn this into a busy loop.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function setup(request: Extract<LoadRequest, { type: 'setup' }>): Promise<LoadReply> {
  const current = buildRun(request.spec, request.port, request.connections, request.tcp, request.secure);
  run = current;
  if (current.sessions !== undefined && current.spec.kind === WorkloadKind.Churn) {
    throw new Error('churn is not measured over HTTP/2');
  }
  if (current.spec.kind === WorkloadKind.Churn) return { id: request.id, type: 'ready', connections: 0, failed: 0 };

  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < request.connections) {
      next++;
      try {
        const { connection, rest } = await open(current);
        if (current.spec.kind === WorkloadKind.Echo) current.echoes.push(new EchoConnection(current, connection, rest));
        else {
          const { socket } = connection;
          socket.on('error', () => {});
          socket.on('close', () => current.sockets.delete(socket));
        }
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, request.connections) }, worker));
  const reply: LoadReply = { id: request.id, type: 'ready', connections: request.connections - failed, failed };
  if (firstError !== undefined) reply.firstError = firstError;
  if (current.tls !== undefined) reply.tls = current.tls;
  return reply;
}

function go(current: Run): void {
  current.running = true;
  current.safety = setTimeout(() => {
    current.running = false;
  }, MAX_RUN_MS);
  if (current.spec.kind === WorkloadKind.Echo) for (const connection of current.echoes) connection.start();
  else if (current.spec.kind === WorkloadKind.Churn) {
    for (let i = 0; i < current.connections; i++) current.churnLoops.push(churnLoop(current));
  }
}

async function stop(current: Run, id: number): Promise<LoadReply> {
  current.running = false;
  current.recording = false;
  clearTimeout(current.safety);
  // Churn cycles in progress finish (each is bounded by its own timeout); give them a moment, then cut.
  const settled = Promise.allSettled(current.churnLoops);
  await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  for (const socket of current.sockets) socket.destroy();
  current.sockets.clear();
  current.sessions?.destroy();
  run = undefined;
  const count = Math.min(current.seen, SAMPLE_CAP);
  const reply: LoadReply = {
    id,
    type: 'stopped',
    latencies: Array.from(current.samples.subarray(0, count)),
    samples: current.seen,
    errors: current.errors,
  };
  if (current.firstError !== undefined) reply.firstError = current.firstError;
  return reply;
}

function cpuNow(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

type SoakRequest = Extract<LoadRequest, { type: 'soak-open' | 'soak-go' | 'soak-mark' | 'soak-drain' | 'soak-stop' }>;

async function handleSoak(request: SoakRequest): Promise<LoadReply> {
  if (request.type === 'soak-open') {
    soak?.stop();
    soak = new Soak(request.plan);
    await soak.ramp();
    return { id: request.id, type: 'soak', counters: soak.snapshot() };
  }
  const current = soak;
  if (!current) throw new Error(`no soak set up for ${request.type}`);
  switch (request.type) {
    case 'soak-go':
      current.go();
      break;
    case 'soak-mark':
      break;
    case 'soak-drain':
      // Kept (until the next soak-open) so that late marks still read the final counters.
      await current.drain();
      break;
    case 'soak-stop':
      current.stop();
      soak = undefined;
      break;
  }
  return { id: request.id, type: 'soak', counters: current.snapshot() };
}

async function handleFanout(request: FanoutRequest): Promise<LoadReply> {
  if (request.type === 'fanout-setup') {
    fanout?.stop(0);
    const index = request.plan.index;
    fanout = new FanoutLoad(request.plan, (done) => {
      const progress: FanoutProgress = { type: 'fanout-progress', from: index, done };
      process.send?.(progress);
    });
    return { id: request.id, type: 'ready', ...(await fanout.open()) };
  }
  const current = fanout;
  if (!current) throw new Error(`no fan-out set up for ${request.type}`);
  switch (request.type) {
    case 'fanout-go':
      current.go();
      return { id: request.id, type: 'ok' };
    case 'fanout-warm':
      return (await current.warm(request.messages, request.timeoutMs))
        ? { id: request.id, type: 'ok' }
        : {
            id: request.id,
            type: 'error',
            message: `not warm: the first ${request.messages} messages took over ${request.timeoutMs} ms`,
          };
    case 'fanout-mark':
      return { id: request.id, type: 'mark', mark: current.mark(request.record) };
    case 'fanout-stop':
      fanout = undefined;
      return current.stop(request.id);
  }
}

async function handle(request: LoadRequest): Promise<LoadReply> {
  switch (request.type) {
    case 'fanout-setup':
    case 'fanout-go':
    case 'fanout-warm':
    case 'fanout-mark':
    case 'fanout-stop':
      return handleFanout(request);
    case 'soak-open':
    case 'soak-go':
    case 'soak-mark':
    case 'soak-drain':
    case 'soak-stop':
      return handleSoak(request);
    default:
      break;
  }
  if (request.type === 'setup') {
    if (run) await stop(run, request.id);
    return setup(request);
  }
  const current = run;
  if (!current) throw new Error(`no workload set up for ${request.type}`);
  switch (request.type) {
    case 'go':
      go(current);
      return { id: request.id, type: 'ok' };
    case 'mark': {
      const mark: LoadMark = {
        time: performance.now(),
        messages: current.messages,
        bytes: current.messages * current.spec.size,
        wireBytes: current.wireBytes,
        errors: current.errors,
        cpu: cpuNow(),
      };
      current.recording = request.record;
      return { id: request.id, type: 'mark', mark };
    }
    case 'stop':
      return stop(current, request.id);
  }
}

if (!process.send) {
  process.stderr.write('loadgen: run me from the bench driver (needs an IPC channel)\n');
  process.exit(2);
}
process.on('message', (request: LoadRequest | FanoutProgress) => {
  // Progress of another generator's subscribers, forwarded by the driver: no reply.
  if (request.type === 'fanout-progress') {
    fanout?.peer(request.from, request.done);
    return;
  }
  handle(request).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({
        id: request.id,
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
process.on('disconnect', () => process.exit(0));
