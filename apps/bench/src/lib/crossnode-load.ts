// Load of the cross-node fan-out bench: subscribers counted on raw sockets (FrameCounter, no
// parsing), one probe subscriber per node and one publisher per node on `ws` clients. Each
// publisher keeps `window` messages in flight; a message is done when every probe has it,
// and each probe's receipt is a publish-to-receipt latency (local: same node as the publisher;
// remote: through Redis).
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { ANY_DATA, FrameCounter, upgradeRequest } from './wire.js';

export interface Load {
  /** Messages received by every subscriber so far (raw sockets and probes). */
  deliveries(): number;
  /** Starts (or restarts) collecting latencies. */
  mark(): void;
  latencies(): { local: number[]; remote: number[] };
  close(): Promise<void>;
}

/** A subscriber that only counts complete messages. */
async function rawSubscriber(port: number, counts: { n: number }): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const counter = new FrameCounter(ANY_DATA);
  let head = Buffer.alloc(0);
  let upgraded = false;
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        counts.n += counter.feed(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString('latin1').includes('101')) reject(new Error('upgrade refused'));
      upgraded = true;
      counts.n += counter.feed(head.subarray(end + 4));
      resolve();
    });
    socket.write(upgradeRequest(port));
  });
  return socket;
}

function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

interface Publisher {
  ws: WebSocket;
  node: number;
  seq: number;
  inflight: Map<number, { sent: number; left: number }>;
}

export interface LoadPlan {
  ports: number[];
  subscribers: number;
  size: number;
  window: number;
  /** Resolves once every node's adapter has the subscriptions (Redis acknowledged them). */
  settled: () => Promise<void>;
}

export async function startLoad(plan: LoadPlan): Promise<Load> {
  const { ports, size } = plan;
  const counts = { n: 0 };
  const sockets: Socket[] = [];
  for (let i = 0; i < plan.subscribers - ports.length; i++) {
    sockets.push(await rawSubscriber(ports[i % ports.length]!, counts));
  }
  const probes = await Promise.all(ports.map((port) => openWs(`ws://127.0.0.1:${port}/`)));
  const publishers: Publisher[] = [];
  for (const [node, port] of ports.entries()) {
    publishers.push({ ws: await openWs(`ws://127.0.0.1:${port}/?pub=1`), node, seq: 0, inflight: new Map() });
  }
  await plan.settled();
  const samples = { on: false, local: [] as number[], remote: [] as number[] };
  let stopped = false;
  const send = (p: number) => {
    const publisher = publishers[p]!;
    const message = Buffer.alloc(size, 0x61);
    message.writeUInt32LE(p, 0);
    message.writeUInt32LE(publisher.seq, 4);
    publisher.inflight.set(publisher.seq++, { sent: performance.now(), left: probes.length });
    publisher.ws.send(message, { binary: true });
  };
  probes.forEach((probe, node) => {
    probe.on('message', (data: Buffer) => {
      const now = performance.now();
      counts.n++;
      const p = data.readUInt32LE(0);
      const publisher = publishers[p]!;
      const entry = publisher.inflight.get(data.readUInt32LE(4));
      if (!entry) return;
      if (samples.on) (publisher.node === node ? samples.local : samples.remote).push(now - entry.sent);
      if (--entry.left === 0) {
        publisher.inflight.delete(data.readUInt32LE(4));
        if (!stopped) send(p);
      }
    });
  });
  for (let p = 0; p < publishers.length; p++) for (let k = 0; k < plan.window; k++) send(p);
  return {
    deliveries: () => counts.n,
    mark() {
      samples.on = true;
      samples.local = [];
      samples.remote = [];
    },
    latencies: () => ({ local: samples.local, remote: samples.remote }),
    async close() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
      const clients = [...probes, ...publishers.map((p) => p.ws)];
      const closed = clients.map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
      for (const ws of clients) ws.terminate();
      await Promise.all(closed);
    },
  };
}
