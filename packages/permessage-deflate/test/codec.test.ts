import { constants, createDeflateRaw, createInflateRaw, deflateRawSync } from 'node:zlib';
import type { EncodedMessage } from '@websock/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDeflateExtension, PerMessageDeflate, type Role } from '../src/codec.js';
import { InflateError } from '../src/errors.js';
import { JobLimiter } from '../src/limiter.js';
import type { NegotiatedParams } from '../src/options.js';
import { StrictInflater } from './strict-inflater.js';
import { bytes, concat, hex, jsonText, OraclePeer, randomBytes } from './wire.js';

const DEFAULTS: NegotiatedParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const NO_TAKEOVER: NegotiatedParams = { ...DEFAULTS, serverNoContextTakeover: true, clientNoContextTakeover: true };
const MB = 1024 * 1024;
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** Byte equality without vitest's element-wise diff (Buffer vs Uint8Array, megabyte payloads). */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  expect.fail(`bytes differ at offset ${at} (lengths ${a.length} and ${b.length})`);
}

function expectEncoded(actual: EncodedMessage, payload: Uint8Array, rsv: number): void {
  expect(actual.rsv).toBe(rsv);
  expectBytes(actual.payload, payload);
}

function pair(
  params: NegotiatedParams,
  options: { threshold?: number; limiter?: JobLimiter; keepContexts?: boolean; level?: number } = {},
) {
  const codecOptions = { threshold: 0, ...options };
  return {
    server: createDeflateExtension(params, 'server', codecOptions),
    client: createDeflateExtension(params, 'client', codecOptions),
  };
}

/** The oracle configured as the peer of our codec in `role`. */
function oracleFor(params: NegotiatedParams, role: Role): OraclePeer {
  const server = { bits: params.serverMaxWindowBits, resets: params.serverNoContextTakeover };
  const client = { bits: params.clientMaxWindowBits, resets: params.clientNoContextTakeover };
  const [ours, theirs] = role === 'server' ? [server, client] : [client, server];
  return new OraclePeer({
    deflateWindowBits: theirs.bits,
    deflateResets: theirs.resets,
    inflateWindowBits: ours.bits,
    inflateResets: ours.resets,
  });
}

async function expectInflateError(work: () => unknown, closeCode: number): Promise<InflateError> {
  let caught: unknown;
  try {
    await work();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InflateError);
  expect((caught as InflateError).closeCode).toBe(closeCode);
  return caught as InflateError;
}

