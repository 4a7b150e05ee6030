import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TRANSPORTS } from './support/suite.js';
import { type RunningTarget, startTarget, TARGET_MAX_PAYLOAD, targetInfo, titled } from './support/target.js';

/**
 * Interop: the `ws` package as a client against our echo server, over ws:// and wss://.
 * Text and binary from 0 B to 16 MiB, fragmented sends, pings, and every close code an
 * application may send (each must come back as the server's answer, with a clean close).
 */

const info = await targetInfo();

const SIZES = [0, 1, 125, 126, 127, 128, 65_535, 65_536, 1 << 20, 4 << 20, 16 << 20];
const APPLICATION_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];

interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** Exactly `size` UTF-8 bytes, with 2-, 3- and 4-byte characters in it. */
function textOf(size: number): string {
  const unit = 'websock-µ€𝄞-';
  const whole = Math.floor(size / Buffer.byteLength(unit));
  return unit.repeat(whole) + '*'.repeat(size - whole * Buffer.byteLength(unit));
}

function binaryOf(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

class Client {
  readonly ws: WebSocket;
  private readonly queue: Received[] = [];
  private readonly waiting: Array<(r: Received) => void> = [];

  constructor(target: RunningTarget, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(target.url, {
      perMessageDeflate: false,
      maxPayload: TARGET_MAX_PAYLOAD,
      rejectUnauthorized: false,
      ...options,
    });
    this.ws.on('message', (data, isBinary) => {
      const r = { data: data as Buffer, isBinary };
      const w = this.waiting.shift();
      if (w) w(r);
      else this.queue.push(r);
    });
    this.ws.on('error', () => {});
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  next(timeoutMs = 15_000): Promise<Received> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message from the server in time')), timeoutMs);
      this.waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  /** Closes with `code` and resolves with what the close event reports. */
  close(code?: number, reason?: string): Promise<{ code: number; reason: string; wasClean: boolean }> {
    return new Promise((resolve) => {
      this.ws.addEventListener('close', (ev) => resolve({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean }), {
        once: true,
      });
      this.ws.close(code, reason);
    });
  }
}

for (const transport of TRANSPORTS) {
  describe.concurrent(titled(`ws client interop over ${transport.label}`, info), () => {
    let target: RunningTarget;
    beforeAll(async () => {
      target = await startTarget({ tls: transport.tls });
    });
    afterAll(async () => {
      await target?.close();
    });

    async function connect(options?: WebSocket.ClientOptions): Promise<Client> {
      const c = new Client(target, options);
      await c.open();
      return c;
    }

    for (const size of SIZES) {
      it(`echoes a ${size} B text message`, async () => {
        const c = await connect();
        const sent = textOf(size);
        c.ws.send(sent);
        const got = await c.next();
        expect(got.isBinary).toBe(false);
        expect(got.data.length).toBe(Buffer.byteLength(sent));
        expect(got.data.toString('utf8') === sent).toBe(true);
        expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
      });

      it(`echoes a ${size} B binary message`, async () => {
        const c = await connect();
        const sent = binaryOf(size);
        c.ws.send(sent);
        const got = await c.next();
        expect(got.isBinary).toBe(true);
        expect(got.data.length).toBe(size);
        expect(got.data.equals(sent)).toBe(true);
        expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
      });
    }

    it('echoes a text message sent in fragments (fin: false) as one message', async () => {
      const c = await connect();
      const parts = ['frag-1 ', 'µ€ frag-2 ', '', textOf(70_000), ' end'];
      parts.forEach((p, i) => {
        c.ws.send(p, { fin: i === parts.length - 1 });
      });
      const got = await c.next();
      expect(got.isBinary).toBe(false);
      expect(got.data.toString('utf8') === parts.join('')).toBe(true);
      expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
    });

    it('echoes a binary message sent in 64 fragments as one message', async () => {
      const c = await connect();
      const whole = binaryOf(64 * 1000);
      for (let i = 0; i < 64; i++) c.ws.send(whole.subarray(i * 1000, (i + 1) * 1000), { binary: true, fin: i === 63 });
      const got = await c.next();
      expect(got.isBinary).toBe(true);
      expect(got.data.equals(whole)).toBe(true);
      expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
    });

    it('keeps message order and type across 1000 pipelined text and binary messages', async () => {
      const c = await connect();
      const sent: Array<string | Buffer> = [];
      for (let i = 0; i < 1000; i++) sent.push(i % 2 ? binaryOf(i) : textOf(i));
      for (const m of sent) c.ws.send(m);
      for (const m of sent) {
        const got = await c.next();
        expect(got.isBinary).toBe(typeof m !== 'string');
        expect(got.data.equals(typeof m === 'string' ? Buffer.from(m) : m)).toBe(true);
      }
      expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
    });

    for (const payload of ['', 'ping payload', 'x'.repeat(125)]) {
      it(`answers a ping with ${payload.length} B payload by a pong with the same payload`, async () => {
        const c = await connect();
        const pong = new Promise<Buffer>((resolve) => c.ws.once('pong', resolve));
        c.ws.ping(payload);
        expect((await pong).toString()).toBe(payload);
        expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
      });
    }

    it('answers a ping sent between the fragments of a message before the message completes', async () => {
      const c = await connect();
      c.ws.send('first-', { fin: false });
      const pong = new Promise<Buffer>((resolve) => c.ws.once('pong', resolve));
      c.ws.ping('in between');
      expect((await pong).toString()).toBe('in between');
      c.ws.send('last', { fin: true });
      expect((await c.next()).data.toString()).toBe('first-last');
      expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
    });

    for (const code of APPLICATION_CLOSE_CODES) {
      it(`echoes close code ${code} with a clean close`, async () => {
        const c = await connect();
        const closed = await c.close(code, `bye ${code}`);
        expect(closed).toMatchObject({ code, wasClean: true });
      });
    }

    it('closes cleanly with no code (the server answers with an empty close or 1000)', async () => {
      const c = await connect();
      const closed = await c.close();
      expect(closed.wasClean).toBe(true);
      expect([1000, 1005]).toContain(closed.code);
    });

    if (transport.tls) {
      it('presents a certificate that verifies against the generated CA for 127.0.0.1', async () => {
        const c = await connect({ rejectUnauthorized: true, ...(target.ca ? { ca: target.ca } : {}) });
        c.ws.send('verified');
        expect((await c.next()).data.toString()).toBe('verified');
        expect(await c.close(1000)).toMatchObject({ code: 1000, wasClean: true });
      });
    }
  });
}
