import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createServer as createTlsServer } from 'node:tls';
import { badRequest, type ClientRequest, headEnd, parseClientRequest, switchingProtocols } from './handshake.js';
import { ServerPeer, type ServerPeerOptions } from './server-peer.js';

/**
 * The listening side of the client suite, shaped like Autobahn|Testsuite's
 * fuzzing-server mode: a client under test connects to `/runCase?case=N&agent=X`
 * and gets case N played against it. The runner registers each case before the
 * client connects (`expect`), so cases can run concurrently on one server.
 */

export interface FuzzingServerOptions extends ServerPeerOptions {
  host?: string;
  /** Serve wss:// with this certificate. */
  tls?: { cert: string; key: string };
  /** Time allowed for the client's request head. */
  handshakeTimeoutMs?: number;
}

export interface AcceptedCase {
  peer: ServerPeer;
  request: ClientRequest;
}

export interface ExpectOptions {
  /** How long to wait for the client. Default 5000 ms. */
  timeoutMs?: number;
  /** Server bytes written in the same TCP write as the 101 answer (a client must not lose them). */
  withHandshake?: Uint8Array;
}

interface Waiter {
  withHandshake: Uint8Array | undefined;
  resolve(accepted: AcceptedCase): void;
  reject(error: Error): void;
}

const MAX_HEAD = 16 * 1024;

export function runCasePath(caseNumber: number, agent: string): string {
  return `/runCase?case=${caseNumber}&agent=${encodeURIComponent(agent)}`;
}

export class FuzzingServer {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  private readonly server: Server;
  private readonly sockets: Set<Socket>;
  private readonly waiters: Map<string, Waiter>;

  private constructor(server: Server, sockets: Set<Socket>, waiters: Map<string, Waiter>, host: string, tls: boolean) {
    this.server = server;
    this.sockets = sockets;
    this.waiters = waiters;
    this.host = host;
    this.tls = tls;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  static async start(options: FuzzingServerOptions = {}): Promise<FuzzingServer> {
    const host = options.host ?? '127.0.0.1';
    const sockets = new Set<Socket>();
    const waiters = new Map<string, Waiter>();
    const onSocket = (socket: Socket) => {
      const acceptedAt = performance.now();
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      readRequest(socket, acceptedAt, waiters, options);
    };
    // Half-open: the client's FIN must be observed, not answered automatically; the
    // peer decides when the server closes its side.
    const server: Server = options.tls
      ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, allowHalfOpen: true }, onSocket)
      : createTcpServer({ allowHalfOpen: true }, onSocket);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    return new FuzzingServer(server, sockets, waiters, host, options.tls !== undefined);
  }

  /** `ws://127.0.0.1:port/runCase?case=N&agent=X` (wss:// when serving TLS). */
  url(caseNumber: number, agent: string): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.tls ? 'wss' : 'ws'}://${host}:${this.port}${runCasePath(caseNumber, agent)}`;
  }

  /**
   * Resolves with the peer once a client opened case N as `agent` (after the 101 is
   * written); rejects if its request is refused or nobody comes within `timeoutMs`.
   */
  expect(caseNumber: number, agent: string, options: ExpectOptions = {}): Promise<AcceptedCase> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const key = waiterKey(String(caseNumber), agent);
    if (this.waiters.has(key)) throw new Error(`case ${caseNumber} for agent ${agent} is already waiting`);
    return new Promise<AcceptedCase>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`no client opened ${runCasePath(caseNumber, agent)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(key, {
        withHandshake: options.withHandshake,
        resolve: (accepted) => {
          clearTimeout(timer);
          resolve(accepted);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function waiterKey(caseNumber: string, agent: string): string {
  return `${caseNumber}\u0000${agent}`;
}

function readRequest(
  socket: Socket,
  acceptedAt: number,
  waiters: Map<string, Waiter>,
  options: FuzzingServerOptions,
): void {
  let head: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), options.handshakeTimeoutMs ?? 5000);
  const refuse = (status: string, waiter?: Waiter) => {
    socket.off('data', onData);
    clearTimeout(timer);
    socket.end(badRequest(status));
    waiter?.reject(new Error(`the server peer refused the opening handshake: ${status}`));
  };
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const end = headEnd(head);
    if (end < 0) {
      if (head.length > MAX_HEAD) refuse('request head too large');
      return;
    }
    const request = parseClientRequest(head.subarray(0, end).toString('latin1'));
    const url = new URL(request.target || '/', 'ws://placeholder');
    const caseNumber = url.searchParams.get('case');
    const agent = url.searchParams.get('agent');
    const key = waiterKey(caseNumber ?? '', agent ?? '');
    const waiter = url.pathname === '/runCase' ? waiters.get(key) : undefined;
    if (!waiter) {
      refuse(`no case waiting for ${request.target}`);
      return;
    }
    waiters.delete(key);
    const wsKey = request.headers['sec-websocket-key'];
    if (wsKey === undefined) {
      refuse(`no Sec-WebSocket-Key (${request.problems.join('; ')})`, waiter);
      return;
    }
    socket.off('data', onData);
    clearTimeout(timer);
    const answer = Buffer.from(switchingProtocols(wsKey), 'latin1');
    const extra = waiter.withHandshake;
    socket.write(extra ? Buffer.concat([answer, extra]) : answer);
    const peer = new ServerPeer(socket, request, head.subarray(end), acceptedAt, options);
    peer.note(`RX request ${request.method} ${request.target}`);
    peer.note(`TX 101 Switching Protocols${extra ? `, and ${extra.length} bytes of frames in the same write` : ''}`);
    waiter.resolve({ peer, request });
  };
  socket.on('data', onData);
}