describe('RFC 7692 §7.2.3 examples', () => {
  it('decompresses "Hello" (§7.2.3.1) and the same message again with a shared window (§7.2.3.2)', async () => {
    const codec = createDeflateExtension(DEFAULTS, 'client');
    expect(text(await codec.decode(hex('f2 48 cd c9 c9 07 00'), 4, MB))).toBe('Hello');
    expect(text(await codec.decode(hex('f2 00 11 00 00'), 4, MB))).toBe('Hello');
    codec.dispose();
  });

  it("compresses to zlib's sync-flushed DEFLATE minus the trailer, sharing the window the second time (§7.2.1)", async () => {
    const codec = createDeflateExtension(DEFAULTS, 'server', { threshold: 0 });
    const message = bytes('Hello, Hello, Hello, Hello, Hello!');
    const reference = deflateRawSync(message, { level: 1, finishFlush: constants.Z_SYNC_FLUSH });
    expect([...reference.subarray(-4)]).toEqual([0, 0, 0xff, 0xff]);
    expectEncoded(await codec.encode(message, false), reference.subarray(0, -4), 4);
    const second = await codec.encode(message, false);
    expect(second.rsv).toBe(4);
    expect(second.payload.length).toBeLessThan(reference.length - 4);
    const peer = createDeflateExtension(DEFAULTS, 'client');
    expectBytes(await peer.decode(reference.subarray(0, -4), 4, MB), message);
    expectBytes(await peer.decode(second.payload, 4, MB), message);
    codec.dispose();
    peer.dispose();
  });

  it('sends "Hello" as it is: its DEFLATE form (§7.2.3.1) is longer than the text', () => {
    const codec = createDeflateExtension(DEFAULTS, 'server', { threshold: 0 });
    expectEncoded(codec.encode(bytes('Hello'), false) as EncodedMessage, bytes('Hello'), 0);
    codec.dispose();
  });

  it('decompresses a stored block (§7.2.3.3), two blocks in one message (§7.2.3.5) and an empty message', async () => {
    for (const params of [DEFAULTS, NO_TAKEOVER]) {
      const codec = createDeflateExtension(params, 'client');
      expect(text(await codec.decode(hex('00 05 00 fa ff 48 65 6c 6c 6f 00'), 4, MB))).toBe('Hello');
      expect(text(await codec.decode(hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00'), 4, MB))).toBe('Hello');
      expect(await codec.decode(hex('00'), 4, MB)).toHaveLength(0);
      codec.dispose();
    }
  });

  it('decompresses a block with BFINAL set (§7.2.3.4) and keeps the history for the next message', async () => {
    for (const keepContexts of [true, false]) {
      const codec = createDeflateExtension(DEFAULTS, 'client', { keepContexts });
      expect(text(await codec.decode(hex('f3 48 cd c9 c9 07 00 00'), 4, MB))).toBe('Hello');
      // The next message is a new DEFLATE stream that still refers to "Hello" (context takeover).
      expect(text(await codec.decode(hex('f2 00 11 00 00'), 4, MB))).toBe('Hello');
      expect(text(await codec.decode(hex('f2 48 cd c9 c9 07 00'), 4, MB))).toBe('Hello');
      // BFINAL in the middle: the rest of the message is ignored, the stream after it still works.
      expect(text(await codec.decode(hex('f3 48 cd c9 c9 07 00 f2 00 11 00 00'), 4, MB))).toBe('Hello');
      expect(text(await codec.decode(hex('f2 48 cd c9 c9 07 00'), 4, MB))).toBe('Hello');
      codec.dispose();
    }
    const fresh = createDeflateExtension(NO_TAKEOVER, 'client');
    expect(text(await fresh.decode(hex('f3 48 cd c9 c9 07 00 00'), 4, MB))).toBe('Hello');
    expect(text(await fresh.decode(hex('f3 48 cd c9 c9 07 00 00'), 4, MB))).toBe('Hello');
    fresh.dispose();
  });

  it('compresses an empty message to a single 0x00 byte (§7.2.3.6)', async () => {
    const codec = createDeflateExtension(DEFAULTS, 'server', { threshold: 0 });
    expectEncoded(await codec.encode(new Uint8Array(0), true), hex('00'), 4);
    codec.dispose();
  });
});

describe('round trips against our own codec and an independent zlib peer', () => {
  const sizes = [0, 1, 100, 1000, 5000, 20_000, 70_000];
  const messages = sizes.flatMap((size, i) => [jsonText(size, i + 1), randomBytes(Math.min(size, 3000), i + 3)]);

  for (let bits = 8; bits <= 15; bits++) {
    for (const resets of [false, true]) {
      const params: NegotiatedParams = {
        serverNoContextTakeover: resets,
        clientNoContextTakeover: resets,
        serverMaxWindowBits: bits,
        clientMaxWindowBits: bits,
      };
      it(`window ${bits}, ${resets ? 'no context takeover' : 'context takeover'}`, async () => {
        const { server, client } = pair(params);
        // A decompressor follows exactly one compressor's stream: zlib's messages get their own codecs.
        const fromZlib = pair(params);
        const serverOracle = oracleFor(params, 'server');
        const clientOracle = oracleFor(params, 'client');
        const strict = new StrictInflater();
        for (const message of messages) {
          // server → client: our compressor, checked by our decompressor and by plain zlib.
          const down = await server.encode(message, true);
          const viaOracle = down.rsv === 4 ? await serverOracle.decompress(down.payload) : down.payload;
          expectBytes(viaOracle, message);
          if (down.rsv === 4) {
            if (resets) strict.reset();
            expectBytes(strict.inflate(down.payload, bits), message);
          }
          expectBytes(await client.decode(down.payload, down.rsv, MB), message);
          // client → server the same way, then zlib's own compressor into our decompressor.
          const up = await client.encode(message, true);
          expectBytes(up.rsv === 4 ? await clientOracle.decompress(up.payload) : up.payload, message);
          expectBytes(await server.decode(up.payload, up.rsv, MB), message);
          const foreign = await serverOracle.compress(message);
          expectBytes(await fromZlib.client.decode(foreign, 4, MB), message);
          const foreignUp = await clientOracle.compress(message);
          expectBytes(await fromZlib.server.decode(foreignUp, 4, MB), message);
        }
        for (const codec of [server, client, fromZlib.server, fromZlib.client]) codec.dispose();
        serverOracle.close();
        clientOracle.close();
      });
    }
  }

  it('property: any message sequence survives compress → decompress, in order, for any parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          serverNoContextTakeover: fc.boolean(),
          clientNoContextTakeover: fc.boolean(),
          serverMaxWindowBits: fc.integer({ min: 8, max: 15 }),
          clientMaxWindowBits: fc.integer({ min: 8, max: 15 }),
        }),
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 600 }),
            fc.string({ maxLength: 400 }).map(bytes),
            fc.string({ maxLength: 20 }).map((s) => bytes(s.repeat(200))),
            // Over 16 KiB: the thread pool, between small messages on kept contexts.
            fc.string({ minLength: 1, maxLength: 30 }).map((s) => bytes(s.repeat(Math.ceil(20_000 / s.length)))),
          ),
          { maxLength: 12 },
        ),
        fc.integer({ min: 0, max: 64 }),
        fc.boolean(),
        fc.boolean(),
        async (params, sequence, threshold, keepContexts, lazy) => {
          const { server, client } = pair(params, { threshold, keepContexts, level: lazy ? 6 : 1 });
          // Fire every send at once: the codec must finish them in call order.
          const encoded = await Promise.all(sequence.map((m) => Promise.resolve(server.encode(m, true))));
          for (const [i, message] of sequence.entries()) {
            const { payload, rsv } = encoded[i]!;
            if (message.length < threshold) expect(rsv).toBe(0);
            expectBytes(await client.decode(payload, rsv, MB), message);
          }
          server.dispose();
          client.dispose();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('window sizes: no reference ever reaches past the negotiated window', () => {
  it('a strict decoder notices a stream that reaches too far back (the check bites)', async () => {
    const wide = new OraclePeer({
      deflateWindowBits: 15,
      deflateResets: false,
      inflateWindowBits: 15,
      inflateResets: false,
    });
    const message = randomBytes(300, 11);
    const first = await wide.compress(message);
    const second = await wide.compress(message);
    const strict = new StrictInflater();
    expectBytes(strict.inflate(first, 8), message);
    expect(() => strict.inflate(second, 8)).toThrow(/beyond the 256-byte window/);
    // zlib's own inflater with window 8 is just as strict.
    const zlib8 = new OraclePeer({
      deflateWindowBits: 15,
      deflateResets: false,
      inflateWindowBits: 8,
      inflateResets: false,
    });
    expectBytes(await zlib8.decompress(first), message);
    await expect(zlib8.decompress(second)).rejects.toThrow(/distance too far back/);
    wide.close();
    zlib8.close();
  });

  for (let bits = 8; bits <= 15; bits++) {
    it(`window ${bits}: repeats at every distance stay within ${1 << bits} bytes, with context takeover`, async () => {
      const params = { ...DEFAULTS, serverMaxWindowBits: bits };
      const server = createDeflateExtension(params, 'server', { threshold: 0 });
      const strict = new StrictInflater();
      const zlibPeer = new OraclePeer({
        deflateWindowBits: 15,
        deflateResets: false,
        inflateWindowBits: bits,
        inflateResets: false,
      });
      // Blocks of noise repeated after gaps around the window size tempt the matcher to reach far.
      const block = randomBytes(200, bits);
      for (const gap of [0, 50, 100, 200, 240, 260, 300, 500, 1000, 4000, 20_000, 40_000]) {
        const message = concat(block, randomBytes(gap, gap + 1), block);
        const { payload, rsv } = await server.encode(message, true);
        expect(rsv).toBe(4);
        expectBytes(strict.inflate(payload, bits), message);
        expectBytes(await zlibPeer.decompress(payload), message);
      }
      expect(strict.maxDistance).toBeGreaterThan(0);
      expect(strict.maxDistance).toBeLessThanOrEqual(1 << bits);
      server.dispose();
      zlibPeer.close();
    });
  }

  it('window 8 still finds matches within 250 bytes (zlib runs it as 9 minus its lookahead)', async () => {
    const server = createDeflateExtension({ ...DEFAULTS, serverMaxWindowBits: 8 }, 'server', { threshold: 0 });
    const strict = new StrictInflater();
    const message = jsonText(4000, 5);
    for (let i = 0; i < 5; i++) {
      const { payload } = await server.encode(message, false);
      expect(payload.length).toBeLessThan(message.length * 0.6);
      expectBytes(strict.inflate(payload, 8), message);
    }
    expect(strict.maxDistance).toBeLessThanOrEqual(250);
    server.dispose();
  });
});

describe('threshold and the choice to send uncompressed', () => {
  it('sends messages under the threshold as they are', () => {
    const codec = createDeflateExtension(DEFAULTS, 'server', { threshold: 100 });
    const small = jsonText(99);
    expectEncoded(codec.encode(small, false) as EncodedMessage, small, 0);
    codec.dispose();
  });

  it('uses a default threshold, and validates options', () => {
    const codec = createDeflateExtension(DEFAULTS, 'server');
    expectEncoded(codec.encode(bytes('tiny'), false) as EncodedMessage, bytes('tiny'), 0);
    codec.dispose();
    expect(() => createDeflateExtension(DEFAULTS, 'server', { level: 10 })).toThrow(RangeError);
    expect(() => createDeflateExtension(DEFAULTS, 'server', { memLevel: 0 })).toThrow(RangeError);
    expect(() => createDeflateExtension(DEFAULTS, 'server', { threshold: -1 })).toThrow(RangeError);
    expect(() => createDeflateExtension({ ...DEFAULTS, serverMaxWindowBits: 16 }, 'server')).toThrow(RangeError);
    expect(() => createDeflateExtension(DEFAULTS, 'peer' as Role)).toThrow(TypeError);
  });

  it('sends data that would not shrink uncompressed, with or without context takeover', async () => {
    for (const params of [DEFAULTS, NO_TAKEOVER]) {
      const codec = createDeflateExtension(params, 'server', { threshold: 0 });
      const noise = randomBytes(2000);
      expectEncoded(codec.encode(noise, true) as EncodedMessage, noise, 0);
      const big = randomBytes(100_000);
      expectEncoded(await codec.encode(big, true), big, 0);
      // Neither entered the window: the peer's history stays in step.
      expect(codec.contexts.historyBytes).toBe(0);
      const peer = createDeflateExtension(params, 'client');
      const text = jsonText(3000);
      const { payload, rsv } = await codec.encode(text, false);
      expect(rsv).toBe(4);
      expectBytes(await peer.decode(payload, rsv, MB), text);
      codec.dispose();
      peer.dispose();
    }
  });
});

describe('synchronous fast path and context lifetime', () => {
  it('holds no zlib context before the first message', () => {
    const codec = createDeflateExtension(DEFAULTS, 'server');
    expect(codec.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 0 });
    codec.dispose();
  });

  it('without context takeover: small messages finish synchronously and no context is kept', async () => {
    const { server, client } = pair(NO_TAKEOVER);
    const message = jsonText(4000);
    const encoded = server.encode(message, false);
    expect(encoded).not.toBeInstanceOf(Promise);
    const { payload, rsv } = encoded as { payload: Uint8Array; rsv: number };
    const decoded = client.decode(payload, rsv, MB);
    expect(decoded).not.toBeInstanceOf(Promise);
    expectBytes(decoded as Uint8Array, message);
    // Large ones go to the thread pool on a context that lives only as long as the job.
    const large = jsonText(200_000);
    const pending = server.encode(large, false);
    expect(pending).toBeInstanceOf(Promise);
    expect(server.contexts.deflate).toBe(true);
    const big = await pending;
    expect(big.rsv).toBe(4);
    expectBytes(await client.decode(big.payload, 4, MB), large);
    expect(server.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 0 });
    expect(client.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 0 });
    server.dispose();
    client.dispose();
  });

  it("with context takeover and keepContexts false: only the window's bytes are kept between messages", async () => {
    const { server, client } = pair(DEFAULTS, { keepContexts: false });
    const first = jsonText(1000, 1);
    const encoded = server.encode(first, false);
    expect(encoded).not.toBeInstanceOf(Promise);
    const { payload, rsv } = encoded as EncodedMessage;
    expect(server.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 1000 });
    expectBytes(client.decode(payload, rsv, MB) as Uint8Array, first);
    expect(client.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 1000 });
    // The next message refers back into the first one.
    const again = server.encode(first, false) as EncodedMessage;
    expect(again.payload.length).toBeLessThan(20);
    expectBytes(client.decode(again.payload, again.rsv, MB) as Uint8Array, first);
    // History never exceeds one window (32 KiB at 15 bits) per direction.
    const large = jsonText(100_000, 2);
    const big = await server.encode(large, false);
    expectBytes(await client.decode(big.payload, big.rsv, MB), large);
    expect(server.contexts.historyBytes).toBe(32 * 1024);
    expect(client.contexts.historyBytes).toBe(32 * 1024);
    server.dispose();
    client.dispose();
    expect(server.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 0 });
    expect(() => server.encode(jsonText(1000), false)).toThrow(/disposed/);
    expect(() => client.decode(payload, 4, MB)).toThrow(/disposed/);
  });

  it('with context takeover, by default: compression on fresh contexts (level 1), inflation on a kept one', () => {
    const { server, client } = pair(DEFAULTS);
    for (let i = 1; i <= 3; i++) {
      const message = jsonText(1000, i);
      const encoded = server.encode(message, false) as EncodedMessage;
      expect(encoded.rsv).toBe(4);
      expectBytes(client.decode(encoded.payload, encoded.rsv, MB) as Uint8Array, message);
      expect(server.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 1000 * i });
      expect(client.contexts).toEqual({ deflate: false, inflate: true, historyBytes: 1000 * i });
    }
    server.dispose();
    client.dispose();
    expect(client.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 0 });
  });

  it('at a lazy level: small messages run on kept contexts both ways, rebuilt from the history after another path', async () => {
    const { server, client } = pair(DEFAULTS, { level: 6 });
    const first = jsonText(1000, 1);
    const encoded = server.encode(first, false);
    expect(encoded).not.toBeInstanceOf(Promise);
    const { payload, rsv } = encoded as EncodedMessage;
    expect(server.contexts).toEqual({ deflate: true, inflate: false, historyBytes: 1000 });
    const decoded = client.decode(payload, rsv, MB);
    expect(decoded).not.toBeInstanceOf(Promise);
    expectBytes(decoded as Uint8Array, first);
    expect(client.contexts).toEqual({ deflate: false, inflate: true, historyBytes: 1000 });
    const again = server.encode(first, false) as EncodedMessage;
    expect(again.payload.length).toBeLessThan(40);
    expectBytes(client.decode(again.payload, again.rsv, MB) as Uint8Array, first);
    // A large message runs on the thread pool on a fresh context primed with the history; the
    // kept ones no longer match the windows and are dropped.
    const large = jsonText(100_000, 2);
    const big = await server.encode(large, false);
    expect(server.contexts.deflate).toBe(false);
    expectBytes(await client.decode(big.payload, big.rsv, MB), large);
    expect(client.contexts.inflate).toBe(false);
    // The next small message rebuilds them from the history: it still refers into the large one.
    const tail = large.subarray(large.length - 1000);
    const small = server.encode(tail, false) as EncodedMessage;
    expect(small.payload.length).toBeLessThan(40);
    expectBytes(client.decode(small.payload, small.rsv, MB) as Uint8Array, tail);
    expect(server.contexts.deflate).toBe(true);
    expect(client.contexts.inflate).toBe(true);
    // A message that would not shrink goes uncompressed and leaves both windows as they were.
    const noise = randomBytes(2000);
    expectEncoded(server.encode(noise, true) as EncodedMessage, noise, 0);
    expectBytes(client.decode(noise, 0, MB) as Uint8Array, noise);
    const next = server.encode(first, false) as EncodedMessage;
    expectBytes(client.decode(next.payload, next.rsv, MB) as Uint8Array, first);
    server.dispose();
    client.dispose();
    expect(server.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 0 });
    expect(client.contexts).toEqual({ deflate: false, inflate: false, historyBytes: 0 });
  });

  it('mixed: a server without takeover talking to a client with takeover', async () => {
    const params = { ...DEFAULTS, serverNoContextTakeover: true };
    const { server, client } = pair(params);
    for (let i = 0; i < 5; i++) {
      const down = await server.encode(jsonText(3000, i), false);
      expectBytes(await client.decode(down.payload, down.rsv, MB), jsonText(3000, i));
      const up = await client.encode(jsonText(3000, i), false);
      expectBytes(await server.decode(up.payload, up.rsv, MB), jsonText(3000, i));
    }
    // Each side keeps only the history of the direction that takes over context.
    expect(server.contexts.historyBytes).toBe(15_000);
    expect(client.contexts.historyBytes).toBe(15_000);
    server.dispose();
    client.dispose();
  });

  it('dispose() while jobs are running frees their limiter slots and settles nothing more', async () => {
    const limiter = new JobLimiter(2);
    const codec = createDeflateExtension(DEFAULTS, 'server', { threshold: 0, limiter });
    const settled: number[] = [];
    for (let i = 0; i < 5; i++)
      void Promise.resolve(codec.encode(jsonText(50_000, i), false)).then(() => settled.push(i));
    expect(limiter.running).toBe(1);
    codec.dispose();
    expect(limiter.running).toBe(0);
    expect(limiter.pending).toBe(0);
    // Nothing may settle afterwards. No event marks "never", so this wait can only let a bug pass
    // on a slow machine, never fail a correct codec.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toEqual([]);
  });
});

describe('limits and corrupt data', () => {
  it('accepts a message of exactly the limit and refuses one byte more (1009), on both paths', async () => {
    for (const params of [DEFAULTS, NO_TAKEOVER]) {
      const message = jsonText(10_000);
      const compressed = deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
      const exact = createDeflateExtension(params, 'server');
      expectBytes(await exact.decode(compressed, 4, 10_000), message);
      exact.dispose();
      const over = createDeflateExtension(params, 'server');
      const error = await expectInflateError(() => over.decode(compressed, 4, 9_999), 1009);
      expect(error.code).toBe('WS_ERR_MESSAGE_TOO_BIG');
      over.dispose();
    }
  });

  it('stops a decompression bomb at the limit: 10 MB of zeros from ~10 KB, limit 1 MB', async () => {
    const bomb = deflateRawSync(new Uint8Array(10 * MB), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(bomb.length).toBeLessThan(11_000);
    for (const params of [DEFAULTS, NO_TAKEOVER]) {
      const codec = createDeflateExtension(params, 'server');
      await expectInflateError(() => codec.decode(bomb, 4, MB), 1009);
      expect(codec.contexts.inflate).toBe(false);
      codec.dispose();
    }
  });

  it('a 1 GB bomb costs about the limit, not the inflated size, in time and memory', async () => {
    // ~1 MB compressed that would inflate to 1 GiB: sync-flushed segments end on a byte boundary
    // and refer only to themselves, so one segment repeated is a valid stream.
    const segment = deflateRawSync(new Uint8Array(64 * MB), { finishFlush: constants.Z_SYNC_FLUSH });
    const parts: Buffer[] = new Array(16).fill(segment);
    const bomb = Buffer.concat(parts).subarray(0, -4);
    expect(bomb.length).toBeLessThan(1.1 * MB);
    globalThis.gc?.();
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before.arrayBuffers);
    }, 1);
    // CPU time, not wall time: a loaded machine stretches the wall clock, never the work done.
    // The process's CPU time counts zlib's thread-pool threads too.
    const cpuBefore = process.cpuUsage();
    const codec = createDeflateExtension(DEFAULTS, 'server');
    await expectInflateError(() => codec.decode(bomb, 4, MB), 1009);
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - before.arrayBuffers);
    codec.dispose();
    // Inflating 1 GiB costs about a second of CPU and as much memory; we stop after ~1 MB.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(500);
    expect(peak).toBeLessThan(16 * MB);
  });

  it('refuses corrupt DEFLATE data with 1007, on both paths, and fails later input too', async () => {
    for (const params of [DEFAULTS, NO_TAKEOVER]) {
      const codec = createDeflateExtension(params, 'server');
      // BTYPE 11 is reserved (RFC 1951 §3.2.3).
      const error = await expectInflateError(() => codec.decode(hex('ff ff ff ff'), 4, MB), 1007);
      expect(error.code).toBe('WS_ERR_INVALID_COMPRESSED_DATA');
      codec.dispose();
    }
    const large = concat(deflateRawSync(jsonText(50_000)).subarray(0, 20_000), hex('ff ff ff'));
    const codec = createDeflateExtension(NO_TAKEOVER, 'server');
    await expectInflateError(() => codec.decode(concat(hex('ff'), large), 4, MB), 1007);
    codec.dispose();
  });

  it('redoes a synchronous inflate that outgrows its budget on the thread pool, history included', async () => {
    // 2 MB of text compresses under the synchronous input limit but inflates past its output budget.
    const message = new Uint8Array(2 * MB).fill(0x61);
    for (const params of [DEFAULTS, NO_TAKEOVER]) {
      const peer = oracleFor(params, 'client');
      const codec = createDeflateExtension(params, 'server');
      const before = jsonText(3000, 4);
      expectBytes(await codec.decode(await peer.compress(before), 4, 4 * MB), before);
      const compressed = await peer.compress(message);
      expect(compressed.length).toBeLessThan(16 * 1024);
      const result = codec.decode(compressed, 4, 4 * MB);
      expect(result).toBeInstanceOf(Promise);
      expectBytes(await result, message);
      // The next message may refer to both: the history was carried through the async job.
      const after = concat(before.subarray(0, 1000), message.subarray(0, 1000));
      expectBytes(await codec.decode(await peer.compress(after), 4, 4 * MB), after);
      codec.dispose();
      peer.close();
    }
  });

  it('inflates what plain zlib produces with a decompressor of the peer window size', async () => {
    const inflater = createInflateRaw({ windowBits: 15 });
    inflater.close();
    const codec = new PerMessageDeflate({ ...DEFAULTS, clientMaxWindowBits: 9 }, 'server');
    const peer = new OraclePeer({
      deflateWindowBits: 9,
      deflateResets: false,
      inflateWindowBits: 15,
      inflateResets: false,
    });
    for (let i = 0; i < 10; i++) {
      const message = jsonText(5000, i);
      expectBytes(await codec.decode(await peer.compress(message), 4, MB), message);
    }
    codec.dispose();
    peer.close();
  });
});

describe('ordering and the shared limiter', () => {
  it('completes each direction in call order with many jobs in flight across codecs', async () => {
    const limiter = new JobLimiter(2);
    let maxRunning = 0;
    const run = limiter.run.bind(limiter);
    limiter.run = (job) =>
      run((done) => {
        maxRunning = Math.max(maxRunning, limiter.running);
        job(done);
      });
    const codecs = Array.from({ length: 4 }, () => pair(DEFAULTS, { limiter }));
    const sizes = [10, 70_000, 300, 5_000, 1, 40_000, 2_000];
    await Promise.all(
      codecs.map(async ({ server, client }, c) => {
        const messages = sizes.map((size, i) => jsonText(size, c * 10 + i));
        const encoded = await Promise.all(messages.map((m) => Promise.resolve(server.encode(m, false))));
        const decoded = await Promise.all(
          encoded.map(({ payload, rsv }) => Promise.resolve(client.decode(payload, rsv, MB))),
        );
        expect(decoded).toHaveLength(messages.length);
        for (const [i, message] of messages.entries()) expectBytes(decoded[i]!, message);
      }),
    );
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(maxRunning).toBeGreaterThan(0);
    expect(limiter.running).toBe(0);
    for (const { server, client } of codecs) {
      server.dispose();
      client.dispose();
    }
  });
});

describe('memory and ratio of the synchronous path', () => {
  it('a small message, compressed or inflated, does not hold a 16 KiB zlib output buffer', () => {
    // zlib's one-shot calls return a view into their output buffer: sized by default at 16 KiB,
    // every small message would keep that much alive until the next garbage collection.
    for (const params of [DEFAULTS, NO_TAKEOVER]) {
      const { server, client } = pair(params);
      for (let i = 0; i < 20; i++) {
        const message = jsonText(1024, i + 1);
        const encoded = server.encode(message, false) as EncodedMessage;
        expect(encoded.rsv).toBe(4);
        expect(encoded.payload.buffer.byteLength).toBeLessThanOrEqual(Math.max(Buffer.poolSize, message.length + 64));
        const decoded = client.decode(encoded.payload, 4, MB) as Uint8Array;
        expectBytes(decoded, message);
        // From Node's shared pool (8 KiB on Node 20 and 22, 64 KiB on Node 24), not a buffer of its own.
        expect(decoded.buffer.byteLength).toBeLessThanOrEqual(Buffer.poolSize);
      }
      server.dispose();
      client.dispose();
    }
  });

  it('at level 6, compresses small messages with takeover as well as ws (level 6, kept context)', async () => {
    const kept = createDeflateRaw({ level: 6, windowBits: 15, memLevel: 8 });
    const keptBytes = (message: Uint8Array) =>
      new Promise<number>((resolve) => {
        const chunks: Buffer[] = [];
        const onData = (chunk: Buffer) => chunks.push(chunk);
        kept.on('data', onData);
        kept.write(message);
        kept.flush(constants.Z_SYNC_FLUSH, () => {
          kept.off('data', onData);
          resolve(Buffer.concat(chunks).length - 4);
        });
      });
    const { server, client } = pair(DEFAULTS, { level: 6 });
    let ours = 0;
    let theirs = 0;
    for (let i = 0; i < 200; i++) {
      const message = jsonText(1024, (i % 40) + 1);
      const encoded = server.encode(message, false) as EncodedMessage;
      expect(encoded.rsv).toBe(4);
      expectBytes(client.decode(encoded.payload, encoded.rsv, MB) as Uint8Array, message);
      ours += encoded.payload.length;
      theirs += await keptBytes(message);
    }
    kept.close();
    server.dispose();
    client.dispose();
    expect(ours).toBeLessThanOrEqual(theirs);
  });

  it('compresses a stream of small messages with takeover about as well as a zlib context kept across them', async () => {
    // The yardstick is what ws does: one zlib context per connection, each message sync-flushed.
    const kept = createDeflateRaw({ level: 1, windowBits: 15, flush: constants.Z_SYNC_FLUSH });
    const keptBytes = async (message: Uint8Array) =>
      new Promise<number>((resolve) => {
        let length = 0;
        const onData = (chunk: Buffer) => {
          length += chunk.length;
        };
        kept.on('data', onData);
        kept.write(message, () => {
          kept.off('data', onData);
          resolve(length - 4);
        });
      });
    const codec = createDeflateExtension(DEFAULTS, 'server');
    const peer = createDeflateExtension(DEFAULTS, 'client');
    let ours = 0;
    let theirs = 0;
    let alone = 0;
    for (let i = 0; i < 200; i++) {
      const message = jsonText(1024, (i % 40) + 1);
      const encoded = await codec.encode(message, false);
      expectBytes(await peer.decode(encoded.payload, encoded.rsv, MB), message);
      ours += encoded.payload.length;
      theirs += await keptBytes(message);
      alone += deflateRawSync(message, { level: 1, finishFlush: constants.Z_SYNC_FLUSH }).length - 4;
    }
    kept.close();
    codec.dispose();
    peer.dispose();
    // History pays (the messages share structure), and the few KiB of it come within 3% of the whole window.
    expect(ours).toBeLessThan(alone * 0.9);
    expect(ours).toBeLessThanOrEqual(theirs * 1.03);
  });
});
